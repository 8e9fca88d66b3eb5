"""CFG shapes, asserted edge by edge (the contract is in reviewkit/cmap/cfg.py)."""

from __future__ import annotations

from collections import defaultdict

from reviewkit.cmap import build_cfg, build_cfgs_from_source, parse_c
from reviewkit.cmap.graph import graph_of
from reviewkit.model import Cfg, EdgeKind, NodeKind, Side

E = EdgeKind
K = NodeKind


def cfg_of(body: str, name: str = "f") -> Cfg:
    cfgs = build_cfgs_from_source(f"static int {name}(struct page *page)\n{{\n{body}\n}}\n")
    assert list(cfgs) == [name]
    cfg = cfgs[name]
    assert [n.id for n in cfg.nodes] == list(range(len(cfg.nodes)))
    assert cfg.nodes[0].kind is K.ENTRY and cfg.nodes[1].kind is K.EXIT
    assert_acyclic_without_back(cfg)
    return cfg


def assert_acyclic_without_back(cfg: Cfg) -> None:
    succ = defaultdict(list)
    for e in cfg.edges:
        if e.kind is not E.BACK:
            succ[e.src].append(e.dst)
    state: dict[int, int] = {}

    def visit(u: int) -> None:
        state[u] = 1
        for v in succ[u]:
            assert state.get(v) != 1, f"cycle through {cfg.nodes[v]}"
            if v not in state:
                visit(v)
        state[u] = 2

    for n in cfg.nodes:
        if n.id not in state:
            visit(n.id)


def node(cfg: Cfg, kind: NodeKind, text: str) -> int:
    """The id of the one node of ``kind`` whose text contains ``text``."""
    found = [n.id for n in cfg.nodes if n.kind is kind and (text in n.text if text else not n.text)]
    assert len(found) == 1, (kind, text, [n.text for n in cfg.nodes if n.kind is kind])
    return found[0]


def edges(cfg: Cfg, src: int) -> set[tuple[int, EdgeKind]]:
    return {(e.dst, e.kind) for e in graph_of(cfg).successors(src)}


def reaches(cfg: Cfg, a: int, b: int, *, avoid: frozenset[int] = frozenset(), back: bool = True) -> bool:
    seen, todo = {a}, [a]
    while todo:
        u = todo.pop()
        for e in graph_of(cfg).successors(u):
            if (not back and e.kind is E.BACK) or e.dst in avoid or e.dst in seen:
                continue
            if e.dst == b:
                return True
            seen.add(e.dst)
            todo.append(e.dst)
    return False


def test_straight_line_and_declarations():
    cfg = cfg_of("\tint n;\n\tint m = 1;\n\tfoo(page);\n\tbar(m);")
    assert [n.kind for n in cfg.nodes[2:]] == [K.STATEMENT] * 3  # `int n;` runs nothing
    m, foo, bar = (node(cfg, K.STATEMENT, t) for t in ("int m = 1;", "foo(page);", "bar(m);"))
    assert edges(cfg, Cfg.ENTRY) == {(m, E.NEXT)}
    assert edges(cfg, m) == {(foo, E.NEXT)} and edges(cfg, foo) == {(bar, E.NEXT)}
    assert edges(cfg, bar) == {(Cfg.EXIT, E.NEXT)}  # falling off the end
    assert [cfg.nodes[i].line for i in (m, foo, bar)] == [4, 5, 6]
    assert cfg.nodes[0].text == "f" and cfg.nodes[0].line == 1 and cfg.nodes[1].line == 7


def test_if_else_true_false_edges():
    cfg = cfg_of("\tif (!TestClearPageMlocked(page)) {\n\t\ta();\n\t} else\n\t\tb();\n\tc();")
    cond = node(cfg, K.CONDITION, "TestClearPageMlocked")
    assert cfg.nodes[cond].text == "!TestClearPageMlocked(page)"  # no outer parentheses
    assert cfg.nodes[cond].ts_node.type == "unary_expression"
    a, b, c = (node(cfg, K.STATEMENT, t) for t in ("a();", "b();", "c();"))
    assert edges(cfg, cond) == {(a, E.TRUE), (b, E.FALSE)}
    assert edges(cfg, a) == {(c, E.NEXT)} and edges(cfg, b) == {(c, E.NEXT)}


