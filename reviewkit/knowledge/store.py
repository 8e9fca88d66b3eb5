"""The database file: records sorted by key, in small zlib-compressed
buckets, behind an index of each bucket's first key.

A lookup reads the index once (a few tens of kilobytes), asks a Bloom
filter of every key whether a name can be there at all (most names a patch
calls have no fact: 124 of the 125 of tests/data/corpus/patches/119, which
without the filter meant decompressing 78 buckets for nothing), then reads
only the buckets that hold the keys left. The standard library's sqlite3
would do the same job, but its import alone costs about 7 ms of every
``check``; zlib and json are already there.

Layout: the magic line, then one JSON line (``meta``: what the database
was built from; ``keys``: each bucket's first key; ``offsets``: where each
bucket starts, plus the end; ``bloom``: the filter's bits and hashes), then
the filter's bytes, then the buckets, each a zlib stream of a JSON object
key -> record.
"""

from __future__ import annotations

import bisect
import json
import os
import zlib
from pathlib import Path
from typing import Any, Iterable

from reviewkit.errors import ReviewkitError

MAGIC = b"reviewkit-knowledge 2\n"
BUCKET_BYTES = 4096  # uncompressed JSON per bucket: small enough to decompress for one name
BLOOM_BITS_PER_KEY = 10  # with 7 hashes: about 1% of absent names read a bucket anyway
BLOOM_HASHES = 7


def _bloom_positions(key: str, bits: int, hashes: int) -> list[int]:
    data = key.encode("utf-8", "surrogateescape")
    h1 = zlib.crc32(data)
    h2 = zlib.adler32(data) | 1
    return [(h1 + i * h2) % bits for i in range(hashes)]


def build_bloom(keys: list[str], hashes: int = BLOOM_HASHES) -> tuple[bytes, int]:
    """A Bloom filter of ``keys``: (its bytes, its number of bits)."""
    bits = max(64, len(keys) * BLOOM_BITS_PER_KEY)
    field = bytearray((bits + 7) // 8)
    for key in keys:
        for pos in _bloom_positions(key, bits, hashes):
            field[pos >> 3] |= 1 << (pos & 7)
    return bytes(field), bits


def bloom_has(field: bytes, bits: int, hashes: int, key: str) -> bool:
    """Whether ``key`` may be among the filter's keys (False: it is not)."""
    return all(field[pos >> 3] & (1 << (pos & 7)) for pos in _bloom_positions(key, bits, hashes))


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
    bloom, bits = build_bloom([k for k, _v in items])
    offsets = [len(bloom)]
    for b in blobs:
        offsets.append(offsets[-1] + len(b))
    header = json.dumps({"meta": meta, "keys": keys, "offsets": offsets,
                         "bloom": {"bits": bits, "hashes": BLOOM_HASHES}},
                        separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as f:
            f.write(MAGIC)
            f.write(header)
            f.write(bloom)
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
        self._bloom = b""
        self._bloom_bits = 0
        self._bloom_hashes = 0

    def _open(self) -> None:
        if self._keys is not None:
            return
        try:
            with self.path.open("rb") as f:
                magic = f.readline()
                header = f.readline()
                if magic == MAGIC:
                    doc = json.loads(header)
                    bloom = f.read(doc["offsets"][0])
        except (ValueError, KeyError, TypeError, IndexError):
            raise ReviewkitError(f"{self.path}: damaged knowledge database index") from None
        except OSError as err:
            raise ReviewkitError(f"{self.path}: cannot read the knowledge database: {err.strerror}") from None
        if magic != MAGIC:
            what = "made by another version of reviewkit" if magic.startswith(MAGIC.split(b" ")[0]) else \
                "not a reviewkit knowledge database"
            raise ReviewkitError(f"{self.path}: {what} (rebuild it with `reviewkit knowledge build`)")
        try:
            self._keys = list(doc["keys"])
            self._offsets = list(doc["offsets"])
            self._meta = dict(doc["meta"])
            self._bloom_bits = int(doc["bloom"]["bits"])
            self._bloom_hashes = int(doc["bloom"]["hashes"])
        except (ValueError, KeyError, TypeError):
            raise ReviewkitError(f"{self.path}: damaged knowledge database index") from None
        if len(bloom) * 8 < self._bloom_bits:
            raise ReviewkitError(f"{self.path}: damaged knowledge database index")
        self._bloom = bloom
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
            if not bloom_has(self._bloom, self._bloom_bits, self._bloom_hashes, key):
                continue
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
