"""``newsbot feedback``: what users' 👍 and 👎 say, as tables or one JSON object."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from bot.feedback import read_votes
from bot.feedback_summary import summarise, summary_json, summary_text


def run_feedback(args: argparse.Namespace, out: TextIO) -> int:
    """Summarise the votes kept in ``args.index``; a folder without any yet is left as it is."""
    summary = summarise(read_votes(args.index))
    out.write(json.dumps(summary_json(summary), ensure_ascii=False) + "\n" if args.json else summary_text(summary))
    return 0
