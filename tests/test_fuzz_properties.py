"""Property-based tests: mutated real mail keeps every promise.

Seeds are real mails from tests/data (tests/fuzzing.py: find_seeds); each
example applies one to three mutations (byte flips, truncation, giant lines,
charset and transfer-encoding changes, mixed line ends, archive-page
rewrites, hostile comment text, thread mutations, stray ``From`` lines,
broken hunk headers). A short, derandomised profile runs here; the long
campaign is ``benchmarks/fuzz.py``, which keeps what it finds under
tests/data/fuzz-found/campaign/ (tested by tests/test_fuzz_found.py).
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewkit.errors import ReviewkitError
from tests.fuzzing import MUTATIONS, check_mail, find_seeds, mutate

SEEDS = find_seeds()
_SUITE = settings(derandomize=True, database=None, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def suite(examples: int) -> settings:
    """The short profile: derandomised, no example database, no deadline."""
    return settings(_SUITE, max_examples=examples)

mutants = st.tuples(
    st.sampled_from(SEEDS),
    st.lists(st.sampled_from(sorted(MUTATIONS)), min_size=1, max_size=3),
    st.randoms(use_true_random=False),
)


def _write(data: bytes, directory: str) -> Path:
    path = Path(directory) / "mutant"
    path.write_bytes(data)
    return path


def test_the_seeds_are_real_mail_of_every_kind() -> None:
    names = {p.parent.name for p in SEEDS}
    assert {"patches", "replies", "patchwork", "b4", "lists", "mail", "check", "fuzz", "quotes"} <= names
    assert len(SEEDS) > 100


@suite(60)
@given(mutants)
def test_the_early_stages_raise_only_bad_input(mutant: tuple[Path, list[str], random.Random]) -> None:
    """source -> mail -> quotes: one clear error or messages whose every
    body line lands in exactly one block (split_blocks checks it)."""
    from reviewkit.mail import parse_message
    from reviewkit.quotes import split_blocks
    from reviewkit.source import read_messages

    seed, names, r = mutant
    with tempfile.TemporaryDirectory() as d:
        path = _write(mutate(seed.read_bytes(), names, r), d)
        try:
            raws = list(read_messages([str(path)]))
        except ReviewkitError:
            return
        for raw in raws:
            msg = parse_message(raw)
            blocks = split_blocks(msg)
            assert sum(len(b.lines) for b in blocks) == len(msg.body.split("\n"))


@suite(25)
@given(mutants)
def test_every_mutant_keeps_every_promise(mutant: tuple[Path, list[str], random.Random]) -> None:
    """The pipeline, the three renderers and check: no internal error, no
    comment line lost in any output; the time, bounded very generously per
    100 KB (the campaign reports the real figures)."""
    seed, names, r = mutant
    data = mutate(seed.read_bytes(), names, r)
    with tempfile.TemporaryDirectory() as d:
        out = check_mail(_write(data, d))
    assert out.problems == [], (seed.name, names)
    assert out.seconds < 30 * max(1.0, len(data) / 100_000), (seed.name, names, out.seconds)