def test_if_without_else_false_edge_skips():
    cfg = cfg_of("\tif (x)\n\t\ta();\n\tc();")
    cond, a, c = node(cfg, K.CONDITION, "x"), node(cfg, K.STATEMENT, "a();"), node(cfg, K.STATEMENT, "c();")
    assert edges(cfg, cond) == {(a, E.TRUE), (c, E.FALSE)}


def test_early_return_jumps_to_exit():
    cfg = cfg_of("\tget_page(page);\n\tif (!x) {\n\t\tput_page(page);\n\t\treturn 0;\n\t}\n\tuse(page);\n\treturn 1;")
    r0, r1 = node(cfg, K.RETURN, "return 0;"), node(cfg, K.RETURN, "return 1;")
    assert edges(cfg, r0) == {(Cfg.EXIT, E.JUMP)} and edges(cfg, r1) == {(Cfg.EXIT, E.JUMP)}
    use = node(cfg, K.STATEMENT, "use(page);")
    assert not reaches(cfg, r0, use)
    get = node(cfg, K.STATEMENT, "get_page")
    put = node(cfg, K.STATEMENT, "put_page")
    # a path from get_page to EXIT avoiding put_page exists (through use())
    assert reaches(cfg, get, Cfg.EXIT, avoid=frozenset({put}))


def test_while_loop_back_edge_and_depth():
    cfg = cfg_of("\twhile (n--) {\n\t\tif (skip(n))\n\t\t\tcontinue;\n\t\twork(n);\n\t}\n\tdone();")
    head = node(cfg, K.LOOP, "n--")
    cont = node(cfg, K.CONTINUE, "continue;")
    work, done = node(cfg, K.STATEMENT, "work(n);"), node(cfg, K.STATEMENT, "done();")
    cond = node(cfg, K.CONDITION, "skip(n)")
    assert edges(cfg, head) == {(cond, E.TRUE), (done, E.FALSE)}
    assert edges(cfg, work) == {(head, E.BACK)}
    assert edges(cfg, cont) == {(head, E.BACK)}
    assert cfg.nodes[head].loop_depth == 0
    assert cfg.nodes[work].loop_depth == 1 and cfg.nodes[cont].loop_depth == 1
    assert cfg.nodes[done].loop_depth == 0


def test_for_loop_init_update_break():
    cfg = cfg_of("\tfor (i = 0; i < nr; i++) {\n\t\tif (bad(i))\n\t\t\tbreak;\n\t\tok(i);\n\t}\n\tout();")
    init, upd = node(cfg, K.STATEMENT, "i = 0"), node(cfg, K.STATEMENT, "i++")
    head, brk = node(cfg, K.LOOP, "i < nr"), node(cfg, K.BREAK, "break;")
    ok, out = node(cfg, K.STATEMENT, "ok(i);"), node(cfg, K.STATEMENT, "out();")
    assert edges(cfg, init) == {(head, E.NEXT)}
    assert edges(cfg, ok) == {(upd, E.NEXT)} and edges(cfg, upd) == {(head, E.BACK)}
    assert edges(cfg, brk) == {(out, E.JUMP)}
    assert (out, E.FALSE) in edges(cfg, head)


def test_infinite_loops_have_no_false_edge():
    cfg = cfg_of("\tfor (;;) {\n\t\tif (done())\n\t\t\tbreak;\n\t}\n\twhile (1)\n\t\tspin();")
    f = node(cfg, K.LOOP, "for (;;)")
    assert {k for _, k in edges(cfg, f)} == {E.TRUE}
    w = node(cfg, K.LOOP, "1")
    assert {k for _, k in edges(cfg, w)} == {E.TRUE}
    assert not reaches(cfg, w, Cfg.EXIT)


