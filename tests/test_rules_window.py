"""Functions the hunks show in part: what the window proves (rules/window.py).

Real fixes (tests/data/fixes/, see its README): each reversed fix
introduces the bug the fix removed and must draw the finding the README
names, on the right function and line; each fix as posted must draw no
lock or reference finding of severity error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewkit.config import Config
from reviewkit.pipeline import build_review

FIXES = Path(__file__).parent / "data" / "fixes"
LOCKISH = {"lock-pairing", "refcount-pairing", "get-put-placement", "unlock-path-merge", "lock-scope-change",
           "sleep-in-atomic", "error-path-cleanup", "irq-workaround"}

# case -> {(rule, function, line, severity)} on the reversed fix
EXPECTED = {
    # a lock released right before an error return, the release removed and
    # the return kept: held there, though the lines shown do not take it
    "linux-iio-124": {("RK101", "mcp3422_read_channel", 147, "warning")},
    "linux-spi-039": {("RK101", "sp7021_spi_master_transfer_one", 354, "warning")},
    "linux-iio-041": {("RK101", "ad2s1210_initial", 558, "error")},
    "linux-spi-098": {("RK401", "stm32_qspi_exec_op", 438, "warning"), ("RK401", "stm32_qspi_setup", 466, "warning")},
    "linux-iio-047": {("RK201", "__simple_for_each_link", 419, "info")},
    "linux-spi-050": {("RK401", "meson_spicc_probe", 728, "error")},
    "linux-iio-009": {("RK201", "st_lsm6dsx_probe", 2723, "warning")},
    "linux-spi-030": {("RK101", "spidev_sync", 120, "error")},
    "linux-spi-067": {("RK201", "axp20x_regulator_parse_dt", 1094, "warning")},
    "linux-spi-029": {("RK401", "atmel_qspi_runtime_resume", 789, "warning")},
    "linux-watchdog-018": {("RK201", "lpc18xx_wdt_remove", 312, "warning"), ("RK201", "wdt_turnoff", 173, "warning")},
    # a lock's initialiser removed, its member still in use
    "linux-iio-126": {("RK108", "adxrs290_probe", 388, "warning")},
    # the last put moved above a use of the object
    "linux-spi-042": {("RK209", "spi_unregister_controller", 3115, "warning")},
    "linux-iio-019": {("RK209", "hx9023s_send_cfg", 1041, "warning")},
    # a lock taken and released under two reads of one shared field
    "linux-iio-013": {("RK106", "opt3001_irq", 793, "warning")},
    # a lock's teardown removed, the lock kept
    "linux-iio-003": {("RK109", "iio_trig_release", 527, "warning")},
    # a field tested and copied outside the lock, which moved into the helper that writes it
    "linux-iio-125": {("RK111", "mcp3422_read_channel", 141, "warning")},
    # a lock helper's __acquires() annotation removed
    "linux-watchdog-011": {("RK110", "starfive_wdt_unlock", 204, "warning")},
    # a goto made a return past a label not shown; a break made a return
    # past the code after the switch, not shown
    "linux-iio-076": {("RK409", "adxl367_buffer_predisable", 1362, "warning")},
    "linux-iio-171": {("RK409", "cros_ec_accel_legacy_read", 209, "warning")},
    # the clock disabled before the controller is unregistered
    "linux-spi-116": {("RK220", "dspi_remove", 1438, "warning")},
    # a put removed after the get on the lines shown, nothing between given the object
    "linux-watchdog-009": {("RK201", "rti_wdt_probe", 304, "warning")},
    "linux-spi-101": {("RK201", "mxs_spi_probe", 610, "warning")},
    # runtime PM enabled in probe: its error paths must disable it again
    "linux-watchdog-017": {("RK401", "rti_wdt_probe", 231, "warning")},
    "linux-iio-098": {("RK401", "bmc150_magn_probe", 947, "error"), ("RK201", "bmc150_magn_probe", 953, "info")},
    # a positive success of pm_runtime_get_sync() tested as a failure
    "linux-watchdog-016": {("RK410", "rti_wdt_probe", 229, "warning")},
    "linux-spi-113": {("RK410", "stm32_spi_resume", 2063, "warning")},
    # a free removed before an error return, the object stored in a field before it
    "linux-watchdog-024": {("RK401", "watchdog_cdev_register", 998, "warning")},
    # a put removed right before a break out of the loop that took the node
    "linux-spi-057": {("RK201", "fsi_spi_probe", 570, "warning")},
    # an unwind loop that counts down made to stop before element 0
    "linux-iio-033": {("RK415", "iio_gts_build_avail_scale_table", 318, "warning")},
    # a C library stream (fopen()) as an allocation: its fclose() removed before a break
    "linux-iio-052": {("RK201", "iioutils_get_param_float", 268, "warning")},
    # device_add() takes the device over only when it succeeds: the put on its failure removed
    "linux-iio-066": {("RK401", "iio_sysfs_trig_init", 208, "warning")},
    # a put after the unregister that gave the controller's reference back
    "linux-spi-034": {("RK201", "mchp_corespi_remove", 599, "warning")},
    "linux-spi-121": {("RK201", "amd_spi_remove", 304, "error")},
    # a release removed from probe's unwind ladder, which only gotos enter
    "linux-spi-040": {("RK401", "meson_spifc_probe", 354, "warning")},
    # runtime PM's status set right before pm_runtime_disable(): it does nothing there
    "linux-spi-010": {("RK221", "cdns_spi_probe", 681, "warning"), ("RK221", "cdns_spi_remove", 704, "warning")},
    "linux-spi-011": {("RK221", "spi_imx_probe", 1868, "warning")},
    # devm_pm_runtime_enable() made plain, disabled again only on probe's error paths
    "linux-spi-016": {("RK201", "bcm63xx_spi_probe", 586, "warning")},
    # a put made after a test moved into one of its arms, the other still returning
    "linux-watchdog-014": {("RK201", "watchdog_cdev_register", 1066, "warning")},
    # the managed action that put the device a get took right above removed
    "linux-spi-037": {("RK201", "lpss_spi_setup", 86, "warning")},
    # a wait for queued work removed from code that tears down
    "linux-iio-004": {("RK201", "at91_adc_remove", 2485, "warning")},
    "linux-iio-173": {("RK201", "xadc_probe", 1293, "warning")},
    # devm_pm_runtime_enable() made plain, disabled again only under a label error gotos take
    "linux-spi-014": {("RK201", "bcmbca_hsspi_probe", 542, "warning")},
    # a free moved down past a return the old path reached after it
    "linux-spi-028": {("RK201", "omap2_mcspi_rx_dma", 520, "warning")},
    # a put added on an early exit above the get that takes the object anew
    "linux-spi-012": {("RK201", "lpss_spi_setup", 150, "warning"), ("RK201", "mrfld_spi_setup", 228, "warning")},
}
# the hunk shows the whole function, header to closing brace: no note
WHOLE: set[str] = {"linux-watchdog-011", "linux-iio-066", "linux-spi-121"}


def _findings(path: Path):
    review = build_review([str(path)], config=Config())
    return [f for f in review.findings if f.category in LOCKISH]


def test_every_case_is_listed() -> None:
    cases = sorted(p.name[: -len(".rev.eml")] for p in FIXES.glob("*.rev.eml"))
    assert cases == sorted(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_the_reversed_fix_draws_its_finding(case: str) -> None:
    found = _findings(FIXES / f"{case}.rev.eml")
    assert {(f.rule, f.function, f.line, f.severity.value) for f in found} == EXPECTED[case]
    for f in found:
        # a verdict from the lines the patch shows says so, at less than high confidence
        assert ("judged from the lines the patch shows" in f.message) is (case not in WHOLE)
        assert case in WHOLE or f.confidence.value in ("low", "medium")


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_the_fix_as_posted_draws_no_error(case: str) -> None:
    found = _findings(FIXES / f"{case}.fwd.eml")
    assert [f for f in found if f.severity.value == "error"] == []


CASES = Path(__file__).parent / "data" / "rules" / "window"

# patch -> {(rule, function, line, severity)}; an empty set: a balanced look-alike
WINDOW_CASES = {
    "01-unlock-removed": {("RK101", "drv_read", 38, "warning")},
    "02-unlock-to-guard": set(),
    "03-exit-added": {("RK101", "drv_write", 39, "error")},
    "04-exit-added-null-test": set(),
    "05-devm-dropped": {("RK201", "drv_probe", 37, "warning")},
    "06-devm-dropped-with-release": set(),
    "07-unlock-twice": {("RK101", "drv_sync", 38, "error")},
    "08-unlock-retake": set(),
    "09-goto-retargeted": {("RK401", "drv_setup", 42, "error")},
    "10-labels-reordered": set(),
    "11-acquire-moved-below": set(),
    "12-exit-before-the-get": set(),
    "13-release-of-an-earlier-call": {("RK401", "drv_apply", 19, "info")},
    "14-acquire-removed": set(),
    "15-unlock-removed-lock-not-shown": {("RK101", "drv_cache", 29, "warning")},
    "16-unlock-removed-success-return": set(),
    "17-release-of-an-earlier-call-head-hidden": {("RK401", "drv_apply", 57, "info")},
    "18-put-removed-error-return": {("RK401", "drv_probe", 30, "warning")},
    "19-put-removed-after-a-put": set(),
    "20-put-removed-after-a-consumer": {("RK401", "drv_probe", 26, "info")},
    "21-goto-to-return-label-removed": {("RK201", "drv_parse_dt", 21, "warning"), ("RK401", "drv_parse_dt", 25, "warning")},
    "22-goto-to-return-put-moved": set(),
    "23-put-removed-after-a-borrower": {("RK401", "drv_get_scu", 24, "warning")},
    "24-continue-in-scoped-guard-loop-not-shown": {("RK408", "drv_irq", 34, "warning")},
    "25-break-leaves-scoped-guard-on-purpose": set(),
    "26-goto-past-a-release-the-patch-hands-on": set(),
    "27-goto-past-a-release-the-patch-drops": {("RK401", "drv_probe", 41, "error"), ("RK401", "drv_probe", 52, "warning")},
    "28-devm-alloc-undone-before-an-unregister": {("RK201", "x_spi_probe", 19, "warning")},
    "29-devm-alloc-kept-until-unbind": set(),
    "30-devm-alloc-undone-call-closed-by-context": {("RK201", "x_spi_probe", 19, "warning")},
    "40-goto-to-return-label-not-shown": {("RK409", "drv_set_mode", 25, "warning")},
    "41-goto-to-return-lock-moved-below": {("RK104", "drv_set_mode", 17, "warning")},
    "42-goto-to-return-unlock-in-the-arm": set(),
    "43-break-to-return-switch-end-not-shown": {("RK409", "drv_read_raw", 33, "warning")},
    "44-goto-to-return-label-only-returns": set(),
    "45-goto-to-return-past-a-shown-cleanup": {("RK409", "drv_set_rate", 23, "warning")},
    "46-break-to-return-skips-work-on-purpose": set(),
    "47-clk-disabled-before-the-unregister": {("RK220", "drv_remove", 19, "warning")},
    "48-clk-disabled-after-the-unregister": set(),
    "60-put-removed-get-shown": {("RK201", "drv_probe", 29, "warning")},
    "61-put-removed-get-shown-handed-on": {("RK201", "drv_probe", 29, "info")},
    "62-get-sync-result-tested-nonzero": {("RK410", "drv_resume", 19, "warning")},
    "63-resume-and-get-result-tested-nonzero": set(),
    "64-free-removed-after-a-store": {("RK401", "drv_data_register", 32, "warning")},
    "65-free-removed-after-a-store-and-a-consumer": {("RK401", "drv_data_register", 32, "info")},
    "66-put-removed-before-a-break": {("RK201", "drv_probe_channels", 24, "warning")},
    "67-put-removed-scoped-iterator": set(),
    "80-put-removed-after-device-add-failed": {("RK401", "drv_publish", 23, "warning")},
    "81-put-removed-device-given-to-helper": set(),
    "82-put-removed-after-device-add-failed-init-not-shown": {("RK401", "drv_publish", 24, "info")},
    "70-put-after-unregister": {("RK201", "x_spi_remove", 22, "warning")},
    "71-get-before-unregister-put-after": set(),
    "72-release-removed-from-unwind-ladder": {("RK401", "y_probe", 43, "warning")},
    "73-release-removed-label-fallen-into": {("RK201", "y_probe", 39, "info")},
    "74-devm-enable-undone-released-on-errors-only": {("RK201", "z_probe", 26, "warning")},
    "75-devm-enable-undone-released-in-remove-too": set(),
    "76-put-moved-into-one-arm": {("RK201", "w_read_rate", 28, "warning")},
    "77-put-moved-into-the-failure-arm": set(),
    "78-managed-put-action-removed": {("RK201", "v_setup", 23, "warning")},
    "79-managed-put-action-replaced-by-a-put": set(),
    "83-work-wait-removed-from-teardown": {("RK201", "q_remove", 30, "warning")},
    "84-work-wait-removed-with-the-work": set(),
    "85-free-moved-below-a-return": {("RK201", "r_rx", 24, "warning")},
    "86-free-moved-above-a-return": set(),
    "87-failure-cleanup-dropped-call-returned": {("RK401", "s_runtime_resume", 27, "warning")},
    "88-failure-cleanup-handed-to-a-helper": set(),
    "89-devm-enable-undone-ladder-return-not-shown": {("RK201", "z_probe", 24, "warning")},
    "90-devm-enable-undone-success-falls-into-release": set(),
    "91-work-wait-removed-work-made-managed": set(),
    "92-put-removed-before-a-goto-label-not-shown": set(),
    "93-release-removed-with-its-field": set(),
    "94-release-removed-clock-got-enabled": set(),
    "95-failure-path-removed-with-its-call": set(),
    "96-failing-call-moved-above-the-get": set(),
    "97-enable-count-dropped-twice": {("RK201", "w_write", 15, "info")},
    "98-conditional-release-removed-with-its-test": {("RK201", "k_remove", 11, "info")},
    "99-put-added-before-the-get": {("RK201", "lp_setup", 14, "warning")},
}


def test_every_window_case_is_listed() -> None:
    assert sorted(p.stem for p in CASES.glob("*.patch")) == sorted(WINDOW_CASES)


@pytest.mark.parametrize("case", sorted(WINDOW_CASES))
def test_window_case(case: str) -> None:
    found = _findings(CASES / f"{case}.patch")
    assert {(f.rule, f.function, f.line, f.severity.value) for f in found} == WINDOW_CASES[case]


REAL = Path(__file__).parent / "data" / "rules" / "real"


def test_continue_in_scoped_guard_of_a_loop_the_hunk_does_not_show() -> None:
    # gpio-adnp's conversion to lock guards (tests/data/rules/real/README.md):
    # each `continue` left only the scoped_guard(), so the code after it ran
    # with isr and ier unset; the for loop's head is above the hunk
    found = [f for f in _findings(REAL / "gpio-adnp-scoped-guard-continue.eml") if f.rule == "RK408"]
    # one finding for the three, which differ only in their line numbers
    assert [(f.function, f.line, f.lines, f.severity.value, f.confidence.value) for f in found] == [
        ("adnp_irq", 242, (242, 246, 250), "warning", "low")]
    assert "judged from the hunk" in found[0].message
    assert "scoped_guard(mutex, &adnp->i2c_lock) (line 239)" in found[0].message


def test_a_call_over_several_diff_lines_is_one_statement_on_each_side() -> None:
    """The hunk facts (and the lock-init facts) read a call written over
    lines whole: added lines joined while a parenthesis is open, and the
    unchanged lines that close it read with each side, past the other
    side's lines."""
    from reviewkit.model import DiffLine
    from reviewkit.rules.window import diff_statements

    lines = [
        DiffLine("-", "\tctlr = devm_spi_alloc_host(&pdev->dev,", 10, None),
        DiffLine("+", "\tctlr = spi_alloc_host(&pdev->dev,", None, 10),
        DiffLine(" ", "\t\t\t\t    sizeof(*xs));", 11, 11),
        DiffLine("+", "\tmutex_init(", None, 12),
        DiffLine("+", "\t\t&st->lock);", None, 13),
        DiffLine("+", "\tst->n = 0;", None, 14),
    ]
    assert list(diff_statements(lines)) == [
        ("-", None, "ctlr = devm_spi_alloc_host(&pdev->dev, sizeof(*xs));"),
        ("+", 10, "ctlr = spi_alloc_host(&pdev->dev, sizeof(*xs));"),
        ("+", 12, "mutex_init( &st->lock);"),
        ("+", 14, "st->n = 0;"),
    ]


