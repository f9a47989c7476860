"""The connectivity engine against an independent implementation: Network Config Analyzer (NCA).

Hypothesis generates namespaces, pods and NetworkPolicies; NCA computes the connectivity map of
the same manifests, and for every (source pod, destination pod, port, protocol) and for clients
outside the cluster portlint's verdict must equal NCA's. The generator stays inside what both
define the same way: every namespace is in the input (so no label is unknown), and `ipBlock`
peers only admit addresses outside the cluster (portlint never lets one admit a pod, NCA
models pods without addresses), and a policy has rules only for the directions its `policyTypes`
names (the API server ignores the others; NCA rejects such a policy).

NCA pins PyYAML 6.0.2, whose libyaml has no nesting limit (portlint's hostile-input tests crash
on it), so it lives in an environment of its own: PORTLINT_NCA_PYTHON names that environment's
python (.ci/run makes one), and one NCA process answers every example of the run.
"""

from __future__ import annotations

import ipaddress
import os
import re
import subprocess

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from portlint.connectivity import Peer, connectivity
from portlint.run import check_text

# Reads "RESOURCES OUTPUT" lines, runs NCA's connectivity query on each, answers with its exit code.
DRIVER = """
import contextlib, io, sys
from nca.nca_cli import nca_main
for line in sys.stdin:
    resources, out = line.split()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = nca_main(["--connectivity", "-r", resources, "-o", "txt_no_fw_rules", "-f", out])
    print(code, flush=True)
"""


