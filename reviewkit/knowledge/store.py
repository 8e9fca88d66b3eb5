"""The database file: records sorted by key, in small zlib-compressed
buckets, behind an index of each bucket's first key.

A lookup reads the index once (a few tens of kilobytes), then only the
buckets that hold the keys asked for: a patch that calls fifty functions
decompresses at most fifty buckets of a few kilobytes, and nothing is
parsed for the names it does not call. The standard library's sqlite3
would do the same job, but its import alone costs about 7 ms of every
``check``; zlib and json are already there.

Layout: the magic line, then one JSON line (``meta``: what the database
was built from; ``keys``: each bucket's first key; ``offsets``: where each
bucket starts, plus the end), then the buckets, each a zlib stream of a
JSON object key -> record.
"""

from __future__ import annotations

import bisect
import json
import os
import zlib
from pathlib import Path
from typing import Any, Iterable

from reviewkit.errors import ReviewkitError

MAGIC = b"reviewkit-knowledge 1\n"
BUCKET_BYTES = 4096  # uncompressed JSON per bucket: small enough to decompress for one name


def write_database(path: Path, records: Iterable[tuple[str, Any]], meta: dict[str, Any]) -> int:
    """Write ``records`` (key, JSON-able value; any order, keys unique) to
    ``path`` atomically.

    Returns:
        The file's size in bytes.

    Raises:
        ReviewkitError: the file cannot be written.
    """
    items = sorted(records, key=lambda kv: kv[0])
    keys: list[str] = []
    blobs: list[bytes] = []
    bucket: dict[str, Any] = {}
    size = 0
    for key, value in items:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        if bucket and size + len(text) > BUCKET_BYTES:
            blobs.append(zlib.compress(json.dumps(bucket, separators=(",", ":"), ensure_ascii=False).encode(), 9))
            bucket, size = {}, 0
        if not bucket:
            keys.append(key)
        bucket[key] = value
        size += len(text) + len(key) + 4
    if bucket:
        blobs.append(zlib.compress(json.dumps(bucket, separators=(",", ":"), ensure_ascii=False).encode(), 9))
    offsets = [0]
    for b in blobs:
        offsets.append(offsets[-1] + len(b))
    header = json.dumps({"meta": meta, "keys": keys, "offsets": offsets}, separators=(",", ":"),
                        ensure_ascii=False).encode() + b"\n"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as f:
            f.write(MAGIC)
            f.write(header)
            for b in blobs:
                f.write(b)
        os.replace(tmp, path)
    except OSError as err:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise ReviewkitError(f"{path}: cannot write the knowledge database: {err.strerror}") from None
    return path.stat().st_size


class Database:
    """One database file, read lazily: the index on the first lookup, a
    bucket when a key in it is asked for (and kept)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._keys: list[str] | None = None
        self._offsets: list[int] = []
        self._base = 0
        self._meta: dict[str, Any] = {}
        self._buckets: dict[int, dict[str, Any]] = {}

    def _open(self) -> None:
        if self._keys is not None:
            return
        try:
            with self.path.open("rb") as f:
                magic = f.readline()
                header = f.readline()
        except OSError as err:
            raise ReviewkitError(f"{self.path}: cannot read the knowledge database: {err.strerror}") from None
        if magic != MAGIC:
            raise ReviewkitError(f"{self.path}: not a reviewkit knowledge database (rebuild it with "
                                 "`reviewkit knowledge build`)")
        try:
            doc = json.loads(header)
            self._keys = list(doc["keys"])
            self._offsets = list(doc["offsets"])
            self._meta = dict(doc["meta"])
        except (ValueError, KeyError, TypeError):
            raise ReviewkitError(f"{self.path}: damaged knowledge database index") from None
        self._base = len(magic) + len(header)

    @property
    def meta(self) -> dict[str, Any]:
        """What the database was built from (kernel version, counts ...)."""
        self._open()
        return self._meta

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        """The records of those ``keys`` that are present.

        Raises:
            ReviewkitError: the file is unreadable or damaged.
        """
        self._open()
        assert self._keys is not None
        wanted: dict[int, list[str]] = {}
        for key in keys:
            i = bisect.bisect_right(self._keys, key) - 1
            if i >= 0:
                wanted.setdefault(i, []).append(key)
        out: dict[str, Any] = {}
        missing = [i for i in wanted if i not in self._buckets]
        if missing:
            try:
                with self.path.open("rb") as f:
                    for i in sorted(missing):
                        f.seek(self._base + self._offsets[i])
                        raw = f.read(self._offsets[i + 1] - self._offsets[i])
                        self._buckets[i] = json.loads(zlib.decompress(raw))
            except OSError as err:
                raise ReviewkitError(f"{self.path}: cannot read the knowledge database: {err.strerror}") from None
            except (zlib.error, ValueError):
                raise ReviewkitError(f"{self.path}: damaged knowledge database") from None
        for i, ks in wanted.items():
            bucket = self._buckets[i]
            for k in ks:
                if k in bucket:
                    out[k] = bucket[k]
        return out

    def items(self) -> Iterable[tuple[str, Any]]:
        """Every record, in key order (for tools and tests; a lookup never
        needs this)."""
        self._open()
        assert self._keys is not None
        for i in range(len(self._keys)):
            if i not in self._buckets:
                self.get_many([self._keys[i]])
            yield from sorted(self._buckets[i].items())