_PROBE = """\
// SPDX-License-Identifier: GPL-2.0
static int drv_probe(struct platform_device *pdev)
{
	struct drv *d = platform_get_drvdata(pdev);
	int ret;

	ret = drv_hw_init(d);
	if (ret)
		return ret;

	ret = watchdog_register_device(&d->wdd);
	if (ret)
		goto err_off;

	ret = drv_start(d);
	if (ret)
		goto err_unregister;

	d->a = 1;
	d->b = 2;
	d->c = 3;
	return 0;

err_unregister:
	watchdog_unregister_device(&d->wdd);
err_off:
	drv_hw_off(d);
	return ret;
}
"""


@pytest.mark.parametrize("with_tree", [False, True])
def test_a_function_known_whole_gets_the_proofs_of_what_the_patch_changed(tmp_path: Path, with_tree: bool) -> None:
    """A goto moved past the release its label ran. The hunk does not show
    the labels; with the file's tree at hand the function is known whole
    and they are seen. The whole-function walk finds no other exit that
    unregisters (success keeps the registration), so only the proof from
    the changed line says it."""
    found = _review_in_tree(tmp_path, _PROBE, "misc: drv: stop on a failed start", (
        "@@ -14,7 +14,7 @@ static int drv_probe(struct platform_device *pdev)\n"
        " \n \tret = drv_start(d);\n \tif (ret)\n-\t\tgoto err_unregister;\n+\t\tgoto err_off;\n"
        " \n \td->a = 1;\n \td->b = 2;\n"
    ), with_tree)
    assert found == ([("RK401", "drv_probe", 17, "error")] if with_tree else [])


