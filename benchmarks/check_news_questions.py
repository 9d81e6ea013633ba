"""Check the news question set against the article corpus and print what it holds.

Checks: ids unique and well formed, required fields and their types, every answer a
verbatim substring of its article's text, unanswerable questions without answers (and
tied to an article only when the detail is unreported), and the split rule: "test" for
every id whose number is a multiple of 3, counted separately for answerable and
unanswerable questions, "dev" for the rest. Then prints counts by language, style, kind,
split, outlet and category. Exits 1 with one line per problem if anything is wrong.

Usage: python benchmarks/check_news_questions.py [--questions PATH] [--corpus PATH]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_QUESTIONS = ROOT / "benchmarks" / "news_questions.jsonl"
DEFAULT_CORPUS = ROOT / ".." / "shared" / "corpora" / "indosum_articles.jsonl"

ANSWERABLE_ID = re.compile(r"^nq-(\d{3})$")
UNANSWERABLE_ID = re.compile(r"^nq-u(\d{2})$")
LANGUAGES = {"id", "en"}
STYLES = {"formal", "casual", "english"}
KINDS = {"unreported", "offtopic"}
SPLITS = {"dev", "test"}
COMMON = {"id": str, "question": str, "language": str, "style": str, "answers": list,
          "answerable": bool, "split": str}


def load_jsonl(path: Path) -> list[dict]:
    """Read one JSON object a line; raise ValueError naming the line that is not one."""
    records = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not JSON ({error})") from error
            if not isinstance(record, dict):
                raise ValueError(f"{path}:{number}: not a JSON object")
            records.append(record)
    return records


def check_question(q: dict, articles: dict[str, dict]) -> list[str]:
    """Return the problems with one question record (empty if none)."""
    qid = q.get("id", "<no id>")
    problems = []
    for field, kind in COMMON.items():
        if field not in q:
            problems.append(f"{qid}: missing field {field!r}")
        elif not isinstance(q[field], kind):
            problems.append(f"{qid}: {field!r} should be {kind.__name__}")
    if problems:
        return problems

    if not q["question"].strip():
        problems.append(f"{qid}: empty question")
    if q["language"] not in LANGUAGES:
        problems.append(f"{qid}: language {q['language']!r} not in {sorted(LANGUAGES)}")
    if q["style"] not in STYLES:
        problems.append(f"{qid}: style {q['style']!r} not in {sorted(STYLES)}")
    if (q["language"] == "en") != (q["style"] == "english"):
        problems.append(f"{qid}: language {q['language']!r} does not match style {q['style']!r}")
    if q["split"] not in SPLITS:
        problems.append(f"{qid}: split {q['split']!r} not in {sorted(SPLITS)}")

    pattern = ANSWERABLE_ID if q["answerable"] else UNANSWERABLE_ID
    match = pattern.match(qid)
    if not match:
        problems.append(f"{qid}: id does not match {pattern.pattern}")
    elif q["split"] in SPLITS:
        expected = "test" if int(match.group(1)) % 3 == 0 else "dev"
        if q["split"] != expected:
            problems.append(f"{qid}: split should be {expected!r}")

    article_id = q.get("article_id")
    if article_id is not None and not isinstance(article_id, str):
        problems.append(f"{qid}: 'article_id' should be a string or null")
        return problems
    if article_id is not None and article_id not in articles:
        problems.append(f"{qid}: article {article_id!r} not in the corpus")

    if q["answerable"]:
        if "kind" in q:
            problems.append(f"{qid}: answerable question has a 'kind'")
        if article_id is None:
            problems.append(f"{qid}: answerable question without an article")
        if not q["answers"]:
            problems.append(f"{qid}: answerable question without answers")
        text = articles[article_id]["text"] if article_id in articles else None
        for answer in q["answers"]:
            if not isinstance(answer, str) or not answer.strip():
                problems.append(f"{qid}: answer {answer!r} is not a non-empty string")
            elif text is not None and answer not in text:
                problems.append(f"{qid}: answer {answer!r} is not verbatim in {article_id}")
    else:
        if q["answers"]:
            problems.append(f"{qid}: unanswerable question has answers")
        kind = q.get("kind")
        if kind not in KINDS:
            problems.append(f"{qid}: kind {kind!r} not in {sorted(KINDS)}")
        elif kind == "unreported" and article_id is None:
            problems.append(f"{qid}: unreported question without an article")
        elif kind == "offtopic" and article_id is not None:
            problems.append(f"{qid}: offtopic question should have article_id null")
    return problems


def print_counts(title: str, counts: Counter) -> None:
    print(f"{title}: " + ", ".join(f"{key} {n}" for key, n in sorted(counts.items())))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help="article corpus (default: ../shared/corpora/indosum_articles.jsonl "
                             "relative to the repository root)")
    args = parser.parse_args(argv)

    try:
        questions = load_jsonl(args.questions)
        articles = {a["id"]: a for a in load_jsonl(args.corpus)}
    except (OSError, ValueError, KeyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1

    problems = []
    seen = Counter(q.get("id") for q in questions)
    problems += [f"{qid}: id used {n} times" for qid, n in seen.items() if n > 1]
    for q in questions:
        problems += check_question(q, articles)

    answerable = [q for q in questions if q.get("answerable") is True]
    unanswerable = [q for q in questions if q.get("answerable") is False]
    print(f"questions: {len(questions)} ({len(answerable)} answerable over "
          f"{len({q.get('article_id') for q in answerable})} articles, "
          f"{len(unanswerable)} unanswerable)")
    print_counts("language", Counter(q.get("language") for q in questions))
    print_counts("style", Counter(q.get("style") for q in questions))
    print_counts("kind", Counter(q.get("kind", "answerable") for q in questions))
    print_counts("split", Counter(q.get("split") for q in questions))
    print_counts("split (answerable)", Counter(q.get("split") for q in answerable))
    print_counts("split (unanswerable)", Counter(q.get("split") for q in unanswerable))
    by_article = [articles[q["article_id"]] for q in answerable if q.get("article_id") in articles]
    print_counts("outlet (answerable)", Counter(a["outlet"] for a in by_article))
    print_counts("category (answerable)", Counter(a["category"] for a in by_article))

    if problems:
        print(f"\n{len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
