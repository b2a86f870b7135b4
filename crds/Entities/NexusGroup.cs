namespace Nexus.Crds.Entities;

/// <summary>The API group every Nexus custom resource belongs to, and the label keys they carry.</summary>
public static class NexusGroup
{
    public const string Group = "nexus.ai";
    public const string Version = "v1";
    public const string ApiVersion = Group + "/" + Version;
    public const string Category = "nexus";

    public const string TenantLabel = "nexus.ai/tenant";
    public const string JobTypeLabel = "nexus.ai/job-type";
    public const string PriorityLabel = "nexus.ai/priority";
    public const string BatchLabel = "nexus.ai/batch";

    /// <summary>
    /// Held by every AiJob and AiJobBatch until the operator has written its finished record to the history database:
    /// an object is never gone from etcd before it is in PostgreSQL, even when someone deletes it by hand.
    /// </summary>
    public const string ArchiveFinalizer = "nexus.ai/archive";
}
