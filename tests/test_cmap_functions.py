"""Function spans at the top level, kernel macros and attributes included."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewkit.cmap import find_function_bodies, find_functions, find_scopes, parse_c
from reviewkit.cmap.functions import name_from_header
from reviewkit.model import ScopeKind, Side

SPANS = Path(__file__).parent / "data" / "cmap" / "spans.c"


def _line(source: bytes, text: str) -> int:
    """1-based line of the first line containing ``text``."""
    for no, line in enumerate(source.decode().splitlines(), 1):
        if text in line:
            return no
    raise AssertionError(text)


@pytest.fixture(scope="module")
def spans() -> tuple[bytes, dict[str, tuple[int, int]]]:
    source = SPANS.read_bytes()
    tree = parse_c(source)
    funcs = find_functions(tree, source, file="spans.c", side=Side.OLD)
    assert all(f.file == "spans.c" and f.side is Side.OLD and f.kind is ScopeKind.FUNCTION for f in funcs)
    names = [f.name for f in funcs]
    assert len(names) == len(set(names)), names
    return source, {f.name: (f.start, f.end) for f in funcs}


def test_every_function_found_in_order(spans):
    source, found = spans
    assert list(found) == [
        "plain_inline",
        "exported_one",
        "module_setup",
        "SYSCALL_DEFINE3(mlock2)",
        "SYSCALL_DEFINE0(munlockall)",
        "split_return_type",
        "report_error",
        "broken_header",
        "lock_it",
        "cma_for_each_area",
        "numa_only",
    ]


@pytest.mark.parametrize(
    "name, first, last_after",
    [
        # attributes split off by tree-sitter still start the span
        ("plain_inline", "static __always_inline int __must_check plain_inline", "return a + 1;"),
        ("exported_one", "int exported_one(struct page *page)", "return 0;"),
        ("module_setup", "static int __init module_setup(void)", "return 0;"),
        ("SYSCALL_DEFINE3(mlock2)", "SYSCALL_DEFINE3(mlock2", "return do_mlock"),
        ("split_return_type", "phys_addr_t __init_memblock split_return_type", "return 0;"),
        ("report_error", "static __printf(3, 4) void report_error", "va_end(args);"),
        ("broken_header", "static __always_inline __realloc_size(2) void *", "return ret;"),
        ("lock_it", "static void lock_it(struct walk_state *w)", "mutex_lock(&state_lock);"),
    ],
)
def test_span_edges(spans, name, first, last_after):
    source, found = spans
    start, end = found[name]
    assert start == _line(source, first)
    # the span ends on the closing brace right after the last statement
    lines = source.decode().splitlines()
    last = next(no for no in range(start, len(lines) + 1) if last_after in lines[no - 1])
    assert end == last + 1 and lines[end - 1] == "}"


def test_export_symbol_and_module_init_stay_outside(spans):
    source, found = spans
    export = _line(source, "EXPORT_SYMBOL(exported_one);")
    init = _line(source, "module_init(module_setup);")
    assert all(not (s <= export <= e) and not (s <= init <= e) for s, e in found.values())


def test_iterator_macros_are_not_functions(spans):
    # a full-tree walk would see `for_each_populated_zone(zone) {` as a definition
    source, found = spans
    assert not any("for_each" in n and n != "cma_for_each_area" for n in found)
    s, e = found["numa_only"]
    assert s < _line(source, "list_for_each_entry(pos") < e


def test_scopes_structs_and_macros():
    source = SPANS.read_bytes()
    scopes = {f.name: f for f in find_scopes(parse_c(source), source, file="spans.c", side=Side.NEW)}
    assert scopes["struct walk_state"].kind is ScopeKind.STRUCT
    assert (scopes["struct walk_state"].start, scopes["struct walk_state"].end) == (
        _line(source, "struct walk_state {"),
        _line(source, "unsigned long addr;") + 1,
    )
    assert scopes["DO_TWICE"].kind is ScopeKind.MACRO
    assert scopes["DO_TWICE"].end == _line(source, "} while (0)")
    assert scopes["PAGE_FLAG"].start == scopes["PAGE_FLAG"].end == _line(source, "#define PAGE_FLAG")


def test_bodies_give_cfgs_for_broken_headers():
    from reviewkit.cmap import build_cfg
    from reviewkit.model import NodeKind

    source = SPANS.read_bytes()
    bodies = {b.function.name: b for b in find_function_bodies(parse_c(source), source, file="", side=Side.NEW)}
    b = bodies["broken_header"]
    cfg = build_cfg(b.node, b.source, name="broken_header", side=Side.NEW, line_offset=b.line_offset)
    cond = [n for n in cfg.nodes if n.kind is NodeKind.CONDITION]
    assert [c.text for c in cond] == ["likely(!ZERO_OR_NULL_PTR(p))"]
    assert cond[0].line == _line(source, "if (likely(!ZERO_OR_NULL_PTR(p)))")
    ret = [n for n in cfg.nodes if n.kind is NodeKind.RETURN]
    assert ret[0].line == _line(source, "return ret;") and ret[0].text == "return ret;"


def test_error_recovery_keeps_neighbours():
    # a broken function in the middle does not take its neighbours with it
    text = (
        "static int before(void)\n{\n\treturn 1;\n}\n\n"
        "static int broken(void)\n{\n\tif (x {\n\t\ty = 2;\n\t}\n\treturn @@@;\n}\n\n"
        "static int after(int a)\n{\n\treturn a;\n}\n"
    )
    source = text.encode()
    tree = parse_c(source)
    assert tree.root_node.has_error
    found = {f.name: (f.start, f.end) for f in find_functions(tree, source, file="", side=Side.NEW)}
    assert found["before"] == (1, 4)
    assert found["after"] == (14, 17)
    assert found["broken"][0] == 6


@pytest.mark.parametrize(
    "header, name",
    [
        ("static void __munlock_pagevec(struct pagevec *pvec, struct zone *zone)", "__munlock_pagevec"),
        ("unsigned int munlock_vma_page(struct page *page)", "munlock_vma_page"),
        ("static __printf(3, 4) void slab_err(struct kmem_cache *s, struct slab *slab,", "slab_err"),
        ("static void lock_it(struct walk_state *w) __acquires(&state_lock)", "lock_it"),
        ("SYSCALL_DEFINE3(mlock2, unsigned long, start, size_t, len, int, flags)", "SYSCALL_DEFINE3(mlock2)"),
        ("static int pwm_apply(struct pwm_chip *chip, const struct pwm_state *st) {", "pwm_apply"),
        ("struct page_vma_mapped_walk {", None),
        ("static const struct file_operations fops = {", None),
        ("", None),
    ],
)
def test_name_from_header(header, name):
    assert name_from_header(header) == name


def test_function_ends_at_column_zero_brace_when_a_macro_breaks_the_grammar():
    # kernel/cgroup/cgroup.c: `do { } while_each_thread(...);` kept
    # cgroup_attach_task open for 2,000 lines
    text = (
        "int attach(struct task_struct *leader)\n{\n\tstruct task_struct *task = leader;\n\n"
        "\tdo {\n\t\tadd(task);\n\t} while_each_thread(leader, task);\n\treturn 0;\n}\n\n"
        "#define CHECK(c) do {\t\\\n\tif (c)\t\t\\\n\t\tBUG();\t\\\n} while (0)\n\n"
        "static int next_one(void)\n{\n\treturn 1;\n}\n\n"
        "static void last_one(void)\n{\n\tnext_one();\n}\n"
    )
    source = text.encode()
    found = {f.name: (f.start, f.end) for f in find_functions(parse_c(source), source, file="", side=Side.NEW)}
    assert found["attach"] == (1, 9)
    assert found["next_one"] == (16, 19)
    assert found["last_one"] == (21, 24)
    bodies = {b.function.name: b for b in find_function_bodies(parse_c(source), source, file="", side=Side.NEW)}
    from reviewkit.cmap import build_cfg

    b = bodies["attach"]
    cfg = build_cfg(b.node, b.source, name="attach", side=Side.NEW, line_offset=b.line_offset)
    assert max(n.line for n in cfg.nodes) <= 9
    assert any(n.text == "return 0;" and n.line == 8 for n in cfg.nodes)
