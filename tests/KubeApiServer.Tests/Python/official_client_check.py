"""The official Kubernetes Python client (Debian's python3-kubernetes) against an API server: an independent client
for list, watch, patch, status and delete. Usage: official_client_check.py KUBECONFIG NAMESPACE. Prints one line per
step and exits non-zero at the first step that does not behave as a real API server does."""

import sys

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

GROUP, VERSION, PLURAL = "nexus.ai", "v1", "aijobs"


def job(name):
    return {
        "apiVersion": "nexus.ai/v1",
        "kind": "AiJob",
        "metadata": {"name": name, "labels": {"suite": "python"}},
        "spec": {"type": "pricing_recalculate", "tenant": "acme", "params": {"skus": ["SKU-1"]}},
    }


def check(condition, what):
    if not condition:
        print(f"FAILED: {what}")
        sys.exit(1)
    print(f"ok: {what}")


def main(kubeconfig, ns):
    config.load_kube_config(config_file=kubeconfig)
    api = client.CustomObjectsApi()
    core = client.CoreV1Api()

    created = api.create_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, job("py-a"))
    check(created["metadata"]["generation"] == 1 and created["spec"]["priority"] == "normal", "create (defaults applied)")
    api.create_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, job("py-b"))

    listed = api.list_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, label_selector="suite=python")
    names = sorted(i["metadata"]["name"] for i in listed["items"])
    check(names == ["py-a", "py-b"], f"list with a label selector: {names}")
    list_rv = listed["metadata"]["resourceVersion"]

    # The client sends watch=True (a Python bool in the query); the server must treat it as a watch.
    patched = api.patch_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, "py-a", {"spec": {"priority": "high"}})
    check(patched["spec"]["priority"] == "high" and patched["metadata"]["generation"] == 2, "merge patch bumps generation")
    status = api.patch_namespaced_custom_object_status(
        GROUP, VERSION, ns, PLURAL, "py-a", {"status": {"phase": "Running", "attempts": 1}})
    check(status["status"]["phase"] == "Running" and status["metadata"]["generation"] == 2, "status patch keeps generation")
    api.delete_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, "py-b")

    seen = []
    w = watch.Watch()
    for event in w.stream(api.list_namespaced_custom_object, GROUP, VERSION, ns, PLURAL,
                          resource_version=list_rv, timeout_seconds=10):
        seen.append((event["type"], event["object"]["metadata"]["name"]))
        if len(seen) == 3:
            w.stop()
    check(seen == [("MODIFIED", "py-a"), ("MODIFIED", "py-a"), ("DELETED", "py-b")], f"watch from the list's resourceVersion: {seen}")

    try:
        api.get_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, "py-b")
        check(False, "deleted object is gone")
    except ApiException as e:
        check(e.status == 404, "deleted object is 404")

    try:
        api.create_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, job("py-a"))
        check(False, "duplicate create is refused")
    except ApiException as e:
        check(e.status == 409 and '"AlreadyExists"' in e.body, "duplicate create is 409 AlreadyExists")

    # Typed built-ins through the generated models, with a watch that starts from the current state.
    core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py-cm"), data={"k": "v"}))
    events = []
    for event in watch.Watch().stream(core.list_namespaced_config_map, ns, timeout_seconds=2):
        events.append((event["type"], event["object"].metadata.name, event["object"].data))
    check(events == [("ADDED", "py-cm", {"k": "v"})], f"typed watch of ConfigMaps: {events}")
    core.delete_namespaced_config_map("py-cm", ns)
    check(core.list_namespaced_config_map(ns).items == [], "typed delete")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