def test_do_while_and_do_while_zero():
    cfg = cfg_of("\tdo {\n\t\tstep();\n\t} while (again());\n\tdo {\n\t\tonce();\n\t} while (0);\n\tend();")
    step, head = node(cfg, K.STATEMENT, "step();"), node(cfg, K.LOOP, "again()")
    once, end = node(cfg, K.STATEMENT, "once();"), node(cfg, K.STATEMENT, "end();")
    assert edges(cfg, step) == {(head, E.NEXT)}
    assert edges(cfg, head) == {(step, E.BACK), (once, E.FALSE)}
    assert cfg.nodes[step].loop_depth == 1
    # while (0) is a block, not a loop
    assert [n.text for n in cfg.nodes if n.kind is K.LOOP] == ["again()"]
    assert edges(cfg, once) == {(end, E.NEXT)} and cfg.nodes[once].loop_depth == 0


def test_loop_body_ending_in_branch_gets_a_latch():
    cfg = cfg_of("\twhile (more()) {\n\t\tif (x)\n\t\t\ty();\n\t}")
    head, cond, y = node(cfg, K.LOOP, "more()"), node(cfg, K.CONDITION, "x"), node(cfg, K.STATEMENT, "y();")
    latch = node(cfg, K.STATEMENT, "")
    assert cfg.nodes[latch].text == ""
    assert edges(cfg, cond) == {(y, E.TRUE), (latch, E.FALSE)}
    assert edges(cfg, latch) == {(head, E.BACK)}


def test_goto_and_labels_like_the_mlock_seed():
    # the old side of munlock_vma_page (tests/data/corpus/patches/117_*.eml)
    body = """\tspin_lock_irq(&pgdat->lru_lock);

\tif (!TestClearPageMlocked(page)) {
\t\tnr_pages = 1;
\t\tgoto unlock_out;
\t}

\tnr_pages = hpage_nr_pages(page);
\tif (__munlock_isolate_lru_page(page, true)) {
\t\tspin_unlock_irq(&pgdat->lru_lock);
\t\t__munlock_isolated_page(page);
\t\tgoto out;
\t}
\t__munlock_isolation_failed(page);

unlock_out:
\tspin_unlock_irq(&pgdat->lru_lock);

out:
\treturn nr_pages - 1;"""
    cfg = cfg_of(body, "munlock_vma_page")
    g1 = node(cfg, K.GOTO, "unlock_out")
    g2 = next(n.id for n in cfg.nodes if n.kind is K.GOTO and n.label == "out")
    l1 = next(n.id for n in cfg.nodes if n.kind is K.LABEL and n.label == "unlock_out")
    l2 = next(n.id for n in cfg.nodes if n.kind is K.LABEL and n.label == "out")
    assert cfg.nodes[g1].label == "unlock_out" and cfg.nodes[g1].text == "unlock_out"
    assert edges(cfg, g1) == {(l1, E.JUMP)} and edges(cfg, g2) == {(l2, E.JUMP)}
    failed = node(cfg, K.STATEMENT, "__munlock_isolation_failed")
    assert edges(cfg, failed) == {(l1, E.NEXT)}  # falls into the label
    unlocks = [n.id for n in cfg.nodes if n.text == "spin_unlock_irq(&pgdat->lru_lock);"]
    assert len(unlocks) == 2
    lock = node(cfg, K.STATEMENT, "spin_lock_irq")
    # every path from the lock to EXIT passes an unlock
    assert not reaches(cfg, lock, Cfg.EXIT, avoid=frozenset(unlocks))
    assert cfg.nodes[l1].line == 18


def test_backward_goto_is_a_back_edge():
    cfg = cfg_of("retry:\n\tif (try_lock())\n\t\tgoto retry;\n\tunlock();")
    label = next(n.id for n in cfg.nodes if n.kind is K.LABEL)
    g = node(cfg, K.GOTO, "retry")
    assert edges(cfg, g) == {(label, E.BACK)}


