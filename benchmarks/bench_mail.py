"""Speed of the mail stage beside the standard library's own parse.

Usage: python3 benchmarks/bench_mail.py [ARCHIVE] [--limit N] [--runs N]

ARCHIVE defaults to ../shared/archives/linux-pwm.vger.kernel.org.0.git
(beside the repository). Every message's bytes are read into memory once
with reviewkit.source; then, in the same run and over the same bytes:

  baseline   email.message_from_bytes(b, policy=email.policy.default)
             plus msg.get_body(("plain",)).get_content()
  reviewkit  reviewkit.mail.parse_message(RawMessage(b, ...))

Each is timed ``--runs`` times (best run shown, as timeit does). Prints
messages per second for both and the ratio reviewkit / baseline (time).
"""

from __future__ import annotations

import argparse
import email
import email.policy
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ARCHIVE = ROOT.parent / "shared" / "archives" / "linux-pwm.vger.kernel.org.0.git"


def _baseline(blobs: list[bytes]) -> int:
    failures = 0
    for data in blobs:
        try:
            msg = email.message_from_bytes(data, policy=email.policy.default)
            body = msg.get_body(preferencelist=("plain",))
            if body is not None:
                body.get_content()
        except Exception:  # the standard parser raises on some real mail; count it
            failures += 1
    return failures


def _reviewkit(raws: list) -> int:
    from reviewkit.mail import parse_message

    warned = 0
    for raw in raws:
        if parse_message(raw).warnings:
            warned += 1
    return warned


def _best(fn, arg, runs: int) -> tuple[float, int]:
    best = float("inf")
    result = 0
    for _ in range(runs):
        start = time.perf_counter()
        result = fn(arg)
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("archive", nargs="?", default=str(DEFAULT_ARCHIVE))
    parser.add_argument("--limit", type=int, default=0, help="read at most N messages (0: all)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from reviewkit.errors import ReviewkitError
    from reviewkit.model import RawMessage
    from reviewkit.source import read_messages

    start = time.perf_counter()
    raws: list[RawMessage] = []
    try:
        for raw in read_messages([args.archive]):
            raws.append(raw)
            if args.limit and len(raws) >= args.limit:
                break
    except ReviewkitError as err:
        print(f"bench_mail: {err}", file=sys.stderr)
        return 2
    read_s = time.perf_counter() - start
    blobs = [r.data for r in raws]
    size = sum(len(b) for b in blobs)
    n = len(blobs)
    print(f"input: {args.archive}")
    print(f"messages: {n}  bytes: {size / 1e6:.1f} MB  read (source stage): {read_s:.2f} s  ({n / read_s:,.0f} msg/s)")

    base_s, base_fail = _best(_baseline, blobs, args.runs)
    rk_s, rk_warned = _best(_reviewkit, raws, args.runs)
    width = 40
    print(f"{'parser':<{width}}  {'seconds':>8}  {'msg/s':>9}")
    print(f"{'email policy.default + get_content':<{width}}  {base_s:8.2f}  {n / base_s:9,.0f}   ({base_fail} raised)")
    print(f"{'reviewkit.mail.parse_message':<{width}}  {rk_s:8.2f}  {n / rk_s:9,.0f}   ({rk_warned} with warnings)")
    print(f"ratio reviewkit / baseline (time): {rk_s / base_s:.2f}x  (best of {args.runs} runs each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
