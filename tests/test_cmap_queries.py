"""Each query file under reviewkit/cmap/queries/ captures what it says."""

from __future__ import annotations

from importlib import resources

import pytest

from reviewkit.cmap.parse import TOP_LEVEL_DEPTH, find_captures, load_query, parse_c

SOURCE = b"""#define MAX 4
struct box { int n; };
static const struct box boxes[] = { { 1 }, { 2 } };
static int helper(struct box *b)
{
\tint i;

\tfor (i = 0; i < MAX; i++)
\t\tif (b->n > i)
\t\t\tcontinue;
\tlist_for_each_entry(pos, &b->list, lru) {
\t\tput_page(pos);
\t}
\tswitch (b->n) {
\tcase 1:
\t\tbreak;
\t}
\twhile (i--)
\t\tgoto out;
out:
\treturn kref_put(&b->ref, release);
}
SYSCALL_DEFINE1(boxed, int, n)
{
\treturn 0;
}
"""


def caps(name: str, node=None, **kw) -> list[tuple[str, str]]:
    tree = parse_c(SOURCE)
    return [
        (cap, SOURCE[n.start_byte : n.end_byte].decode().split("\n")[0])
        for cap, n in find_captures(name, node or tree.root_node, **kw)
    ]


def test_queries_are_compiled_once():
    assert load_query("calls") is load_query("calls")
    names = {p.name for p in resources.files("reviewkit.cmap").joinpath("queries").iterdir()}
    assert {"functions.scm", "calls.scm", "control.scm", "README.md"} <= names


def test_functions_query():
    got = caps("functions", max_start_depth=TOP_LEVEL_DEPTH)
    assert ("definition.macro", "#define MAX 4") in got
    assert ("name.definition.macro", "MAX") in got
    assert ("definition.struct", "struct box { int n; }") in got
    assert ("name.definition.struct", "box") in got
    assert ("kind.definition.struct", "struct box { int n; }") in got
    assert ("definition.initializer", "static const struct box boxes[] = { { 1 }, { 2 } };") in got
    assert ("name.definition.initializer", "boxes[]") in got
    assert ("definition.function", "static int helper(struct box *b)") in got
    assert ("name.definition.macro_function", "SYSCALL_DEFINE1") in got
    assert ("body.definition.macro_function", "{") in got
    # captures come back in source order
    tree = parse_c(SOURCE)
    starts = [n.start_byte for _, n in find_captures("functions", tree.root_node)]
    assert starts == sorted(starts)


def test_calls_query():
    got = [text for cap, text in caps("calls") if cap == "call.name"]
    assert got == ["list_for_each_entry", "put_page", "kref_put", "SYSCALL_DEFINE1"]


def test_control_query():
    got = [(cap, text) for cap, text in caps("control") if cap.startswith("control.")]
    kinds = [cap for cap, _ in got]
    assert kinds == [
        "control.for",
        "control.if",
        "control.continue",
        "control.switch",
        "control.case",
        "control.break",
        "control.while",
        "control.goto",
        "control.label",
        "control.return",
        "control.return",
    ]
    labels = [text for cap, text in caps("control") if cap == "label"]
    assert labels == ["out", "out"]
    heads = [text for cap, text in caps("control") if cap == "macro.name"]
    assert heads == ["list_for_each_entry", "SYSCALL_DEFINE1"]


@pytest.mark.parametrize("name", ["functions", "calls", "control"])
def test_no_kernel_names_in_queries(name):
    text = resources.files("reviewkit.cmap").joinpath("queries", f"{name}.scm").read_text()
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(";"))
    for word in ("for_each", "spin_", "SYSCALL", "guard", "list_"):
        assert word not in code


def test_find_calls_in_source_order():
    from reviewkit.cmap.parse import find_calls

    src = b"void f(void) { a(b(1), c()); d(); }"
    assert [name for name, _ in find_calls(parse_c(src).root_node, src)] == ["a", "b", "c", "d"]


def test_knowledge_query():
    src = b"""int f(struct box *b)
{
\tstruct page *p = get_page_of(b);
\tint n;

\tn = count(p);
\tif (in_atomic())
\t\treturn b->ops->poke(b);
\treturn n;
}
"""
    tree = parse_c(src)
    got = [(cap, src[n.start_byte:n.end_byte].decode()) for cap, n in find_captures("knowledge", tree.root_node)]
    assert got == [
        ("declaration", "struct page *p = get_page_of(b);"),
        ("init", "*p = get_page_of(b)"),
        ("call", "get_page_of(b)"),
        ("declaration", "int n;"),
        ("assign", "n = count(p)"),
        ("call", "count(p)"),
        ("if", "if (in_atomic())\n\t\treturn b->ops->poke(b);"),
        ("call", "in_atomic()"),
        ("return", "return b->ops->poke(b);"),
        ("call", "b->ops->poke(b)"),
        ("return", "return n;"),
    ]
