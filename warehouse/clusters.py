"""Near-duplicate story clusters: MinHash over word shingles, LSH bands kept in the warehouse.

Syndicated or lightly edited copies of one story (across outlets, or twice in one outlet)
share a `cluster_id`. Each cluster has a founder (its first article): the founder's MinHash
signature and LSH band hashes are stored (`story_clusters`, `cluster_bands`), so a copy that
arrives in a later batch, or a later run, finds the cluster by its band hashes and joins it
when its estimated Jaccard similarity to the founder is high enough. Comparing with the
founder (never with other members) keeps clusters from drifting into chains.

Signatures are datasketch's MinHash (scheme ``affine32``, same permutations and hash
function), computed for a whole batch at once with numpy; `signature_of` is the plain
datasketch version the tests compare with.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Sequence

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)

from extractors.types import Article
from warehouse.db import naive_utc, utcnow
from warehouse.sqlfiles import sql

NUM_PERM = 64
SEED = 1
THRESHOLD = 0.5  # estimated Jaccard similarity (of 3-word shingles) to join a cluster
# Within one outlet, recurring templates ("Quordle hints for Friday ...") look alike: a copy
# from the founder's own outlet must be almost identical (a re-post, the item in two feeds).
SAME_OUTLET_THRESHOLD = 0.9
SHINGLE_WORDS = 3
MIN_SHINGLES = 4  # shorter texts stay alone: too little to tell a copy from a coincidence
MAX_WORDS = 400  # title + the start of the text is enough to recognise a copy
WINDOW = timedelta(days=7)  # copies appear within days; a recurring template is not a copy

_WORDS = re.compile(r"\w+")


@dataclass(frozen=True)
class ClusterDoc:
    """What clustering needs of an article."""

    article_id: str
    title: str
    text: str
    story_at: datetime | None
    outlet: str | None = None


@dataclass(frozen=True)
class Assignment:
    """One article's cluster: a new one (founder) or an existing one it was found to copy."""

    article_id: str
    cluster_id: str
    similarity: float
    founded: bool


# What datasketch's MinHashLSH picks for THRESHOLD and NUM_PERM (its false positive and
# negative weights, integrated with scipy); tests check that it still does. Importing
# datasketch (and scipy) here would cost the ingest 0.5 s and ~45 MB.
LSH_BANDS, LSH_ROWS = 14, 4


def lsh_shape() -> tuple[int, int]:
    """(bands, rows per band) of the LSH index."""
    return LSH_BANDS, LSH_ROWS


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch MinHash's affine32 permutations for SEED, made the way it makes them."""
    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


_M1, _M2, _MASK = 0x9E3779B1, 0x85EBCA77, 0xFFFFFFFF


def words_of(title: str, text: str) -> list[str]:
    """Lower-cased words of the title and the start of the text."""
    return _WORDS.findall(f"{title or ''} {text or ''}".lower())[:MAX_WORDS]


def shingles(title: str, text: str) -> list[bytes]:
    """Distinct word 3-grams of the lower-cased title and the start of the text."""
    words = words_of(title, text)
    n = SHINGLE_WORDS
    return list(dict.fromkeys(" ".join(words[i:i + n]).encode() for i in range(len(words) - n + 1)))


def shingle_hash(shingle: bytes) -> int:
    """A stable 32-bit hash of one shingle "w1 w2 w3" (Python's hash() changes between
    processes): crc32 of each word, combined; `_shingle_hashes` computes the same in numpy."""
    w = [zlib.crc32(part) for part in shingle.split(b" ")]
    return ((((w[0] * _M1 + w[1]) & _MASK) * _M2 + w[2]) & _MASK)


def _shingle_hashes(word_hashes: np.ndarray) -> np.ndarray:
    w0, w1, w2 = word_hashes[:-2], word_hashes[1:-1], word_hashes[2:]
    with np.errstate(over="ignore"):
        return (w0 * np.uint32(_M1) + w1) * np.uint32(_M2) + w2


def _fmix32(hv: np.ndarray) -> np.ndarray:
    # MurmurHash3's finalizer, as datasketch applies it before the affine permutations.
    with np.errstate(over="ignore"):
        hv = hv ^ (hv >> np.uint32(16))
        hv = hv * np.uint32(0x85EBCA6B)
        hv = hv ^ (hv >> np.uint32(13))
        hv = hv * np.uint32(0xC2B2AE35)
        return hv ^ (hv >> np.uint32(16))


