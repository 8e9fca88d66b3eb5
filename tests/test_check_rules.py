"""The RK5xx checks on small inputs: each branch, with real-world shapes."""

from __future__ import annotations

from reviewkit.model import DiffLine, FileDiff, Hunk, Patch, PatchSource, Severity
from reviewkit.rules import patch_format as pf


def messages(findings) -> list[str]:
    return [f.message for f in findings]


def test_subject_problems() -> None:
    assert pf.find_subject_problems("[PATCH v16 16/22] mm/mlock: reorder isolation sequence during munlock") == []
    assert pf.find_subject_problems('[PATCH] Revert "mm: x"') == []
    assert pf.find_subject_problems("[PATCH 0/3] a series title without a prefix") == []
    assert messages(pf.find_subject_problems("mm: fix x")) == ["the subject has no [PATCH] tag"]
    long = pf.find_subject_problems("[PATCH] mm/mlock: " + "word " * 14)
    assert [(f.severity, f.message) for f in long] == [(Severity.INFO, "the summary is 79 characters long (at most 75)")]
    assert messages(pf.find_subject_problems("[PATCH] mm: fix x...")) == []


def test_numbering_problems() -> None:
    P = pf.Posted
    ok = [P("[PATCH v2 0/2] t", False), P("[PATCH v2 1/2] a: b", True), P("[PATCH v2 2/2] a: c", True)]
    assert pf.find_numbering_problems(ok) == []
    assert messages(pf.find_numbering_problems([P("[PATCH v2 1/2] a: b", True), P("[PATCH v3 2/2] a: c", True)])) \
        == ["the mails carry different versions: v2, v3", "a series of 2 patches without a 0/2 cover letter"]
    dup = pf.find_numbering_problems([P("[PATCH 1/3] a: b", True), P("[PATCH 1/3] a: c", True),
                                      P("[PATCH 3/4] a: d", True)])
    assert messages(dup) == ["the mails disagree on the series length: /3, /4", "patch number(s) used twice: 1",
                             "series of 4: patch(es) 2, 4 missing"]
    # one mail of a series alone: nothing to compare with
    assert pf.find_numbering_problems([P("[PATCH v16 16/22] mm/mlock: x", True)]) == []
    assert messages(pf.find_numbering_problems([P("[PATCH 4/3] a: b", True)])) == ["patch 4/3: index above total"]


def test_signoff_with_an_in_body_from_and_case_insensitive_addresses() -> None:
    body = "From: Hugh Dickins <hughd@google.com>\n\nA fix.\n\nSigned-off-by: Hugh Dickins <HughD@Google.com>\n" \
           "Signed-off-by: Alex Shi <alex.shi@linux.alibaba.com>\n"
    # sent by Alex Shi, written by Hugh Dickins: Hugh's sign-off is needed
    assert pf.find_signoff_problems(body, "Alex Shi", "alex.shi@linux.alibaba.com") == []
    no_hugh = body.replace("Signed-off-by: Hugh Dickins <HughD@Google.com>\n", "")
    assert messages(pf.find_signoff_problems(no_hugh, "Alex Shi", "alex.shi@linux.alibaba.com")) == [
        "no Signed-off-by by the author Hugh Dickins <hughd@google.com> (signed: <alex.shi@linux.alibaba.com>)"]
    other_name = pf.find_signoff_problems("x\n\nSigned-off-by: A. Shi <alex.shi@linux.alibaba.com>\n",
                                          "Alex Shi", "alex.shi@linux.alibaba.com")
    assert [(f.severity, f.line) for f in other_name] == [(Severity.WARNING, 3)]
    assert messages(pf.find_signoff_problems("x\n\nSigned-off-by: Alex Shi\n")) == [
        "Signed-off-by without a Name <address>: Signed-off-by: Alex Shi"]


def test_body_wrapping_exempts_logs_urls_and_trailers() -> None:
    long_prose = "This sentence goes on and on and on and on and on and on and on and on and on."
    body = "\n".join([
        "A description.",
        "",
        "[   12.345678] BUG: sleeping function called from invalid context at mm/rmap.c:1234 in_atomic(): 1",
        "    irq event stamp: 0 hardirqs last enabled at (0): [<0000000000000000>] 0x0 and more text here",
        "Link: https://lore.kernel.org/linux-mm/1594429136-20002-17-git-send-email-alex.shi@linux.alibaba.com/",
        "See https://git.kernel.org/pub/scm/linux/kernel/git/wfg/vm-scalability.git/tree/case-lru-file-readtwice",
        long_prose,
        "Signed-off-by: Somebody With A Very Long Name Indeed <somebody.with.a.long.name@example.org>",
    ])
    found = pf.find_body_problems(body)
    assert [(f.severity, f.line) for f in found] == [(Severity.INFO, 7)]
    assert messages(pf.find_body_problems("Signed-off-by: A <a@b.example>\n")) == [
        "the commit message has no description"]


