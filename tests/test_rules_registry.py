"""Registry completeness: every lock/ref/context rule is registered, documented
in all sections, and the engine supplies and filters them."""

from __future__ import annotations

from reviewkit.config import Config
from reviewkit.model import CATEGORIES
from reviewkit.rules.engine import find_enabled_rules, load_rules

EXPECTED = {
    "RK101": "lock-pairing",
    "RK102": "lock-pairing",
    "RK103": "unlock-path-merge",
    "RK104": "lock-scope-change",
    "RK105": "lock-scope-change",
    "RK201": "refcount-pairing",
    "RK202": "get-put-placement",
    "RK203": "refcount-pairing",
    "RK204": "get-put-placement",
    "RK301": "sleep-in-atomic",
    "RK302": "irq-workaround",
    "RK303": "irq-workaround",
    "RK304": "sleep-in-atomic",
    "RK401": "error-path-cleanup",
    "RK402": "error-path-cleanup",
    "RK106": "lock-pairing",
    "RK107": "lock-scope-change",
    "RK108": "lock-pairing",
    "RK109": "lock-pairing",
    "RK110": "lock-pairing",
    "RK111": "lock-scope-change",
    "RK112": "lock-pairing",
    "RK206": "refcount-pairing",
    "RK208": "error-path-cleanup",
    "RK209": "refcount-pairing",
    "RK305": "irq-workaround",
    "RK306": "irq-workaround",
    "RK307": "irq-workaround",
    "RK308": "sleep-in-atomic",
    "RK309": "sleep-in-atomic",
    "RK310": "irq-workaround",
    "RK403": "unlock-path-merge",
    "RK404": "error-path-cleanup",
    "RK405": "error-path-cleanup",
    "RK406": "get-put-placement",
    "RK407": "refcount-pairing",
    "RK408": "error-path-cleanup",
    "RK409": "error-path-cleanup",
    "RK410": "error-path-cleanup",
    "RK415": "error-path-cleanup",
    "RK220": "get-put-placement",
    "RK221": "get-put-placement",
}
SECTIONS = ("What it flags:", "Why it matters:", "Example:", "Suggested change:", "Knowledge used:", "Limits:")


def test_every_expected_rule_is_registered_with_its_category():
    rules = {r.id: r for r in load_rules()}
    for rid, category in EXPECTED.items():
        assert rid in rules, rid
        assert rules[rid].category == category
        assert rules[rid].category in CATEGORIES


def test_no_unexpected_flow_rule():
    ids = {r.id for r in load_rules() if r.id[2] in "1234"}
    assert ids == set(EXPECTED)


def test_docstrings_have_every_section():
    for r in load_rules():
        if r.id not in EXPECTED:
            continue
        for section in SECTIONS:
            assert section in r.doc, f"{r.id} lacks {section}"
        assert r.summary and not r.summary.endswith(":")


def test_select_ignore_disable_by_prefix():
    ids = lambda cfg: {r.id for r in find_enabled_rules(cfg)}  # noqa: E731
    assert set(EXPECTED) <= ids(Config())
    assert ids(Config(select=("RK2",))) == {"RK201", "RK202", "RK203", "RK204", "RK206", "RK208", "RK209", "RK220", "RK221"}
    assert "RK103" not in ids(Config(disable=("RK103",)))
    assert ids(Config(select=("RK1",), ignore=("RK10",))) == {"RK110", "RK111", "RK112"}
    assert ids(Config(select=("RK1",), ignore=("RK10", "RK11"))) == set()
    assert ids(Config(select=("RK10", "RK105"), ignore=("RK1",))) >= {"RK101", "RK105"}
