"""The index folder: FAISS vectors plus passage metadata, replaced atomically, checked on load.

Layout of an index folder ``DIR``::

    DIR/CURRENT               name of the live generation (replaced atomically)
    DIR/<generation>/manifest.json   model, dimension, prompts, chunking, counts, checksums
    DIR/<generation>/vectors.faiss   inner-product FAISS index over normalised vectors: exact
                                     (flat) or, for large indexes, HNSW (approximate)
    DIR/<generation>/passages.sqlite one passage per row, in vector order (read on demand)
    DIR/<generation>/articles.jsonl  one article summary per line
    DIR/<generation>/lexical/        the BM25 index (bm25s: JSON vocabulary, numpy arrays)

A new index is written to a fresh generation folder and only then named in ``CURRENT``, so
a crash at any moment leaves the previous index whole. The generation before the current one
is kept too, so a process that read ``CURRENT`` just before the switch can still load it.
No pickle anywhere.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import get_args, get_origin, get_type_hints

import numpy as np

from retrieval.ingest.chunking import Passage
from retrieval.errors import IndexFolderError, UnknownOutlet
from retrieval.search.filters import Filters
from retrieval.search.fusion import top_rows
from retrieval.store.lexical import LexicalIndex, LexicalSettings
from retrieval.store.passage_table import NO_DATE, PassageTable, day_number, filter_columns, take, write_table
from retrieval.store.pool import Pool, local_pool

log = logging.getLogger(__name__)

FORMAT_VERSION = 4
# Version 3 kept passages in passages.jsonl; such an index is still read (into memory), and the
# next write turns it into version 4.
READABLE_VERSIONS = (3, 4)
LEGACY_PASSAGES = "passages.jsonl"
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
PASSAGES = "passages.sqlite"
ARTICLES = "articles.jsonl"
LEXICAL = "lexical"
VECTOR_INDEX_KINDS = ("auto", "exact", "hnsw")
# Above this many passages "auto" builds HNSW: exact search stays under ~20 ms up to here on
# 2 cores (docs/benchmarks.md, scale table).
HNSW_FROM = 200_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
# A filtered search over HNSW whose filter keeps fewer rows than this share is done exactly.
EXACT_FILTER_SHARE = 0.2


@dataclass(frozen=True)
class Manifest:
    """What an index holds and how it was built."""

    format_version: int
    model: str
    dimension: int
    prompts: dict[str, str]
    chunking: dict[str, int]
    lexical: dict[str, float]
    articles: int
    passages: int
    outlets: dict[str, int]
    created: str
    checksums: dict[str, str]
    vector_index: str = "exact"


@dataclass(frozen=True)
class ArticleSummary:
    """The article-level facts an index keeps (text lives in the passages)."""

    id: str
    outlet: str
    title: str
    date: str | None
    url: str | None
    source: str
    passages: int
    checksum: str = ""
    text_checksum: str = ""
    author: str | None = None  # the byline, when the source gives one


class PassageIndex:
    """Passages with their vectors in FAISS and their BM25 index, row for row.

    ``passages`` is a list (an index built in memory) or a ``PassageTable`` (a loaded index, whose
    texts stay on disk)."""

    def __init__(self, manifest: Manifest, passages: Sequence[Passage], faiss_index, lexical: LexicalIndex,
                 articles: list[ArticleSummary] | None = None, generation: str = "") -> None:
        self.manifest = manifest
        self.passages = passages
        self.articles = articles or []
        self.generation = generation
        self.lexical = lexical
        self._faiss = faiss_index
        self.matrix = stored_vectors(faiss_index)
        self.approximate = manifest.vector_index == "hnsw"
        # Filters are vectorised: outlets as small integer codes, dates as day numbers (a passage
        # without one sorts before every day). A filtered question over 1M passages stays in milliseconds.
        outlets, self._days = filter_columns(passages)
        outlet_names = [o.casefold() for o in outlets]
        self._outlet_codes_by_name = {name: code for code, name in enumerate(dict.fromkeys(outlet_names))}
        self._outlet_codes = np.array([self._outlet_codes_by_name[n] for n in outlet_names], dtype=np.int32)

    def passages_at(self, rows) -> list[Passage]:
        """The passages of ``rows``, in that order."""
        return take(self.passages, rows)

    def search(self, vector: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[float, int]]:
        """The ``k`` rows nearest to ``vector`` (among ``allowed`` rows), best first, as (score, row)."""
        query = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        narrow = allowed is not None and np.count_nonzero(allowed) < EXACT_FILTER_SHARE * len(self.passages)
        if not self.approximate or narrow:
            return exact_search(self.matrix, allowed, query[0], k)
        k = min(k, len(self.passages))
        if k <= 0:
            return []
        bitmap = None if allowed is None else np.packbits(allowed, bitorder="little")
        params = _search_params(self.approximate, bitmap, len(self.passages))
        scores, found = self._faiss.search(query, k, params=params)
        return [(float(s), int(r)) for s, r in zip(scores[0], found[0]) if r >= 0]

    def pool(self, question: str, query: np.ndarray, filters: Filters) -> Pool:
        """Both retrievers' candidates for ``question`` (its vector ``query``), within ``filters``."""
        return local_pool(self, question, query, filters)

    def term_weights(self, pool: Pool) -> LexicalIndex:
        """Word rarity over every passage, for highlights."""
        return self.lexical

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors of ``rows``."""
        return self.matrix[np.asarray(rows, dtype=np.int64)]

    def check_outlets(self, outlets: frozenset[str]) -> None:
        """UnknownOutlet when any of ``outlets`` (case-insensitive) is not in this index."""
        unknown = tuple(sorted(o for o in outlets if o.casefold() not in self._outlet_codes_by_name))
        if unknown:
            known = tuple(sorted(self.manifest.outlets, key=str.casefold))
            raise UnknownOutlet(unknown, known)

    def mask(self, outlets: frozenset[str] = frozenset(), since: str | None = None,
             until: str | None = None) -> np.ndarray | None:
        """Rows whose outlet is one of ``outlets`` and whose date lies in [since, until]; None: all."""
        if not outlets and since is None and until is None:
            return None
        allowed = np.ones(len(self.passages), dtype=bool)
        if outlets:
            known = self._outlet_codes_by_name
            codes = [known[o.casefold()] for o in outlets if o.casefold() in known]
            allowed &= np.isin(self._outlet_codes, np.array(codes, dtype=np.int32))
        if since is not None:
            allowed &= self._days >= day_number(since)  # no date sorts before any day
        if until is not None:
            allowed &= (self._days != NO_DATE) & (self._days <= day_number(until))
        return allowed


def exact_search(matrix: np.ndarray, allowed: np.ndarray | None, query: np.ndarray,
                 k: int) -> list[tuple[float, int]]:
    """The ``k`` best rows (of ``allowed`` ones, if given) by exact inner product.

    One matrix-vector product over all rows (BLAS, both cores) beats FAISS's flat search for a
    single question; a narrow filter gathers its rows first instead of reading them all."""
    rows = None
    if allowed is None:
        scores = matrix @ query
    elif np.count_nonzero(allowed) * 3 < len(matrix):
        rows = np.flatnonzero(allowed)
        scores = matrix[rows] @ query
    else:
        scores = np.where(allowed, matrix @ query, -np.inf)
    best = top_rows(scores, k)
    return [(float(scores[i]), int(i if rows is None else rows[i])) for i in best]


def _search_params(approximate: bool, bitmap: np.ndarray | None, rows: int):
    """HNSW's search width and, for a filter, the rows it may return as a bitmap (flat needs neither).

    The bitmap (one bit a row, little-endian within bytes) must outlive the search."""
    import faiss

    if not approximate:
        return None
    selector = None if bitmap is None else faiss.IDSelectorBitmap(rows, faiss.swig_ptr(bitmap))
    return faiss.SearchParametersHNSW(efSearch=HNSW_EF_SEARCH, sel=selector)


def choose_vector_index(setting: str, passages: int) -> str:
    """``exact`` or ``hnsw`` for an index of ``passages`` rows; ``auto`` picks by size."""
    if setting not in VECTOR_INDEX_KINDS:
        raise ValueError(f"vector index must be one of {', '.join(VECTOR_INDEX_KINDS)}, got {setting!r}")
    if setting == "auto":
        return "hnsw" if passages >= HNSW_FROM else "exact"
    return setting


def build_faiss(vectors: np.ndarray, kind: str = "exact"):
    """An inner-product FAISS index over ``vectors`` (rows already normalised): flat or HNSW."""
    import faiss

    dimension = vectors.shape[1]
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    else:
        index = faiss.IndexFlatIP(dimension)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def _vector_index(vectors: np.ndarray, kind: str, extends: Path | None):
    """HNSW grown from ``extends`` by the rows it lacks, when it can be; otherwise built afresh."""
    import faiss

    if kind == "hnsw" and extends is not None:
        try:
            index = faiss.read_index(str(extends))
        except RuntimeError:
            index = None
        if isinstance(index, faiss.IndexHNSWFlat) and index.d == vectors.shape[1] and index.ntotal <= len(vectors):
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            if index.ntotal < len(vectors):
                index.add(np.ascontiguousarray(vectors[index.ntotal:], dtype=np.float32))
            return index
    return build_faiss(vectors, kind)


def stored_vectors(faiss_index) -> np.ndarray:
    """The vectors a flat or HNSW-flat index stores, as a read-only view (no copy)."""
    import faiss

    storage = faiss.downcast_index(faiss_index.storage) if hasattr(faiss_index, "storage") else faiss_index
    if storage.ntotal == 0:
        return np.zeros((0, storage.d), dtype=np.float32)
    view = faiss.rev_swig_ptr(storage.get_xb(), storage.ntotal * storage.d).reshape(storage.ntotal, storage.d)
    view.flags.writeable = False
    return view


def save_index(folder: Path, manifest: Manifest, passages: Sequence[Passage], articles: list[ArticleSummary],
               vectors: np.ndarray, lexical: LexicalIndex, *, extends: Path | None = None) -> Path:
    """Write a new generation under ``folder`` and make it current; returns its path.

    ``extends``: the previous generation's vector file, when its rows are this one's first rows
    unchanged; an HNSW graph then grows by the new rows instead of being built again."""
    import faiss

    folder.mkdir(parents=True, exist_ok=True)
    previous = _current_name(folder)
    generation = folder / f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    generation.mkdir()
    try:
        faiss.write_index(_vector_index(vectors, manifest.vector_index, extends), str(generation / VECTORS))
        write_table(generation / PASSAGES, passages)
        _write_jsonl(generation / ARTICLES, (asdict(a) for a in articles))
        lexical.save(generation / LEXICAL)
        checksums = {str(path.relative_to(generation)): _sha256(path)
                     for path in sorted(generation.rglob("*")) if path.is_file()}
        final = Manifest(**{**asdict(manifest), "checksums": checksums})
        _write_durable(generation / MANIFEST, json.dumps(asdict(final), indent=2, ensure_ascii=False) + "\n")
        _write_durable(folder / f".{CURRENT}.tmp", generation.name + "\n", replace=folder / CURRENT)
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    if previous and (folder / previous).is_dir():
        _prune(folder, keep={generation.name, previous})
    # else CURRENT was unusable before this write: every older generation is kept, a later write prunes them
    return generation


def load_index(folder: Path, *, model: str) -> PassageIndex:
    """Open the current generation of ``folder``, refusing a damaged or mismatched index."""
    import faiss

    generation = current_generation(folder)
    manifest = read_manifest(generation)
    rebuild = rebuild_hint(folder)
    if manifest.format_version not in READABLE_VERSIONS:
        raise IndexFolderError(
            f"the index at {folder} has format version {manifest.format_version}, this newsbot reads "
            f"versions {', '.join(map(str, READABLE_VERSIONS))}; {rebuild}")
    if manifest.model != model:
        raise IndexFolderError(
            f"the index at {folder} was built with model {manifest.model!r} but newsbot is set to use "
            f"{model!r}; {rebuild}, or set NEWSBOT_EMBEDDING_MODEL (and NEWSBOT_ENCODER) back to what the "
            "index was built with")
    altered = _altered_file(generation, manifest)
    if altered is not None:
        raise IndexFolderError(f"the index at {folder} is damaged ({altered} is missing or altered); {rebuild}")
    try:
        vectors = faiss.read_index(str(generation / VECTORS))
        passages = (PassageTable(generation / PASSAGES) if manifest.format_version == FORMAT_VERSION
                    else [Passage(**row) for row in _read_jsonl(generation / LEGACY_PASSAGES)])
        articles = [ArticleSummary(**row) for row in _read_jsonl(generation / ARTICLES)]
        lexical = LexicalIndex.load(generation / LEXICAL, LexicalSettings(**manifest.lexical))
    except (RuntimeError, TypeError, ValueError, IndexFolderError, sqlite3.Error) as exc:
        raise IndexFolderError(f"the index at {folder} cannot be read ({exc}); {rebuild}") from exc
    if vectors.ntotal != len(passages) or vectors.d != manifest.dimension or lexical.size != len(passages):
        raise IndexFolderError(f"the index at {folder} is inconsistent (vectors and passages differ); {rebuild}")
    return PassageIndex(manifest, passages, vectors, lexical, articles, generation.name)


def rebuild_hint(folder: Path) -> str:
    """How to rebuild a damaged or outdated index from its sources."""
    return f"rebuild it from its sources with: newsbot index --sync PATH ... --index {folder}"


def current_generation(folder: Path) -> Path:
    """The live generation folder of ``folder``.

    When ``CURRENT`` is missing, unreadable or names no folder (a disk that lost it, a deleted
    file), the newest whole generation is used instead: its manifest's checksums must all match.
    Without one the index is refused with how to recover; generations are never given up on."""
    check_folder(folder)
    if not folder.is_dir():
        raise IndexFolderError(
            f"no index at {folder}; build one with: newsbot index [PATH ...] --index {folder}")
    name = _current_name(folder)
    if _usable(folder, name):
        return folder / name
    recovered = newest_whole_generation(folder)
    if recovered is not None:
        log.warning("the index at %s has no usable %s file; answering from its newest whole generation %s "
                    "(the next newsbot index run records it)", folder, CURRENT, recovered.name)
        return recovered
    if generations(folder):
        raise IndexFolderError(
            f"the index at {folder} has no usable {CURRENT} file and none of its generation folders is whole; "
            f"nothing was changed. To rebuild it from its sources (replacing what is there) run: "
            f"newsbot index --sync PATH ... --index {folder}")
    if name:
        raise IndexFolderError(f"the index at {folder} is damaged ({CURRENT} names a missing folder); "
                               f"{rebuild_hint(folder)}")
    raise IndexFolderError(f"{folder} is not a newsbot index (no {CURRENT} file and no generation folders); "
                           f"build one there with: newsbot index [PATH ...] --index {folder}")


def live_name(folder: Path) -> str:
    """Cheaply, the generation a reader would load: ``CURRENT``'s, else the newest folder's ("" if none)."""
    name = _current_name(folder)
    if _usable(folder, name):
        return name
    found = generations(folder)
    return found[0].name if found else ""


def _usable(folder: Path, name: str) -> bool:
    return bool(name) and "/" not in name and name not in (".", "..") and (folder / name).is_dir()


def check_folder(folder: Path) -> None:
    """IndexFolderError when ``folder`` exists but cannot be an index folder (a file, say)."""
    if folder.exists() and not folder.is_dir():
        raise IndexFolderError(f"{folder} is a file, not an index folder; point --index or NEWSBOT_INDEX_DIR at "
                               "a folder (it is created if missing)")


def generations(folder: Path) -> list[Path]:
    """The generation folders of ``folder``, newest first."""
    try:
        found = [child for child in folder.iterdir() if child.name.startswith("gen-") and child.is_dir()]
    except OSError:
        return []
    return sorted(found, key=lambda child: (child.name[4:19], child.stat().st_mtime), reverse=True)


def newest_whole_generation(folder: Path) -> Path | None:
    """The newest generation whose manifest reads and whose files all match its checksums."""
    for generation in generations(folder):
        try:
            manifest = read_manifest(generation)
        except IndexFolderError:
            continue
        if manifest.checksums and _checksums_match(generation, manifest):
            return generation
    return None


def recover_current(folder: Path) -> str | None:
    """For a writer: name the generation being read in ``CURRENT`` if it was unusable; a note saying so."""
    generation = current_generation(folder)
    if _current_name(folder) == generation.name:
        return None
    _write_durable(folder / f".{CURRENT}.tmp", generation.name + "\n", replace=folder / CURRENT)
    return (f"{folder / CURRENT} was missing or unusable; it now names {generation.name}, the newest whole "
            "generation")


def read_manifest(generation: Path) -> Manifest:
    """Parse ``manifest.json`` of a generation folder, checking each field's type."""
    try:
        data = json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise TypeError("it is not a JSON object")
        manifest = Manifest(**data)
        _check_field_types(manifest)
        return manifest
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, TypeError) as exc:
        raise IndexFolderError(
            f"the index at {generation.parent} is damaged ({MANIFEST}: {exc}); "
            f"{rebuild_hint(generation.parent)}") from None


