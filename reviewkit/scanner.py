"""``reviewkit scan``: every patch mail and cover letter of an archive, a
JSON line each (reviewkit/render/scan.py), in bounded memory, on one
machine or a Dask cluster.

The input is indexed once (reviewkit/mail/index.py, kept in the cache);
its units (threads and what links them) are cut into batches of about
:data:`BATCH_MESSAGES` messages, consecutive in the index's order. A batch
is plain data: the input's parts (files, spools, public-inbox epochs) and
the places of its units' messages. :func:`scan_batch` reads those messages
and runs the pipeline over each unit (:func:`reviewkit.pipeline.scan_unit`)
wherever it runs: in this process (``--jobs 1``), in a pool of processes
(``--jobs N``), or as the partitions of a Dask bag on a cluster
(``--engine dask``, :func:`run_dask`). Whatever runs them, the lines are
written in batch order, so every engine writes the same file.

At most a few batches per worker are in flight, and each batch's lines
are written as soon as it and those before it are done: memory holds the
index and a handful of batches, not the archive. ``--resume`` continues
an interrupted run: after each batch the number of batches written and
the size of the output are kept in the cache (for that output file, input
and options); a resumed run cuts the output back to that size and goes on
from the next batch.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from reviewkit.config import Config
from reviewkit.errors import InputError
from reviewkit.source import Part, Place

# Messages per batch: enough that a batch's start-up (a git cat-file, a
# task on a cluster) is small beside its work, few enough that a pool of
# two keeps both busy to the end of a 20,000-message archive.
BATCH_MESSAGES = 500
# Batches in flight per worker: the next one is ready when one ends.
AHEAD = 2
# how long a scan waits for a Dask scheduler it is given (a busy cluster
# may take seconds to answer; an address with nothing behind it fails then)
SCHEDULER_TIMEOUT = "20s"


@dataclass(frozen=True)
class Batch:
    """A batch of units: what a worker needs to read and scan them."""

    number: int
    parts: tuple[Part, ...]
    units: tuple[tuple[Place, ...], ...]

    @property
    def messages(self) -> int:
        return sum(len(u) for u in self.units)


@dataclass
class BatchResult:
    """What a batch gives: its lines, and the findings per rule."""

    number: int
    messages: int
    lines: list[str]
    postings: int = 0
    rules: Counter[str] = field(default_factory=Counter)


def plan_batches(index: Any, units: Sequence[int], *, size: int | None = None) -> Iterator[Batch]:
    """The units of ``index`` (a MailIndex) in ``units``, in batches of
    whole units of about ``size`` (default :data:`BATCH_MESSAGES`) messages,
    in order."""
    size = size or BATCH_MESSAGES
    parts = tuple(index.parts)
    batch: list[tuple[Place, ...]] = []
    count = number = 0
    for n in units:
        places = tuple(index.places(n))
        batch.append(places)
        count += len(places)
        if count >= size:
            yield Batch(number, parts, tuple(batch))
            batch, count, number = [], 0, number + 1
    if batch:
        yield Batch(number, parts, tuple(batch))


def scan_batch(batch: Batch, config: Config) -> BatchResult:
    """Read and scan the units of ``batch`` (in any process that can read
    its parts' paths)."""
    from reviewkit.pipeline import scan_unit
    from reviewkit.render.scan import render_scan_line
    from reviewkit.source import Input

    result = BatchResult(batch.number, batch.messages, [])
    with Input.of_parts(batch.parts) as source:
        for places in batch.units:
            for record in scan_unit(source.read(places), config=config):
                result.lines.append(render_scan_line(record))
                result.postings += 1
                result.rules.update(f.rule for f in record.findings)
    return result


# --------------------------------------------------------------------------
# engines: each runs ``scan_batch`` over the batches and yields the
# results in batch order


def run_here(batches: Iterable[Batch], config: Config) -> Iterator[BatchResult]:
    """One batch after the other, in this process."""
    for batch in batches:
        yield scan_batch(batch, config)


def run_pool(batches: Iterable[Batch], config: Config, *, jobs: int) -> Iterator[BatchResult]:
    """A pool of ``jobs`` processes of this machine."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from _in_order(batches, lambda b: pool.submit(scan_batch, b, config), lambda f: f.result(),
                             ahead=AHEAD * jobs)


def run_dask(batches: Iterable[Batch], config: Config, *, scheduler: str | None = None,
             jobs: int = 2) -> Iterator[BatchResult]:
    """The batches as the partitions of a Dask bag (``dask[distributed]``):
    on the cluster whose scheduler is at ``scheduler``, else on a local
    cluster of ``jobs`` worker processes. Every worker must read the
    input's paths where this process reads them (a shared file system).

    Raises:
        InputError: Dask is not installed, or the scheduler cannot be reached.
    """
    try:
        import dask.bag as db
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError("--engine dask needs Dask: pip install 'dask[distributed]'") from None
    import contextlib

    with contextlib.ExitStack() as stack:
        if scheduler is None:
            cluster = stack.enter_context(LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                                       dashboard_address=None))
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(scheduler, timeout=SCHEDULER_TIMEOUT))
            except (OSError, TimeoutError) as err:
                raise InputError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({err})") from None
        workers = max(len(client.scheduler_info().get("workers", {})), 1)
        plan = list(batches)
        if not plan:
            return
        # one batch a partition: the bag's tasks are the batches
        bag = db.from_sequence(plan, npartitions=len(plan)).map(scan_batch, config)
        parts = bag.to_delayed()

        def submit(n: int) -> Any:
            return client.compute(parts[n])

        def collect(future: Any) -> BatchResult:
            (result,) = future.result()
            future.release()
            return result

        yield from _in_order(range(len(parts)), submit, collect, ahead=AHEAD * workers)


def _in_order(items: Iterable[Any], submit: Callable[[Any], Any], collect: Callable[[Any], BatchResult], *,
              ahead: int) -> Iterator[BatchResult]:
    """Submit ``items`` keeping ``ahead`` in flight; yield their results in
    the order submitted."""
    pending: list[Any] = []
    for item in items:
        pending.append(submit(item))
        if len(pending) >= ahead:
            yield collect(pending.pop(0))
    while pending:
        yield collect(pending.pop(0))


# --------------------------------------------------------------------------
# writing, resuming, telling


@dataclass
class Tally:
    """What a scan did: for the table at the end."""

    messages: int = 0
    units: int = 0
    postings: int = 0
    rules: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    resumed_from: int = 0  # batches done by the run resumed


class Resume:
    """Where a scan into ``output`` stands: batches written and the
    output's size then, kept in the cache under the output, the input and
    the options."""

    def __init__(self, output: str, input_key: str, options: str) -> None:
        from reviewkit.cache import Entry

        key = "\0".join((os.path.abspath(output), input_key, options))
        self.entry = Entry.named("scan", hashlib.sha1(key.encode("utf-8", "surrogateescape")).hexdigest())

    def load(self) -> tuple[int, int] | None:
        payload = self.entry.read()
        if payload is None:
            return None
        try:
            state = json.loads(payload)
            return int(state["batches"]), int(state["bytes"])
        except (ValueError, KeyError, TypeError):
            return None

    def save(self, batches: int, size: int) -> None:
        self.entry.write(json.dumps({"batches": batches, "bytes": size}).encode())


def write_scan(results: Iterable[BatchResult], out: IO[str], *, tally: Tally,
               on_batch: Callable[[BatchResult], None] | None = None) -> None:
    """Write each batch's lines in order, counting them in ``tally``;
    ``on_batch`` after each batch is out (flushed)."""
    start = time.perf_counter()
    for result in results:
        out.writelines(result.lines)
        out.flush()
        tally.messages += result.messages
        tally.postings += result.postings
        tally.rules.update(result.rules)
        tally.seconds = time.perf_counter() - start
        if on_batch is not None:
            on_batch(result)


__all__ = ["AHEAD", "BATCH_MESSAGES", "Batch", "BatchResult", "Resume", "Tally", "plan_batches", "run_dask",
           "run_here", "run_pool", "scan_batch", "write_scan"]
