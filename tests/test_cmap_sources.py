"""Code sources without a tree: fragments, new and deleted files, odd diffs."""

from __future__ import annotations

from reviewkit.cmap import function_at, map_functions
from reviewkit.cmap.sources import GAP_MARKER, build_fragment
from reviewkit.config import Config
from reviewkit.model import DiffLine, FileDiff, FunctionStatus, Hunk, NodeKind, Patch, PatchSource, Side
from reviewkit.patch.real import parse_diff_text

ADDED = """diff --git a/drivers/pwm/pwm-new.c b/drivers/pwm/pwm-new.c
new file mode 100644
index 0000000..1111111
--- /dev/null
+++ b/drivers/pwm/pwm-new.c
@@ -0,0 +1,16 @@
+// SPDX-License-Identifier: GPL-2.0
+#include <linux/pwm.h>
+
+static int new_apply(struct pwm_chip *chip, const struct pwm_state *state)
+{
+	guard(mutex)(&chip->lock);
+	if (!state->enabled)
+		return 0;
+	return write_period(chip, state->period);
+}
+
+static const struct pwm_ops new_ops = {
+	.apply = new_apply,
+};
+
+MODULE_LICENSE("GPL");
diff --git a/drivers/pwm/pwm-old.c b/drivers/pwm/pwm-old.c
deleted file mode 100644
index 2222222..0000000
--- a/drivers/pwm/pwm-old.c
+++ /dev/null
@@ -1,6 +0,0 @@
-#include <linux/pwm.h>
-
-static void old_remove(struct platform_device *pdev)
-{
-	pwmchip_remove(platform_get_drvdata(pdev));
-}
diff --git a/Documentation/pwm.rst b/Documentation/pwm.rst
index 3333333..4444444 100644
--- a/Documentation/pwm.rst
+++ b/Documentation/pwm.rst
@@ -1,3 +1,3 @@
 PWM
-old words
+new words
 end
"""


def patch_of(diff: str) -> Patch:
    files, warnings = parse_diff_text(diff, None)
    assert files and not warnings
    return Patch("<t@test>", PatchSource.MAIL, "t", "", "", "", files)


def test_added_and_deleted_files_are_whole():
    cm = map_functions(patch_of(ADDED), config=Config())
    by_name = {cf.name: cf for cf in cm.functions}
    new = by_name["new_apply"]
    assert new.status is FunctionStatus.ADDED and new.old is None
    assert (new.new.function.start, new.new.function.end) == (4, 10) and new.new.function.complete
    assert new.file_uses_cleanup  # guard(mutex)
    assert new.added_lines == frozenset(range(4, 11))
    assert [n.kind for n in new.new.cfg.nodes if n.kind is NodeKind.RETURN] == [NodeKind.RETURN] * 2
    old = by_name["old_remove"]
    assert old.status is FunctionStatus.REMOVED and old.new is None
    assert (old.old.function.start, old.old.function.end) == (3, 6)
    assert not old.file_uses_cleanup
    assert by_name["new_ops"].status is FunctionStatus.ADDED  # an initialised struct, no CFG
    assert by_name["new_ops"].new.cfg is None
    assert function_at(cm, "drivers/pwm/pwm-new.c", Side.NEW, 13) is None  # in new_ops, not a function
    assert all(cf.file.endswith(".c") for cf in cm.functions)  # the .rst file is skipped
    assert cm.warnings == ()


def test_fragment_keeps_line_numbers_and_marks_gaps():
    lines = (
        DiffLine(" ", "\tint a;", 10, 10),
        DiffLine("-", "\ta = 1;", 11, None),
        DiffLine("+", "\ta = 2;", None, 11),
        DiffLine(" ", "}", 12, 12),
    )
    later = (DiffLine(" ", "static int g(void)", 20, 20), DiffLine("+", "{", None, 21))
    hunks = (Hunk(10, 3, 10, 3, "static int f(void)", lines), Hunk(20, 1, 20, 2, "", later))
    old = build_fragment(hunks, Side.OLD)
    assert old.lines[9:12] == ("\tint a;", "\ta = 1;", "}")
    assert old.lines[0] == GAP_MARKER and old.lines[12] == GAP_MARKER and old.lines[13] == ""
    assert old.visible == frozenset({10, 11, 12, 20}) and not old.exact
    new = build_fragment(hunks, Side.NEW)
    assert new.lines[10] == "\ta = 2;" and len(new.lines) == 21


