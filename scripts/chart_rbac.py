#!/usr/bin/python3
"""The chart's identities for make run: reads the chart rendered by charts/render on stdin, writes its RBAC objects
(ServiceAccounts, Roles, ClusterRoles and their bindings) to the file named by the first argument, and prints the
operator's ServiceAccount, the gateway's ServiceAccount and the operator's Lease name on one line.

make run applies exactly these objects to its API stand-in and runs the operator and the gateway with their
ServiceAccounts' tokens, so a permission the chart forgot is refused locally as a cluster would refuse it.
"""
import sys

import yaml

RBAC_KINDS = {"ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"}


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: chart_rbac.py OUTPUT.yaml < rendered.yaml", file=sys.stderr)
        return 2
    documents = [d for d in yaml.safe_load_all(sys.stdin) if d]
    rbac = [d for d in documents if d.get("kind") in RBAC_KINDS]
    deployments = {d["metadata"]["labels"].get("app.kubernetes.io/component"): d
                   for d in documents if d.get("kind") == "Deployment"}
    try:
        operator, gateway = deployments["operator"]["spec"]["template"]["spec"], deployments["gateway"]["spec"]["template"]["spec"]
        lease = next(e["value"] for c in operator["containers"] for e in c.get("env", []) if e["name"] == "NEXUS_LEASE_NAME")
        accounts = operator["serviceAccountName"], gateway["serviceAccountName"]
    except (KeyError, StopIteration) as missing:
        print(f"the rendered chart lacks the operator's or the gateway's Deployment settings: {missing}", file=sys.stderr)
        return 1
    if not rbac:
        print("the rendered chart has no RBAC objects", file=sys.stderr)
        return 1
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        yaml.safe_dump_all(rbac, out, sort_keys=False)
    print(*accounts, lease)
    return 0


if __name__ == "__main__":
    sys.exit(main())
