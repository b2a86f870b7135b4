namespace Nexus.KubeApiServer.Builtins;

/// <summary>The built-in kinds the platform uses, with the write rules of their real registry strategies.</summary>
public static class BuiltinTypes
{
    public static readonly ResourceType Namespaces = new()
    {
        Group = "", Version = "v1", Kind = "Namespace", Plural = "namespaces", Singular = "namespace",
        ShortNames = ["ns"], Namespaced = false, HasStatus = true,
        ExtraFieldSelectors = ["status.phase"],
    };

    public static readonly ResourceType Crds = new()
    {
        Group = "apiextensions.k8s.io", Version = "v1", Kind = "CustomResourceDefinition",
        Plural = "customresourcedefinitions", Singular = "customresourcedefinition", ShortNames = ["crd", "crds"],
        Namespaced = false, HasStatus = true, Generation = GenerationPolicy.AllButMetadata,
        Categories = ["api-extensions"],
    };

    public static readonly ResourceType Deployments = new()
    {
        Group = "apps", Version = "v1", Kind = "Deployment", Plural = "deployments", Singular = "deployment",
        ShortNames = ["deploy"], Categories = ["all"], HasStatus = true, Generation = GenerationPolicy.SpecAndAnnotations,
        Scale = new ScaleSpec(".spec.replicas", ".status.replicas", null),
    };

    public static readonly ResourceType ServiceAccounts = new()
        { Group = "", Version = "v1", Kind = "ServiceAccount", Plural = "serviceaccounts", Singular = "serviceaccount", ShortNames = ["sa"] };

    // Stored by every cluster; with RBAC enforcement on they also decide every request (Auth/RbacAuthorizer).
    public static readonly ResourceType Roles = new() { Group = Rbac, Version = "v1", Kind = "Role", Plural = "roles", Singular = "role" };
    public static readonly ResourceType ClusterRoles = new()
        { Group = Rbac, Version = "v1", Kind = "ClusterRole", Plural = "clusterroles", Singular = "clusterrole", Namespaced = false };
    public static readonly ResourceType RoleBindings = new()
        { Group = Rbac, Version = "v1", Kind = "RoleBinding", Plural = "rolebindings", Singular = "rolebinding" };
    public static readonly ResourceType ClusterRoleBindings = new()
        { Group = Rbac, Version = "v1", Kind = "ClusterRoleBinding", Plural = "clusterrolebindings", Singular = "clusterrolebinding", Namespaced = false };

    public static readonly ResourceType Events = new()
    {
        Group = "", Version = "v1", Kind = "Event", Plural = "events", Singular = "event", ShortNames = ["ev"],
        PutCreates = true,
        ExtraFieldSelectors =
        [
            "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
            "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
            "reason", "reportingComponent", "source", "type",
        ],
    };

    public static readonly ResourceType Leases = new()
    {
        Group = "coordination.k8s.io", Version = "v1", Kind = "Lease", Plural = "leases", Singular = "lease",
        PutCreates = true, RequireResourceVersionOnUpdate = true,
    };

    public static IReadOnlyList<ResourceType> All { get; } =
    [
        Namespaces,
        new() { Group = "", Version = "v1", Kind = "Pod", Plural = "pods", Singular = "pod", ShortNames = ["po"],
            Categories = ["all"], HasStatus = true, ExtraFieldSelectors = ["spec.nodeName", "status.phase", "spec.serviceAccountName"],
            // kubectl's pod columns, as far as JSONPath reaches (READY shows the Ready condition, not "1/1").
            Columns = [new("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status", null, null, 0),
                new("Status", "string", ".status.phase", null, null, 0), new("Restarts", "integer", ".status.containerStatuses[0].restartCount", null, null, 0),
                new("Age", "date", ".metadata.creationTimestamp", null, null, 0), new("IP", "string", ".status.podIP", null, null, 1),
                new("Node", "string", ".spec.nodeName", null, null, 1)] },
        new() { Group = "", Version = "v1", Kind = "Secret", Plural = "secrets", Singular = "secret", ExtraFieldSelectors = ["type"] },
        new() { Group = "", Version = "v1", Kind = "ConfigMap", Plural = "configmaps", Singular = "configmap", ShortNames = ["cm"] },
        new() { Group = "", Version = "v1", Kind = "Service", Plural = "services", Singular = "service", ShortNames = ["svc"],
            Categories = ["all"], HasStatus = true },
        ServiceAccounts,
        Events,
        Deployments,
        Leases,
        new() { Group = "discovery.k8s.io", Version = "v1", Kind = "EndpointSlice", Plural = "endpointslices", Singular = "endpointslice" },
        Crds,
        // What the chart renders besides workloads: access control, network isolation, disruption budgets, ingress.
        Roles,
        ClusterRoles,
        RoleBindings,
        ClusterRoleBindings,
        new() { Group = "networking.k8s.io", Version = "v1", Kind = "NetworkPolicy", Plural = "networkpolicies", Singular = "networkpolicy",
            ShortNames = ["netpol"], Generation = GenerationPolicy.Spec },
        new() { Group = "networking.k8s.io", Version = "v1", Kind = "Ingress", Plural = "ingresses", Singular = "ingress",
            ShortNames = ["ing"], HasStatus = true, Generation = GenerationPolicy.Spec },
        new() { Group = "networking.k8s.io", Version = "v1", Kind = "IngressClass", Plural = "ingressclasses", Singular = "ingressclass",
            Namespaced = false },
        new() { Group = "autoscaling", Version = "v2", Kind = "HorizontalPodAutoscaler", Plural = "horizontalpodautoscalers",
            Singular = "horizontalpodautoscaler", ShortNames = ["hpa"], HasStatus = true, Generation = GenerationPolicy.Spec },
        new() { Group = "policy", Version = "v1", Kind = "PodDisruptionBudget", Plural = "poddisruptionbudgets", Singular = "poddisruptionbudget",
            ShortNames = ["pdb"], HasStatus = true, Generation = GenerationPolicy.Spec },
    ];

    const string Rbac = "rbac.authorization.k8s.io";
}