def test_switch_cases_fallthrough_default():
    body = """\tswitch (state) {
\tcase ST_A:
\t\ta();
\t\tfallthrough;
\tcase ST_B:
\t\tb();
\t\tbreak;
\tdefault:
\t\treturn -EINVAL;
\t}
\tafter();"""
    cfg = cfg_of(body)
    sw = node(cfg, K.SWITCH, "state")
    ca, cb = node(cfg, K.LABEL, "case ST_A:"), node(cfg, K.LABEL, "case ST_B:")
    dflt = node(cfg, K.LABEL, "default:")
    assert edges(cfg, sw) == {(ca, E.CASE), (cb, E.CASE), (dflt, E.CASE)}
    ft = node(cfg, K.STATEMENT, "fallthrough;")
    assert edges(cfg, ft) == {(cb, E.NEXT)}  # fall through into the next case
    after = node(cfg, K.STATEMENT, "after();")
    assert edges(cfg, node(cfg, K.BREAK, "break;")) == {(after, E.JUMP)}
    assert cfg.nodes[cb].label == "case ST_B"


def test_switch_without_default_reaches_after():
    cfg = cfg_of("\tswitch (x) {\n\tcase 1:\n\t\tone();\n\t}\n\tafter();")
    sw, after = node(cfg, K.SWITCH, "x"), node(cfg, K.STATEMENT, "after();")
    assert (after, E.NEXT) in edges(cfg, sw)


def test_iterator_macro_with_block_is_a_loop():
    body = """\tlist_for_each_entry(pos, &head->list, lru) {
\t\tif (!pos->ok)
\t\t\tcontinue;
\t\tget_page(pos->page);
\t}
\tdone();"""
    cfg = cfg_of(body)
    head = node(cfg, K.LOOP, "list_for_each_entry")
    assert cfg.nodes[head].text == "list_for_each_entry(pos, &head->list, lru)"
    assert cfg.nodes[head].ts_node.type == "call_expression"
    get, done = node(cfg, K.STATEMENT, "get_page"), node(cfg, K.STATEMENT, "done();")
    cond = node(cfg, K.CONDITION, "!pos->ok")
    assert edges(cfg, head) == {(cond, E.TRUE), (done, E.FALSE)}
    assert edges(cfg, get) == {(head, E.BACK)}
    assert cfg.nodes[get].loop_depth == 1


def test_iterator_macro_forms():
    body = """\tfor_each_hstate(h) {
\t\tuse_h(h);
\t}
\tfor_each_online_cpu(cpu)
\t\tper_cpu_work(cpu);
\txa_for_each(&xa, index, entry) {
\t\tvisit(entry);
\t}
\tend();"""
    cfg = cfg_of(body)
    h = node(cfg, K.LOOP, "for_each_hstate")  # a bogus nested function_definition
    cpu = node(cfg, K.LOOP, "for_each_online_cpu")
    xa = node(cfg, K.LOOP, "xa_for_each")
    use, pcw, vis = (node(cfg, K.STATEMENT, t) for t in ("use_h", "per_cpu_work", "visit(entry)"))
    assert edges(cfg, h) == {(use, E.TRUE), (cpu, E.FALSE)}
    assert edges(cfg, use) == {(h, E.BACK)}
    assert edges(cfg, cpu) == {(pcw, E.TRUE), (xa, E.FALSE)}
    assert edges(cfg, pcw) == {(cpu, E.BACK)}
    assert edges(cfg, vis) == {(xa, E.BACK)}
    assert all(cfg.nodes[i].loop_depth == 1 for i in (use, pcw, vis))