@pytest.fixture(scope="module")
def nca():
    python = os.environ.get("PORTLINT_NCA_PYTHON")
    if not python:
        pytest.skip("PORTLINT_NCA_PYTHON is not set: it names the python of an environment with "
                    "network-config-analyzer installed (python3 -m venv nca && nca/bin/pip install network-config-analyzer; "
                    ".ci/run makes one)")
    worker = subprocess.Popen([python, "-c", DRIVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    yield worker
    worker.stdin.close()
    worker.wait(timeout=30)


NAMESPACES = ("ns-a", "ns-b", "ns-c")
LABEL_VALUES = ("web", "db", "api")
PROBED_PORTS = (53, 80, 81, 443, 8080, 9090)
PORT_NAMES = ("http", "metrics", "dns")
EVERY_ADDRESS = (int(ipaddress.IPv4Address("0.0.0.0")), int(ipaddress.IPv4Address("255.255.255.255")))

labels = st.fixed_dictionaries({}, optional={"app": st.sampled_from(LABEL_VALUES), "tier": st.sampled_from(LABEL_VALUES)})


def selector(allow_empty=True):
    expression = st.fixed_dictionaries({"key": st.sampled_from(("app", "tier")),
                                        "operator": st.sampled_from(("In", "NotIn", "Exists", "DoesNotExist"))})
    expression = expression.map(lambda e: {**e, "values": ["web", "db"]} if e["operator"] in ("In", "NotIn") else e)
    built = st.fixed_dictionaries({}, optional={"matchLabels": labels.filter(bool),
                                                "matchExpressions": st.lists(expression, min_size=1, max_size=2)})
    return built if allow_empty else built.filter(bool)


namespace_selector = st.one_of(
    selector(),
    st.sampled_from(NAMESPACES).map(lambda n: {"matchLabels": {"kubernetes.io/metadata.name": n}}),
    st.just({"matchLabels": {"team": "blue"}}))
peer = st.one_of(
    st.fixed_dictionaries({"podSelector": selector()}),
    st.fixed_dictionaries({"namespaceSelector": namespace_selector}),
    st.fixed_dictionaries({"podSelector": selector(), "namespaceSelector": namespace_selector}),
    st.sampled_from(({"ipBlock": {"cidr": "0.0.0.0/0"}}, {"ipBlock": {"cidr": "10.0.0.0/8"}},
                     {"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}})))
policy_port = st.one_of(
    st.fixed_dictionaries({"port": st.sampled_from(PROBED_PORTS)}, optional={"protocol": st.sampled_from(("TCP", "UDP"))}),
    st.fixed_dictionaries({"port": st.sampled_from(PORT_NAMES)}, optional={"protocol": st.sampled_from(("TCP", "UDP"))}),
    st.fixed_dictionaries({"port": st.sampled_from((80, 81)), "endPort": st.sampled_from((81, 443, 8080))}),
    st.fixed_dictionaries({"protocol": st.sampled_from(("TCP", "UDP"))}))


def rule(peers_key):
    return st.fixed_dictionaries({}, optional={peers_key: st.lists(peer, max_size=2),
                                               "ports": st.lists(policy_port, max_size=2)})


policy_spec = st.fixed_dictionaries(
    {"podSelector": selector()},
    optional={"policyTypes": st.sampled_from((["Ingress"], ["Egress"], ["Ingress", "Egress"])),
              "ingress": st.lists(rule("from"), max_size=2), "egress": st.lists(rule("to"), max_size=2)})
container_port = st.fixed_dictionaries({"containerPort": st.sampled_from(PROBED_PORTS)},
                                       optional={"name": st.sampled_from(PORT_NAMES),
                                                 "protocol": st.sampled_from(("TCP", "UDP"))})


@st.composite
def manifests(draw):
    documents = [{"apiVersion": "v1", "kind": "Namespace",
                  "metadata": {"name": n, "labels": draw(st.sampled_from(({}, {"team": "blue"})))}}
                 for n in NAMESPACES]
    for number in range(draw(st.integers(2, 4))):
        seen, unique = set(), []
        for port in draw(st.lists(container_port, max_size=3)):
            # the API server rejects two ports of one name, or of one number and protocol
            keys = {("number", port["containerPort"], port.get("protocol", "TCP"))} | (
                {("name", port["name"])} if "name" in port else set())
            if not keys & seen:
                unique.append(port)
                seen |= keys
        pod_labels = {**draw(labels), "pod": f"p{number}"}
        documents.append({"apiVersion": "v1", "kind": "Pod",
                          "metadata": {"name": f"p{number}", "namespace": draw(st.sampled_from(NAMESPACES)),
                                       "labels": pod_labels},
                          "spec": {"containers": [{"name": "c", "image": "x", "ports": unique}]}})
    for number in range(draw(st.integers(1, 3))):
        documents.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                          "metadata": {"name": f"np{number}", "namespace": draw(st.sampled_from(NAMESPACES))},
                          "spec": _consistent(draw(policy_spec))})
    return documents


def _consistent(spec: dict) -> dict:
    """Rules only for the directions `policyTypes` names: the API server ignores the others, NCA refuses them.

    And no `egress: []` without `policyTypes`: the API server defaults policyTypes to Ingress alone
    then (pkg/apis/networking/v1/defaults.go: Egress only when `len(spec.Egress) != 0`), while NCA
    2.1.0 counts the empty list as an egress section and isolates the pods for egress. That case
    is pinned by test_network_policies.py instead.
    """
    for direction, key in (("Ingress", "ingress"), ("Egress", "egress")):
        if "policyTypes" in spec and direction not in spec["policyTypes"]:
            spec.pop(key, None)
    if "policyTypes" not in spec and spec.get("egress") == []:
        spec.pop("egress")
    return spec


# --- NCA's answer ---------------------------------------------------------------------------------

LINE = re.compile(r"^(?P<src>\S+) => (?P<dst>\S+) : (?P<conns>.+)$")


def nca_connectivity(worker, text: str, tmp_path) -> dict[tuple[str, str], list[tuple[str | None, set[int] | None]]]:
    """(source, destination) → the (protocol, ports) NCA allows; None protocol: all connections."""
    resources, out = tmp_path / "resources.yaml", tmp_path / "connectivity.txt"
    resources.write_text(text)
    out.unlink(missing_ok=True)  # NCA appends to its output file, and hypothesis reuses tmp_path
    worker.stdin.write(f"{resources} {out}\n")
    worker.stdin.flush()
    assert worker.stdout.readline().strip() == "0", "NCA failed on the generated manifests"
    allowed: dict = {}
    for line in out.read_text().splitlines():
        match = LINE.match(line.strip())
        if match:
            allowed.setdefault((match["src"], match["dst"]), []).extend(_connections(match["conns"]))
    return allowed


def _connections(text: str) -> list[tuple[str | None, set[int] | None]]:
    """`All connections`, or groups like `{protocols:TCP,UDP,dst_ports:80-90,8080}`."""
    if text.strip() == "All connections":
        return [(None, None)]
    found = []
    for group in re.findall(r"\{([^}]*)\}", text):
        head, _, ports_text = group.partition("dst_ports:")
        protocols = [p.strip() for p in head.removeprefix("protocols:").split(",") if p.strip()]
        ports = None
        if ports_text:
            ports = set()
            for token in filter(None, (t.strip() for t in ports_text.split(","))):
                low, _, high = token.partition("-")
                ports.update(range(int(low), int(high or low) + 1))
        found += [(protocol, ports) for protocol in protocols]
    return found


def nca_allows(connections, number: int, protocol: str) -> bool:
    return any((p is None or p == protocol) and (ports is None or number in ports) for p, ports in connections)


def nca_every_address(allowed, destination: str, number: int, protocol: str) -> bool:
    ranges = []
    for (source, target), connections in allowed.items():
        if target == destination and "[" not in source and nca_allows(connections, number, protocol):
            for part in source.split(","):
                low, _, high = part.partition("-")
                try:
                    ranges.append((int(ipaddress.IPv4Address(low)), int(ipaddress.IPv4Address(high or low))))
                except ValueError:
                    continue  # an IPv6 range
    covered = EVERY_ADDRESS[0]
    for low, high in sorted(ranges):
        if low > covered:
            return False
        covered = max(covered, high + 1)
    return covered > EVERY_ADDRESS[1]


# --- the comparison -------------------------------------------------------------------------------

@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(documents=manifests())
def test_portlint_and_nca_agree_on_every_connection(nca, documents, tmp_path):
    text = yaml.safe_dump_all(documents, sort_keys=False)
    allowed = nca_connectivity(nca, text, tmp_path)
    cluster = check_text(text).clusters[0]
    engine = connectivity(cluster)
    pods = {f"{w.namespace}/{w.name}[Pod]": w for w in cluster.workloads}
    disagreements = []
    for destination_name, destination in pods.items():
        for number in PROBED_PORTS:
            for protocol in ("TCP", "UDP"):
                for source_name, source in pods.items():
                    if source is destination:
                        continue
                    ours = engine.reach(Peer.pod(source), destination, number, protocol).allowed
                    theirs = nca_allows(allowed.get((source_name, destination_name), []), number, protocol)
                    if ours is not theirs:
                        disagreements.append((source_name, destination_name, number, protocol, ours, theirs))
                verdict = engine.reach(Peer.external(), destination, number, protocol)
                ours = verdict.allowed is True and verdict.only_from is None
                theirs = nca_every_address(allowed, destination_name, number, protocol)
                if ours is not theirs:
                    disagreements.append(("external", destination_name, number, protocol, ours, theirs))
    assert disagreements == [], text
