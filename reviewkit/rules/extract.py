"""What a CFG node's statement or condition does: its calls, assignments
and the boolean shape of a condition, read with tree-sitter-c.

Each node's text (``CfgNode.text``: the statement, or the condition
expression) is parsed on its own, wrapped into a tiny function, so that the
result never depends on how much of the enclosing function was visible.
"""

from __future__ import annotations

import functools
import re
from typing import Iterator, NamedTuple

from reviewkit.cmap.cfg import MAX_NODE_CHARS, MAX_NODE_DEPTH, deeper_than
from reviewkit.rules.resources import normalise_key, normalise_text

_WRAPS = ("void __rk(void) {{\n{} \n}}", "void __rk(void) {{\n{};\n}}", "void __rk(void) {{\nif ({}) ;\n}}")
# (?<!\w): a match starts where a word does; from inside a 50,000-character
# identifier each position rescanned the rest of it (59 s,
# tests/data/fuzz-found/probes/min-07-redos-long-identifier).
_FREE_VAR = re.compile(r"(?<!\w)(\w+)\s+__free\(\s*(\w+)\s*\)")
_NEG_ERRNO = re.compile(r"^-\s*E[A-Z0-9]+$")
UPDATED = "<updated>"  # the value of `x++` / `x += n`: changed, unknown
# include/linux/kconfig.h: tests of the build's configuration, constant in a build
CONFIG_TESTS = frozenset({"IS_ENABLED", "IS_BUILTIN", "IS_MODULE", "IS_REACHABLE"})


class Call(NamedTuple):
    """One call expression: ``lhs = name(args)``.

    ``args`` are normalised argument texts; ``lhs`` is the variable (or
    lvalue text) the result is assigned to, if any; ``text`` the normalised
    call text. ``in_condition`` is true for a call nested in a condition.
    """

    name: str
    args: tuple[str, ...]
    text: str
    lhs: str | None = None
    start: int = 0  # byte offset inside the parsed text: order of calls

    @property
    def display(self) -> str:
        """The call as a reader would write it: ``f(a, b)``."""
        return f"{self.name}({', '.join(self.args)})"

    def arg_key(self, index: int) -> str | None:
        if index < 0:
            index = len(self.args) + index
        if 0 <= index < len(self.args):
            return normalise_key(self.args[index])
        return None


class Stmt(NamedTuple):
    """What one statement does, as far as the rules care."""

    calls: tuple[Call, ...]
    assigned: tuple[tuple[str, str], ...]  # (lvalue, rvalue) for plain assignments
    returns: str | None  # the returned expression ("" for a bare return), None if no return
    free_vars: tuple[tuple[str, str], ...] = ()  # (variable, __free class)
    # a curried macro call NAME(CLASS)(args), as cleanup.h's guard(mutex)(&l)
    guard: tuple[str, str, tuple[str, ...]] | None = None
    # `flags |= F` / `flags &= ~F`: (lvalue, "|=" or "&=", right side)
    bit_updates: tuple[tuple[str, str, str], ...] = ()


# ------------------------------------------------------------------ conditions


class Cond(NamedTuple):
    """A condition's boolean shape.

    ``op`` is "atom", "not", "and", "or". An atom is a variable (``var``
    set: ``x``, ``x != NULL``, ``ret < 0`` with ``truthy`` saying whether
    the atom is true when the variable is non-zero/non-NULL) or a call
    (``call`` set), or something opaque (neither).
    """

    op: str
    args: tuple["Cond", ...] = ()
    var: str | None = None
    call: Call | None = None
    truthy: bool = True  # the atom holds when var is non-zero


OPAQUE = Cond("atom")


@functools.lru_cache(maxsize=8192)
def _parse_fragment(text: str):
    from reviewkit.cmap.parse import parse_c

    first = None
    for wrap in _WRAPS:
        tree = parse_c(wrap.format(text).encode("utf-8", "replace"))
        if first is None:
            first = tree
        if not tree.root_node.has_error:
            return tree
    return first


def _body(tree):
    fn = tree.root_node.child(0) if tree.root_node.child_count else None
    if fn is None or fn.type != "function_definition":
        return None
    return fn.child_by_field_name("body")


def _text(node) -> str:
    return node.text.decode("utf-8", "replace")


def _strip_parens(node):
    while node is not None and node.type == "parenthesized_expression" and node.named_child_count == 1:
        node = node.named_child(0)
    return node