def test_fixes_tags() -> None:
    good = 'Fixes: 0123456789ab ("mm/mlock: fix the thing")'
    assert pf.find_fixes_problems(good) == []
    assert messages(pf.find_fixes_problems("Fixes: 0123456789ab mm/mlock: fix the thing")) == [
        'malformed Fixes: tag: the subject is not in ("...")']
    wrapped = 'Fixes: 0123456789ab\n  ("mm/mlock: fix the thing")'
    assert messages(pf.find_fixes_problems(wrapped)) == [
        'malformed Fixes: tag: the subject is not in ("...") (wrapped line?)']
    assert messages(pf.find_fixes_problems("Fixes: commit 0123456789ab (\"x\")")) == [
        'malformed Fixes: tag: not in the form Fixes: <12+ hex digits> ("subject")']
    assert messages(pf.find_fixes_problems("Fixes: the bug from last week")) == ["malformed Fixes: tag: no commit id"]


def _fd(path: str, plus: int, minus: int) -> FileDiff:
    lines = tuple(DiffLine("+", "x", None, i + 1) for i in range(plus)) + tuple(
        DiffLine("-", "y", i + 1, None) for i in range(minus))
    return FileDiff(path, path, None, None, (Hunk(1, minus, 1, plus, "", lines),))


def _patch(*files: FileDiff, stat: str = "") -> Patch:
    return Patch("x@y", PatchSource.MAIL, "[PATCH] a: b", "", "", stat, files)


def test_diffstat_with_renames_abbreviations_and_binaries() -> None:
    stat = "\n".join([
        " .../bindings/leds/leds-pwm-multicolor.yaml    | 3 ++-",
        " drivers/{pwm => leds}/x.c                      | 1 +",
        # a rename git cut from the left to fit the width (linux-pwm, the pwm-lpss.h move)
        " .../linux/platform_data/x86}/pwm-lpss.h        | 2 +-",
        " firmware/blob.bin                              | Bin 0 -> 12 bytes",
        " 4 files changed, 4 insertions(+), 2 deletions(-)",
    ])
    files = (_fd("Documentation/devicetree/bindings/leds/leds-pwm-multicolor.yaml", 2, 1),
             _fd("drivers/leds/x.c", 1, 0), _fd("include/linux/platform_data/x86/pwm-lpss.h", 1, 1),
             FileDiff("firmware/blob.bin", "firmware/blob.bin", None, None, ()))
    assert pf.find_diffstat_problems(stat, _patch(*files)) == []
    assert messages(pf.find_diffstat_problems(stat.replace("| 1 +", "| 5 +++++"), _patch(*files))) == [
        "drivers/leds/x.c: the diffstat says 5 changed lines, the diff has 1 (+1 -0)"]
    extra = _patch(*files, _fd("mm/new.c", 1, 0))
    assert messages(pf.find_diffstat_problems(stat, extra)) == [
        "mm/new.c is in the diff but not in the diffstat",
        "the diffstat says 4 file(s), +4 -2; the diff has 5 file(s), +5 -2"]
    assert pf.find_diffstat_problems("", _patch(*files)) == []


def test_whitespace_errors() -> None:
    def ws(path: str, text: str) -> list[str]:
        fd = FileDiff(path, path, None, None, (Hunk(1, 0, 1, 1, "", (DiffLine("+", text, None, 7),)),))
        return messages(pf.find_whitespace_problems(_patch(fd)))

    assert ws("mm/x.c", "\treturn 0;") == []
    assert ws("mm/x.c", "\treturn 0;\t") == ["trailing whitespace"]
    assert ws("mm/x.c", " \treturn 0;") == ["space before tab in indent"]
    assert ws("mm/x.c", "        return 0;") == ["indent of eight or more spaces; use tabs"]
    assert ws("mm/x.c", "\t\t\t\t     arg);") == []  # tabs, then alignment spaces
    assert ws("Documentation/x.yaml", "        key: value") == []
    assert ws("mm/x.c", "") == []
