"""Where each value is in a file's text: the spans a fix splices into, found by the key's position.

The loader records where every key starts; PyYAML's composer (libyaml) gives, for the same text,
each node's start and end as character offsets. Indexing a file's keys by (line, column) joins
the two: a fix names a key by the position the loader gave it, and finds here the exact span of
its value, its quoting style, the YAML document it sits in and its path there. Nothing is
constructed from tags. A node that YAML aliases elsewhere (`*anchor`, `<<: *anchor`) is
*shared*: changing its text would change every place that refers to it, so no fix touches it.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_UNRESOLVED = "!portlint:unresolved"
_SCALAR_TAGS = {(plain, quoted): f"{_UNRESOLVED}:{int(plain)}{int(quoted)}" for plain in (False, True)
                for quoted in (False, True)}
_RESOLVER = yaml.resolver.Resolver()  # the loader's own implicit resolvers


class _Composer(_Loader):
    """PyYAML's composer with every tag left unresolved (how the node was written is kept in its place):
    an index reads the spans and styles of all nodes but the values of only those a fix changes, which
    FileIndex.value_of resolves as the loader would. Resolving every tag in Python was a fifth of an index's time."""

    def resolve(self, kind, value, implicit):
        return _SCALAR_TAGS[implicit] if kind is yaml.ScalarNode else _UNRESOLVED


@dataclass(frozen=True)
class Entry:
    """One mapping entry: its key and value nodes, its document and its path in it, whether it is shared."""

    key: yaml.Node
    value: yaml.Node
    document: int
    path: tuple
    shared: bool

    @property
    def span(self) -> tuple[int, int]:
        return self.value.start_mark.index, self.value.end_mark.index

    @property
    def style(self) -> str | None:
        """'' or None (plain), "'", '"', '|' or '>' for a scalar; None for a mapping or sequence."""
        return self.value.style if isinstance(self.value, yaml.ScalarNode) else None


@dataclass(frozen=True)
class Document:
    """One YAML document of the text: its root node (whose marks give where it starts and ends)."""

    root: yaml.Node
    index: int


class FileIndex:
    """The mapping entries of a text by the 1-based (line, column) of their key: every entry, or only
    those at the `wanted` positions."""

    def __init__(self, text: str, wanted: set[tuple[int, int]] | None = None):
        self.text = text
        self.wanted = wanted
        self.entries: dict[tuple[int, int], Entry] = {}
        self.documents: list[Document] = []
        loader = _Composer(text)
        try:
            while loader.check_node():
                root = loader.get_node()
                if root is not None:
                    self.documents.append(Document(root, len(self.documents)))
        finally:
            loader.dispose()
        for document in self.documents:
            self._index(document)

    def entry(self, line: int, column: int) -> Entry | None:
        return self.entries.get((line, column))

    def value_of(self, entry: Entry) -> object:
        """The value of a scalar entry as the loader reads it (PyYAML's safe constructor)."""
        node = entry.value
        if node.tag.startswith(_UNRESOLVED):  # written without an explicit tag: resolved now
            implicit = (node.tag[-2] == "1", node.tag[-1] == "1")
            node = yaml.ScalarNode(_RESOLVER.resolve(yaml.ScalarNode, node.value, implicit), node.value,
                                   node.start_mark, node.end_mark, node.style)
        return yaml.constructor.SafeConstructor().construct_object(node)

    def _index(self, document: Document) -> None:
        # without an anchor in the text, no node is reached twice
        shared = _shared_nodes(document.root) if "&" in self.text else set()
        wanted = self.wanted
        stack = [(document.root, (), False)]
        seen: set[int] = set()
        while stack:
            node, path, inside_shared = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            inside_shared = inside_shared or id(node) in shared
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    name = key.value if isinstance(key, yaml.ScalarNode) else None
                    position = (key.start_mark.line + 1, key.start_mark.column + 1)
                    if wanted is None or position in wanted:
                        self.entries[position] = Entry(key, value, document.index, path + (name,),
                                                       inside_shared or id(value) in shared)
                    stack.append((value, path + (name,), inside_shared))
            elif isinstance(node, yaml.SequenceNode):
                stack.extend((item, path + (number,), inside_shared) for number, item in enumerate(node.value))


def _shared_nodes(root: yaml.Node) -> set[int]:
    """Nodes reached more than once: an anchored node and everything an alias to it reaches."""
    references: dict[int, int] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        references[id(node)] = references.get(id(node), 0) + 1
        if references[id(node)] > 1:
            continue
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return {node for node, count in references.items() if count > 1}