def _walk(node) -> Iterator:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def _lhs_of(call_node) -> str | None:
    parent = call_node.parent
    while parent is not None and parent.type in ("parenthesized_expression", "cast_expression"):
        parent = parent.parent
    if parent is None:
        return None
    if parent.type == "assignment_expression":
        right = parent.child_by_field_name("right")
        if right is not None and call_node.start_byte >= right.start_byte:
            left = parent.child_by_field_name("left")
            return normalise_key(_text(left)) if left is not None else None
    if parent.type == "init_declarator":
        decl = parent.child_by_field_name("declarator")
        while decl is not None and decl.type in ("pointer_declarator", "array_declarator"):
            decl = decl.child_by_field_name("declarator")
        if decl is not None and decl.type == "identifier":
            return _text(decl)
    return None


def _call_of(node) -> Call | None:
    fn = node.child_by_field_name("function")
    args = node.child_by_field_name("arguments")
    if fn is None or args is None:
        return None
    name = normalise_text(_text(fn))
    arg_texts = tuple(normalise_text(_text(a)) for a in args.named_children if a.type != "comment")
    return Call(name, arg_texts, normalise_text(_text(node)), _lhs_of(node), node.start_byte)


def find_calls_in(node) -> tuple[Call, ...]:
    """Every call expression under a tree-sitter node, in source order."""
    return _calls_among(list(_walk(node)))


def _calls_among(nodes: list) -> tuple[Call, ...]:
    out = [c for n in nodes if n.type == "call_expression" for c in [_call_of(n)] if c is not None]
    out.sort(key=lambda c: c.start)
    return tuple(out)


@functools.lru_cache(maxsize=8192)
def parse_statement(text: str) -> Stmt:
    """What the statement ``text`` does.

    Returns:
        A Stmt; for text tree-sitter cannot read at all, or longer or deeper
        than a CFG node may be, a Stmt with no calls.
    """
    # bounded as the CFG's nodes are (cmap.cfg): a 50,000-character line of
    # "-" is 25,000 nested decrements, each normalised with all it holds
    if len(text) > MAX_NODE_CHARS:
        return Stmt((), (), None)
    body = _body(_parse_fragment(text))
    if body is None or (len(text) > MAX_NODE_DEPTH and any(deeper_than(n, MAX_NODE_DEPTH) for n in body.named_children)):
        return Stmt((), (), None)
    # one walk of the tree for the calls and the rest: the walk is most of
    # the cost of a statement (326 statements over lru-lock-v16.mbox)
    nodes = list(_walk(body))
    calls = _calls_among(nodes)
    assigned = []
    bits: list[tuple[str, str, str]] = []
    returns = None
    guard = None
    for n in nodes:
        t = n.type
        if t == "assignment_expression":
            left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
            if left is not None and right is not None:
                op = _text(n.child(1))
                rv = normalise_text(_text(right)) if op == "=" else UPDATED
                assigned.append((normalise_key(_text(left)), rv))
                if op in ("|=", "&="):
                    bits.append((normalise_text(_text(left)), op, normalise_text(_text(right))))
        elif t == "update_expression":
            arg = n.child_by_field_name("argument")
            if arg is not None:
                assigned.append((normalise_key(_text(arg)), UPDATED))
        elif t == "init_declarator":
            decl, value = n.child_by_field_name("declarator"), n.child_by_field_name("value")
            while decl is not None and decl.type in ("pointer_declarator", "array_declarator"):
                decl = decl.child_by_field_name("declarator")
            if decl is not None and decl.type == "identifier" and value is not None:
                assigned.append((_text(decl), normalise_text(_text(value))))
        elif t == "return_statement" and returns is None:
            expr = n.named_child(0) if n.named_child_count else None
            returns = normalise_text(_text(expr)) if expr is not None else ""
        elif t == "call_expression" and guard is None:
            fn = n.child_by_field_name("function")
            if fn is not None and fn.type == "call_expression":
                inner = _call_of(fn)
                outer = _call_of(n)
                if inner is not None and outer is not None and inner.args:
                    guard = (inner.name, inner.args[0], outer.args)
    if returns is None and re.match(r"^\s*return\b", text):
        m = re.match(r"^\s*return\s*(.*?);?\s*$", text, re.S)
        returns = normalise_text(m.group(1)) if m else ""
    free_vars = tuple((m.group(1), m.group(2)) for m in _FREE_VAR.finditer(text))
    return Stmt(calls, tuple(assigned), returns, free_vars, guard, tuple(bits))