def test_headless_function_named_by_the_header_context():
    lines = (
        DiffLine(" ", "\tint a;", 10, 10),
        DiffLine("-", "\ta = 1;", 11, None),
        DiffLine("+", "\ta = 2;", None, 11),
        DiffLine(" ", "\treturn a;", 12, 12),
        DiffLine(" ", "}", 13, 13),
    )
    fd = FileDiff("x.c", "x.c", None, None, (Hunk(10, 4, 10, 4, "static int f(void)", lines),))
    cm = map_functions(Patch("<m>", PatchSource.MAIL, "", "", "", "", (fd,)), config=Config())
    (cf,) = cm.functions
    assert cf.name == "f" and cf.status is FunctionStatus.CHANGED
    assert (cf.new.function.start, cf.new.function.end) == (10, 13) and not cf.new.function.complete
    assert cf.added_lines == {11} and cf.removed_lines == {11}
    assert [n.text for n in cf.new.cfg.nodes if n.kind is not NodeKind.ENTRY and n.text] == [
        "a = 2;",
        "return a;",
    ]


def test_hunk_lines_without_numbers_are_skipped():
    # a quote the patch stage could not number: nothing is placed, nothing breaks
    lines = (DiffLine("+", "\tx();", None, None), DiffLine(" ", "}", 5, 5))
    fd = FileDiff("y.c", "y.c", None, None, (Hunk(5, 1, 5, 2, "void y(void)", lines, snipped=True),))
    cm = map_functions(Patch("<m>", PatchSource.QUOTED, "", "", "", "", (fd,)), config=Config())
    assert all(cf.added_lines == frozenset() for cf in cm.functions)


def test_empty_patch():
    cm = map_functions(Patch("<m>", PatchSource.MAIL, "", "", "", "", ()), config=Config())
    assert cm.functions == () and not cm.exact and cm.warnings == ()


def test_hostile_text_does_not_break_mapping():
    # lone surrogates (a broken charset decode), NUL, control bytes, a huge line
    junk = "\tx = \udc80\ud800\x00\x1b[31m;" + "y" * 100_000
    lines = (DiffLine(" ", "int f(void)", 1, 1), DiffLine(" ", "{", 2, 2), DiffLine("+", junk, None, 3),
             DiffLine(" ", "}", 3, 4))
    fd = FileDiff("z.c", "z.c", None, None, (Hunk(1, 3, 1, 4, "", lines),))
    cm = map_functions(Patch("<m>", PatchSource.MAIL, "", "", "", "", (fd,)), config=Config())
    (cf,) = cm.functions
    assert cf.name == "f" and cf.added_lines == {3}
    assert cf.new.cfg is not None


def test_fragment_cut_inside_comments_and_blocks():
    # the hunk starts inside a comment and a loop, and ends inside an if and
    # a comment: the CFG still has the loop, and no parse error is reported
    text = [
        "\t\t * which the caller must hold.",
        "\t\t */",
        "\t\tfor (i = 0; i < nr; i++) {",
        "\t\t\tif (!ok(i)) {",
        "\t\t\t\tfail(i);",
        "\t/*",
        "\t * more to come",
    ]
    lines = tuple(DiffLine(" " if k != 4 else "+", t, 40 + k if k != 4 else None, 40 + k) for k, t in enumerate(text))
    fd = FileDiff("w.c", "w.c", None, None, (Hunk(40, 6, 40, 7, "static int walk(int nr)", lines),))
    cm = map_functions(Patch("<m>", PatchSource.MAIL, "", "", "", "", (fd,)), config=Config())
    (cf,) = cm.functions
    view = cf.new
    assert view.parse_errors == ()
    loop = next(n for n in view.cfg.nodes if n.kind is NodeKind.LOOP)
    assert loop.text == "i < nr" and loop.line == 42
    fail = next(n for n in view.cfg.nodes if n.text == "fail(i);")
    assert fail.loop_depth == 1 and fail.line == 44
    assert view.source.splitlines()[0] == text[0]  # the view keeps the text as shown


def test_a_hunk_numbered_past_any_source_file_is_not_rebuilt_line_by_line():
    # tests/data/fuzz-found/probes/min-01-absurd-hunk-numbers-memory: the
    # old side of "@@ -999999999,5 +1,5 @@" was a list of a billion lines
    from reviewkit.cmap.sources import MAX_SOURCE_LINES, find_side_texts

    far = MAX_SOURCE_LINES + 1
    lines = (DiffLine(" ", "{", far, 1), DiffLine("-", "\ta();", far + 1, None),
             DiffLine("+", "\tb();", None, 2), DiffLine(" ", "}", far + 2, 3))
    fd = FileDiff("mm/foo.c", "mm/foo.c", "1111111", "2222222", (Hunk(far, 3, 1, 3, "", lines),))
    old, new, warnings = find_side_texts(fd, repo=None)
    assert old.lines == () and old.visible == frozenset()
    assert new.lines == ("{", "\tb();", "}")
    assert warnings == [f"mm/foo.c: hunk 1 old line {far} is past the 1,000,000 lines of any real source file: "
                        "those lines are not mapped to functions"]


