"""Smaller passages for retrieval, shown with their neighbouring sentences, against today's passages.

Usage: python benchmarks/bench_passage_size.py [--split dev] [--sizes 60,110,180:0 25,45,70:110 ...]

Each size is min,target,max words per passage, then after the colon the words to show: the
seeds and the corpus are indexed into their own folder under .bench/ (today's size reuses
bench_news.py's), and each passage is then widened, for showing and for the reader, by the
sentences around it until it holds that many words (0: shown as it is). Overlapping windows
of one article count once (passages shown as they are are taken as search returns them, as
in bench_news.py). Prints, per size, with and without the reader, the news set's
scores (as bench_news.py) and the passage count. Choose on the dev split; the test split is
held out.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import replace

from bench_news import CORPUS, QUESTIONS, ROOT, score
from retrieval.ingest.articles import read_sources
from retrieval.ingest.chunking import ChunkingSettings, Passage
from retrieval.model.embedding import Embedder
from retrieval.store.index import load_index
from retrieval.store.indexing import update_index
from retrieval.reader.reader import reader_for
from retrieval.search.search import SearchResult, Searcher
from retrieval.ingest.sentences import paragraph_sentences
from retrieval.settings import RetrievalSettings


def widened(passage: Passage, text: str, sentences: list[tuple[int, int]], words: int) -> Passage:
    """``passage`` grown by whole sentences of its article, alternately after and before, to ``words``."""
    inside = [i for i, (s, e) in enumerate(sentences) if s < passage.end and e > passage.start]
    if not inside:
        return passage
    first, last = inside[0], inside[-1]

    def count() -> int:
        return len(text[sentences[first][0]:sentences[last][1]].split())

    while count() < words and (first > 0 or last < len(sentences) - 1):
        if last < len(sentences) - 1:
            last += 1
        if count() < words and first > 0:
            first -= 1
    start, end = min(passage.start, sentences[first][0]), max(passage.end, sentences[last][1])
    return replace(passage, start=start, end=end, text=text[start:end])


def distinct(result: SearchResult, k: int) -> SearchResult:
    """The first ``k`` hits whose shown text does not overlap an earlier hit's in the same article."""
    kept = []
    for hit in result.hits:
        p = hit.passage
        if not any(q.passage.article_id == p.article_id and q.passage.start < p.end and p.start < q.passage.end
                   for q in kept):
            kept.append(hit)
    return replace(result, hits=kept[:k])


def run_size(size: tuple[int, int, int], show_words: int, questions: list[dict], embedder: Embedder,
             settings: RetrievalSettings, articles: dict) -> dict:
    low, target, high = size
    chunking = ChunkingSettings(min_words=low, target_words=target, max_words=high, max_tokens=embedder.max_tokens)
    today = replace(chunking, min_words=60, target_words=110, max_words=180)
    folder = ROOT / ".bench" / ("news-index" if chunking == today else f"news-index-{low}-{target}-{high}")
    update_index([ROOT / "seeds", CORPUS], folder, embedder, chunking=chunking)
    index = load_index(folder, model=embedder.model_name)
    if show_words:
        spans = {key: [(s, e) for s, e, _ in paragraph_sentences(a.text)] for key, a in articles.items()}
        index.passages = [widened(p, articles[p.article_id].text, spans[p.article_id], show_words)
                          if p.article_id in articles else p for p in index.passages]
    report = {"size": f"{low},{target},{high}", "show_words": show_words, "passages": len(index.passages)}
    reader = reader_for(settings)
    for name, searcher in (("retrieval", Searcher(embedder, index, min_dense=settings.min_score)),
                           ("reader", Searcher(embedder, index, min_dense=settings.min_score, reader=reader))):
        if show_words:
            rows = [(q, distinct(searcher.search(q["question"], 10), 3)) for q in questions]
        else:
            rows = [(q, searcher.search(q["question"], 3)) for q in questions]
        report[name] = score(rows)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=["dev", "test"], default="dev")
    parser.add_argument("--sizes", nargs="+", default=["60,110,180:0", "25,45,70:0", "25,45,70:110"])
    args = parser.parse_args()
    settings = RetrievalSettings.from_env()
    embedder = Embedder(settings)
    articles = {a.id: a for a in read_sources([ROOT / "seeds", CORPUS]).articles}
    questions = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [q for q in questions if q["split"] == args.split]
    print(json.dumps({"split": args.split, "cores": os.cpu_count()}))
    for size in args.sizes:
        words, _, show = size.partition(":")
        low, target, high = (int(v) for v in words.split(","))
        print(json.dumps(run_size((low, target, high), int(show or 0), questions, embedder, settings, articles)),
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