@functools.lru_cache(maxsize=8192)
def find_field_reads(text: str, skip_calls: frozenset[str] = frozenset()) -> frozenset[str]:
    """The fields (``adc->config``, ``st.mode``) whose value the statement
    or condition ``text`` reads: outermost member accesses that are not
    the target of a plain ``=``, not under ``&`` (an address is no read),
    not a called function pointer, and not inside the arguments of a call
    named in ``skip_calls`` (logging). Normalised as keys are.

    Returns:
        The fields; empty for text tree-sitter cannot read or longer than a
        CFG node may be.
    """
    if len(text) > MAX_NODE_CHARS:
        return frozenset()
    body = _body(_parse_fragment(text))
    if body is None:
        return frozenset()
    out: set[str] = set()
    stack = [body]
    while stack:
        n = stack.pop()
        if n.type == "call_expression":
            fn = n.child_by_field_name("function")
            if fn is not None and normalise_text(_text(fn)) in skip_calls:
                continue
            args = n.child_by_field_name("arguments")
            if args is not None:
                stack.append(args)
            if fn is not None and fn.type == "field_expression":
                stack.extend(fn.children)  # `ops->read(x)`: the object read, not the member called
            continue
        if n.type == "field_expression":
            parent = n.parent
            if parent is not None and parent.type == "assignment_expression" and parent.child_by_field_name("left") == n \
                    and _text(parent.child(1)) == "=":
                stack.extend(n.children)  # `a->b->c = x` reads a->b
                continue
            if parent is not None and parent.type == "pointer_expression" and _text(parent.child(0)) == "&":
                continue
            out.add(normalise_key(_text(n)))
            continue
        stack.extend(n.children)
    return frozenset(out)


def _pure(node) -> bool:
    """No calls, assignments or increments: the value cannot change by
    being evaluated."""
    if node is None:
        return False
    return not any(n.type in ("call_expression", "assignment_expression", "update_expression") for n in _walk(node))


def _cond_of(node) -> Cond:
    node = _strip_parens(node)
    if node is None:
        return OPAQUE
    t = node.type
    if t == "unary_expression" and _text(node.child(0)) == "!":
        return Cond("not", (_cond_of(node.child_by_field_name("argument")),))
    if t == "binary_expression":
        op = _text(node.child_by_field_name("operator"))
        left, right = _strip_parens(node.child_by_field_name("left")), _strip_parens(node.child_by_field_name("right"))
        if op == "&&":
            return Cond("and", (_cond_of(left), _cond_of(right)))
        if op == "||":
            return Cond("or", (_cond_of(left), _cond_of(right)))
        if op in ("==", "!=", "<", ">=") and left is not None and right is not None:
            rtext = _text(right)
            if rtext in ("NULL", "0", "false"):
                # x != NULL, x == 0, ret < 0 (a 0/-errno result: < 0 means non-zero)
                truthy = op in ("!=", "<")
                inner = _cond_of(left)
                if inner.op == "atom" and (inner.var or inner.call):
                    return inner if truthy else Cond("not", (inner,))
            if op in ("==", "!=") and rtext in ("NULL", "0", "false"):
                return OPAQUE
        if op in ("==", "!=", "<", ">=", ">", "<=") and _pure(left) and _pure(right):
            # `new_ptl != old_ptl` tested twice correlates like a flag
            # (mm/huge_memory.c move_huge_pmd): one atom per comparison
            a, b = normalise_text(_text(left)), normalise_text(_text(right))
            if op in ("==", "!="):
                a, b = sorted((a, b))
                return Cond("atom", var=f"{a}!={b}") if op == "!=" else Cond("not", (Cond("atom", var=f"{a}!={b}"),))
            if op in (">", "<="):
                a, b = b, a
            atom = Cond("atom", var=f"{a}<{b}")
            return atom if op in ("<", ">") else Cond("not", (atom,))
        if not _pure(node):
            return OPAQUE
    if t == "identifier":
        return Cond("atom", var=_text(node))
    if t == "field_expression":
        return Cond("atom", var=normalise_key(_text(node)))
    if t == "call_expression":
        call = _call_of(node)
        if call is not None and call.name in CONFIG_TESTS:
            # a build's constant: every test of it in the function agrees
            return Cond("atom", var=normalise_text(_text(node)))
        return Cond("atom", call=call) if call is not None else OPAQUE
    if t in ("binary_expression", "subscript_expression", "pointer_expression") and _pure(node):
        # `priv->flags & ID_P_PM_BLOCKED`: a value that cannot change by
        # being read; tested twice, it correlates like a flag
        # (drivers/i2c/busses/i2c-rcar.c rcar_i2c_probe)
        return Cond("atom", var=normalise_text(_text(node)))
    return OPAQUE


@functools.lru_cache(maxsize=8192)
def parse_condition(text: str) -> Cond:
    """The boolean shape of a condition expression (``CfgNode.text`` of a
    CONDITION node).

    >>> parse_condition("!clearlru").op
    'not'
    >>> parse_condition("ret < 0").var
    'ret'

    Returns:
        A Cond; OPAQUE when the expression is not a simple form.
    """
    text = text.strip()
    if text.startswith("if") or text.startswith("while"):
        m = re.match(r"^(?:if|while)\s*\((.*)\)\s*$", text, re.S)
        if m:
            text = m.group(1)
    body = _body(_parse_fragment(text))
    if body is None:
        return OPAQUE
    for n in _walk(body):
        if n.type == "if_statement":
            return _cond_of(n.child_by_field_name("condition"))
        if n.type == "expression_statement" and n.named_child_count:
            return _cond_of(n.named_child(0))
    return OPAQUE


