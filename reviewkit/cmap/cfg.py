"""Control-flow graphs of C function bodies, kernel macros included.

The CFG contract (what the rules read):

* ``nodes[0]`` is ENTRY (text: the function name), ``nodes[1]`` is EXIT
  (text ""). Node ids are the list indexes and follow source order.
* Node kinds and their ``text`` (whitespace collapsed) and ``ts_node``:

  ========== ============================================ ==================
  kind       text                                         ts_node
  ========== ============================================ ==================
  STATEMENT  the whole statement (``x = f(y);``); a       the statement
             declaration only when it initialises or      (None for a latch)
             invokes a macro (``int n = 1;``,
             ``DEFINE_WAIT(w);``); a scope macro head
             (``scoped_guard(mutex, &m)``, its block
             follows); a for's init or update
             expression; "" for a loop latch (see below)
  CONDITION  the condition expression, without the        the expression
             outer parentheses (``!TestClearPageMlocked   (the directive's
             (page)``); for ``#if``/``#ifdef`` arms in a  condition)
             body, the directive and its condition
             (``#ifdef CONFIG_NUMA``): both arms are paths
  LOOP       the condition expression (``i < nr``); the   the expression;
             macro call for an iterator macro             the call (or macro
             (``list_for_each_entry(pos, head, lru)``);   type, or bogus
             ``for (;;)`` when a for has no condition     definition); the
                                                          for statement
  SWITCH     the switch's expression                      the expression
  LABEL      the label name (``unlock_out``); ``case X:``  the statement
             or ``default:`` for a case label
  GOTO       the label name                               the statement
  RETURN     the whole statement (``return 0;``)          the statement
  BREAK      ``break;``                                   the statement
  CONTINUE   ``continue;``                                the statement
  ========== ============================================ ==================

  ``label`` holds the label name for LABEL and GOTO (``case X``/``default``
  for case labels). ``line`` is the line on the function's side (the tree's
  row + 1 + ``line_offset``). ``loop_depth`` counts the loops around the
  node (a loop head is outside its own loop).

* Edges: NEXT (fall through); TRUE/FALSE out of CONDITION and LOOP; CASE
  from SWITCH to each case label and to ``default:``, and NEXT from SWITCH to
  the statement after the switch when there is no default; JUMP for goto
  (GOTO -> LABEL), break (-> after the loop/switch), return (RETURN -> EXIT)
  and for continue in a do/while or a for with an update expression.
* Loops: ``while``/``for``/iterator macros have the LOOP head first: TRUE
  enters the body, FALSE leaves (no FALSE edge for ``for (;;)``,
  ``while (1)``), and the body's end returns with a BACK edge (from a
  CONTINUE node too). ``for (init; cond; update)`` gives STATEMENT nodes for
  init (before the head) and update (at the body's end, BACK from it). A
  ``do { } while (c)`` has the LOOP node after its body: its BACK edge is the
  true edge into the body and FALSE leaves. ``do { } while (0)`` (macro
  bodies) is a plain block. When the body ends in a branch (a TRUE/FALSE edge
  would have to be the back edge) a latch node (STATEMENT, text "") is added
  so that the branch edge keeps its kind.
* A ``goto`` to a label earlier in the function (``goto retry;``) is a BACK
  edge, not JUMP: ignoring BACK edges, every graph is acyclic.
* Falling off the end of the body reaches EXIT by NEXT.
* Iterator macros: ``name(args) {`` parses as an expression statement with a
  MISSING ";" plus a block, or as a bogus nested function_definition
  (``for_each_hstate(h) {``); both become a LOOP. A loop-named call without
  ``;`` (``for_each_cpu(cpu)`` then one statement) loops over that statement.
  Names in :data:`reviewkit.cmap.macros.SCOPE_MACROS` (``scoped_guard``) are
  a STATEMENT head followed by their block, run once.
* A declaration the parser cuts after its declarator (``T *name`` with a
  MISSING ";", then ``__free(kfree) = kcalloc(...);`` on the same line, as
  happens with a long name) is one STATEMENT with the whole text.
* Statement expressions ``({ ... })`` stay inside their statement; ``?:`` and
  ``&&``/``||`` are not split.
* Case labels find their switch on a stack, so the cases of ``#ifdef`` arms
  inside a switch body get their CASE edges too.
* The walk keeps its own stack: each ``visit_<node type>`` method that
  visits children is a generator that yields each child to visit and is
  resumed when the child's subgraph is built. Python's call stack does not
  grow with the nesting, so 250 nested blocks or a 10,000-long ``else if``
  chain (tests/data/fuzz-found/probes/min-03-recursion-nested-braces) build
  like any other function.
* Bounded: a node whose text is longer than :data:`MAX_NODE_CHARS` or whose
  own syntax tree (statements inside it not counted) is deeper than
  :data:`MAX_NODE_DEPTH` raises :class:`CfgTooLarge`: the rules parse and
  walk each node's text, and a 2 MB expression (probes/min-11) or 5,000
  nested ``--`` (probes/min-10) made that take minutes. The caller reports
  the function as not analysed.
* A ``goto`` whose label is not in the graph (a fragment) jumps to EXIT, as
  do a ``break``/``continue`` outside any loop; they, and a case label
  outside any switch, make ``Cfg.complete`` false. ERROR nodes inside the
  body become statements (or their statements are walked); the caller
  reports the lines (``FunctionView.parse_errors``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generator, Iterator

import tree_sitter

from reviewkit.cmap.macros import MacroBlock, is_loop_name, macro_block_kind
from reviewkit.cmap.parse import collapse, node_text
from reviewkit.model import Cfg, CfgEdge, CfgNode, EdgeKind, NodeKind, Side

Pending = list[tuple[int, EdgeKind]]
# What a visiting method is: it yields each child node to visit, in order,
# and may return a value (``visit_with_next``: whether it used ``nxt``).
Visit = Generator[tree_sitter.Node, None, None]

_SKIP = frozenset({"comment", "preproc_call", "preproc_def", "preproc_function_def", "preproc_include", ";"})
_PREPROC_IF = frozenset({"preproc_if", "preproc_ifdef", "preproc_elif", "preproc_elifdef"})
_DECL_CALLISH = frozenset({"init_declarator", "function_declarator", "macro_type_specifier"})
# Far above real statements: kernel conditions nest some 20 deep, and a
# statement of 4,000 characters is a large table initialised in a body.
MAX_NODE_CHARS = 4096
MAX_NODE_DEPTH = 128


class CfgTooLarge(Exception):
    """A statement or condition is too long or too deeply nested to analyse."""


def deeper_than(node: tree_sitter.Node, limit: int) -> bool:
    """Whether ``node``'s syntax tree, statements inside it not counted (they
    are nodes of their own), is more than ``limit`` levels deep."""
    stack = [(node, 0)]
    while stack:
        n, d = stack.pop()
        if d > limit:
            return True
        stack.extend((c, d + 1) for c in n.children if not c.type.endswith("statement"))
    return False


@dataclass
class _Loop:
    breaks: Pending = field(default_factory=list)
    continue_to: int | None = None  # node id, None: collect in `continues`
    continue_kind: EdgeKind = EdgeKind.BACK
    continues: Pending = field(default_factory=list)
    is_switch: bool = False
    switch_id: int = 0
    has_default: bool = False


def _unparen(node: tree_sitter.Node) -> tree_sitter.Node:
    """The expression inside ``( ... )`` (a condition's parentheses)."""
    if node.type == "parenthesized_expression":
        inner = [c for c in node.named_children if c.type != "comment"]
        if len(inner) == 1:
            return inner[0]
    return node


def _is_true_literal(node: tree_sitter.Node | None, source: bytes) -> bool:
    if node is None:
        return True
    text = node_text(_unparen(node), source).strip()
    return text in ("1", "true") or (text.isdigit() and int(text) != 0)


def _is_false_literal(node: tree_sitter.Node | None, source: bytes) -> bool:
    return node is not None and node_text(_unparen(node), source).strip() in ("0", "false")


def macro_head(stmt: tree_sitter.Node) -> tree_sitter.Node | None:
    """The call of ``name(args)`` written as a statement without its ``;``
    (tree-sitter inserts a MISSING ";"), else None."""
    if stmt.type != "expression_statement":
        return None
    named = [c for c in stmt.named_children if c.type != "comment"]
    if len(named) != 1 or named[0].type != "call_expression":
        return None
    call = named[0]
    fn = call.child_by_field_name("function")
    if fn is None or fn.type != "identifier":
        return None
    semi = stmt.children[-1]
    if semi.type == ";" and not semi.is_missing:
        return None
    return call


def _call_name(call: tree_sitter.Node, source: bytes) -> str:
    fn = call.child_by_field_name("function")
    return node_text(fn, source) if fn is not None else ""


class _Builder:
    def __init__(self, source: bytes, name: str, line_offset: int) -> None:
        self.source = source
        self.offset = line_offset
        self.nodes: list[CfgNode] = []
        self.edges: list[CfgEdge] = []
        self.edge_set: set[CfgEdge] = set()
        self.pending: Pending = []
        self.depth = 0
        self.loops: list[_Loop] = []
        self.labels: dict[str, int] = {}
        self.gotos: list[tuple[int, str]] = []
        self.complete = True
        self.name = name

    # -- graph primitives
    def line(self, node: tree_sitter.Node) -> int:
        return node.start_point.row + 1 + self.offset

    def add(
        self,
        kind: NodeKind,
        ts: tree_sitter.Node | None,
        text: str,
        *,
        line: int | None = None,
        label: str | None = None,
        connect: bool = True,
    ) -> int:
        nid = len(self.nodes)
        if line is None:
            line = self.line(ts) if ts is not None else 0
        if kind is not NodeKind.ENTRY and ts is not None:
            if len(text) > MAX_NODE_CHARS:
                raise CfgTooLarge(f"the statement at line {line} is {len(text):,} characters long "
                                  f"(bound {MAX_NODE_CHARS:,})")
            # each level of C syntax holds a token: only a long text can be deep
            if len(text) > MAX_NODE_DEPTH and deeper_than(ts, MAX_NODE_DEPTH):
                raise CfgTooLarge(f"the statement at line {line} nests more than {MAX_NODE_DEPTH} levels deep")
        self.nodes.append(CfgNode(nid, kind, line, text, self.depth, label, ts))
        if connect:
            for src, ek in self.pending:
                self.edge(src, nid, ek)
            self.pending = [(nid, EdgeKind.NEXT)]
        return nid

    def edge(self, src: int, dst: int, kind: EdgeKind = EdgeKind.NEXT) -> None:
        e = CfgEdge(src, dst, kind)
        if e not in self.edge_set:
            self.edge_set.add(e)
            self.edges.append(e)

    def text(self, node: tree_sitter.Node) -> str:
        return collapse(node_text(node, self.source))

    # -- sequences
    def visit_sequence(self, children: list[tree_sitter.Node]) -> Visit:
        stmts = [c for c in children if c.is_named and c.type not in _SKIP]
        i = 0
        while i < len(stmts):
            stmt = stmts[i]
            nxt = stmts[i + 1] if i + 1 < len(stmts) else None
            consumed = yield from self.visit_with_next(stmt, nxt)
            i += 2 if consumed else 1

    def visit_with_next(
        self, stmt: tree_sitter.Node, nxt: tree_sitter.Node | None
    ) -> Generator[tree_sitter.Node, None, bool]:
        """Visit ``stmt``; join it with ``nxt`` when it is a macro head whose
        body ``nxt`` is. Returns True when ``nxt`` was consumed."""
        # `retry:` then `for_each_zone_zonelist(...) {` (mm/slab.c): the label
        # holds the head, the block is the label's sibling.
        inner = stmt
        labels: list[tree_sitter.Node] = []
        while inner.type == "labeled_statement":
            labels.append(inner)
            body = [c for c in inner.named_children if c.type not in ("statement_identifier", "comment")]
            if not body:
                break
            inner = body[-1]
        if inner.type == "ERROR" and nxt is not None:
            used = yield from self.split_macro_loop(inner, nxt, labels)
            if used:
                return True
        if nxt is not None and self.split_declaration(inner, nxt):
            for lab in labels:
                self.add_label(lab)
            text = collapse(self.source[inner.start_byte : nxt.end_byte].decode("utf-8", "replace"))
            self.add(NodeKind.STATEMENT, inner, text)
            return True
        call = macro_head(inner)
        if call is not None and nxt is not None:
            name = _call_name(call, self.source)
            if nxt.type == "compound_statement" or (is_loop_name(name) and nxt.type not in ("case_statement",)):
                for lab in labels:
                    self.add_label(lab)
                yield from self.macro_block(name, call, nxt)
                return True
        yield stmt
        return False

    def split_declaration(self, decl: tree_sitter.Node, nxt: tree_sitter.Node) -> bool:
        """``unsigned int *keymap __free(kfree) = kcalloc(n, 4, GFP_KERNEL);``
        can parse (with a long enough name) as ``unsigned int *keymap`` with a
        MISSING ";", then ``__free(kfree) = kcalloc(...);`` on the same line:
        one declaration, cut in two by the attribute macro the parser does
        not know. The second part assigns to a call, which C never does."""
        if decl.type not in ("declaration", "expression_statement") or nxt.type != "expression_statement":
            return False
        semi = decl.children[-1] if decl.children else None
        if semi is None or semi.type != ";" or not semi.is_missing or nxt.start_point.row != decl.end_point.row:
            return False
        expr = next((c for c in nxt.named_children if c.type != "comment"), None)
        left = expr.child_by_field_name("left") if expr is not None and expr.type == "assignment_expression" else None
        return left is not None and left.type == "call_expression" and not self.source[decl.end_byte : nxt.start_byte].strip()

    def split_macro_loop(
        self, err: tree_sitter.Node, nxt: tree_sitter.Node, labels: list[tree_sitter.Node]
    ) -> Generator[tree_sitter.Node, None, bool]:
        """``for_each_node(nid)\n\tinit_one_lru(&mlru->node[nid]);``
        (mm/list_lru.c) parses as an ERROR holding the macro as a type and
        the start of the call, then the rest of the call as a statement:
        one loop over that call."""
        named = [c for c in err.named_children if c.type != "comment"]
        if not named or named[0].type != "macro_type_specifier":
            return False
        name = named[0].child_by_field_name("name") or next(iter(named[0].named_children), None)
        if name is None or not is_loop_name(node_text(name, self.source)) or nxt.type != "expression_statement":
            return False
        for lab in labels:
            self.add_label(lab)
        body_text = collapse(self.source[named[0].end_byte : nxt.end_byte].decode("utf-8", "replace"))
        yield from self.loop(named[0], self.text(named[0]), None, body_stmt=(nxt, body_text))
        return True

    def macro_block(self, name: str, head: tree_sitter.Node, body: tree_sitter.Node) -> Visit:
        if macro_block_kind(name) is MacroBlock.SCOPE:
            self.add(NodeKind.STATEMENT, head, self.text(head))
            yield body
        else:
            yield from self.loop(head, self.text(head), body)

    def add_label(self, stmt: tree_sitter.Node) -> None:
        ident = stmt.child_by_field_name("label")
        name = node_text(ident, self.source) if ident is not None else ""
        nid = self.add(NodeKind.LABEL, stmt, name, label=name)
        self.labels.setdefault(name, nid)

    # -- statements
    def walk(self, root: tree_sitter.Node) -> None:
        """Visit ``root`` and, depth first, every child its methods yield,
        on a stack of our own (see the module docstring)."""
        stack = [self.steps(root)]
        while stack:
            child = next(stack[-1], None)
            if child is None:
                stack.pop()
            else:
                stack.append(self.steps(child))

    def steps(self, node: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
        """Run ``node``'s visiting method up to its first child to visit;
        a method that visits no child has run to its end."""
        method = getattr(self, f"visit_{node.type}", self.visit_default)
        return method(node) or iter(())

    def visit_default(self, node: tree_sitter.Node) -> None:
        if node.type in _SKIP or not node.is_named:
            return
        self.add(NodeKind.STATEMENT, node, self.text(node))

    def visit_compound_statement(self, node: tree_sitter.Node) -> Visit:
        yield from self.visit_sequence(node.children)

    def visit_translation_unit(self, node: tree_sitter.Node) -> Visit:
        # a fragment parsed on its own: its statements sit at the top level
        yield from self.visit_sequence(node.children)

    def visit_ERROR(self, node: tree_sitter.Node) -> Visit:
        stmts = [c for c in node.named_children if c.type.endswith("_statement") or c.type == "declaration"]
        if stmts:
            yield from self.visit_sequence(node.children)
        else:
            text = self.text(node)
            if text.strip("{}() ;"):
                self.add(NodeKind.STATEMENT, node, text)

    def visit_expression_statement(self, node: tree_sitter.Node) -> Visit:
        if not [c for c in node.named_children if c.type != "comment"]:
            return  # a lone ";"
        head = self.fused_loop_head(node) if node.has_error else None
        if head is not None:
            body_text = collapse(self.source[head.end_byte : node.end_byte].decode("utf-8", "replace"))
            yield from self.loop(head, self.text(head), None, body_stmt=(node, body_text))
            return
        self.add(NodeKind.STATEMENT, node, self.text(node))

    def fused_loop_head(self, stmt: tree_sitter.Node) -> tree_sitter.Node | None:
        """The loop macro call at the start of ``stmt`` when tree-sitter
        fused it with the next line into one broken expression:
        ``hash_for_each_possible(tbl, obj, node, key)\n\t\tobj->hit++;``
        reads as ``(hash_for_each_possible(...) obj)->hit++``. None if not."""
        node = stmt.named_children[0] if stmt.named_children else None
        while node is not None and node.type != "call_expression":
            if node.start_byte != stmt.start_byte or not node.named_children:
                return None
            node = node.named_children[0]
        if node is None or node.start_byte != stmt.start_byte or node.end_point.row >= stmt.end_point.row:
            return None
        fn = node.child_by_field_name("function")
        if fn is None or fn.type != "identifier" or not is_loop_name(node_text(fn, self.source)):
            return None
        return node

    def visit_declaration(self, node: tree_sitter.Node) -> Visit:
        typ = node.child_by_field_name("type")
        if typ is not None and typ.type == "macro_type_specifier":
            # `for_each_online_cpu(cpu)\n\tper_cpu_work(cpu);` parses as a
            # declaration of `per_cpu_work(cpu)` with the macro as its type
            name = typ.child_by_field_name("name")
            decl = node.child_by_field_name("declarator")
            if name is not None and decl is not None and is_loop_name(node_text(name, self.source)):
                body_text = collapse(self.source[decl.start_byte : node.end_byte].decode("utf-8", "replace"))
                yield from self.loop(typ, self.text(typ), None, body_stmt=(decl, body_text))
                return
        stack = list(node.named_children)
        while stack:
            c = stack.pop()
            if c.type in _DECL_CALLISH:
                self.add(NodeKind.STATEMENT, node, self.text(node))
                return
            if c.type in ("pointer_declarator", "array_declarator", "parenthesized_declarator", "attributed_declarator"):
                stack.extend(c.named_children)

    def visit_type_definition(self, node: tree_sitter.Node) -> None:
        return

    def visit_attributed_statement(self, node: tree_sitter.Node) -> Visit:
        inner = [c for c in node.named_children if c.type != "attribute_declaration"]
        if inner:
            yield inner[-1]

    def visit_function_definition(self, node: tree_sitter.Node) -> Visit:
        # `for_each_hstate(h) {` inside a body: a bogus nested definition
        body = node.child_by_field_name("body")
        if body is None:
            self.visit_default(node)
            return
        head_text = collapse(self.source[node.start_byte : body.start_byte].decode("utf-8", "replace"))
        typ = node.child_by_field_name("type")
        name = node_text(typ, self.source) if typ is not None else head_text.split("(")[0]
        if macro_block_kind(name) is MacroBlock.SCOPE:
            self.add(NodeKind.STATEMENT, node, head_text)
            yield body
        else:
            yield from self.loop(node, head_text, body)

    def visit_labeled_statement(self, node: tree_sitter.Node) -> Visit:
        self.add_label(node)
        body = [c for c in node.named_children if c.type not in ("statement_identifier",)]
        yield from self.visit_sequence(body)

    def visit_if_statement(self, node: tree_sitter.Node) -> Visit:
        cond = node.child_by_field_name("condition")
        expr = _unparen(cond) if cond is not None else node
        c = self.add(NodeKind.CONDITION, expr, self.text(expr))
        self.pending = [(c, EdgeKind.TRUE)]
        cons = node.child_by_field_name("consequence")
        if cons is not None:
            yield cons
        then_exits = self.pending
        alt = node.child_by_field_name("alternative")
        self.pending = [(c, EdgeKind.FALSE)]
        if alt is not None:
            yield from self.visit_sequence([x for x in alt.children if x.is_named])
        self.pending = then_exits + self.pending

    def visit_return_statement(self, node: tree_sitter.Node) -> None:
        r = self.add(NodeKind.RETURN, node, self.text(node))
        self.edge(r, Cfg.EXIT, EdgeKind.JUMP)
        self.pending = []

    def visit_goto_statement(self, node: tree_sitter.Node) -> None:
        ident = node.child_by_field_name("label")
        name = node_text(ident, self.source) if ident is not None else ""
        g = self.add(NodeKind.GOTO, node, name, label=name)
        self.gotos.append((g, name))
        self.pending = []

    def visit_break_statement(self, node: tree_sitter.Node) -> None:
        b = self.add(NodeKind.BREAK, node, self.text(node))
        if self.loops:
            self.loops[-1].breaks.append((b, EdgeKind.JUMP))
        else:  # a fragment that does not show the loop
            self.edge(b, Cfg.EXIT, EdgeKind.JUMP)
            self.complete = False
        self.pending = []

    def visit_continue_statement(self, node: tree_sitter.Node) -> None:
        c = self.add(NodeKind.CONTINUE, node, self.text(node))
        loop = next((lp for lp in reversed(self.loops) if not lp.is_switch), None)
        if loop is None:
            self.edge(c, Cfg.EXIT, EdgeKind.JUMP)
            self.complete = False
        elif loop.continue_to is None:
            loop.continues.append((c, EdgeKind.JUMP))
        else:
            self.edge(c, loop.continue_to, loop.continue_kind)
        self.pending = []

    # -- loops
    def loop(
        self,
        cond: tree_sitter.Node | None,
        text: str,
        body: tree_sitter.Node | None,
        *,
        at: tree_sitter.Node | None = None,
        update: tree_sitter.Node | None = None,
        infinite: bool = False,
        body_stmt: tuple[tree_sitter.Node, str] | None = None,
    ) -> Visit:
        head = self.add(NodeKind.LOOP, cond if cond is not None else at, text)
        ctx = _Loop()
        if update is None:
            ctx.continue_to = head
        self.loops.append(ctx)
        self.depth += 1
        self.pending = [(head, EdgeKind.TRUE)]
        if body is not None:
            yield body
        elif body_stmt is not None:
            self.add(NodeKind.STATEMENT, body_stmt[0], body_stmt[1])
        if update is not None:
            self.pending += ctx.continues
            self.add(NodeKind.STATEMENT, update, self.text(update))
        self.close_back(head, body if body is not None else cond)
        self.depth -= 1
        self.loops.pop()
        self.pending = ([] if infinite else [(head, EdgeKind.FALSE)]) + ctx.breaks

    def close_back(self, head: int, where: tree_sitter.Node | None) -> None:
        """Send the pending exits back to the loop head by BACK edges."""
        if any(k is not EdgeKind.NEXT for _, k in self.pending):
            line = (where.end_point.row + 1 + self.offset) if where is not None else self.nodes[head].line
            self.add(NodeKind.STATEMENT, None, "", line=line)
        for src, _ in self.pending:
            self.edge(src, head, EdgeKind.BACK)
        self.pending = []

    def visit_while_statement(self, node: tree_sitter.Node) -> Visit:
        cond = node.child_by_field_name("condition")
        expr = _unparen(cond) if cond is not None else None
        yield from self.loop(
            expr,
            self.text(expr) if expr is not None else "",
            node.child_by_field_name("body"),
            at=node,
            infinite=_is_true_literal(expr, self.source),
        )

    def visit_for_statement(self, node: tree_sitter.Node) -> Visit:
        init = node.child_by_field_name("initializer")
        if init is not None:
            self.add(NodeKind.STATEMENT, init, self.text(init))
        cond = node.child_by_field_name("condition")
        yield from self.loop(
            cond,
            self.text(cond) if cond is not None else "for (;;)",
            node.child_by_field_name("body"),
            at=node,
            update=node.child_by_field_name("update"),
            infinite=cond is None or _is_true_literal(cond, self.source),
        )

    def visit_do_statement(self, node: tree_sitter.Node) -> Visit:
        cond = node.child_by_field_name("condition")
        body = node.child_by_field_name("body")
        ctx = _Loop(continue_to=None)
        once = _is_false_literal(cond, self.source)
        if once:
            # do { ... } while (0): a block; break and continue leave it
            self.loops.append(ctx)
            if body is not None:
                yield body
            self.loops.pop()
            self.pending += ctx.breaks + ctx.continues
            return
        self.loops.append(ctx)
        self.depth += 1
        first = len(self.nodes)
        if body is not None:
            yield body
        self.depth -= 1
        self.pending += ctx.continues
        expr = _unparen(cond) if cond is not None else node
        head = self.add(NodeKind.LOOP, expr, self.text(expr))
        self.loops.pop()
        target = first if first < head else head
        self.edge(head, target, EdgeKind.BACK)
        self.pending = ([] if _is_true_literal(cond, self.source) else [(head, EdgeKind.FALSE)]) + ctx.breaks

    # -- switch
    def visit_switch_statement(self, node: tree_sitter.Node) -> Visit:
        cond = node.child_by_field_name("condition")
        expr = _unparen(cond) if cond is not None else node
        s = self.add(NodeKind.SWITCH, expr, self.text(expr))
        ctx = _Loop(is_switch=True, switch_id=s)
        self.loops.append(ctx)
        self.pending = []  # code before the first case label is unreachable
        body = node.child_by_field_name("body")
        if body is not None:
            yield body
        self.loops.pop()
        if not ctx.has_default:
            self.pending.append((s, EdgeKind.NEXT))
        self.pending += ctx.breaks

    def visit_case_statement(self, node: tree_sitter.Node) -> Visit:
        # case labels may sit in #ifdef arms inside the switch body
        # (kernel/bpf/bpf_lsm.c), so they find their switch on the stack
        value = node.child_by_field_name("value")
        ctx = next((lp for lp in reversed(self.loops) if lp.is_switch), None)
        if value is None:
            text, label = "default:", "default"
        else:
            vt = self.text(value)
            text, label = f"case {vt}:", f"case {vt}"
        if ctx is not None:
            ctx.has_default = ctx.has_default or value is None
            self.pending.append((ctx.switch_id, EdgeKind.CASE))
        else:
            self.complete = False  # a fragment that does not show the switch
        self.add(NodeKind.LABEL, node, text, label=label)
        yield from self.visit_sequence([c for c in node.children if c.is_named and c != value])

    # -- preprocessor arms inside a body: both configurations are possible
    def visit_preproc_if(self, node: tree_sitter.Node) -> Visit:
        cond = node.child_by_field_name("condition") or node.child_by_field_name("name")
        directive = node.children[0].type if node.children else "#if"
        text = f"{directive} {self.text(cond)}" if cond is not None else directive
        c = self.add(NodeKind.CONDITION, cond if cond is not None else node, text)
        self.pending = [(c, EdgeKind.TRUE)]
        alt = node.child_by_field_name("alternative")
        body = [x for x in node.children if x.is_named and x not in (cond, alt)]
        yield from self.visit_sequence(body)
        then_exits = self.pending
        self.pending = [(c, EdgeKind.FALSE)]
        if alt is not None:
            if alt.type in _PREPROC_IF:
                yield alt
            else:  # preproc_else
                yield from self.visit_sequence([x for x in alt.children if x.is_named])
        self.pending = then_exits + self.pending

    visit_preproc_ifdef = visit_preproc_if
    visit_preproc_elif = visit_preproc_if
    visit_preproc_elifdef = visit_preproc_if

    # -- finish
    def finish(self) -> None:
        for src, kind in self.pending:
            self.edge(src, Cfg.EXIT, kind)
        self.pending = []
        for g, name in self.gotos:
            target = self.labels.get(name)
            if target is None:
                self.edge(g, Cfg.EXIT, EdgeKind.JUMP)
                self.complete = False
            else:
                self.edge(g, target, EdgeKind.BACK if target < g else EdgeKind.JUMP)


def _body_of(node: tree_sitter.Node) -> tree_sitter.Node:
    if node.type == "function_definition":
        body = node.child_by_field_name("body")
        if body is not None:
            return body
    return node


def build_cfg(
    func_node: tree_sitter.Node,
    source: bytes,
    *,
    name: str,
    side: Side,
    line_offset: int = 0,
    complete: bool = True,
) -> Cfg:
    """The control-flow graph of one function (see the module docstring).

    Args:
        func_node: a ``function_definition``, the block of a macro-defined
            function, or a ``translation_unit`` holding a fragment's
            statements (a function whose opening line is not visible).
        source: the bytes the tree was parsed from.
        name: the function's name (ENTRY's text).
        side: which side of the patch the source is.
        line_offset: added to every line (for a fragment parsed on its own).
        complete: false when the source has gaps; the result is also
            incomplete when a goto, break or continue has no target in it.

    Returns:
        The Cfg. Never raises on broken syntax: ERROR nodes become statements.

    Raises:
        CfgTooLarge: a statement or condition is longer or deeper than the
            bounds (:data:`MAX_NODE_CHARS`, :data:`MAX_NODE_DEPTH`).
    """
    b = _Builder(source, name, line_offset)
    start_line = func_node.start_point.row + 1 + line_offset
    end_row = func_node.end_point.row
    if func_node.end_point.column == 0 and end_row > func_node.start_point.row:
        end_row -= 1  # a fragment's tree ends after its last newline
    end_line = end_row + 1 + line_offset
    b.add(NodeKind.ENTRY, func_node, name, line=start_line, connect=False)
    b.add(NodeKind.EXIT, None, "", line=end_line, connect=False)
    b.pending = [(Cfg.ENTRY, EdgeKind.NEXT)]
    b.walk(_body_of(func_node))
    b.finish()
    return Cfg(name, side, tuple(b.nodes), tuple(b.edges), complete=complete and b.complete)


def build_cfgs_from_source(text: str, *, side: Side = Side.NEW, file: str = "") -> dict[str, Cfg]:
    """Parse C text and build a CFG for each top-level function, by name
    (a later definition of the same name wins). For tests and tools."""
    from reviewkit.cmap.functions import find_function_bodies
    from reviewkit.cmap.parse import parse_c

    source = text.encode("utf-8", "replace")
    tree = parse_c(source)
    out: dict[str, Cfg] = {}
    for body in find_function_bodies(tree, source, file=file, side=side):
        name = body.function.name
        out[name] = build_cfg(body.node, body.source, name=name, side=side, line_offset=body.line_offset)
    return out
