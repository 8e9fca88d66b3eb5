"""Resource keys, call extraction and condition shapes, on C snippets."""

from __future__ import annotations

from reviewkit.rules.extract import find_field_reads, is_error_value, parse_condition, parse_statement
from reviewkit.rules.resources import normalise_key, normalise_text


def test_resource_keys():
    assert normalise_key("&pgdat->lru_lock") == "pgdat->lru_lock"
    assert normalise_key("& zone->zone_pgdat -> lru_lock") == "zone->zone_pgdat->lru_lock"
    assert normalise_key("&(d->lock)") == "d->lock"
    assert normalise_key("(struct page *)page") == "page"
    assert normalise_key("(x)->lock") == "(x)->lock"  # not a cast
    assert normalise_text("foo( a ,b );") == "foo(a,b)"


def test_calls_in_order_with_assignment_target():
    st = parse_statement("clearlru = TestClearPageLRU(page);")
    assert [(c.name, c.args, c.lhs) for c in st.calls] == [("TestClearPageLRU", ("page",), "clearlru")]
    st = parse_statement("lruvec = mem_cgroup_page_lruvec(page, page_pgdat(page));")
    assert [c.name for c in st.calls] == ["mem_cgroup_page_lruvec", "page_pgdat"]
    assert st.calls[0].arg_key(1) == "page_pgdat(page)"
    st = parse_statement("pg_data_t *pgdat = page_pgdat(page);")
    assert st.calls[0].lhs == "pgdat" and st.assigned == (("pgdat", "page_pgdat(page)"),)


def test_guard_free_and_return():
    st = parse_statement("guard(spinlock_irqsave)(&d->lock);")
    assert st.guard == ("guard", "spinlock_irqsave", ("&d->lock",))
    st = parse_statement('struct device_node *np __free(device_node) = of_get_child_by_name(p, "x");')
    assert st.free_vars == (("np", "device_node"),)
    assert parse_statement("return -ENOMEM;").returns == "-ENOMEM"
    assert parse_statement("return;").returns == ""


def test_condition_shapes():
    c = parse_condition("!TestClearPageMlocked(page)")
    assert c.op == "not" and c.args[0].call.name == "TestClearPageMlocked"
    c = parse_condition("clearlru && np != NULL")
    assert c.op == "and" and [a.var for a in c.args] == ["clearlru", "np"]
    c = parse_condition("ret < 0")
    assert c.op == "atom" and c.var == "ret"
    c = parse_condition("np == NULL")
    assert c.op == "not" and c.args[0].var == "np"
    # comparisons of plain values are atoms of their own, so they correlate
    assert parse_condition("a + b > 3").var == "3<a+b"
    assert parse_condition("new_ptl != old_ptl").var == "new_ptl!=old_ptl"
    c = parse_condition("old_ptl == new_ptl")
    assert c.op == "not" and c.args[0].var == "new_ptl!=old_ptl"
    assert parse_condition("foo(x) > 3").var is None  # a call may change


def test_error_values():
    assert is_error_value("-EINVAL") and is_error_value("NULL") and is_error_value("ERR_PTR(ret)")
    assert not is_error_value("0") and not is_error_value("ret") and not is_error_value(None)


def test_field_reads():
    # a test, a copy, an argument of a macro: reads
    assert find_field_reads("req != CHANNEL(adc->config)") == {"adc->config"}
    assert find_field_reads("config = adc->config;") == {"adc->config"}
    assert find_field_reads("x = st->a.b;") == {"st->a.b"}
    # a compound assignment reads its target; a plain one reads what leads to it
    assert find_field_reads("st->n += 2;") == {"st->n"}
    assert find_field_reads("adc->config = newconfig;") == set()
    assert find_field_reads("st->priv->mode = 0;") == {"st->priv"}
    # an address is no read; a called member reads its object
    assert find_field_reads("mutex_lock(&adc->lock);") == set()
    assert find_field_reads("st->ops->read(st->dev, x);") == {"st->ops", "st->dev"}
    # the arguments of the calls to skip (logging) are left out
    assert find_field_reads('dev_dbg(dev, "%d", st->mode);', frozenset({"dev_dbg"})) == set()
    assert find_field_reads('dev_dbg(dev, "%d", st->mode);') == {"st->mode"}