def _check_field_types(manifest: Manifest) -> None:
    """TypeError naming the first field whose JSON value is not of the declared kind."""
    for name, declared in get_type_hints(Manifest).items():
        value = getattr(manifest, name)
        kind = get_origin(declared) or declared
        value_kind = get_args(declared)[1] if kind is dict else None
        wrong = not isinstance(value, kind) or (kind is int and isinstance(value, bool))
        if not wrong and value_kind is not None:
            wrong = not all(isinstance(k, str) and _is_kind(v, value_kind) for k, v in value.items())
        if wrong:
            raise TypeError(f"field {name!r} should be {_kind_name(declared)}, got {json.dumps(value)[:60]}")


def _is_kind(value: object, kind: type) -> bool:
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, kind) and not (kind is int and isinstance(value, bool))


def _kind_name(declared) -> str:
    names = {int: "a whole number", str: "text", float: "a number"}
    if get_origin(declared) is dict:
        return f"an object of {names[get_args(declared)[1]]} values"
    return names.get(declared, str(declared))


def _altered_file(generation: Path, manifest: Manifest) -> str | None:
    """The first file of ``generation`` missing or not matching its checksum; None if all match."""
    for name, digest in manifest.checksums.items():
        path = generation / name
        if not path.is_file() or _sha256(path) != digest:
            return name
    return None


def _checksums_match(generation: Path, manifest: Manifest) -> bool:
    try:
        return _altered_file(generation, manifest) is None
    except OSError:
        return False


def _write_jsonl(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        out.flush()
        os.fsync(out.fileno())


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _write_durable(path: Path, text: str, *, replace: Path | None = None) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    if replace is not None:
        os.replace(path, replace)
    directory = os.open(str((replace or path).parent), os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _current_name(folder: Path) -> str:
    try:
        return (folder / CURRENT).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def _prune(folder: Path, *, keep: set[str]) -> None:
    """Remove generations other than ``keep`` (older ones, or ones left by a crash)."""
    for child in folder.iterdir():
        if child.is_dir() and child.name.startswith("gen-") and child.name not in keep:
            shutil.rmtree(child, ignore_errors=True)
