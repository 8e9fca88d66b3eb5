"""Scans of mail text that used to backtrack: same answers, on hostile lines too.

Each function here once ran a regular expression that rescanned a run of
blanks, letters or brackets from every position in it (quadratic or worse):
tests/data/fuzz-found/probes/min-06 and min-07, and the patterns
``benchmarks/bench_regex.py`` flags. The hostile inputs are long enough
that a quadratic scan would take minutes; their time is measured in
``benchmarks/``, not asserted here. What is asserted is that the answers on
ordinary input did not change, and what the hostile input gives.
"""

from __future__ import annotations

from reviewkit.mail.body import strip_html
from reviewkit.mail.headers import parse_author
from reviewkit.quotes.attribution import parse_attribution
from reviewkit.quotes.comments import is_snip_line
from reviewkit.quotes.trailers import parse_person, parse_trailer_line
from reviewkit.rules.extract import parse_statement
from reviewkit.rules.patch_format import _stat_paths, parse_diffstat
from reviewkit.rules.spelling import find_words

N = 200_000


def test_diffstat_lines() -> None:
    entries, summary = parse_diffstat(
        " mm/mlock.c         | 93 ++++++++++++++++++-----\n"
        " a | b/c.h          |  2 +-\n"
        " firmware/x.bin     | Bin 0 -> 1024 bytes\n"
        " mm/{old.c => new.c} |  0\n"
        " 3 files changed, 60 insertions(+), 35 deletions(-)\n")
    assert [(e.path, e.changes) for e in entries] == [
        ("mm/mlock.c", 93), ("a | b/c.h", 2), ("firmware/x.bin", None), ("mm/{old.c => new.c}", 0)]
    assert summary == (3, 60, 35)
    assert parse_diffstat(" " * N + "|" + " " * N + "x\n" + " a |" * N) == ([], None)


def test_diffstat_rename_paths() -> None:
    assert _stat_paths("mm/{old.c => new.c}") == ("mm/new.c",)
    assert _stat_paths("drivers/{pwm => leds}/x.c") == ("drivers/leds/x.c",)
    assert _stat_paths("{a => b}") == ("b",)
    assert _stat_paths("a => b") == ("b",)
    assert _stat_paths(".../x86}/pwm-lpss.h") == (".../x86/pwm-lpss.h",)
    # no closing brace: the part after the first arrow
    assert _stat_paths("{ => " * N) == (("{ => " * N)[5:],)
    assert _stat_paths("{" * N + " => " * N) == (" => " * (N - 1),)
    # as the greedy pattern read it: the last brace before the last arrow
    assert _stat_paths("{" * N + " => }" * N) == ("{" * (N - 1),)


def test_addresses() -> None:
    assert parse_person('"Shi, Alex" <alex.shi@linux.alibaba.com>') == ("Shi, Alex", "alex.shi@linux.alibaba.com")
    assert parse_person("<a@b>") == ("", "a@b")
    assert parse_person("Name" + "\t" * N + "x")[1] == ""
    assert parse_author("Hugh Dickins (hughd@google.com)") == ("Hugh Dickins", "hughd@google.com")
    assert parse_author('"Hugh" (hughd@google.com)  ') == ("Hugh", "hughd@google.com")
    assert parse_author("(hughd@google.com)") == ("hughd@google.com", "hughd@google.com")
    assert parse_author("Hugh" + "\t" * N + "(hughd@google.com)") == ("Hugh", "hughd@google.com")
    hostile = "Hugh" + "\t" * N + "(hughd@google.com" + " " * N + "x)"
    assert parse_author(hostile) == (hostile, "")


def test_trailers_and_attributions() -> None:
    assert parse_trailer_line("Reviewed-by: Alexander Duyck <alexander.h.duyck@linux.intel.com>  ") == (
        "Reviewed-by", "Alexander Duyck <alexander.h.duyck@linux.intel.com>")
    hostile = "Reviewed-by: x" + " " * N + "y"
    assert parse_trailer_line(hostile) == ("Reviewed-by", hostile[len("Reviewed-by: "):])
    assert parse_person("stable@vger.kernel.org # 5.4+") == ("", "stable@vger.kernel.org")
    assert parse_person("Jane Doe <jane@example.org>" + " " * N + "x")[1] == "jane@example.org"
    assert parse_attribution("On Mon, Jan 1, 2024 at 10:00 AM Radu Sabau via B4 Relay wrote:") == "Radu Sabau"
    assert parse_attribution("On Mon, Jan 1, 2024 at 10:00 AM Radu" + " " * N + "x wrote:") is None


def test_snip_marks() -> None:
    for line in ("...", "  [...]  ", "<snip>", "[ snipped ]", "---- snip ----", "…", "<...>"):
        assert is_snip_line(line), line
    for line in ("snip it", "[...] and more", "-" * N, " " * N + "x", "- " * N):
        assert not is_snip_line(line), line[:20]
    assert is_snip_line(" " * N + "[...]" + " " * N)


def test_html_to_text() -> None:
    html = "<html><head><title>t</title></head><body><p>Hi<br>there</p><script>x()</script>" \
           "<STYLE>p{}</STYLE ><div>end</div></body></html>"
    assert strip_html(html) == "Hi\nthere\nend\n"
    assert strip_html("<" * N) == "<" * N
    assert strip_html("<script>" * N + "text") == "text"  # never closed: only the tags go
    assert strip_html("a<script>" * 3 + "b</style>") == "aaab"
    assert strip_html("<br" * N) == "<br" * N


def test_words_skip_runs_without_blanks() -> None:
    assert [w for w, _ in find_words("Teh patch fixes a racy acess, see https://lore.kernel.org/x")] == [
        "Teh", "patch", "fixes", "racy", "acess", "see"]
    assert list(find_words("_" * N)) == []
    assert list(find_words("word" * (N // 4) + " real wordz")) == [("real", "real"), ("wordz", "wordz")]


def test_free_variables() -> None:
    assert parse_statement("struct foo *p __free(kfree) = NULL;").free_vars == (("p", "kfree"),)
    assert parse_statement("x" * N + " = 1;").free_vars == ()
