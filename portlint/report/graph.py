"""`portlint trace --format mermaid|dot`: the routing graph of a trace, to paste into a README or render.

One node per object a request passes (the client, each Ingress, Gateway listener, route, redirect,
nodePort, load balancer, Service, workload, container), one edge per hop, labelled with the host/path or port it arrives on.
A node or edge on which a hop breaks is drawn red, and the edge names the rule; the hops that a
request never gets to, beyond a break, are drawn grey and dotted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TextIO

from portlint.trace import Hop, Trace

CLIENT_LABELS = {"external": "client (outside the cluster)", "cluster": "client (in the cluster)"}


@dataclass
class GraphNode:
    id: str
    label: str
    kind: str
    ok: bool = True


@dataclass
class Graph:
    nodes: dict[tuple, GraphNode] = field(default_factory=dict)
    # (from, to, label) -> (ok, rule, reached): reached unless every path to it broke earlier
    edges: dict[tuple, tuple[bool, str | None, bool]] = field(default_factory=dict)

    def node(self, hop: Hop, environment: str | None = None) -> GraphNode:
        """`environment`: the root a path was rendered from; its objects are nodes of their own (two
        overlays' Services are two Services), the client is everyone's."""
        key = hop.node or (hop.type, id(hop))
        if environment is not None and hop.type != "client":
            key = (environment, key)
        if key not in self.nodes:
            label = _node_label(hop) + (f" ({environment})" if environment is not None and hop.type != "client" else "")
            self.nodes[key] = GraphNode(f"n{len(self.nodes)}", label, hop.type)
        node = self.nodes[key]
        node.ok = node.ok and hop.ok
        return node

    def edge(self, source: GraphNode, target: GraphNode, hop: Hop, reached: bool, gate: Hop | None = None) -> None:
        key = (source.id, target.id, hop.edge)
        ok, rule, was_reached = self.edges.get(key, (True, None, False))
        if not hop.ok and ok:
            ok, rule = False, hop.rule or "broken"
        if gate is not None and not gate.ok and ok:
            ok, rule = False, "blocked by NetworkPolicy"
        self.edges[key] = (ok, rule, was_reached or reached)

    def edge_label(self, key: tuple) -> str:
        ok, rule, _ = self.edges[key]
        return key[2] if ok else " ".join(part for part in (key[2], f"✗ {rule}") if part)


def build(trace: Trace) -> Graph:
    graph = Graph()
    for path in trace.paths:
        previous, reached, gate = None, True, None
        for hop in path.hops:
            if hop.type == "network-policy":  # not a place but a judgement: drawn on the edge into the container
                gate = hop
                continue
            node = graph.node(hop, path.rendered_from)
            if previous is not None:
                graph.edge(previous, node, hop, reached, gate)
            previous = node
            reached = reached and hop.ok and (gate is None or gate.ok)
            gate = None
    return graph


def _node_label(hop: Hop) -> str:
    if hop.type == "client":
        return CLIENT_LABELS.get(hop.node[1] if len(hop.node) > 1 else "", "client")
    if hop.obj is None:
        return hop.label
    if hop.type == "container":
        name = hop.node[2]
        return f"{hop.obj.name}: container {name}" if not name.startswith(":") else f"{hop.obj.name}: pod port {name[1:]}"
    if hop.type == "node-port":
        return f"nodePort {hop.port or '(allocated)'}"
    if hop.type == "load-balancer":
        return f"LoadBalancer {hop.obj.name}:{hop.port}"
    if hop.type == "gateway":
        return f"Gateway {hop.obj.namespace}/{hop.obj.name} · {hop.node[2]} :{hop.port}"
    if hop.type == "redirect":
        return f"redirect → {hop.node[1]}"
    return f"{hop.obj.ref.kind} {hop.obj.namespace}/{hop.obj.name}"


# --- DOT (graphviz) -------------------------------------------------------------------------------

SHAPES = {"client": "oval", "ingress": "hexagon", "gateway": "hexagon", "route": "parallelogram", "redirect": "note",
          "node-port": "cds", "load-balancer": "cds",
          "service": "box", "workload": "component", "container": "box3d"}


def write_dot(trace: Trace, out: TextIO) -> None:
    graph = build(trace)
    lines = ["digraph portlint {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=11];',
             '  edge [fontname="Helvetica", fontsize=10];', f"  label={_dot_string('portlint trace ' + trace.target)};"]
    for node in graph.nodes.values():
        color = "" if node.ok else ', color="#cc0000", fontcolor="#cc0000", penwidth=2'
        lines.append(f"  {node.id} [label={_dot_string(node.label)}, shape={SHAPES.get(node.kind, 'box')}{color}];")
    for key, (ok, _, reached) in graph.edges.items():
        source, target, label = key[0], key[1], graph.edge_label(key)
        style = "" if ok else ', color="#cc0000", fontcolor="#cc0000", style=dashed'
        if ok and not reached:
            style = ', color="#999999", fontcolor="#999999", style=dotted'
        lines.append(f"  {source} -> {target} [label={_dot_string(label)}{style}];")
    lines.append("}")
    out.write("\n".join(lines) + "\n")


def _dot_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


# --- Mermaid --------------------------------------------------------------------------------------

MERMAID_SHAPES = {"client": ("([", "])"), "ingress": ("{{", "}}"), "gateway": ("{{", "}}"), "route": ("[\\", "\\]"),
                  "redirect": (">", "]"), "node-port": ("[/", "/]"),
                  "load-balancer": ("[/", "/]"), "service": ("[", "]"), "workload": ("[[", "]]"),
                  "container": ("[(", ")]")}


def write_mermaid(trace: Trace, out: TextIO) -> None:
    graph = build(trace)
    lines = ["flowchart LR"]
    for node in graph.nodes.values():
        opening, closing = MERMAID_SHAPES.get(node.kind, ("[", "]"))
        lines.append(f"  {node.id}{opening}{_mermaid_string(node.label)}{closing}")
    broken_edges, unreached_edges = [], []
    for number, (key, (ok, _, reached)) in enumerate(graph.edges.items()):
        source, target, label = key[0], key[1], graph.edge_label(key)
        arrow = "-->" if ok and reached else "-.->"
        lines.append(f"  {source} {arrow}|{_mermaid_string(label)}| {target}" if label else f"  {source} {arrow} {target}")
        if not ok:
            broken_edges.append(str(number))
        elif not reached:
            unreached_edges.append(str(number))
    lines.append("  classDef broken stroke:#c00,stroke-width:2px,color:#c00")
    broken = [node.id for node in graph.nodes.values() if not node.ok]
    if broken:
        lines.append(f"  class {','.join(broken)} broken")
    if broken_edges:
        lines.append(f"  linkStyle {','.join(broken_edges)} stroke:#c00,color:#c00")
    if unreached_edges:
        lines.append(f"  linkStyle {','.join(unreached_edges)} stroke:#999,color:#999")
    out.write("\n".join(lines) + "\n")


def markdown_mermaid(trace: Trace) -> str:
    """The graph as a fenced Mermaid block under a heading, for a Markdown page (a GitHub job summary)."""
    from io import StringIO

    block = StringIO()
    write_mermaid(trace, block)
    title = "Exposure map" if trace.target == "--all" else f"Trace of {trace.target}"
    return f"## portlint: {_mermaid_string(title)[1:-1]}\n\n```mermaid\n{block.getvalue()}```\n\n"


def _mermaid_string(text: str) -> str:
    """A quoted Mermaid label: quotes and markup characters as entity codes."""
    for char, code in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("|", "#124;")):
        text = text.replace(char, code)
    return f'"{text}"'
