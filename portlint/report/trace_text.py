"""`portlint trace` as a tree: one line per hop, a tick or a cross, file:line, and at a break the
rule, the reason and the hint exactly as `portlint check` words them.

Paths that share their first hops share the branch: a Service that selects two workloads forks there.
"""

from __future__ import annotations

from typing import TextIO

from portlint.report.text import STYLE, safe
from portlint.trace import Entry, Hop, Trace
from portlint.trace.backends import UNTRACED

GOOD, BAD, UNKNOWN = ("✓", "bold green"), ("✗", "bold red"), ("?", "bold yellow")
CAUTION = ("⚠", "bold yellow")
STATUS = {"ok": GOOD, "broken": BAD, "untraced": UNKNOWN}


Segments = list[tuple[str, str]]  # (text, rich style): a line's parts, made into rich Text on a terminal only


class Node:
    """A tree of labels (each a list of segments), drawn by rich on a terminal and by tree_lines elsewhere."""

    __slots__ = ("label", "children")

    def __init__(self, label: Segments):
        self.label, self.children = label, []

    def add(self, label: Segments) -> Node:
        child = Node(label)
        self.children.append(child)
        return child


def write(trace: Trace, out: TextIO) -> None:
    if not out.isatty():
        write_plain(trace, out)
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(file=out, highlight=False, emoji=False)
    for line, style in _unreadable(trace):
        console.print(Text(line, style=style))
    for number, entry in enumerate(trace.entries):
        if number:
            console.print()
        console.print(rich_tree(_entry_tree(entry)))
    console.print()
    summary, style = _summary(trace)
    console.print(Text(summary, style=style))


def write_plain(trace: Trace, out: TextIO) -> None:
    """The same tree as plain text, drawn here without rich: its renderer costs about 1 ms an entry, which
    dominates `trace --all` on a large repository when the output goes to a file or a pipe."""
    lines = [line for line, _style in _unreadable(trace)]
    for number, entry in enumerate(trace.entries):
        if number:
            lines.append("")
        lines.extend(tree_lines(_entry_tree(entry)))
    lines += ["", _summary(trace)[0]]
    out.write("\n".join(line.rstrip() for line in lines) + "\n")


def rich_tree(node: Node):
    """The rich Tree of `node`, as the terminal shows it."""
    from rich.tree import Tree

    tree = Tree(_rich_text(node.label), guide_style="dim")
    _add_children(tree, node)
    return tree


def _add_children(tree, node: Node) -> None:
    for child in node.children:
        _add_children(tree.add(_rich_text(child.label)), child)


def _rich_text(segments: Segments):
    from rich.text import Text

    text = Text()  # spans, not a base style: only the mark is coloured
    for part, style in segments:
        text.append(part, style=style)
    return text


def tree_lines(tree: Node) -> list[str]:
    """The tree drawn with rich's own guides (├── └── │)."""
    lines = "".join(part for part, _style in tree.label).split("\n")
    for number, child in enumerate(tree.children):
        last = number == len(tree.children) - 1
        head, rest = ("└── ", "    ") if last else ("├── ", "│   ")
        child_lines = tree_lines(child)
        lines.append(head + child_lines[0])
        lines.extend(rest + line for line in child_lines[1:])
    return lines


def _unreadable(trace: Trace) -> list[tuple[str, str]]:
    return [(safe(f"! {finding.file}:{finding.line}: {finding.rule}: {finding.message} "
                  f"(not traced; see portlint check)"), "yellow") for finding in trace.unreadable]


def _entry_tree(entry: Entry) -> Node:
    status = STATUS[entry.status]
    title = [(f"{status[0]} ", status[1]), (safe(entry.title), "bold")]
    client = entry.paths[0].hops[0] if entry.paths else None
    if client is not None:
        title.append((f"  ({safe(client.label)})", "dim"))
    if entry.rendered_from is not None:
        title.append((f"  (rendered from {safe(entry.rendered_from)})", "dim"))
    tree = Node(title)
    branches: dict[tuple, tuple[Node, dict]] = {}
    for path in entry.paths:
        level, children = tree, branches
        for hop in path.hops[1:]:  # the client is the root
            key = _merge_key(hop)
            if key not in children:
                children[key] = (level.add(_hop_text(hop)), {})
            level, children = children[key]
    return tree


