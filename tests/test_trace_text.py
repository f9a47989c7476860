"""The plain trace tree (files, pipes) draws exactly what rich draws on a terminal."""

import io

import pytest
from rich.console import Console

from conftest import ROOT
from portlint.report import trace_text
from portlint.trace import AllTarget, trace_paths


def rich_lines(tree) -> list[str]:
    buffer = io.StringIO()
    Console(file=buffer, width=10_000, no_color=True, highlight=False, emoji=False).print(tree)
    return [line.rstrip() for line in buffer.getvalue().splitlines()]


@pytest.mark.parametrize("example", ["broken", "fixed"])
def test_plain_tree_equals_richs_rendering(example):
    trace = trace_paths(AllTarget(), [str(ROOT / "examples" / example)])
    for entry in trace.entries:
        tree = trace_text._entry_tree(entry)
        assert [line.rstrip() for line in trace_text.tree_lines(tree)] == rich_lines(trace_text.rich_tree(tree))


def test_plain_tree_equals_richs_rendering_on_a_real_repository(corpus):
    trace = trace_paths(AllTarget(), [str(corpus / "kubernetes__ingress-nginx")])
    assert len(trace.entries) > 20
    for entry in trace.entries:
        tree = trace_text._entry_tree(entry)
        assert [line.rstrip() for line in trace_text.tree_lines(tree)] == rich_lines(trace_text.rich_tree(tree))


def test_on_a_terminal_only_the_marks_carry_the_status_colour():
    trace = trace_paths(AllTarget(), [str(ROOT / "examples" / "broken")])
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="standard", width=200, no_color=False)
    console.print(trace_text.rich_tree(trace_text._entry_tree(trace.entries[0])))
    first_line = buffer.getvalue().splitlines()[0]
    # the cross is bold red; the title after it is bold, not red
    assert first_line.startswith("\x1b[1;31m✗ \x1b[0m\x1b[1mhttp://shop.example.com/")
