"""One owner per fact: each fact below is parsed in one place, and the
stages after it read the result instead of parsing again.

Each test gives the cases on which the former copies disagreed.
"""

from __future__ import annotations

import pytest

from reviewkit.mail.subject import parse_subject
from reviewkit.rules import patch_format as pf

# --------------------------------------------------------------------------
# subject tags: reviewkit/mail/subject.py


@pytest.mark.parametrize(
    "subject, version, index, total, reply, title",
    [
        ("[PATCH 1 of 2] mm: x", None, 1, 2, False, "mm: x"),  # Mercurial's numbering
        ("[PATCH] 3/5 mm: x", None, 3, 5, False, "mm: x"),  # the count outside the brackets
        ("Vs: [PATCH] mm: x", None, None, None, True, "mm: x"),  # Finnish "Re:"
        ("Re[2]: [PATCH v2 1/3] mm: x", 2, 1, 3, True, "mm: x"),
        ("[PATCH RFC-v2] mm: x", 2, None, None, False, "mm: x"),
        ("[PATCH]", None, None, None, False, ""),  # nothing after the tags
    ],
)
def test_subject_tags_have_one_parser(subject, version, index, total, reply, title) -> None:
    s = parse_subject(subject)
    assert (s.version, s.index, s.total, s.is_reply, s.title) == (version, index, total, reply, title)
    assert s.is_patch_tag
    # the format rules read the subject with the mail stage's parser
    assert pf.parse_subject is parse_subject


def test_the_format_checks_read_the_tags_the_mail_stage_reads() -> None:
    # "[PATCH] 3/5": the count is no part of the summary, which has its prefix
    assert pf.find_subject_problems("[PATCH] 3/5 mm: x") == []
    # "[PATCH RFC-v2]" is a v2: it needs a changelog
    v2 = parse_subject("[PATCH RFC-v2] mm: x").version
    assert len(pf.find_changelog_problems(v2, "")) == 1
    # "[PATCH 1 of 2]" is numbered: two patches and no cover letter
    found = pf.find_numbering_problems([pf.Posted("[PATCH 1 of 2] mm: x", True),
                                        pf.Posted("[PATCH 2 of 2] mm: y", True)])
    assert [f.message for f in found] == ["a series of 2 patches without a 0/2 cover letter"]
    assert [f.message for f in pf.find_subject_problems("[PATCH]")] == ["the subject has no summary after the tags"]
    # "[RFC] mm: x" posts a patch for comment
    assert pf.find_subject_problems("[RFC] mm: x") == []


# --------------------------------------------------------------------------
# trailers: reviewkit/quotes/trailers.py

COMMIT = "\n".join([
    "A description of the change.",
    "",
    # prose that opens with a trailer word: Fixes: must name a commit
    "Fixes: the tempary workaround stays until the next release.",
    "",
    "Link: https://lore.kernel.org/r/1594429136-20002-17-git-send-email-alex.shi@linux.alibaba.com",
    "Signed-off-by: Alex Shi <alex.shi@linux.alibaba.com>",
    # git interpret-trailers counts any "Token: value" line of the closing run
    "Change-Id: I0123456789abcdef0123456789abcdef01234567 with a note long enough to pass 75",
])


def test_trailers_have_one_grammar() -> None:
    from reviewkit.quotes import find_trailer_lines, parse_trailer_line
    from reviewkit.rules.spelling import find_commit_text, find_misspellings

    lines = COMMIT.split("\n")
    assert parse_trailer_line(lines[2]) is None
    assert sorted(find_trailer_lines(lines)) == [4, 5, 6]
    # the spelling rule reads the same lines as prose ...
    assert [p.line for p in find_commit_text(COMMIT)] == [1, 3]
    assert [m.word for m in find_misspellings(find_commit_text(COMMIT))] == ["tempary"]
    # ... and so does the commit-message rule: the long Change-Id: line is a trailer
    assert pf.find_body_problems(COMMIT) == []
    # the sign-off is read with the same grammar: the author's, no finding
    assert pf.find_signoff_problems(COMMIT, "Alex Shi", "alex.shi@linux.alibaba.com") == []


def test_render_shows_the_trailers_the_pipeline_found() -> None:
    import dataclasses

    from reviewkit.config import Config
    from reviewkit.pipeline import build_review
    from reviewkit.render import render_json

    from tests.conftest import MLOCK_THREAD

    review = build_review([str(MLOCK_THREAD)], config=Config(rules=False))
    found = {msgid: ts for msgid, ts in review.trailers.items() if ts}
    assert found  # the thread carries trailers ...
    doc = render_json(review)
    assert {m["msgid"] for m in doc["messages"] if m["trailers"]} == set(found)
    # ... and render parses none of its own
    bare = render_json(dataclasses.replace(review, trailers={}))
    assert all(m["trailers"] == [] for m in bare["messages"])


# --------------------------------------------------------------------------
# thread parents: reviewkit/mail/thread.py; each line's function: reviewkit/cmap