def test_nested_macro_loops_depth():
    body = "\tfor_each_cpu(cpu, mask) {\n\t\tlist_for_each_entry(p, &l, lru) {\n\t\t\tx(p);\n\t\t}\n\t}"
    cfg = cfg_of(body)
    outer, inner = node(cfg, K.LOOP, "for_each_cpu"), node(cfg, K.LOOP, "list_for_each_entry")
    x = node(cfg, K.STATEMENT, "x(p);")
    assert cfg.nodes[outer].loop_depth == 0 and cfg.nodes[inner].loop_depth == 1
    assert cfg.nodes[x].loop_depth == 2
    assert edges(cfg, x) == {(inner, E.BACK)}
    # the inner loop's FALSE edge keeps its kind: a latch takes the back edge
    latch = node(cfg, K.STATEMENT, "")
    assert edges(cfg, inner) == {(x, E.TRUE), (latch, E.FALSE)}
    assert edges(cfg, latch) == {(outer, E.BACK)}


def test_scoped_guard_is_a_scope_not_a_loop():
    cfg = cfg_of("\tscoped_guard(mutex, &chip->lock) {\n\t\tchip->x = 1;\n\t}\n\tdone();")
    assert not [n for n in cfg.nodes if n.kind is K.LOOP]
    head = node(cfg, K.STATEMENT, "scoped_guard")
    body, done = node(cfg, K.STATEMENT, "chip->x = 1;"), node(cfg, K.STATEMENT, "done();")
    assert edges(cfg, head) == {(body, E.NEXT)} and edges(cfg, body) == {(done, E.NEXT)}
    assert cfg.nodes[body].loop_depth == 0


def test_statement_expression_stays_one_statement():
    cfg = cfg_of("\tx = ({ int y = get(); y + 1; });\n\tuse(x);")
    assert [n.text for n in cfg.nodes[2:]] == ["x = ({ int y = get(); y + 1; });", "use(x);"]


def test_preprocessor_arms_are_branches():
    cfg = cfg_of("#ifdef CONFIG_NUMA\n\tnuma();\n#else\n\tflat();\n#endif\n\tend();")
    c = node(cfg, K.CONDITION, "CONFIG_NUMA")
    numa, flat = node(cfg, K.STATEMENT, "numa();"), node(cfg, K.STATEMENT, "flat();")
    assert edges(cfg, c) == {(numa, E.TRUE), (flat, E.FALSE)}


def test_fragment_with_line_offset_and_missing_label():
    # a hunk's statements parsed alone: unknown labels jump to EXIT
    frag = b"\tif (!clearlru) {\n\t\t__munlock_isolation_failed(page);\n\t\tgoto putback;\n\t}\n\tcount++;\n"
    tree = parse_c(frag)
    cfg = build_cfg(tree.root_node, frag, name="__munlock_pagevec", side=Side.NEW, line_offset=306)
    g = node(cfg, K.GOTO, "putback")
    assert edges(cfg, g) == {(Cfg.EXIT, E.JUMP)}
    assert not cfg.complete
    assert cfg.nodes[node(cfg, K.CONDITION, "!clearlru")].line == 307
    assert cfg.nodes[node(cfg, K.STATEMENT, "count++")].line == 311


def test_syntax_errors_do_not_drop_statements():
    cfg = cfg_of("\ta();\n\tif (x {\n\t\tb();\n\t}\n\tc();")
    texts = " ".join(n.text for n in cfg.nodes)
    assert "a();" in texts and "b();" in texts and "c();" in texts
    assert reaches(cfg, Cfg.ENTRY, Cfg.EXIT)


def test_iterator_macro_split_by_tree_sitter():
    # mm/list_lru.c: the macro reads as a type, the call is cut in two
    cfg = cfg_of("\tfor_each_node(nid)\n\t\tinit_one_lru(&mlru->node[nid]);\n\tdone();")
    head = node(cfg, K.LOOP, "for_each_node")
    body = node(cfg, K.STATEMENT, "init_one_lru")
    assert cfg.nodes[body].text == "init_one_lru(&mlru->node[nid]);"
    assert edges(cfg, head) == {(body, E.TRUE), (node(cfg, K.STATEMENT, "done();"), E.FALSE)}
    assert edges(cfg, body) == {(head, E.BACK)}


