"""Read the best candidates of a public retrieval benchmark and write what the reader mix is fitted on.

Usage: python benchmarks/reader_features.py --set tydi-valid --out F.jsonl [--limit N] [--read-top N]

Sets: ``tydi-valid`` (TyDi-id valid, answerable and unanswerable), ``facqa-train`` (FacQA's
train queries, allowed for tuning a few weights). One line per question: the fused scores
and reader logits of the first ``--read-top`` candidates, and which are positives.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from retrieval.model.embedding import Embedder
from retrieval.evaluation import memory_index, read_corpus, read_queries
from retrieval.reader.reader import reader_for
from retrieval.search.search import Filters, Searcher
from retrieval.settings import RetrievalSettings

EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"
SETS = {
    "tydi-valid": ("tydiqa_id/corpus.jsonl", ["tydiqa_id/queries_valid.jsonl",
                                              "tydiqa_id/queries_unanswerable_valid.jsonl"]),
    "facqa-train": ("facqa/corpus.jsonl", ["facqa/queries_train.jsonl"]),
    "facqa-valid": ("facqa/corpus.jsonl", ["facqa/queries_valid.jsonl"]),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", choices=sorted(SETS), required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--limit", type=int, help="questions, sampled with a fixed seed")
    parser.add_argument("--reader-weights", type=Path, help="trained weights other than the shipped ones")
    parser.add_argument("--read-top", type=int, default=15)
    args = parser.parse_args()
    corpus, query_files = SETS[args.set]
    settings = RetrievalSettings.from_env()
    embedder = Embedder(settings)
    index = memory_index(read_corpus(EVAL / corpus), embedder)
    queries = [q for f in query_files for q in read_queries(EVAL / f)]
    if args.limit:
        queries = random.Random(7).sample(queries, min(args.limit, len(queries)))
    searcher = Searcher(embedder, index)
    reader = reader_for(settings, args.reader_weights)
    with args.out.open("w", encoding="utf-8") as out:
        for q in queries:
            hits, _ = searcher.rank(" ".join(q.question.split()), Filters())
            top = hits[:args.read_top]
            readings = reader.read(q.question, [h.passage.text for h in top])
            out.write(json.dumps({"id": q.id, "set": args.set, "answerable": bool(q.positives),
                                  "fused": [h.score for h in top], "dense": [h.dense for h in top],
                                  "logit": [r.logit for r in readings], "margin": [r.margin for r in readings],
                                  "label": [h.passage.id in q.positives for h in top],
                                  "positive_found": any(h.passage.id in q.positives for h in hits)}) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
