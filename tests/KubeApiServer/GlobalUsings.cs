global using System.Text.Json;
global using System.Text.Json.Nodes;
global using Nexus.KubeApiServer.Api;
global using Nexus.KubeApiServer.Model;
global using Nexus.KubeApiServer.Storage;
