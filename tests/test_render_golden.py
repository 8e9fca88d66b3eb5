"""Golden outputs of every renderer for the hand-built sample review.

The expected files live in tests/data/render/. After an intended change of
the output, regenerate them and review the diff:

    REVIEWKIT_UPDATE_GOLDEN=1 python -m pytest tests/test_render_golden.py

(tests/data/render/README.md says the same.)
"""

from __future__ import annotations

import io
import re
import json
import os
from pathlib import Path

import pytest
from rich.console import Console

from reviewkit.render import build_summary, build_summary_json, render_json, render_markdown, render_text
from tests.test_render_model import sample_review

GOLDEN = Path(__file__).parent / "data" / "render"
UPDATE = os.environ.get("REVIEWKIT_UPDATE_GOLDEN") == "1"


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    if not path.exists():
        pytest.fail(f"{path.name} missing; run with REVIEWKIT_UPDATE_GOLDEN=1 to create it")
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path.name} differs; REVIEWKIT_UPDATE_GOLDEN=1 regenerates it"


def terminal(review, width: int) -> str:
    console = Console(width=width, file=io.StringIO(), force_terminal=False, color_system=None,
                      legacy_windows=False)
    render_text(review, console)
    return console.file.getvalue()


@pytest.mark.parametrize("width", [60, 100, 160])
def test_terminal_golden(width: int) -> None:
    out = terminal(sample_review(), width)
    check_golden(f"sample.w{width}.expected.txt", out)
    # The width is honoured: no line is wider than the console.
    assert max(len(line) for line in out.split("\n")) <= width


def test_markdown_golden() -> None:
    check_golden("sample.expected.md", render_markdown(sample_review()))


def test_summary_golden() -> None:
    check_golden("sample.summary.expected.md", build_summary(sample_review()))


def test_json_golden() -> None:
    doc = render_json(sample_review())
    check_golden("sample.expected.json", json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def test_summary_json_golden() -> None:
    doc = build_summary_json(sample_review())
    check_golden("sample.summary.expected.json", json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


# --------------------------------------------------------------------------
# facts the golden files must show, asserted directly so that a careless
# regeneration cannot bless a regression


def test_every_comment_line_reaches_every_output() -> None:
    review = sample_review()
    lines = [line for cs in review.comments.values() for c in cs for line in c.text.split("\n") if line]
    outputs = {
        "text": terminal(review, 160),
        "markdown": render_markdown(review),
        "summary": build_summary(review, full=True),
        "json": json.dumps(render_json(review), ensure_ascii=False),
    }
    for name, out in outputs.items():
        for line in lines:
            assert (line in out) or (json.dumps(line)[1:-1] in out), (name, line)


def test_terminal_comment_follows_its_line() -> None:
    out = terminal(sample_review(), 100).split("\n")
    i = next(i for i, line in enumerate(out) if "+\tget_page(page);" in line.replace("       ", "\t")
             or line.rstrip().endswith("+       get_page(page);"))
    assert out[i].split()[0] == "173"
    assert "Alexander Duyck" in out[i + 1]
    assert "I don't think this get_page() call needs to be up here." in out[i + 2]
    # The finding on the same line follows the comment.
    block = "\n".join(out[i:i + 12])
    assert "RK201 get-put-placement warning (medium confidence)" in block
    assert "suggestion: move get_page(page)" in block


def test_terminal_function_headers_and_overview() -> None:
    out = terminal(sample_review(), 100)
    assert out.count("▶ munlock_vma_page()") == 2  # one per hunk
    # The hunk's tail in __munlock_pagevec is context only: no header.
    assert "▶ __munlock_pagevec()" not in out and "▶ (outside any function)" not in out
    assert "Conversation" in out and "answers Alexander Duyck" in out
    # the review opens with the overview: one line for the patch
    lines = out.split("\n")
    assert lines[0] == "Series: mm/mlock: reorder isolation sequence during munlock (v16, 22 patches, Alex Shi)"
    assert lines[1].split() == ["N/T", "patch", "reviewers", "cmt", "?", "found", "tags", "status"]
    # 5 comments by Duyck, 1 open question, 1 warning and 1 info, Kirill's Acked-by
    assert lines[2].split()[-6:] == ["5", "1", "1w", "1i", "A1", "reviewed"]


def test_summary_status_and_open_questions() -> None:
    doc = build_summary_json(sample_review())
    [patch] = doc["patches"]
    assert patch["status"] == "reviewed"  # Acked-by from Kirill
    assert [t["key"] for t in patch["trailers"]] == ["Acked-by"]
    # "What do we gain ...?" is quoted in Alex Shi's answer; the other is not.
    assert [q["questions"] for q in patch["open_questions"]] == [["Why is the old helper gone?"]]
    assert patch["functions"] == [{"file": "mm/mlock.c", "name": "munlock_vma_page", "status": "changed"}]
    first = patch["comments"][0]
    assert first["line"] == 173 and first["code"][-1]["text"] == "\tget_page(page);"


def _keys(doc, prefix: str = "") -> set[str]:
    out = set()
    if isinstance(doc, dict):
        for k, v in doc.items():
            out.add(k)
            out |= _keys(v)
    elif isinstance(doc, list):
        for v in doc:
            out |= _keys(v)
    return out


def test_json_schema_doc_names_every_field() -> None:
    doc = (Path(__file__).parent.parent / "docs" / "json-schema.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_]+)(?:\[\])?`", doc)) | set(re.findall(r"`[a-z_]+\.([a-z_]+)(?:\[\])?`", doc))
    review = sample_review()
    for name, produced in (("reviewkit.review", render_json(review)), ("reviewkit.summary", build_summary_json(review))):
        assert f"`{name}`" in doc
        missing = sorted(_keys(produced) - documented)
        assert not missing, (name, missing)
