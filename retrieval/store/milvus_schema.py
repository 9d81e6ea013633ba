"""The Milvus collections of one newsbot index: passages, articles and a manifest.

Passages: the passage id as primary key; article id, outlet (and its case-folded key for
filters), ISO date (a day, or a day and time: ``DATE_LENGTH`` characters; collections made
before times were kept hold 10, the day only) and its day as an integer (YYYYMMDD, 0 when
unknown) for range filters, month (YYYYMM: the partition key on a server, so date-filtered
questions search fewer partitions), title, url, offsets, text; the dense vector (inner product;
HNSW on a server, FLAT embedded); the Sastrawi-stemmed tokens, space-joined, from which Milvus's
BM25 function makes the sparse vector (its own analyzers have no Indonesian stemmer). Articles:
one row per article with the checksums that tell an unchanged article. Manifest: one JSON row,
checked on open as the local manifest is. Milvus needs a vector in every collection: the two
small ones carry a 2-dimensional zero vector."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from pymilvus import DataType, Function, FunctionType, MilvusClient

from retrieval.errors import IndexFolderError
from retrieval.store.lexical import LexicalSettings

FORMAT_VERSION = 1
MANIFEST_KEY = "manifest"
PLACEHOLDER = [0.0, 0.0]
LONG = 65_535
DATE_LENGTH = 32  # "2024-06-18T09:30:00+07:00" is 25
DAY_LENGTH = 10
HNSW_M, HNSW_EF_CONSTRUCTION = 32, 80


@dataclass(frozen=True)
class StoreSpec:
    """What the collection's vectors and passages were made with; a mismatch means rebuild."""

    model: str
    dimension: int
    prompts: dict[str, str]
    chunking: dict[str, int]
    lexical: dict[str, float]
    format_version: int = FORMAT_VERSION


def names(collection: str) -> tuple[str, str, str]:
    """The passages', articles' and manifest's collection names."""
    return collection, f"{collection}_articles", f"{collection}_manifest"


def create(client: MilvusClient, collection: str, spec: StoreSpec, *, server: bool) -> None:
    """Create the three collections and record ``spec``; the manifest row is written last."""
    passages, articles, manifest = names(collection)
    lexical = LexicalSettings(**spec.lexical)
    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=64)
    schema.add_field("article_id", DataType.VARCHAR, max_length=1024)
    schema.add_field("outlet", DataType.VARCHAR, max_length=256)
    schema.add_field("outlet_key", DataType.VARCHAR, max_length=256)
    schema.add_field("date", DataType.VARCHAR, max_length=DATE_LENGTH)
    schema.add_field("day", DataType.INT64)
    # milvus-lite 2.5.1 cannot delete from a collection with a partition key: only servers get one.
    schema.add_field("month", DataType.INT64, is_partition_key=server)
    schema.add_field("title", DataType.VARCHAR, max_length=4096)
    schema.add_field("url", DataType.VARCHAR, max_length=4096)
    schema.add_field("start", DataType.INT64)
    schema.add_field("end", DataType.INT64)
    schema.add_field("text", DataType.VARCHAR, max_length=LONG)
    schema.add_field("terms", DataType.VARCHAR, max_length=LONG, enable_analyzer=True,
                     analyzer_params={"tokenizer": "whitespace"})
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=spec.dimension)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["terms"],
                                 output_field_names=["sparse"]))
    index = client.prepare_index_params()
    if server:
        index.add_index("vector", index_type="HNSW", metric_type="IP",
                        params={"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION})
    else:
        index.add_index("vector", index_type="FLAT", metric_type="IP")
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                    params={"bm25_k1": lexical.k1, "bm25_b": lexical.b})
    index.add_index("article_id", index_type="INVERTED")
    client.create_collection(passages, schema=schema, index_params=index)
    _small(client, articles, [("summary", LONG)])
    _small(client, manifest, [("value", LONG)])
    client.upsert(manifest, [{"id": MANIFEST_KEY, "value": json.dumps(asdict(spec)), "vector": PLACEHOLDER}])


def _small(client: MilvusClient, name: str, fields: list[tuple[str, int]]) -> None:
    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=1024)
    for field, length in fields:
        schema.add_field(field, DataType.VARCHAR, max_length=length)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=len(PLACEHOLDER))
    index = client.prepare_index_params()
    index.add_index("vector", index_type="FLAT", metric_type="L2")
    client.create_collection(name, schema=schema, index_params=index)


def date_length(client: MilvusClient, collection: str) -> int:
    """How long a date the passages' collection holds: ``DATE_LENGTH``, or ``DAY_LENGTH`` (a day only)
    in collections made before times were kept, which keep working as they were."""
    for field in client.describe_collection(names(collection)[0])["fields"]:
        if field["name"] == "date":
            return int(field.get("params", {}).get("max_length", DAY_LENGTH))
    return DAY_LENGTH


def check(client: MilvusClient, collection: str, spec: StoreSpec, where: str) -> None:
    """IndexFolderError unless the collections exist whole and were made as ``spec`` says."""
    passages, articles, manifest = names(collection)
    rebuild = f"drop the collections {collection}* at {where} (or set NEWSBOT_MILVUS_COLLECTION to another name) " \
              "and index the sources again"
    if not all(client.has_collection(n) for n in (passages, articles, manifest)):
        raise IndexFolderError(f"the Milvus collection {collection!r} at {where} is incomplete (created by "
                               f"something else, or its creation was interrupted); {rebuild}")
    rows = client.get(manifest, ids=[MANIFEST_KEY], output_fields=["value"])
    try:
        found = StoreSpec(**json.loads(rows[0]["value"]))
    except (IndexError, KeyError, TypeError, ValueError):
        raise IndexFolderError(f"the Milvus collection {collection!r} at {where} has no readable newsbot "
                               f"manifest; {rebuild}") from None
    if found.format_version != spec.format_version:
        raise IndexFolderError(f"the Milvus collection {collection!r} at {where} has format version "
                               f"{found.format_version}, this newsbot reads version {spec.format_version}; {rebuild}")
    for field in ("model", "dimension", "prompts", "chunking", "lexical"):
        if getattr(found, field) != getattr(spec, field):
            raise IndexFolderError(f"the Milvus collection {collection!r} at {where} was built with {field} "
                                   f"{getattr(found, field)!r}, newsbot now uses {getattr(spec, field)!r}; "
                                   f"{rebuild}, or set newsbot back to what it was built with")