def signatures(docs: Sequence[tuple[str, str]], chunk: int = 4000) -> tuple[np.ndarray, np.ndarray]:
    """MinHash signatures (n x NUM_PERM, uint32) of many (title, text) pairs, and how many
    shingles each has. Vectorised over the whole batch: every document's words are hashed
    once, shingles are formed in one array and reduced per document.

    Each row equals datasketch.MinHash(NUM_PERM, SEED, hashfunc=shingle_hash) updated with
    `shingles(title, text)`; a document without shingles gets the all-max signature.
    """
    sigs = np.full((len(docs), NUM_PERM), np.iinfo(np.uint32).max, dtype=np.uint32)
    counts = np.zeros(len(docs), dtype=np.int64)
    cache: dict[str, int] = {}
    for lo in range(0, len(docs), chunk):
        _signature_chunk(docs[lo:lo + chunk], sigs[lo:lo + chunk], counts[lo:lo + chunk], cache)
    return sigs, counts


def _signature_chunk(docs: Sequence[tuple[str, str]], sigs: np.ndarray, counts: np.ndarray,
                     cache: dict[str, int]) -> None:
    hashes: list[int] = []
    lengths = np.zeros(len(docs), dtype=np.int64)
    for i, (title, text) in enumerate(docs):
        words = words_of(title, text)
        lengths[i] = len(words)
        for w in words:
            h = cache.get(w)
            if h is None:
                h = cache[w] = zlib.crc32(w.encode())
            hashes.append(h)
    if not hashes:
        return
    word_hashes = np.array(hashes, dtype=np.uint32)
    doc_of_word = np.repeat(np.arange(len(docs)), lengths)
    n = SHINGLE_WORDS
    valid = doc_of_word[:-(n - 1)] == doc_of_word[n - 1:]  # shingles inside one document
    shingle_docs = doc_of_word[:-(n - 1)][valid]
    if shingle_docs.size == 0:
        return
    a, b = _permutations()
    with np.errstate(over="ignore"):
        permuted = _fmix32(_shingle_hashes(word_hashes)[valid])[:, None] * a + b
    has = np.flatnonzero(np.bincount(shingle_docs, minlength=len(docs)))
    starts = np.searchsorted(shingle_docs, has)
    sigs[has] = np.minimum.reduceat(permuted, starts, axis=0)
    counts[:] = np.maximum(lengths - (n - 1), 0)


def signature_of(shingle_set: Sequence[bytes]) -> np.ndarray:
    """The same signature through datasketch itself (slow; for checks)."""
    from datasketch import MinHash

    m = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=shingle_hash)
    m.update_batch(list(shingle_set))
    return m.hashvalues.astype(np.uint32)


def band_hashes(sigs: np.ndarray) -> np.ndarray:
    """One signed 64-bit hash per LSH band (n x bands), stable across processes; the band's
    number is part of the hash, so equal hashes mean the same band of equal values."""
    bands, rows = lsh_shape()
    part = sigs[:, : bands * rows].astype(np.uint64).reshape(len(sigs), bands, rows)
    h = np.broadcast_to(np.uint64(0xCBF29CE484222325) ^ np.arange(bands, dtype=np.uint64),
                        (len(sigs), bands)).copy()
    with np.errstate(over="ignore"):
        for r in range(rows):
            h = (h ^ part[:, :, r]) * np.uint64(0x100000001B3)
            h ^= h >> np.uint64(29)
    return h.view(np.int64)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.mean(a == b))


def cluster_text(article: Article) -> tuple[str, str]:
    """What an article is compared by: its title and its text (or summary)."""
    return article.title or "", article.text or article.summary or ""


def docs_of(articles: Sequence[Article]) -> list[ClusterDoc]:
    return [ClusterDoc(a.article_id, *cluster_text(a), naive_utc(a.published_at or a.first_seen_at),
                       a.outlet) for a in articles]


# ------------------------------------------------------------------ the warehouse side