def test_free_declaration_cut_by_tree_sitter_is_one_statement():
    # a long enough name: the declarator without its ";", then the rest
    for typ in ("unsigned int", "u32", "struct foo"):
        decl = f"\t{typ} *channel_map __free(kfree) = kcalloc(n, 4, GFP_KERNEL);"
        body = parse_c(f"int f(void)\n{{\n{decl}\n}}\n".encode()).root_node.children[0].child_by_field_name("body")
        assert len(body.named_children) == 2, typ  # the cut this test is about
        cfg = cfg_of(f"{decl}\n\tif (!channel_map)\n\t\treturn -ENOMEM;\n\tuse(channel_map);")
        d = node(cfg, K.STATEMENT, "__free(kfree)")
        assert cfg.nodes[d].text == decl.strip()
        assert edges(cfg, Cfg.ENTRY) == {(d, E.NEXT)}
        assert edges(cfg, d) == {(node(cfg, K.CONDITION, "!channel_map"), E.NEXT)}


def test_words_only_errors_are_not_parse_errors():
    from reviewkit.cmap.parse import body_error_lines

    src = (
        b"void f(void)\n{\n\tp = container_of(r, struct page, lru);\n\tvoid __user *u;\n"
        b"\tx = max_t(unsigned long, a, b);\n\tif (x {\n\t\ty();\n\t}\n}\n"
    )
    func = parse_c(src).root_node.children[0]
    assert body_error_lines(func.child_by_field_name("body")) == (6,)


def test_case_labels_inside_ifdef_arms():
    # kernel/bpf/bpf_lsm.c: some cases exist only under #ifdef CONFIG_NET
    body = """\tswitch (id) {
\tcase A:
\t\treturn 1;
#ifdef CONFIG_NET
\tcase B:
\t\treturn 2;
#endif
\tdefault:
\t\treturn 0;
\t}"""
    cfg = cfg_of(body)
    sw = node(cfg, K.SWITCH, "id")
    labels = {cfg.nodes[d].text for d, k in edges(cfg, sw) if k is E.CASE}
    assert labels == {"case A:", "case B:", "default:"}
    assert not [d for d, k in edges(cfg, sw) if k is E.NEXT]  # there is a default
    ret2 = node(cfg, K.RETURN, "return 2;")
    assert edges(cfg, ret2) == {(Cfg.EXIT, E.JUMP)}


def test_split_loop_macro_is_not_a_parse_error():
    from reviewkit.cmap.parse import body_error_lines

    src = b"void f(void)\n{\n\tfor_each_lru(lru)\n\t\tINIT_LIST_HEAD(&l->lists[lru]);\n\tg(x;\n}\n"
    func = parse_c(src).root_node.children[0]
    assert body_error_lines(func.child_by_field_name("body")) == (5,)


def test_any_call_followed_by_a_block_is_a_loop_unless_a_scope_macro():
    # no list of iterator names: the shape decides (drivers define their own)
    cfg = cfg_of("\tchip_iter_channels(chip, ch) {\n\t\tch->on = 0;\n\t}\n"
                 "\tscoped_cond_guard(mutex_intr, return -EINTR, &chip->lock) {\n\t\tchip->n++;\n\t}\n"
                 "\thash_for_each_possible(tbl, obj, node, key)\n\t\tobj->hit++;")
    loops = [n.text for n in cfg.nodes if n.kind is K.LOOP]
    assert loops == ["chip_iter_channels(chip, ch)", "hash_for_each_possible(tbl, obj, node, key)"]
    n_inc = node(cfg, K.STATEMENT, "chip->n++;")
    assert cfg.nodes[n_inc].loop_depth == 0
    assert node(cfg, K.STATEMENT, "scoped_cond_guard") < n_inc


