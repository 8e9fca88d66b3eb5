"""`reviewkit knowledge build` over small trees of its own: each fact, and
the file and line of its evidence, exactly."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from reviewkit.knowledge import LearnedKnowledge
from reviewkit.knowledge.build import build_database
from reviewkit.knowledge.learned import Evidence, KnownNames
from reviewkit.knowledge.seeds import build_seeds
from reviewkit.rules.knowledge import knowledge_tables

TREE = {
    "Makefile": """\
        VERSION = 6
        PATCHLEVEL = 12
        SUBLEVEL = 3
        EXTRAVERSION = -test
        """,
    # a sleep through two callees, one of them a static inline of a header
    "include/linux/widget.h": """\
        struct widget_ops {
        	void (*poke)(struct widget *w);
        	int (*prepare)(struct widget *w);
        };

        struct widget {
        	struct widget_ops *ops;
        	spinlock_t lock;
        	struct mutex mutex;
        	struct completion done;
        	struct device dev;
        };

        static inline void widget_wait(struct widget *w)
        {
        	wait_for_completion(&w->done);
        }

        static inline int widget_stub(struct widget *w)
        {
        	return 0;
        }

        static inline struct device_node *widget_of_node(struct widget *w)
        {
        	return ERR_PTR(-ENODEV);
        }

        /* DEFINE_FREE(name, type, free): documented, not declared */
        DEFINE_FREE(widget, struct widget *, if (!IS_ERR_OR_NULL(_T)) widget_put(_T))
        DEFINE_FREE(gadget, struct gadget *, if (_T) gadget_put(_T))
        DEFINE_GUARD(widget_guard, struct widget *, mutex_lock(&_T->mutex), mutex_unlock(&_T->mutex))

        #define widget_rd(w) widget_read_reg(w)

        #define DEFINE_WIDGET_GUARD(name) DEFINE_GUARD(name, struct widget *, widget_lock(_T), widget_unlock(_T))
        """,
    "drivers/widget/chain.c": """\
        #include <linux/widget.h>

        void widget_level2(struct widget *w)
        {
        	widget_wait(w);
        }

        void widget_level1(struct widget *w)
        {
        	widget_level2(w);
        }

        void widget_locked(struct widget *w)
        {
        	spin_lock(&w->lock);
        	widget_level1(w);
        	spin_unlock(&w->lock);
        }

        void *widget_alloc(size_t n, gfp_t gfp)
        {
        	return kmalloc(n, gfp);
        }

        void *widget_alloc_atomic(size_t n)
        {
        	return widget_alloc(n, GFP_ATOMIC);
        }

        void *widget_alloc_kernel(size_t n)
        {
        	return widget_alloc(n, GFP_KERNEL);
        }

        void widget_maybe(struct widget *w)
        {
        	if (in_atomic())
        		return;
        	widget_level1(w);
        }

        /* a copy that sleeps only where page faults may be taken */
        unsigned long widget_copy(struct widget *w, unsigned long n)
        {
        	int atomic = faulthandler_disabled();

        	if (!atomic)
        		widget_level1(w);
        	return n;
        }

        /**
         * widget_quick - poke a widget
         * @w: the widget
         *
         * Context: Any context.
         */
        void widget_quick(struct widget *w)
        {
        	widget_level1(w);
        }

        /**
         * widget_slow - poke a widget slowly
         * @w: the widget
         *
         * Context: Process context. May sleep.
         */
        void widget_slow(struct widget *w)
        {
        	w->ops = NULL;
        }

        void widget_stubbed(struct widget *w)
        {
        	widget_stub(w);
        }

        static CLOSURE_CALLBACK(widget_cb)
        {
        	msleep(1);
        }

        void widget_boot_alloc(struct widget *w)
        {
        	bool late = slab_is_available();

        	if (late)
        		kmalloc(16, GFP_KERNEL);
        }
        """,
    # sleeps on a rare path, and is called in atomic context through a macro
    # in two places: the kernel's word that it does not sleep there
    "drivers/widget/regs.c": """\
        u32 widget_read_reg(struct widget *w)
        {
        	if (!readl(w->base))
        		msleep(1);
        	return 0;
        }

        void widget_irq_a(struct widget *w)
        {
        	spin_lock(&w->lock);
        	widget_rd(w);
        	spin_unlock(&w->lock);
        }

        void widget_irq_b(struct widget *w)
        {
        	spin_lock(&w->lock);
        	widget_rd(w);
        	spin_unlock(&w->lock);
        }

        void widget_poll(struct widget *w)
        {
        	widget_rd(w);
        }
        """,
    # the same static name in two files: each call reaches its own
    "drivers/widget/one.c": """\
        static void reset(struct widget *w)
        {
        	msleep(10);
        }

        void one_reset(struct widget *w)
        {
        	reset(w);
        }

        static void one_idle(struct widget *w)
        {
        	ssleep(1);
        }
        """,
    "drivers/widget/two.c": """\
        static void reset(struct widget *w)
        {
        	writel(0, w->base);
        }

        void two_reset(struct widget *w)
        {
        	reset(w);
        }
        """,
    # a lock wrapper on a parameter, one on the result, and their twins
    "drivers/widget/lock.c": """\
        void widget_lock(struct widget *w)
        {
        	mutex_lock(&w->mutex);
        }

        void widget_unlock(struct widget *w)
        {
        	mutex_unlock(&w->mutex);
        }

        struct widget *widget_lock_irq(struct gadget *g)
        {
        	struct widget *w = g->widget;

        	spin_lock_irq(&w->lock);
        	return w;
        }

        void widget_unlock_irq(struct widget *w)
        {
        	spin_unlock_irq(&w->lock);
        }

        void widget_locked_and_dropped(struct widget *w)
        {
        	mutex_lock(&w->mutex);
        	w->ops = NULL;
        	mutex_unlock(&w->mutex);
        }

        int widget_lock_checked(struct widget *w)
        {
        	if (!w)
        		return -EINVAL;
        	mutex_lock(&w->mutex);
        	return 0;
        }

        void widget_lock_dropped_by_helper(struct widget *w)
        {
        	mutex_lock(&w->mutex);
        	widget_unlock(w);
        }

        static struct mutex table_mutex;

        void table_lock(void)
        {
        	mutex_lock(&table_mutex);
        }

        void __table_unlock(void)
        {
        	mutex_unlock(&table_mutex);
        }

        void table_flush(void)
        {
        	__table_unlock();
        	table_free_all();
        }

        void table_unlock(void)
        {
        	table_flush();
        }

        void irqs_stay_off(void)
        {
        	local_irq_disable();
        }
        """,
    # references: a get'd node, a lookup through it, a kernel-doc put,
    # a get wrapper on a member and its put twin
    "drivers/of/thing.c": """\
        /* an allocation handed to the device core before it is returned: its
         * release is thing_unregister_port(), not kfree() */
        struct thing_port *thing_register_port(struct device *parent)
        {
        	struct thing_port *port = kzalloc(sizeof(*port), GFP_KERNEL);

        	if (!port)
        		return ERR_PTR(-ENOMEM);
        	port->dev.parent = parent;
        	if (device_register(&port->dev)) {
        		kfree(port);
        		return ERR_PTR(-EINVAL);
        	}
        	return port;
        }

        /* a platform device allocated and registered: the caller unregisters
         * it, a [[ref]] the learning does not follow (learn = false) */
        struct platform_device *thing_register_pdev(const char *name)
        {
        	struct platform_device *pdev = platform_device_alloc(name, -1);

        	if (!pdev)
        		return ERR_PTR(-ENOMEM);
        	if (platform_device_add(pdev)) {
        		platform_device_put(pdev);
        		return ERR_PTR(-ENODEV);
        	}
        	return pdev;
        }

        struct device_node *thing_node(struct thing *t)
        {
        	struct device_node *np = t->np;

        	if (!np)
        		return NULL;
        	of_node_get(np);
        	return np;
        }

        struct device_node *thing_node_checked(struct thing *t)
        {
        	if (!t)
        		return ERR_PTR(-EINVAL);
        	return thing_node(t);
        }

        struct device_node *thing_first_child(struct device_node *parent)
        {
        	struct device_node *child;

        	for_each_child_of_node(parent, child)
        		if (child->data)
        			break;
        	return child;
        }

        struct device_node *thing_borrowed(struct thing *t)
        {
        	return t->np;
        }

        /**
         * widget_find - find a widget by name
         * @name: its name
         *
         * Return: the widget, or NULL; the caller must call widget_put()
         * when done with it.
         */
        struct widget *widget_find(const char *name)
        {
        	return lookup_widget(name);
        }

        void widget_put(struct widget *w)
        {
        	if (w)
        		put_device(&w->dev);
        }

        struct widget *widget_get(struct widget *w)
        {
        	if (w)
        		get_device(&w->dev);
        	return w;
        }

        struct device_node *widget_of_node(struct widget *w)
        {
        	return of_node_get(w->np);
        }

        /**
         * thing_swap - swap a thing's node
         * @t: the thing
         * @old: the node it had; on failure the @old reference is dropped
         *       with of_node_put().
         */
        struct device_node *thing_swap(struct thing *t, struct device_node *old)
        {
        	return t->np;
        }

        /**
         * widget_data - the private data of a widget
         * @minor: its number
         *
         * Takes a reference on the widget; call widget_put() on it
         * after use.
         */
        void *widget_data(int minor)
        {
        	return lookup_widget_data(minor);
        }

        struct widget *widget_pick(struct widget *w)
        {
        	if (w->next)
        		w = w->next;
        	else
        		get_device(&w->dev);
        	return w;
        }

        struct device_node *thing_dropped(struct thing *t)
        {
        	struct device_node *np = of_node_get(t->np);

        	of_node_put(np);
        	return np;
        }

        struct gizmo *gizmo_get(struct gizmo *g)
        {
        	kref_get(&g->ref);
        	return g;
        }

        void __gizmo_put(struct gizmo *g, bool sync)
        {
        	kref_put(&g->ref, gizmo_release);
        }

        void gizmo_put(struct gizmo *g)
        {
        	__gizmo_put(g, false);
        }

        struct gadget *gadget_hold(struct gadget *g)
        {
        	get_device(&g->dev);
        	return g;
        }

        void gadget_put(struct gadget *g)
        {
        	put_device(&g->dev);
        }

        void gadget_hold_close(struct gadget *g)
        {
        	gadget_put(g);
        }
        """,
    # core code calling an ops member under a spinlock, and a driver doing the same
    "kernel/widget_core.c": """\
        void widget_core_poke(struct widget *w)
        {
        	unsigned long flags;

        	spin_lock_irqsave(&w->lock, flags);
        	w->ops->poke(w);
        	spin_unlock_irqrestore(&w->lock, flags);
        	w->ops->prepare(w);
        }

        void widget_core_open(struct widget *w)
        {
        	scoped_guard(spinlock_irq, &w->lock)
        		++w->count;
        	w->ops->prepare(w);
        }
        """,
    "drivers/widget/driver.c": """\
        void driver_poke(struct widget *w)
        {
        	spin_lock(&w->lock);
        	w->ops->prepare(w);
        	spin_unlock(&w->lock);
        }
        """,
    # user space: never read
    "tools/include/linux/widget.h": """\
        static inline void widget_lock(struct widget *w)
        {
        	pthread_mutex_lock(&w->m);
        }
        """,
}


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def line_of(rel: str, snippet: str, files: dict[str, str] = TREE) -> int:
    """The line of ``rel`` holding ``snippet`` (exactly one)."""
    lines = textwrap.dedent(files[rel]).split("\n")
    hits = [i + 1 for i, ln in enumerate(lines) if snippet in ln]
    assert len(hits) == 1, (rel, snippet, hits)
    return hits[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[LearnedKnowledge, object]:
    root = write_tree(tmp_path_factory.mktemp("tree") / "linux", TREE)
    out = tmp_path_factory.mktemp("db") / "kb.rkdb"
    report = build_database(root, out, build_seeds(knowledge_tables()), jobs=1)
    return LearnedKnowledge([(out, "test", True)]), report


def test_report_and_metadata(built):
    kb, report = built
    assert report.files == 9  # tools/ is left out
    assert report.failed == ()
    (path, meta), = kb.sources
    assert meta["kernel"] == "6.12.3-test"
    assert meta["facts"] == report.counts
    assert report.size == path.stat().st_size


def test_sleep_through_two_callees_with_the_chain(built):
    kb, _ = built
    facts = kb.lookup(["widget_level1", "widget_level2", "widget_wait"])
    c = "drivers/widget/chain.c"
    assert facts.sleeps["widget_level1"].via == "widget_level2"
    assert facts.sleeps["widget_level1"].gfp_arg is None
    assert kb.chain("widget_level1") == (
        Evidence(c, line_of(c, "\twidget_level2(w);"), "widget_level1() calls widget_level2()"),
        Evidence(c, line_of(c, "\twidget_wait(w);"), "widget_level2() calls widget_wait()"),
        Evidence("include/linux/widget.h", line_of("include/linux/widget.h", "wait_for_completion("),
                 "widget_wait() calls wait_for_completion(), which sleeps (knowledge.toml)"),
    )


def test_no_sleep_under_a_spinlock_a_context_test_or_an_atomic_kernel_doc(built):
    kb, _ = built
    facts = kb.lookup(["widget_locked", "widget_maybe", "widget_copy", "widget_quick", "widget_stubbed",
                       "widget_boot_alloc"])
    assert facts.sleeps == {}


def test_called_in_atomic_context_twice_is_atomic_safe(built):
    kb, _ = built
    facts = kb.lookup(["widget_read_reg", "widget_rd", "widget_poll"])
    assert facts.sleeps == {}


def test_a_function_a_macro_defines_is_left_out(built):
    kb, _ = built
    assert kb.lookup(["widget_cb", "CLOSURE_CALLBACK"]).sleeps == {}


def test_kernel_doc_context_says_it_sleeps(built):
    kb, _ = built
    fact = kb.lookup(["widget_slow"]).sleeps["widget_slow"]
    c = "drivers/widget/chain.c"
    assert fact.evidence == Evidence(c, line_of(c, "Context: Process context. May sleep."), "kernel-doc: may sleep")
    assert fact.last and kb.chain("widget_slow") == (fact.evidence,)


def test_gfp_flags_decide(built):
    kb, _ = built
    facts = kb.lookup(["widget_alloc", "widget_alloc_atomic", "widget_alloc_kernel"])
    assert facts.sleeps["widget_alloc"].gfp_arg == 1
    assert "widget_alloc_atomic" not in facts.sleeps
    kernel = facts.sleeps["widget_alloc_kernel"]
    assert kernel.gfp_arg is None and kernel.via == "widget_alloc"


def test_static_name_collision_each_file_its_own(built):
    kb, _ = built
    one = kb.lookup(["reset"], file="drivers/widget/one.c").sleeps
    assert one["reset"].evidence == Evidence("drivers/widget/one.c", 3,
                                             "reset() calls msleep(), which sleeps (knowledge.toml)")
    assert kb.lookup(["reset"], file="drivers/widget/two.c").sleeps == {}
    assert kb.lookup(["reset"]).sleeps == {}  # no file: statics are seen nowhere else
    facts = kb.lookup(["one_reset", "two_reset"])
    assert facts.sleeps["one_reset"].via == "reset"
    assert "two_reset" not in facts.sleeps


def test_lock_wrappers_and_their_twins(built):
    kb, _ = built
    locks = kb.lookup(["widget_lock", "widget_lock_irq", "widget_locked_and_dropped", "widget_unlock",
                       "widget_lock_dropped_by_helper", "table_lock", "irqs_stay_off", "widget_lock_checked"]).locks
    assert set(locks) == {"widget_lock", "widget_lock_irq", "table_lock", "widget_lock_checked"}
    assert locks["widget_lock_checked"].conditional and not locks["widget_lock"].conditional
    f = "drivers/widget/lock.c"
    w = locks["widget_lock"]
    assert (w.variant, w.family, w.arg, w.by_result, w.releases) == ("mutex", "mutex", 0, False, ("widget_unlock",))
    assert w.evidence == (Evidence(f, line_of(f, "void widget_lock(struct widget *w)") + 2,
                                   "takes a mutex lock and returns holding it"),)
    r = locks["widget_lock_irq"]
    assert (r.variant, r.arg, r.by_result, r.releases) == ("spinlock-irq", None, True, ("widget_unlock_irq",))
    assert r.evidence[0].line == line_of(f, "spin_lock_irq(&w->lock);")
    # a global lock, dropped directly or through callees: the likest name first
    t = locks["table_lock"]
    assert (t.variant, t.arg, t.by_result, t.releases) == ("mutex", None, False,
                                                           ("table_unlock", "__table_unlock", "table_flush"))


def test_returns_a_reference(built):
    kb, _ = built
    names = ["thing_node", "thing_node_checked", "thing_first_child", "thing_borrowed", "widget_find",
             "thing_dropped", "thing_swap", "widget_of_node", "widget_data", "thing_register_port",
             "thing_register_pdev"]
    refs = kb.lookup(names).refs
    # thing_swap: its kernel-doc's put is the argument's; widget_data: the
    # put is of another object than the `void *` it returns; widget_of_node:
    # the header's `return ERR_PTR(-ENODEV);` is a stub, the .c one decides;
    # thing_register_port: an allocation, a kind the learning does not follow;
    # thing_register_pdev: a platform device, a [[ref]] it does not follow
    assert set(refs) == {"thing_node", "thing_node_checked", "thing_first_child", "widget_find", "widget_of_node"}
    f = "drivers/of/thing.c"
    assert refs["thing_node"][1:5] == ("of_node_put", "body", "",
                                       Evidence(f, line_of(f, "of_node_get(np);") + 1, "returns the object it took a reference on"))
    checked = refs["thing_node_checked"]
    assert (checked.put, checked.via, checked.evidence.line) == ("of_node_put", "thing_node", line_of(f, "return thing_node(t);"))
    assert refs["thing_first_child"].put == "of_node_put"
    doc = refs["widget_find"]
    assert (doc.put, doc.how) == ("widget_put", "kernel-doc")
    assert doc.evidence == Evidence(f, line_of(f, "the caller must call widget_put()"), "kernel-doc names widget_put()")


def test_get_wrapper_pairs_with_its_put_twin(built):
    kb, _ = built
    gets = kb.lookup(["widget_get", "widget_put", "gizmo_get", "widget_pick", "gadget_hold"]).gets
    f = "drivers/of/thing.c"
    assert set(gets) == {"widget_get", "gizmo_get", "gadget_hold"}
    # the put of the object alone, which drops it through __gizmo_put(g, false)
    assert gets["gizmo_get"].put == "gizmo_put"
    # the put that drops it itself, not one that calls it (a likelier name)
    assert gets["gadget_hold"].put == "gadget_put"
    assert gets["widget_get"][1:4] == (0, "widget_put", Evidence(f, line_of(f, "struct widget *widget_get(struct widget *w)") + 4,
                                                                "returns argument 0 after taking a reference"))


def test_cleanup_classes_and_err_ptr_tolerance(built):
    kb, _ = built
    h = "include/linux/widget.h"
    classes = kb.lookup([], classes=["widget", "gadget", "widget_guard", "name"]).cleanups
    assert set(classes) == {"widget", "gadget", "widget_guard"}  # not the macro that defines classes
    w, g, guard = classes["widget"], classes["gadget"], classes["widget_guard"]
    assert (w.kind, w.type, w.release, w.tolerates, w.test) == ("free", "struct widget *", "widget_put", "err_ptr", "IS_ERR_OR_NULL")
    assert w.evidence.file == h and w.evidence.line == line_of(h, "DEFINE_FREE(widget,")
    assert (g.kind, g.release, g.tolerates, g.test) == ("free", "gadget_put", "null", "if (_T)")
    assert (guard.kind, guard.acquire, guard.release, guard.variant) == ("guard", "mutex_lock", "mutex_unlock", "mutex")


def test_atomic_callback_learned_in_core_code_only(built):
    kb, _ = built
    members = kb.lookup([], structs=["widget_ops"]).members
    k = "kernel/widget_core.c"
    assert set(members) == {"widget_ops"}
    assert set(members["widget_ops"]) == {"poke"}  # prepare: called unlocked in core, locked only by a driver
    assert members["widget_ops"]["poke"].evidence == Evidence(
        k, line_of(k, "w->ops->poke(w);"), f"lock: spin_lock_irqsave() at line {line_of(k, 'spin_lock_irqsave(')}")


def test_hand_written_knowledge_wins_over_the_shipped_database_only(built, tmp_path):
    kb, _ = built
    (path, _meta), = kb.sources
    known = KnownNames(sleep=frozenset({"widget_level1"}), classes=frozenset({"widget"}),
                       members=frozenset({("widget_ops", "poke")}))
    shipped = LearnedKnowledge([(path, "shipped", False)])
    facts = shipped.lookup(["widget_level1", "widget_level2"], classes=["widget"], structs=["widget_ops"], known=known)
    assert set(facts.sleeps) == {"widget_level2"} and facts.cleanups == {} and facts.members == {}
    user = LearnedKnowledge([(path, "mine", True)])
    facts = user.lookup(["widget_level1"], classes=["widget"], structs=["widget_ops"], known=known)
    assert set(facts.sleeps) == {"widget_level1"} and set(facts.cleanups) == {"widget"}
    assert facts.sleeps["widget_level1"].origin == "mine"


def test_a_user_database_shadows_the_shipped_one(tmp_path):
    old = {"drivers/a.c": "void a(void)\n{\n\tmsleep(1);\n}\n\nvoid b(void)\n{\n\tmsleep(1);\n}\n"}
    mine = {"drivers/a.c": "void a(void)\n{\n\tudelay(1);\n}\n\nvoid c(void)\n{\n\tmsleep(1);\n}\n"}
    seeds = build_seeds(knowledge_tables())
    build_database(write_tree(tmp_path / "old", old), tmp_path / "old.rkdb", seeds)
    # a part of a tree (no top Makefile): its names shadow the shipped ones
    build_database(write_tree(tmp_path / "part", mine), tmp_path / "part.rkdb", seeds)
    kb = LearnedKnowledge([(tmp_path / "old.rkdb", "shipped", False), (tmp_path / "part.rkdb", "mine", True)])
    facts = kb.lookup(["a", "b", "c"])
    assert {n: f.origin for n, f in facts.sleeps.items()} == {"a": "shipped", "b": "shipped", "c": "mine"}
    # a whole kernel tree: the shipped database is not read at all (its
    # facts may be stale for that tree: a() does not sleep there)
    whole = {**mine, "Makefile": TREE["Makefile"]}
    build_database(write_tree(tmp_path / "whole", whole), tmp_path / "whole.rkdb", seeds)
    kb = LearnedKnowledge([(tmp_path / "old.rkdb", "shipped", False), (tmp_path / "whole.rkdb", "mine", True)])
    facts = kb.lookup(["a", "b", "c"])
    assert {n: f.origin for n, f in facts.sleeps.items()} == {"c": "mine"}


def test_parallel_build_gives_the_same_database(built, tmp_path):
    _kb, report = built
    root = write_tree(tmp_path / "linux", TREE)
    out = tmp_path / "par.rkdb"
    build_database(root, out, build_seeds(knowledge_tables()), jobs=2)
    assert out.read_bytes() == report.output.read_bytes()


def test_global_only_keeps_what_crosses_files(built, tmp_path):
    full, _ = built
    root = write_tree(tmp_path / "linux", TREE)
    out = tmp_path / "g.rkdb"
    build_database(root, out, build_seeds(knowledge_tables()), jobs=1, global_only=True)
    kb = LearnedKnowledge([(out, "shipped", False)])
    assert kb.sources[0][1]["global_only"] is True
    # the static reset() of one.c stays: one_reset()'s chain goes through it
    assert [e.note for e in kb.chain("one_reset")] == ["one_reset() calls reset()",
                                                       "reset() calls msleep(), which sleeps (knowledge.toml)"]
    assert "reset" not in kb.lookup(["reset"], file="drivers/widget/two.c").sleeps
    # a static no other function's chain needs is left out
    one = "drivers/widget/one.c"
    assert "one_idle" in full.lookup(["one_idle"], file=one).sleeps
    assert "one_idle" not in kb.lookup(["one_idle"], file=one).sleeps


TAKERS = {
    "include/linux/gizmo.h": """\
        struct gizmo {
        \tstruct mutex lock;
        \tint n;
        };

        int __gizmo_write(struct gizmo *g, int reg, int val);

        static inline int gizmo_write(struct gizmo *g, int reg, int val)
        {
        \tguard(mutex)(&g->lock);
        \treturn __gizmo_write(g, reg, val);
        }

        static inline int __gizmo_write_16(struct gizmo *g, int reg, u16 val)
        {
        \treturn __gizmo_write(g, reg, val);
        }

        static inline int gizmo_write_16(struct gizmo *g, int reg, u16 val)
        {
        \treturn gizmo_write(g, reg, val);
        }
        """,
    "drivers/gizmo/core.c": """\
        int gizmo_reset(struct gizmo *g)
        {
        \tmutex_lock(&g->lock);
        \tif (g->n) {
        \t\tmutex_unlock(&g->lock);
        \t\treturn -EBUSY;
        \t}
        \tg->n = 1;
        \tmutex_unlock(&g->lock);
        \treturn 0;
        }

        int gizmo_leaky(struct gizmo *g)
        {
        \tmutex_lock(&g->lock);
        \tif (g->n)
        \t\treturn -EBUSY;
        \tmutex_unlock(&g->lock);
        \treturn 0;
        }

        void gizmo_hold(struct gizmo *g)
        {
        \tmutex_lock(&g->lock);
        }

        struct board {
        \tstruct gizmo gz;
        };

        int board_init(struct board *b)
        {
        \treturn gizmo_write_16(&b->gz, 1, 2);
        }
        """,
}


def test_functions_that_take_a_lock_of_their_argument(tmp_path):
    out = tmp_path / "t.rkdb"
    build_database(write_tree(tmp_path / "linux", TAKERS), out, build_seeds(knowledge_tables()))
    names = ["gizmo_write", "__gizmo_write_16", "gizmo_write_16", "gizmo_reset", "gizmo_leaky", "gizmo_hold", "board_init"]
    takes = LearnedKnowledge([(out, "test", True)]).lookup(names).takes
    # a return that skips the unlock, or a lock kept for the caller, is no taker
    assert set(takes) == {"gizmo_write", "gizmo_write_16", "gizmo_reset", "board_init"}
    h, c = "include/linux/gizmo.h", "drivers/gizmo/core.c"
    (w,) = takes["gizmo_write"]
    assert (w.variant, w.arg, w.member, w.via, w.unlocked) == ("mutex", 0, "->lock", "", "__gizmo_write")
    assert (w.evidence.file, w.evidence.line) == (h, line_of(h, "guard(mutex)", TAKERS))
    # through a callee it hands its argument to, with the variant named most alike
    (w16,) = takes["gizmo_write_16"]
    assert (w16.arg, w16.member, w16.via, w16.unlocked) == (0, "->lock", "gizmo_write", "__gizmo_write_16")
    assert w16.evidence.line == line_of(h, "return gizmo_write(g, reg, val);", TAKERS)
    (r,) = takes["gizmo_reset"]
    assert (r.member, r.evidence.file, r.evidence.line) == ("->lock", c, line_of(c, "int gizmo_reset", TAKERS) + 2)
    # a member passed by its address: the lock is that member's
    (b,) = takes["board_init"]
    assert (b.arg, b.member, b.via) == (0, "->gz.lock", "gizmo_write_16")
