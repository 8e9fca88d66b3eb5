"""Function spans (and struct/macro scopes) at the top level of a C file.

Only the top level counts (the translation unit and the ``#if`` blocks in it):
a full-tree walk of mm/*.c finds function_definition nodes inside function
bodies made of iterator macros (``for_each_hstate(h) {`` parses as a
definition of ``for_each_hstate`` with the declarator ``(h)``); see
benchmarks/bench_cmap.py for the count.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from typing import NamedTuple

import tree_sitter

from reviewkit.cmap.macros import is_loop_name
from reviewkit.cmap.parse import TOP_LEVEL_DEPTH, load_query, node_text, parse_c
from reviewkit.model import Function, ScopeKind, Side

# Containers a top-level definition may sit in.
_TOP = frozenset(
    {"translation_unit", "preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif", "preproc_elifdef"}
)


def _declarator_name(node: tree_sitter.Node | None, source: bytes) -> str | None:
    """The identifier a declarator chain ends in (through pointer,
    parenthesized, attributed and function declarators); None if none."""
    seen = 0
    while node is not None and seen < 32:
        seen += 1
        if node.type in ("identifier", "field_identifier", "type_identifier"):
            return node_text(node, source)
        nxt = node.child_by_field_name("declarator")
        if nxt is None:
            # parenthesized_declarator has no field: take its named child
            nxt = next((c for c in node.named_children if c.type != "comment"), None)
        node = nxt
    return None


def function_name(func: tree_sitter.Node, source: bytes) -> str | None:
    """The name a ``function_definition`` defines; None if it has none.

    Sparse annotations after the parameter list on their own
    (``bar(void) __releases(x)``, the return type on the line above) make
    tree-sitter read ``bar(void)`` as a macro type and ``__releases(x)`` as
    the declarator: then the name is the macro type's.
    """
    decl = func.child_by_field_name("declarator")
    return _function_name(func, decl, source)


def _function_name(func: tree_sitter.Node, decl: tree_sitter.Node | None, source: bytes) -> str | None:
    if decl is not None and decl.type == "function_declarator":
        inner = decl.child_by_field_name("declarator")
        # the common case, `name(args)`, without the general walk
        name = node_text(inner, source) if inner is not None and inner.type == "identifier" else None
        if name is None:
            name = _declarator_name(decl, source)
    else:
        name = _declarator_name(decl, source)
    if name is not None and name.startswith("__") and decl is not None and decl.type == "function_declarator":
        typ = func.child_by_field_name("type")
        if typ is not None and typ.type == "macro_type_specifier":
            inner = typ.child_by_field_name("name") or (typ.named_children[0] if typ.named_children else None)
            if inner is not None:
                return node_text(inner, source)
    return name


def macro_function_name(call: tree_sitter.Node, source: bytes) -> str:
    """Name of a function defined by a macro: ``SYSCALL_DEFINE3(mlock2, ...)``
    gives ``SYSCALL_DEFINE3(mlock2)``; the macro name alone when its first
    argument is not an identifier."""
    fn = call.child_by_field_name("function")
    macro = node_text(fn, source) if fn is not None else "?"
    args = call.child_by_field_name("arguments")
    first = next((c for c in args.named_children if c.type != "comment"), None) if args is not None else None
    if first is not None and first.type == "identifier":
        return f"{macro}({node_text(first, source)})"
    return macro


def _column0(node: tree_sitter.Node) -> bool:
    return node.start_point.column == 0


def _extended_start(node: tree_sitter.Node) -> tree_sitter.Node:
    """The first node of a definition whose declaration specifiers tree-sitter
    split off: ``static __always_inline int __must_check foo(...)`` parses as
    a broken declaration ``static __always_inline int`` (its ";" MISSING) plus
    a function_definition starting at ``__must_check``."""
    first = node
    prev = node.prev_sibling
    while (
        prev is not None
        and prev.has_error
        and prev.type != "comment"
        and prev.end_point.row >= first.start_point.row - 1
        and prev.type in ("declaration", "expression_statement", "ERROR", "type_definition")
        and not (prev.text or b"").rstrip().endswith((b";", b"}"))
    ):
        first = prev
        prev = prev.prev_sibling
    return first


def _definition_name(func: tree_sitter.Node, source: bytes) -> tuple[str | None, tree_sitter.Node]:
    """The name of a top-level function_definition (None when it is not
    one) and its first node (see :func:`_extended_start`).

    ``name(void) {`` with its return type split off
    (``phys_addr_t __init_memblock memblock_phys_mem_size(void)``, mm/memblock.c)
    parses as type ``memblock_phys_mem_size`` and declarator ``(void)``: the
    function is the type's name. With nothing before it
    (``SYSCALL_DEFINE0(munlockall)``, mm/mlock.c) it is a macro-defined
    function, named like ``SYSCALL_DEFINE0(munlockall)``. Indented ones are
    a fragment's body statements, never definitions.
    """
    start = _extended_start(func)
    if start.start_point.column != 0:
        return None, start
    decl = func.child_by_field_name("declarator")
    if decl is not None and decl.type == "parenthesized_declarator":
        typ = func.child_by_field_name("type")
        if typ is None or typ.type != "type_identifier":
            return None, start
        if start is func and is_loop_name(node_text(typ, source)):
            return None, start  # a body's `for_each_x(y) {` that lost its indentation
        if start is func:
            inner = [c for c in decl.named_children if c.type != "comment"]
            if len(inner) == 1 and inner[0].type == "identifier":
                return f"{node_text(typ, source)}({node_text(inner[0], source)})", start
        return node_text(typ, source), start
    return _function_name(func, decl, source), start


def _containers(tree: tree_sitter.Tree) -> tuple[list[tree_sitter.Node], bool]:
    """The translation unit and the ``#if`` blocks at its top level (nested),
    and whether the top level itself is broken (an ERROR or a MISSING "}"
    among their children: a header tree-sitter could not read)."""
    out = []
    broken = False
    stack = [tree.root_node]
    has_error = tree.root_node.has_error
    while stack:
        node = stack.pop()
        out.append(node)
        for c in node.children:
            t = c.type
            if t in _TOP:
                stack.append(c)
            elif has_error and (t == "ERROR" or (t == "}" and c.is_missing)):
                broken = True
    return out, broken


_MAIN_CAPTURES = (
    "definition.function",
    "definition.struct",
    "definition.initializer",
    "definition.macro",
    "head.definition.macro_function",
)


def _top_level_matches(containers: list[tree_sitter.Node]) -> list[tuple[str, dict[str, list[tree_sitter.Node]]]]:
    """Matches of functions.scm among the containers' children, in source order.

    The query runs on each container with a start depth of 1: a deeper start
    makes the cursor walk function bodies (with 6, a third of the parse time
    on mm/*.c; benchmarks/bench_cmap.py). Each match is the name of its
    main capture and the cursor's dict of capture name -> nodes.
    """
    query = load_query("functions")
    out: list[tuple[int, str, dict[str, list[tree_sitter.Node]]]] = []
    main_of: dict[int, str] = {}
    for container in containers:
        cursor = tree_sitter.QueryCursor(query)
        cursor.set_max_start_depth(TOP_LEVEL_DEPTH)
        for pattern, caps in cursor.matches(container):
            key = main_of.get(pattern)
            if key is None:
                key = main_of[pattern] = next(c for c in _MAIN_CAPTURES if c in caps)
            out.append((caps[key][0].start_byte, key, caps))
    if len(containers) > 1:
        out.sort(key=lambda p: p[0])
    return [(key, m) for _, key, m in out]


def index_scopes(
    tree: tree_sitter.Tree, source: bytes, *, file: str, side: Side, split: bool = True
) -> tuple[list[Function], list[FunctionBody]]:
    """All top-level scopes (functions, structs, macros) and, for each
    function, where its CFG comes from; both sorted by start line.
    ``split`` cuts functions that run past a column-0 ``}`` (see
    :func:`_split_runaways`)."""
    scopes: list[Function] = []
    bodies: list[FunctionBody] = []
    containers, broken = _containers(tree)
    for key, m in _top_level_matches(containers):
        if key == "definition.function":
            node = m[key][0]
            name, start = _definition_name(node, source)
            if name is None:
                continue
            fn = Function(name, file, side, start.start_point.row + 1, node.end_point.row + 1, ScopeKind.FUNCTION)
            scopes.append(fn)
            bodies.append(FunctionBody(fn, node, source))
        elif key == "head.definition.macro_function":
            head = m[key][0]
            body = m["body.definition.macro_function"][0]
            call = head.named_children[0]
            if not _column0(head):
                continue
            if is_loop_name(node_text(m["name.definition.macro_function"][0], source)):
                continue
            # the call's ";" must be missing: `foo(x);` then a block is not a definition
            if (head.text or b"").rstrip().endswith(b";"):
                continue
            fn = Function(
                macro_function_name(call, source),
                file,
                side,
                head.start_point.row + 1,
                body.end_point.row + 1,
                ScopeKind.FUNCTION,
            )
            scopes.append(fn)
            bodies.append(FunctionBody(fn, body, source))
        elif key == "definition.struct":
            holder = m[key][0]  # the declaration, typedef or specifier
            kw = m["kind.definition.struct"][0].type.split("_")[0]
            name = f"{kw} {node_text(m['name.definition.struct'][0], source)}"
            scopes.append(
                Function(name, file, side, holder.start_point.row + 1, holder.end_point.row + 1, ScopeKind.STRUCT)
            )
        elif key == "definition.initializer":
            node = m[key][0]
            name = _declarator_name(m["name.definition.initializer"][0], source)
            if name is not None:
                scopes.append(
                    Function(name, file, side, node.start_point.row + 1, node.end_point.row + 1, ScopeKind.STRUCT)
                )
        else:  # definition.macro
            node = m[key][0]
            # a preproc node ends after its newline: at column 0 of the next row
            end = node.end_point.row + (0 if node.end_point.column == 0 else 1)
            scopes.append(
                Function(
                    node_text(m["name.definition.macro"][0], source),
                    file,
                    side,
                    node.start_point.row + 1,
                    max(end, node.start_point.row + 1),
                    ScopeKind.MACRO,
                )
            )
    if split and tree.root_node.has_error:
        _split_runaways(scopes, bodies, source, file=file, side=side)
    if broken:
        extra = _text_scan(source, scopes, file=file, side=side)
        scopes.extend(b.function for b in extra)
        bodies.extend(extra)
    scopes.sort(key=lambda f: (f.start, f.end))
    bodies.sort(key=lambda b: b.function.start)
    return scopes, bodies


def _padded(lines: list[bytes], first: int, last: int) -> bytes:
    """Lines first..last (1-based) with blank lines before, so that rows stay
    line numbers."""
    return b"\n" * (first - 1) + b"\n".join(lines[first - 1 : last]) + b"\n"


def _split_runaways(
    scopes: list[Function], bodies: list[FunctionBody], source: bytes, *, file: str, side: Side
) -> None:
    """Cut functions that run on past a column-0 ``}``.

    Kernel style closes a function with ``}`` at column 0. A macro that
    breaks the grammar can make tree-sitter keep a function open for
    thousands of lines: ``do { ... } while_each_thread(leader, task);`` in
    kernel/cgroup/cgroup.c turned cgroup_attach_task into lines 2932-4904.
    Such a function ends at its first column-0 ``}``; the lines after it are
    parsed again on their own. Changes ``scopes`` and ``bodies`` in place.
    """
    lines: list[bytes] | None = None
    for body in list(bodies):
        node = body.node
        if not node.has_error or body.source is not source:
            continue
        # the first "\n}" inside the function before its last line; a `}`
        # ending a #define's continuation lines is no function's end
        pos = source.find(b"\n}", node.start_byte, node.end_byte - 1)
        while pos >= 0 and source[max(0, pos - 1) : pos] == b"\\":
            pos = source.find(b"\n}", pos + 1, node.end_byte - 1)
        if pos < 0:
            continue
        fn = body.function
        if lines is None:
            lines = source.split(b"\n")
        end = source.count(b"\n", 0, pos + 1)  # 0-based index of the `}` line
        end += 1  # 1-based line of the `}`
        cut = dataclasses.replace(fn, end=end)
        sub = _padded(lines, fn.start, end)
        sub_bodies = index_scopes(parse_c(sub), sub, file=file, side=side, split=False)[1]
        new_body = next((b for b in sub_bodies if b.function.name == fn.name), None)
        rest = _padded(lines, end + 1, fn.end)
        rest_scopes, rest_bodies = index_scopes(parse_c(rest), rest, file=file, side=side)
        scopes[scopes.index(fn)] = cut
        bodies[bodies.index(body)] = FunctionBody(cut, new_body.node if new_body else node, sub if new_body else source)
        scopes.extend(f for f in rest_scopes if f.start > end)
        bodies.extend(b for b in rest_bodies if b.function.start > end)


def find_scopes(tree: tree_sitter.Tree, source: bytes, *, file: str, side: Side) -> list[Function]:
    """Top-level functions, struct/union/enum definitions and macros, in
    source order. Spans are 1-based lines of ``source``.

    Returns:
        The scopes found; an empty list for a file with none. Broken syntax
        never raises: headers tree-sitter cannot read are found by a text
        scan of kernel-style column-0 braces.
    """
    return index_scopes(tree, source, file=file, side=side)[0]


def find_functions(tree: tree_sitter.Tree, source: bytes, *, file: str, side: Side) -> list[Function]:
    """Top-level function definitions (including macro-defined ones such as
    ``SYSCALL_DEFINE3(mlock2, ...) { ... }``, named ``SYSCALL_DEFINE3(mlock2)``)
    in source order.

    Returns:
        Function records (kind FUNCTION, status CHANGED by default: the
        caller sets the status); an empty list when there are none.
    """
    return [b.function for b in index_scopes(tree, source, file=file, side=side)[1]]


def find_function_bodies(tree: tree_sitter.Tree, source: bytes, *, file: str, side: Side) -> list[FunctionBody]:
    """Each top-level function with the node (and source, line offset) to
    build its CFG from: ``build_cfg(b.node, b.source, name=...,
    line_offset=b.line_offset)``."""
    return index_scopes(tree, source, file=file, side=side)[1]


_OPEN_BRACE = re.compile(rb"^\{", re.M)
_IDENT_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(")
_C_KEYWORDS = frozenset(
    {"if", "for", "while", "switch", "return", "sizeof", "typeof", "__typeof__", "do", "else", "case", "goto"}
    | {"void", "int", "char", "short", "long", "unsigned", "signed", "bool", "float", "double", "const"}
    | {"static", "inline", "extern", "struct", "union", "enum", "volatile", "register", "__attribute__"}
)


def name_from_header(header: str) -> str | None:
    """The function a declaration line names, read as text; None if none.

    For headers tree-sitter cannot read and for git's hunk-header context:
    ``static __printf(3, 4) void slab_err(struct kmem_cache *s, ...``
    (mm/slub.c) gives ``slab_err``: the last ``name(`` at parenthesis depth 0
    that is not a trailing annotation (``foo(void) __releases(x)``) wins.
    ``SYSCALL_DEFINE3(mlock2, unsigned long, start, ...`` gives
    ``SYSCALL_DEFINE3(mlock2)``, matching :func:`find_functions`.
    """
    text = header.split("{")[0]
    if text.rstrip().endswith(";") or text.lstrip().startswith("extern "):
        return None  # a declaration (`static DEFINE_MUTEX(lock);`), not a header
    depth = 0
    cands: list[tuple[int, str, bool]] = []  # (pos, name, follows a ")")
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and (ch.isalpha() or ch == "_") and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = _IDENT_CALL.match(text, i)
            if m:
                before = text[:i].rstrip()
                cands.append((i, m.group(1), before.endswith(")")))
                i = m.end() - 1
                continue
        i += 1
    cands = [c for c in cands if c[1] not in _C_KEYWORDS]
    if not cands:
        return None
    real = [c for c in cands if not c[2]] or cands
    pos, name, _ = real[-1]
    if not text[:pos].strip() and (name.upper() == name):
        # no return type: a macro that defines a function
        args = text[pos + len(name) :].lstrip()[1:]
        m = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*[,)]", args)
        if m:
            return f"{name}({m.group(1)})"
    return name


class FunctionBody(NamedTuple):
    """Where the CFG of a function comes from: ``node`` (a function_definition
    or a block) in ``source``, whose row 0 is line ``line_offset + 1``.
    (A NamedTuple: one is made per function indexed, and a frozen
    dataclass costs three times as much to build.)"""

    function: Function
    node: tree_sitter.Node
    source: bytes
    line_offset: int = 0


def _text_scan(source: bytes, found: list[Function], *, file: str, side: Side) -> list[FunctionBody]:
    """Functions whose header tree-sitter could not read
    (``static __always_inline __realloc_size(2) void *`` in mm/slab_common.c,
    ``pte_t * __meminit vmemmap_pte_populate(...)`` in mm/sparse-vmemmap.c):
    kernel style puts a function's braces alone at column 0, so a ``{`` line
    outside every scope found, under a header with a ``(``, opens one."""
    lines = source.split(b"\n")
    covered = sorted((f.start, f.end) for f in found)
    starts = [c[0] for c in covered]
    out: list[FunctionBody] = []
    # only lines that start with "{" can open a function: find them in C
    candidates = []
    line_no, last = 0, 0
    for m in _OPEN_BRACE.finditer(source):
        line_no += source.count(b"\n", last, m.start())
        last = m.start()
        candidates.append(line_no)
    skip_until = -1
    for i in candidates:
        line = lines[i]
        if i <= skip_until or i == 0 or line[1:].strip().startswith((b"}", b",")):
            continue
        no = i + 1
        k = bisect.bisect_right(starts, no) - 1
        if k >= 0 and covered[k][1] >= no:
            continue
        # the header: lines above, up to a blank line or the end of something
        j = i - 1
        head: list[bytes] = []
        while j >= 0 and len(head) < 8:
            prev = lines[j].rstrip()
            if not prev or prev.endswith((b";", b"}", b"*/", b"\\", b"=")) or prev.startswith(b"#"):
                break
            head.insert(0, prev)
            j -= 1
        header = b" ".join(head).decode("utf-8", "replace")
        # a header starts at column 0; an indented first line is the
        # continuation of one whose start is not shown (a fragment)
        if not head or head[0][:1] in (b" ", b"\t") or "(" not in header or header.rstrip().endswith("="):
            continue
        name = name_from_header(header)
        if name is None:
            continue
        end = next((k for k in range(i + 1, len(lines)) if lines[k].startswith(b"}")), None)
        if end is None:  # a fragment that ends inside the function
            end = max((k for k in range(i, len(lines)) if lines[k].strip()), default=i)
        body_src = b"\n".join(lines[i : end + 1])
        tree = parse_c(body_src)
        block = next((c for c in tree.root_node.named_children if c.type == "compound_statement"), tree.root_node)
        fn = Function(name, file, side, j + 2, end + 1, ScopeKind.FUNCTION)
        out.append(FunctionBody(fn, block, body_src, i))
        skip_until = end
    return out
