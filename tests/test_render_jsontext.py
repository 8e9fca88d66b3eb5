"""render_json_text writes exactly what json.dumps(indent=2, ensure_ascii=False) writes."""

from __future__ import annotations

import enum
import json
import random
from pathlib import Path

import pytest

from reviewkit.config import load_config
from reviewkit.pipeline import build_review
from reviewkit.render import render_json
from reviewkit.render.jsontext import render_json_text

THREAD = Path(__file__).parent / "data" / "corpus" / "threads" / "mlock-v16-16.mbox"


class Colour(str, enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


def _random_doc(rng: random.Random, depth: int = 0):
    leaves = [None, True, False, 0, -7, 2**70, 1.5, -0.0, 1e300, "", "é", "a\"b\\c", "\x00\x1f\x7f\u202e\n\t",
              "\ud800", Colour.RED, Level.HIGH, "日本語"]
    if depth > 3 or rng.random() < 0.3:
        return rng.choice(leaves)
    if rng.random() < 0.5:
        return [_random_doc(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if rng.random() < 0.2:
        return tuple(_random_doc(rng, depth + 1) for _ in range(rng.randint(0, 3)))
    return {rng.choice(["k", "é", "", "x\ny", "a\"", str(rng.random())]): _random_doc(rng, depth + 1)
            for _ in range(rng.randint(0, 4))}


def test_random_documents_match_json_dumps() -> None:
    rng = random.Random(20260726)
    for _ in range(2000):
        doc = _random_doc(rng)
        assert render_json_text(doc) == json.dumps(doc, indent=2, ensure_ascii=False)


@pytest.mark.parametrize("doc", [{1: "int key"}, {"nan": float("nan")}, [float("inf")], {None: 1, True: 2}])
def test_what_the_walk_leaves_to_json_is_still_exact(doc) -> None:
    assert render_json_text(doc) == json.dumps(doc, indent=2, ensure_ascii=False)


def test_unserialisable_raises_as_json_does() -> None:
    with pytest.raises(TypeError):
        render_json_text({"a": {1, 2}})
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError):
        render_json_text(loop)


def test_a_real_review_matches() -> None:
    doc = render_json(build_review([str(THREAD)], config=load_config(None)))
    text = render_json_text(doc)
    assert text == json.dumps(doc, indent=2, ensure_ascii=False)
    assert text.count("\n") > 1000