def assign_clusters(con: duckdb.DuckDBPyConnection, articles: Sequence[Article]) -> int:
    """Give every stored article of this batch that has no cluster yet its cluster.

    Runs inside the caller's transaction (load_batch). Returns how many articles were
    assigned. Articles already assigned (a re-loaded batch) are left alone.
    """
    try:
        docs = _unassigned(con, docs_of(articles))
        if not docs:
            return 0
        docs.sort(key=lambda d: (d.story_at or datetime.max, d.article_id))
        sigs, counts = _signatures_for(docs)
        bands = band_hashes(sigs)
        clusterable = counts >= MIN_SHINGLES
        stored = _stored_candidates(con, bands, clusterable)
        assignments = _assign(docs, sigs, bands, clusterable, stored)
        _save(con, docs, sigs, bands, clusterable, assignments)
        return len(assignments)
    finally:
        for a in articles:
            _precomputed.pop(a.article_id, None)


# Signatures computed ahead (in worker processes, say), by article id: used once, then dropped.
_precomputed: dict[str, tuple[np.ndarray, int]] = {}


def remember_signatures(article_ids: Sequence[str], sigs: np.ndarray, counts: np.ndarray) -> None:
    """Hand over signatures computed elsewhere (by `signatures`) for the next assign_clusters."""
    for article_id, sig, count in zip(article_ids, sigs, counts.tolist()):
        _precomputed[article_id] = (sig, count)


def _signatures_for(docs: list[ClusterDoc]) -> tuple[np.ndarray, np.ndarray]:
    missing = [d for d in docs if d.article_id not in _precomputed]
    if missing:
        computed, counts = signatures([(d.title, d.text) for d in missing])
        remember_signatures([d.article_id for d in missing], computed, counts)
    found = [_precomputed.pop(d.article_id) for d in docs]
    return (np.array([f[0] for f in found], dtype=np.uint32).reshape(len(docs), NUM_PERM),
            np.array([f[1] for f in found], dtype=np.int64))


@dataclass
class _Founder:
    cluster_id: str
    signature: np.ndarray
    founded_at: datetime | None
    outlet: str | None = None


def _unassigned(con: duckdb.DuckDBPyConnection, docs: list[ClusterDoc]) -> list[ClusterDoc]:
    unique = {d.article_id: d for d in docs}
    if not unique:
        return []
    con.register("cluster_probe", pa.table({"article_id": pa.array(list(unique), pa.string())}))
    try:
        rows = con.execute(sql("cluster_unassigned")).fetchall()
    finally:
        con.unregister("cluster_probe")
    return [unique[r[0]] for r in rows]


def _stored_candidates(con: duckdb.DuckDBPyConnection, bands: np.ndarray,
                       clusterable: np.ndarray) -> dict[int, list[_Founder]]:
    """Per row of the batch: the stored clusters sharing at least one band with it."""
    n, nb = bands.shape
    rows = np.repeat(np.arange(n), nb)
    mask = np.repeat(clusterable, nb)
    probe = pa.table({"row": pa.array(rows[mask], pa.int32()),
                      "band": pa.array(np.tile(np.arange(nb), n)[mask], pa.int16()),
                      "band_hash": pa.array(bands.reshape(-1)[mask], pa.int64())})
    con.register("band_probe", probe)
    try:
        found = con.execute(sql("cluster_candidates")).fetchall()
    finally:
        con.unregister("band_probe")
    out: dict[int, list[_Founder]] = {}
    for row, cluster_id, sig, founded_at, outlet in found:
        if sig is None:
            continue
        out.setdefault(row, []).append(
            _Founder(cluster_id, np.frombuffer(sig, dtype="<u4"), founded_at, outlet))
    return out


def _assign(docs: list[ClusterDoc], sigs: np.ndarray, bands: np.ndarray, clusterable: np.ndarray,
            stored: dict[int, list[_Founder]]) -> list[Assignment]:
    """Join the most similar founder within the window, or found a new cluster.

    Docs are in story order; a doc can join a stored cluster or one founded earlier in this
    batch. Only docs that share a band with something are looked at one by one; the others
    found their own cluster.
    """
    earlier = _in_batch_candidates(bands, clusterable)
    joined: dict[int, tuple[float, str]] = {}
    for i in sorted(set(stored) | set(earlier)):
        candidates = list(stored.get(i, ()))
        candidates += [_Founder(docs[j].article_id, sigs[j], docs[j].story_at, docs[j].outlet)
                       for j in sorted(earlier.get(i, ())) if j not in joined and clusterable[j]]
        best = _best_founder(docs[i], sigs[i], candidates)
        if best is not None:
            joined[i] = best
    return [Assignment(d.article_id, joined[i][1], round(joined[i][0], 4), False) if i in joined
            else Assignment(d.article_id, d.article_id, 1.0, True) for i, d in enumerate(docs)]