def test_render_follows_the_threading_of_the_mail_stage() -> None:
    import dataclasses

    from reviewkit.model import Comment
    from reviewkit.render.layout import build_layout
    from tests.test_render_model import PATCH_ID, sample_review

    review = sample_review()
    [thread] = review.threads
    # A reply whose In-Reply-To names the patch, but which the mail stage
    # made a thread start (it cuts a link that closes a loop): render must
    # not thread it again from the header.
    loose = dataclasses.replace(thread.messages[1], msgid="loose@example.org", in_reply_to=PATCH_ID,
                                references=(PATCH_ID,))
    comment = Comment("loose@example.org", loose.author, loose.email, loose.date, "Is this right?", 3, None)
    review = dataclasses.replace(
        review, threads=(dataclasses.replace(thread, messages=thread.messages + (loose,)),),
        comments={**review.comments, "loose@example.org": (comment,)})
    layout = build_layout(review)
    assert comment in layout.discussion
    assert comment not in layout.patches[0].comments


def test_each_lines_function_comes_from_the_code_map() -> None:
    import dataclasses

    from reviewkit.config import Config
    from reviewkit.pipeline import build_review
    from reviewkit.render.layout import build_layout, function_sections
    from tests.conftest import MLOCK_THREAD
    from tests.test_render_model import sample_review

    review = build_review([str(MLOCK_THREAD)], config=Config(rules=False))
    [patch] = [p for p in review.patches if p.source.value == "mail"]
    lines = {(dl.kind, dl.old_no if dl.kind == "-" else dl.new_no): dl.function
             for fd in patch.files for h in fd.hunks for dl in h.lines}
    assert lines[("+", 178)] == "munlock_vma_page"  # get_page(page), the seed's first concern
    assert lines[("-", 109)] == "__munlock_isolate_lru_page"  # a removed line: the old side's function
    assert lines[("+", 333)] == "__munlock_pagevec"
    # render reads the lines' functions: without the code maps the sample
    # review still cuts a hunk where the function changes
    review = sample_review()
    hv = build_layout(dataclasses.replace(review, codemaps=())).patches[0].files[0].hunks[1]
    rows = list(hv.rows)
    rows[-1] = dataclasses.replace(rows[-1], line=dataclasses.replace(rows[-1].line, kind="+", old_no=None))
    names = [name for name, _ in function_sections(dataclasses.replace(hv, rows=tuple(rows)))]
    assert names == ["munlock_vma_page", "__munlock_pagevec"]


# --------------------------------------------------------------------------
# the knowledge schema: reviewkit/rules/knowledge.py; knowledge.toml's
# header documents it


def _documented_keys() -> dict[str, tuple[set[str], str]]:
    """table -> (the keys its header section lists, the section's text)."""
    import re
    from importlib.resources import files

    header = []
    for line in files("reviewkit.rules").joinpath("knowledge.toml").read_text(encoding="utf-8").split("\n"):
        if not line.startswith("#"):
            break
        header.append(line)
    sections: dict[str, list[str]] = {}
    current = None
    for line in header:
        m = re.match(r"^# \[\[(\w+)\]\]", line)
        if m:
            current = m.group(1)
            sections[current] = [line]
        elif current is not None:
            sections[current].append(line)
    out = {}
    for table, lines in sections.items():
        keys = set()
        for i, line in enumerate(lines[1:]):
            # "#   id          unique name ..." : a key per line
            m = re.match(r"^#   ([a-z_]+) {2,}\S", line)
            if m:
                keys.add(m.group(1))
            # "#   id, get, put, arg (index ...)": a list opening the section
            m = re.match(r"^#   ([a-z_]+(?:, [a-z_]+)+)\b", line)
            if m and i == 0:
                keys.update(m.group(1).split(", "))
        out[table] = (keys, "\n".join(lines))
    return out


def test_the_knowledge_header_documents_the_keys_the_loader_takes() -> None:
    import re

    from reviewkit.errors import ConfigError
    from reviewkit.rules.knowledge import SCHEMA, load_knowledge

    documented = _documented_keys()
    assert set(documented) == set(SCHEMA)
    for table, (keys, text) in documented.items():
        assert keys <= set(SCHEMA[table]), (table, keys - set(SCHEMA[table]))
        for key in SCHEMA[table]:
            assert re.search(rf"\b{key}\b", text), (table, key)
    assert {"id", "trylock", "success"} <= documented["lock"][0]
    # the key the header once documented and the loader never took
    assert "cond_acquire" not in documented["lock"][1]
    with pytest.raises(ConfigError, match="unknown key 'cond_acquire'"):
        load_knowledge({"lock": [{"id": "m", "family": "m", "acquire": [], "release": ["u"],
                                  "cond_acquire": ["l"], "context": ["sleepable"]}]})


# --------------------------------------------------------------------------
# the scoped guard macros: reviewkit/cmap/macros.py, which builds their blocks


def test_the_rules_know_the_scoped_guards_the_code_map_builds() -> None:
    from reviewkit.cmap.macros import SCOPE_MACROS
    from reviewkit.errors import ConfigError
    from reviewkit.rules.knowledge import load_knowledge

    assert load_knowledge().scoped_guard_macros == SCOPE_MACROS == {"scoped_guard", "scoped_cond_guard"}
    # a name added in the config would be a guard to the rules and a plain
    # call to the CFG: the key is not taken
    with pytest.raises(ConfigError, match="unknown key 'scoped'"):
        load_knowledge({"cleanup": [{"guard": ["guard"], "scoped": ["my_scoped_guard"]}]})