# Every rule asks again for the calls of the same condition nodes: 3,419
# asks for 96 texts in a review of tests/data/corpus/threads/lru-lock-v16.mbox.
@functools.lru_cache(maxsize=8192)
def condition_calls(text: str) -> tuple[Call, ...]:
    """The calls in a condition expression."""
    body = _body(_parse_fragment(text))
    return find_calls_in(body) if body is not None else ()


def is_error_value(expr: str | None, error_checks: frozenset[str] = frozenset()) -> bool:
    """True for what an error exit returns: a negative errno, NULL,
    ERR_PTR()/PTR_ERR() of something.

    >>> is_error_value("-ENOMEM")
    True
    >>> is_error_value("ret")
    False
    """
    if expr is None:
        return False
    expr = normalise_text(expr)
    if _NEG_ERRNO.match(expr) or expr in ("NULL", "-1"):
        return True
    return expr.startswith(("ERR_PTR(", "PTR_ERR(", "ERR_CAST(", "dev_err_probe("))


# a callee's whole source is parsed for its names, once per call site
# without the cache (115 parses over lru-lock-v16.mbox)
@functools.lru_cache(maxsize=1024)
def find_param_names(source: str) -> tuple[str, ...]:
    """The parameter names of the first function defined in ``source``.

    Returns:
        The names in order; () when no definition is found.
    """
    from reviewkit.cmap.parse import parse_c

    tree = parse_c(source.encode("utf-8", "replace"))
    for n in _walk(tree.root_node):
        if n.type == "function_declarator":
            params = n.child_by_field_name("parameters")
            if params is None:
                continue
            names = []
            for p in params.named_children:
                d = p.child_by_field_name("declarator")
                while d is not None and d.type in ("pointer_declarator", "array_declarator", "function_declarator", "parenthesized_declarator"):
                    d = d.child_by_field_name("declarator") or (d.named_child(0) if d.named_child_count else None)
                if d is not None and d.type == "identifier":
                    names.append(_text(d))
            return tuple(names)
    return ()


# `struct gpio_chip *gc = &priv->gc;`, `(struct irq_data *d)`,
# `const struct pwm_ops *ops;`: a struct type and the name it declares
# (a function returning a pointer, `struct x *f(`, is no declaration)
_STRUCT_DECL = re.compile(r"\bstruct\s+(\w+)\s*(?:\*\s*(?:const\s+)?)*(\w+)\s*(?=[;,=)\[])")


@functools.lru_cache(maxsize=1024)
def find_declared_types(source: str) -> dict[str, str]:
    """The struct type of each variable or parameter ``source`` declares
    with one: name -> struct tag (``gc`` -> ``gpio_chip``). A name declared
    twice with different types is left out.

    Returns:
        An empty dict when nothing is declared with a struct type.
    """
    out: dict[str, str] = {}
    clash: set[str] = set()
    for m in _STRUCT_DECL.finditer(source):
        tag, name = m.group(1), m.group(2)
        if out.get(name, tag) != tag:
            clash.add(name)
        out[name] = tag
    for name in clash:
        del out[name]
    return out


def _declarator_names(node, out: set[str]) -> None:
    """The identifiers a declarator names, not those of an initial value."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "identifier":
            out.add(_text(n))
        value = n.child_by_field_name("value") if n.type == "init_declarator" else None
        stack.extend(c for c in n.children if value is None or c.id != value.id)


def find_automatic_names(fn_node) -> frozenset[str]:
    """The names a function definition (a tree-sitter node) declares with
    automatic storage: its parameters and the locals of its body that are
    not ``static`` or ``extern``. A name assigned in the function but not
    among them lives beyond the call: a file-scope variable, a static local.

    A declaration tree-sitter reads oddly (``T *p __free(x) = NULL``) gives
    every identifier of its declarator, the macro's name with the
    variable's: a name too many only takes a name for a local.
    """
    out: set[str] = set()
    for n in _walk(fn_node):
        if n.type not in ("declaration", "parameter_declaration"):
            continue
        if any(c.type == "storage_class_specifier" and _text(c) in ("static", "extern") for c in n.children):
            continue
        for d in n.children_by_field_name("declarator"):
            _declarator_names(d, out)
    return frozenset(out)


def returns_pointer(fn_node) -> bool:
    """A function definition (a tree-sitter node) whose result is a
    pointer (``struct irq_domain *f(...)``)."""
    d = fn_node.child_by_field_name("declarator") if fn_node is not None else None
    while d is not None and d.type in ("parenthesized_declarator", "attributed_declarator"):
        d = d.named_child(0)
    return d is not None and d.type == "pointer_declarator"
