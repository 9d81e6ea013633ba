"""Time cutting one long article into passages, to check that chunking grows linearly with its length.

Usage: python benchmarks/bench_chunking.py [--sizes 0.5 1 2 4]
Prints one line per size (MB of text): passages, CPU seconds, seconds per MB. A whitespace word
count stands in for the model's tokenizer, so only the chunker itself is timed.
"""

from __future__ import annotations

import argparse
import os
import random
import time

from retrieval.ingest.articles import Article
from retrieval.ingest.chunking import ChunkingSettings, chunk_article

WORDS = ("pemerintah akan mengumumkan kebijakan baru tentang harga beras di pasar tradisional pada minggu "
         "depan kata menteri").split()


def article_text(megabytes: float, rng: random.Random) -> str:
    """Paragraphs of one to five sentences of 8-25 words, about ``megabytes`` MB in all."""
    paragraphs, size = [], 0
    while size < megabytes * 1_000_000:
        sentences = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 25))).capitalize() + "."
                     for _ in range(rng.randint(1, 5))]
        paragraphs.append(" ".join(sentences))
        size += len(paragraphs[-1]) + 2
    return "\n\n".join(paragraphs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[0.5, 1, 2, 4])
    args = parser.parse_args()
    rng = random.Random(1)
    print(f"cores: {os.cpu_count()}")
    for megabytes in args.sizes:
        article = Article("bench", "Bench", "Bench", None, None, article_text(megabytes, rng), "bench")
        started = time.process_time()
        passages = chunk_article(article, ChunkingSettings(), lambda text: len(text.split()) + 2)
        seconds = time.process_time() - started
        print(f"{megabytes:>5} MB  {len(passages):>6} passages  {seconds:6.2f} s  {seconds / megabytes:5.2f} s/MB")


if __name__ == "__main__":
    main()