def test_lines_too_long_or_nested_too_deep_are_left_out_of_the_parse():
    # tests/data/fuzz-found/probes/min-08 and min-11: a 2 MB line and
    # 100,000 unclosed "(" made tree-sitter take seconds and gigabytes
    from reviewkit.cmap.sources import LEFT_OUT_MARKER, MAX_NESTING, MAX_PARSED_LINE, find_side_texts

    long_line = "\tx = " + "a+" * MAX_PARSED_LINE + "a;"
    text = ["static int f(void)", "{", long_line, "\tg(" + "(" * MAX_NESTING, "\treturn 0;", "}"]
    lines = tuple(DiffLine(" ", t, k, k) if k != 3 else DiffLine("+", t, None, k) for k, t in enumerate(text, 1))
    lines = tuple(dl if dl.kind == "+" else DiffLine(" ", dl.text, dl.old_no - (dl.old_no > 3), dl.new_no)
                  for dl in lines)
    fd = FileDiff("mm/foo.c", "mm/foo.c", "1111111", "2222222", (Hunk(1, 5, 1, 6, "", lines),))
    old, new, warnings = find_side_texts(fd, repo=None)
    assert new.lines == (text[0], "{", LEFT_OUT_MARKER, LEFT_OUT_MARKER, "\treturn 0;", "}")
    assert old.lines == (text[0], "{", LEFT_OUT_MARKER, "\treturn 0;", "}")
    assert warnings == [
        "mm/foo.c: old line 3 opens brackets past 256 deep: left out of the parse",
        "mm/foo.c: new line 3 is 8,199 characters long (bound 4,096): left out of the parse and 1 more line(s)",
    ]


def test_a_function_with_a_statement_too_large_has_no_cfg_on_either_side():
    deep = "!" * 200 + "y"
    diff = f"""diff --git a/mm/foo.c b/mm/foo.c
index 1111111..2222222 100644
--- a/mm/foo.c
+++ b/mm/foo.c
@@ -1,5 +1,6 @@
 static int foo(struct foo *f)
 {{
 \tspin_lock(&f->lock);
+\tif ({deep}) x();
 \treturn 0;
 }}
"""
    cm = map_functions(patch_of(diff), config=Config())
    [cf] = cm.functions
    assert (cf.name, cf.status) == ("foo", FunctionStatus.CHANGED)
    assert cf.old.cfg is None and cf.new.cfg is None
    assert cm.warnings == ("mm/foo.c: foo(): the statement at line 4 nests more than 128 levels deep: not analysed",)


def test_a_line_numbered_zero_is_left_out():
    # tests/data/fuzz-found/campaign/internal-error-7-843.eml: "@@ -1 +0 @@"
    # numbered its context line 0 on the new side; the side map indexed line -1
    from reviewkit.cmap.sources import find_side_texts

    fd = FileDiff("mm/foo.c", "mm/foo.c", "1111111", "2222222", (Hunk(1, 1, 0, 1, "", (DiffLine(" ", "x", 1, 0),)),))
    old, new, _ = find_side_texts(fd, repo=None)
    assert old.lines == ("x",) and new.lines == () and new.visible == frozenset()
    cm = map_functions(Patch("<m>", PatchSource.MAIL, "", "", "", "", (fd,)), config=Config())
    assert cm.functions == ()



CUT_CALL = """diff --git a/drivers/x/x.c b/drivers/x/x.c
index 1111111..2222222 100644
--- a/drivers/x/x.c
+++ b/drivers/x/x.c
@@ -20,3 +20,3 @@ static int other(void)
 \t\tcount++;
-\t\tif (!locked) {
+\t\tif (!locked && d) {
 \t\t\tlocked = take_lock(&d->lock,
@@ -30,8 +30,8 @@ static int other(void)
 \t\t\t\tgoto out;
 \t\t}
 \t\tif (d->busy)
-\t\t\td->count = 1;
+\t\t\td->count = 2;
 \t\ttotal = add(total,
 \t\t\t    d->count);
 \t}
 out:
"""


def _statements(cfg) -> list[tuple[int, NodeKind, str]]:
    return [(n.line, n.kind, n.text) for n in cfg.nodes if n.kind not in (NodeKind.ENTRY, NodeKind.EXIT)]


def test_a_call_cut_by_hidden_lines_ends_where_the_hunk_does():
    # the first hunk ends inside a call: the lines after the gap are
    # statements of their own, not more arguments (one statement holding
    # the `goto` and the `}` that the call's open parenthesis swallowed)
    cm = map_functions(patch_of(CUT_CALL), config=Config())
    (cf,) = cm.functions
    assert cf.name == "other"
    for side, count in ((cf.old, "d->count = 1;"), (cf.new, "d->count = 2;")):
        got = _statements(side.cfg)
        assert got[1:4] == [
            (21, NodeKind.CONDITION, "!locked" if side is cf.old else "!locked && d"),
            (22, NodeKind.STATEMENT, "locked = take_lock(&d->lock);"),
            (30, NodeKind.GOTO, "out"),
        ]
        assert (33, NodeKind.STATEMENT, count) in got
        # a call whose lines are all shown stays one statement, as written
        assert (34, NodeKind.STATEMENT, "total = add(total, d->count);") in got