def test_macro_tables():
    from reviewkit.cmap.macros import MacroBlock, is_loop_name, macro_block_kind

    assert all(is_loop_name(n) for n in ("list_for_each_entry", "for_each_cpu", "xa_for_each", "for_each"))
    assert not any(is_loop_name(n) for n in ("mutex_lock", "foreach_thing", "list_add"))
    assert macro_block_kind("scoped_guard") is MacroBlock.SCOPE
    assert macro_block_kind("my_iter") is MacroBlock.LOOP


def test_deep_nesting_builds_without_recursion():
    """250 nested blocks and a 3,000-long ``else if`` chain (the shapes of
    tests/data/fuzz-found/probes/min-03-recursion-nested-braces) are
    walked on the builder's own stack, far past Python's recursion limit."""
    import sys

    depth = sys.getrecursionlimit()
    nested = "if (a) {\n" * depth + "x();\n" + "}\n" * depth
    cfg = build_cfgs_from_source(f"int f(void)\n{{\n{nested}return 0;\n}}\n")["f"]
    conds = [n for n in cfg.nodes if n.kind is K.CONDITION]
    assert len(conds) == depth
    # each condition's TRUE edge enters the next; the innermost enters x()
    succ = edge_map(cfg)
    for outer, inner in zip(conds, conds[1:]):
        assert succ[(outer.id, E.TRUE)] == inner.id
    assert cfg.nodes[succ[(conds[-1].id, E.TRUE)]].text == "x();"

    chain = "if (a) x();" + " else if (b) y();" * 3000
    cfg = build_cfgs_from_source(f"int g(void)\n{{\n{chain}\nreturn 0;\n}}\n")["g"]
    conds = [n for n in cfg.nodes if n.kind is K.CONDITION]
    assert len(conds) == 3001
    succ = edge_map(cfg)
    for outer, inner in zip(conds, conds[1:]):
        assert succ[(outer.id, E.FALSE)] == inner.id
    ret = next(n for n in cfg.nodes if n.kind is K.RETURN)
    # every arm and the last FALSE edge fall through to the return
    assert len([e for e in cfg.edges if e.dst == ret.id]) == 3002


def edge_map(cfg: Cfg) -> dict[tuple[int, EdgeKind], int]:
    """(source, kind) -> destination, for graphs with one edge of a kind per node."""
    out: dict[tuple[int, EdgeKind], int] = {}
    for e in cfg.edges:
        assert (e.src, e.kind) not in out
        out[(e.src, e.kind)] = e.dst
    return out


def test_a_statement_too_long_or_too_deep_is_refused():
    # tests/data/fuzz-found/probes/min-10 and min-11: the rules parse each
    # node's text; 5,000 nested "--" and a 2 MB expression took minutes
    import pytest

    from reviewkit.cmap.cfg import MAX_NODE_CHARS, MAX_NODE_DEPTH, CfgTooLarge

    src = "int f(void)\n{\n\tx = {body};\n\treturn 0;\n}\n"
    with pytest.raises(CfgTooLarge, match=r"^the statement at line 3 is 4,106 characters long \(bound 4,096\)$"):
        build_cfgs_from_source(src.replace("{body}", "a+" * 2050 + "a"))
    deep = "!" * (MAX_NODE_DEPTH + 1) + "y"
    with pytest.raises(CfgTooLarge, match=r"^the statement at line 3 nests more than 128 levels deep$"):
        build_cfgs_from_source(src.replace("{body}", deep))
    # as long but flat, or as deep in nested blocks: built
    flat = "g(" + "a, " * (MAX_NODE_CHARS // 3 - 10) + "a)"
    assert len(build_cfgs_from_source(src.replace("{body}", flat))["f"].nodes) == 4
    blocks = "{" * (MAX_NODE_DEPTH + 1) + "y();" + "}" * (MAX_NODE_DEPTH + 1)
    assert [n.text for n in build_cfgs_from_source(src.replace("x = {body};", blocks))["f"].nodes][2] == "y();"