def _merge_key(hop: Hop) -> tuple:
    return (hop.type, hop.node, hop.file, hop.line, hop.label, hop.ok, hop.rule, hop.reason, tuple(hop.notes))


def _hop_text(hop: Hop) -> Segments:
    mark, style = BAD if not hop.ok else CAUTION if hop.rule else GOOD
    text = [(f"{mark} ", style), (safe(hop.label), "bold" if hop.type in ("ingress", "service", "container") else "")]
    if hop.file:
        text.append((f"  {safe(hop.file)}:{hop.line}", "dim"))
    if hop.rule or not hop.ok:
        text.append(("\n", ""))
        if hop.rule:
            text.append((f"{hop.severity:<7} ", STYLE[hop.severity]))
            text.append((hop.rule, "bold"))
            where = next((f for f in hop.findings if f.rule == hop.rule), None)
            if where:
                text.append((f"  {safe(where.file)}:{where.line}:{where.column}", "dim"))
            text.append(("\n", ""))
        text.append((safe(hop.reason or ""), "red" if not hop.ok else "yellow"))
        if hop.hint:
            text.append(("\nhint: ", "green"))
            text.append((safe(hop.hint), ""))
    for note in hop.notes:
        text.append(("\n· " + safe(note), "yellow" if note.startswith(UNTRACED) else "dim"))
    return text


def _summary(trace: Trace) -> tuple[str, str]:
    if trace.target == "--all":
        counts = {status: sum(1 for e in trace.entries if e.status == status) for status in STATUS}
        if not trace.entries:
            return "No entry points: no Ingress, no Gateway, and no NodePort or LoadBalancer Service.", "green"
        redirect = " or a redirect" if any(p.ok and p.hops[-1].type == "redirect" for p in trace.paths) else ""
        blocked = sum(1 for e in trace.entries if not e.ok and any(_blocked_by_policy(p) for p in e.paths))
        by_policy = f" ({blocked} blocked by a NetworkPolicy)" if blocked else ""
        text = (f"{len(trace.entries)} entry point{'s' if len(trace.entries) != 1 else ''}: {counts['ok']} "
                f"reach{'es' if counts['ok'] == 1 else ''} a "
                f"container{redirect}, {counts['broken']} broken{by_policy}, {counts['untraced']} leave the manifests.")
        return text, "green" if trace.ok else "bold red" if counts["broken"] else "yellow"
    if len(trace.entries) > 1:
        return _environments_summary(trace)
    paths = trace.paths
    good = sum(1 for path in paths if path.ok)
    many = "s" if len(paths) != 1 else ""
    if trace.ok:
        goal = "a container" + (" or a redirect" if any(p.hops[-1].type == "redirect" for p in paths) else "")
        return f"ok: {good} of {len(paths)} path{many} reach{'es' if good == 1 else ''} {goal}.", "green"
    if trace.entries[0].status == "untraced":
        return (f"not ok: {len(paths)} path{many} leave{'s' if not many else ''} the manifests before a "
                "container."), "yellow"
    return f"broken: none of {len(paths)} path{many} reaches a container.", "bold red"


def _environments_summary(trace: Trace) -> tuple[str, str]:
    """One target traced in several environments (rendered roots, the raw files): reached in each?"""
    entries = trace.entries
    reached = [e for e in entries if e.ok]
    paths = trace.paths
    good = sum(1 for path in paths if path.ok)
    counts = f"{good} of {len(paths)} path{'s' if len(paths) != 1 else ''} reach{'es' if good == 1 else ''} a container"
    if trace.ok:
        return f"ok: reached in all {len(entries)} environments ({counts}).", "green"
    if not any(e.found for e in entries):
        return f"broken: none of the {len(entries)} environments holds {safe(trace.target)}.", "bold red"
    missed = ", ".join(safe(e.rendered_from or "the raw files") for e in entries if not e.ok)
    broken = any(e.status == "broken" for e in entries)
    return (f"{'broken' if broken else 'not ok'}: reached in {len(reached)} of {len(entries)} environments, "
            f"not in {missed} ({counts})."), "bold red" if broken else "yellow"


def _blocked_by_policy(path) -> bool:
    """The first hop that fails is the network-policy one."""
    failing = next((hop for hop in path.hops if not hop.ok), None)
    return failing is not None and failing.type == "network-policy"