def _in_batch_candidates(bands: np.ndarray, clusterable: np.ndarray) -> dict[int, set[int]]:
    """Per row: the earlier rows of the batch sharing at least one band hash with it."""
    n, nb = bands.shape
    rows = np.repeat(np.arange(n), nb)[np.repeat(clusterable, nb)]
    flat = bands[clusterable].reshape(-1)
    order = np.lexsort((rows, flat))
    flat, rows = flat[order], rows[order]
    same = np.flatnonzero(flat[1:] == flat[:-1])  # row k+1 shares a hash with row k
    out: dict[int, set[int]] = {}
    if same.size == 0:
        return out
    # walk each run of equal hashes: every row gets all earlier rows of its run
    run_start = 0
    for k in same.tolist():
        if k == 0 or flat[k] != flat[k - 1]:
            run_start = k
        later = int(rows[k + 1])
        out.setdefault(later, set()).update(int(r) for r in rows[run_start:k + 1] if r != later)
    return out


def _best_founder(doc: ClusterDoc, sig: np.ndarray, candidates: list[_Founder]
                  ) -> tuple[float, str] | None:
    best: tuple[float, str] | None = None
    for f in sorted(candidates, key=lambda f: f.cluster_id):
        if not _within_window(doc.story_at, f.founded_at):
            continue
        sim = similarity(sig, f.signature)
        needed = SAME_OUTLET_THRESHOLD if doc.outlet and doc.outlet == f.outlet else THRESHOLD
        if sim >= needed and (best is None or sim > best[0]):
            best = (sim, f.cluster_id)
    return best


def _signature_column(sigs: np.ndarray, keep: np.ndarray) -> pa.Array:
    """Signatures as little-endian uint32 bytes (NULL where the text was too short)."""
    width = NUM_PERM * 4
    fixed = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(width), len(sigs), [None, pa.py_buffer(np.ascontiguousarray(sigs, dtype="<u4"))])
    return pa.compute.if_else(pa.array(keep, pa.bool_()), fixed.cast(pa.binary()),
                              pa.nulls(len(sigs), pa.binary()))


def _within_window(a: datetime | None, b: datetime | None) -> bool:
    return a is None or b is None or abs(a - b) <= WINDOW


def _save(con: duckdb.DuckDBPyConnection, docs: list[ClusterDoc], sigs: np.ndarray,
          bands: np.ndarray, clusterable: np.ndarray, assignments: list[Assignment]) -> None:
    founded = np.fromiter((a.founded for a in assignments), dtype=bool, count=len(assignments))
    founders = np.flatnonzero(founded)
    banded = np.flatnonzero(founded & clusterable)
    member_ids = pa.array([a.cluster_id for a in assignments], pa.string())
    nb = bands.shape[1]
    clusters = pa.table({
        "cluster_id": member_ids.take(founders),
        "founder_id": member_ids.take(founders),
        "founded_at": pa.array([docs[i].story_at for i in founders], pa.timestamp("us")),
        "outlet": pa.array([docs[i].outlet for i in founders], pa.string()),
        "signature": _signature_column(sigs[founders], clusterable[founders]),
        "created_at": pa.array([utcnow()] * len(founders), pa.timestamp("us")),
    })
    band_rows = pa.table({
        "band": pa.array(np.tile(np.arange(nb), len(banded)), pa.int16()),
        "band_hash": pa.array(bands[banded].reshape(-1), pa.int64()),
        "cluster_id": member_ids.take(np.repeat(banded, nb)),
    })
    members = pa.table({
        "article_id": pa.array([a.article_id for a in assignments], pa.string()),
        "cluster_id": member_ids,
        "similarity": pa.array([a.similarity for a in assignments], pa.float64()),
    })
    for view, table in (("new_clusters", clusters), ("new_bands", band_rows),
                        ("new_members", members)):
        con.register(view, table)
    try:
        con.execute(sql("insert_clusters"))
    finally:
        for view in ("new_clusters", "new_bands", "new_members"):
            con.unregister(view)
