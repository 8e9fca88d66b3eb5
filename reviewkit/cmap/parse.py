"""tree-sitter-c: one cached Language and Parser, queries compiled once.

Everything that touches the tree-sitter API directly lives here, so that the
rest of the package speaks in nodes and never in versions: one API,
``QueryCursor(query).captures(node)``, whose result is a dict of capture
name -> nodes that is *not* in source order; :func:`find_captures` sorts.
"""

from __future__ import annotations

import functools
import importlib.resources

import tree_sitter
import tree_sitter_c

# How deep below its container (the translation unit or an #if block) a
# top-level definition's match may start: functions.scm's main captures are
# the container's children.
TOP_LEVEL_DEPTH = 1


@functools.cache
def c_language() -> tree_sitter.Language:
    """The tree-sitter-c Language (built once)."""
    return tree_sitter.Language(tree_sitter_c.language())


@functools.cache
def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(c_language())


def parse_c(source: bytes) -> tree_sitter.Tree:
    """Parse C source. Never fails: syntax errors become ERROR/MISSING nodes
    (check ``tree.root_node.has_error``)."""
    return _parser().parse(source)


@functools.cache
def load_query(name: str) -> tree_sitter.Query:
    """Compile ``queries/<name>.scm`` once.

    Raises:
        FileNotFoundError: no such query file (a packaging bug).
    """
    text = importlib.resources.files("reviewkit.cmap").joinpath("queries").joinpath(f"{name}.scm").read_text("utf-8")
    return tree_sitter.Query(c_language(), text)


def find_captures(
    query_name: str, node: tree_sitter.Node, *, max_start_depth: int | None = None
) -> list[tuple[str, tree_sitter.Node]]:
    """All captures of a query under ``node`` as (capture name, node) pairs,
    sorted by start byte (then by capture name, so the order is stable)."""
    cursor = tree_sitter.QueryCursor(load_query(query_name))
    if max_start_depth is not None:
        cursor.set_max_start_depth(max_start_depth)
    pairs = [(name, n) for name, nodes in cursor.captures(node).items() for n in nodes]
    pairs.sort(key=lambda p: (p[1].start_byte, -p[1].end_byte, p[0]))
    return pairs


def find_matches(
    query_name: str, node: tree_sitter.Node, *, max_start_depth: int | None = None
) -> list[dict[str, tree_sitter.Node]]:
    """Matches of a query as dicts of capture name -> first node, sorted by
    the start byte of the earliest captured node."""
    cursor = tree_sitter.QueryCursor(load_query(query_name))
    if max_start_depth is not None:
        cursor.set_max_start_depth(max_start_depth)
    out = []
    for _pattern, caps in cursor.matches(node):
        out.append({name: nodes[0] for name, nodes in caps.items() if nodes})
    out.sort(key=lambda m: min(n.start_byte for n in m.values()))
    return out


def node_text(node: tree_sitter.Node, source: bytes) -> str:
    """The node's source text, decoded leniently (kernel files are UTF-8,
    fragments from mail may not be)."""
    return source[node.start_byte : node.end_byte].decode("utf-8", "replace")


def collapse(text: str) -> str:
    """Whitespace runs collapsed to one space (CfgNode.text)."""
    return " ".join(text.split())


def find_calls(node: tree_sitter.Node, source: bytes) -> list[tuple[str, tree_sitter.Node]]:
    """Calls under ``node`` whose callee is a plain name, as (name,
    call_expression node) in source order (outer calls before inner ones)."""
    out = []
    for cap, n in find_captures("calls", node):
        if cap == "call":
            fn = n.child_by_field_name("function")
            if fn is not None and fn.type == "identifier":
                out.append((node_text(fn, source), n))
    return out


_STRUCTURAL = frozenset({"{", "}", "(", ")", "[", "]", ";", ",", "=", ":", "?"})


def _words_only(node: tree_sitter.Node) -> bool:
    """An ERROR made of words only: a type given to a macro
    (``container_of(p, struct page, lru)``, ``max_t(unsigned long, a, b)``)
    or an annotation (``void __user *p``). The statement around it parses
    as it should."""
    stack = list(node.children)
    while stack:
        n = stack.pop()
        if n.type in _STRUCTURAL or n.is_missing:
            return False
        stack.extend(n.children)
    return True


def body_error_lines(body: tree_sitter.Node, *, line_offset: int = 0, fragment: bool = False) -> tuple[int, ...]:
    """Lines of real syntax errors in a function body.

    Not counted: the MISSING ";" tree-sitter puts after every macro head
    (``list_for_each_entry(...) {``, ``for_each_cpu(cpu)`` then a
    statement), which is how kernel C looks to it; ERROR nodes made of words
    only (types passed to macros, ``__user``), which leave the statement
    intact; and in a fragment the MISSING "}" of blocks whose end is not
    shown.
    """
    if not body.has_error:
        return ()
    lines: set[int] = set()
    # each node with its parent: tree-sitter finds a node's parent by walking
    # down from the root, 0.17 s for a MISSING node under 3,800 nested "!"
    # (tests/data/fuzz-found/campaign/slow-2024-7575.eml)
    stack: list[tuple[tree_sitter.Node, tree_sitter.Node | None]] = [(body, body.parent)]
    while stack:
        n, parent = stack.pop()
        if n.is_missing:
            benign = (n.type == ";" and parent is not None and parent.type == "expression_statement"
                      and any(c.type == "call_expression" for c in parent.named_children))
            if n.type == "}" and fragment:
                benign = True
            if not benign:
                lines.add(n.start_point.row + 1 + line_offset)
            continue
        if n.is_error:
            if not _words_only(n) and not _split_loop_macro(n, parent):
                lines.add(n.start_point.row + 1 + line_offset)
            continue
        if n.has_error:
            stack.extend((c, n) for c in n.children)
    return tuple(sorted(lines))


def _split_loop_macro(node: tree_sitter.Node, stmt: tree_sitter.Node | None) -> bool:
    """The two ERROR nodes of ``for_each_lru(lru)\n\tINIT_LIST_HEAD(...);``
    (mm/mmzone.c): the macro read as a type plus the start of the call, then
    the call's lone ``)``. The CFG builder joins them into one loop."""
    from reviewkit.cmap.macros import is_loop_name

    def loop_head(err: tree_sitter.Node | None) -> bool:
        if err is None or not err.is_error:
            return False
        first = next((c for c in err.named_children if c.type != "comment"), None)
        if first is None or first.type != "macro_type_specifier":
            return False
        name = first.child_by_field_name("name") or (first.named_children[0] if first.named_children else None)
        return name is not None and is_loop_name((name.text or b"").decode("utf-8", "replace"))

    if loop_head(node):
        return True
    # the `)` left in the next statement (``stmt``: the node's parent)
    return (
        (node.text or b"").strip() == b")"
        and stmt is not None
        and stmt.type == "expression_statement"
        and loop_head(stmt.prev_named_sibling)
    )