def _review_in_tree(tmp_path: Path, source: str, subject: str, hunk: str, with_tree: bool) -> list[tuple]:
    """The lock and reference findings on a patch of drivers/misc/drv.c,
    with a tree holding ``source`` as that file or without one; the
    function's mode is checked on the way."""
    tree = tmp_path / "tree"
    (tree / "drivers" / "misc").mkdir(parents=True)
    (tree / "drivers" / "misc" / "drv.c").write_text(source)
    mail = tmp_path / "0001.patch"
    mail.write_text(
        f"From: A <a@example.org>\nSubject: [PATCH] {subject}\n\n"
        "Signed-off-by: A <a@example.org>\n---\n"
        "diff --git a/drivers/misc/drv.c b/drivers/misc/drv.c\n"
        "--- a/drivers/misc/drv.c\n+++ b/drivers/misc/drv.c\n" + hunk
    )
    review = build_review([mail], config=Config(repo=tree if with_tree else None))
    assert [cf.mode for cm in review.codemaps for cf in cm.functions] == ["exact" if with_tree else "fragment"]
    return [(f.rule, f.function, f.line, f.severity.value) for f in review.findings if f.category in LOCKISH]


_PREPARE = """\
// SPDX-License-Identifier: GPL-2.0
static int drv_prepare(struct drv *d)
{
	int ret;

	ret = pm_runtime_resume_and_get(d->dev);
	if (ret < 0) {
		dev_err(d->dev, "failed to resume\\n");
		return ret;
	}

	drv_hw_on(d);
	return 0;
}
"""


@pytest.mark.parametrize("with_tree", [False, True])
def test_an_acquire_changed_to_one_that_holds_on_failure_known_whole(tmp_path: Path, with_tree: bool) -> None:
    """pm_runtime_resume_and_get() made pm_runtime_get_sync(): the error
    return now leaves the usage count raised. No exit of the whole
    function puts it (the success path keeps it for the unprepare), so the
    whole-function walk has nothing to compare with; the changed line
    proves it, known whole or in part."""
    found = _review_in_tree(tmp_path, _PREPARE, "misc: drv: resume with get_sync", (
        "@@ -4,6 +4,6 @@ static int drv_prepare(struct drv *d)\n"
        " \tint ret;\n \n-\tret = pm_runtime_resume_and_get(d->dev);\n+\tret = pm_runtime_get_sync(d->dev);\n"
        " \tif (ret < 0) {\n \t\tdev_err(d->dev, \"failed to resume\\n\");\n \t\treturn ret;\n"
    ), with_tree)
    assert found == [("RK401", "drv_prepare", 9, "error")]
