"""What the votes say, for the operator: totals, outlets and weeks by share of 👎, the questions voted down most."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from bot.feedback import StoredVote

NO_FEEDBACK = "No feedback yet: votes appear here once users press 👍 or 👎 under an answer.\n"
_QUESTION_WIDTH = 60


@dataclass(frozen=True)
class OutletRow:
    """The votes on messages that showed at least one passage of ``outlet``."""

    outlet: str
    votes: int
    down: int
    down_share: float


@dataclass(frozen=True)
class WeekRow:
    """The votes given in one ISO week ("2026-W01")."""

    week: str
    votes: int
    down: int
    down_share: float


@dataclass(frozen=True)
class QuestionRow:
    """A question (as first asked; grouped ignoring case and spacing) and the 👎 and 👍 its answers got."""

    question: str
    down: int
    up: int


@dataclass(frozen=True)
class FeedbackSummary:
    votes: int
    up: int
    down: int
    by_outlet: tuple[OutletRow, ...]
    by_week: tuple[WeekRow, ...]
    most_down: tuple[QuestionRow, ...]


def summarise(votes: Iterable[StoredVote], *, top: int = 10) -> FeedbackSummary:
    """Count ``votes``: each counts once for every outlet its message showed; at most ``top`` questions."""
    if top < 0:
        raise ValueError(f"top must be 0 or more; got {top}")
    votes = list(votes)
    down = sum(not v.up for v in votes)
    outlets: dict[str, list[int]] = {}
    weeks: dict[str, list[int]] = {}
    for vote in votes:
        for outlet in {s.outlet for s in vote.shown}:
            _count(outlets, outlet, vote.up)
        _count(weeks, iso_week(vote), vote.up)
    by_outlet = sorted((OutletRow(o, n, d, _share(d, n)) for o, (n, d) in outlets.items()),
                       key=lambda r: (-r.down_share, -r.votes, r.outlet))
    by_week = tuple(WeekRow(w, n, d, _share(d, n)) for w, (n, d) in sorted(weeks.items()))
    return FeedbackSummary(len(votes), len(votes) - down, down, tuple(by_outlet), by_week,
                           most_voted_down(votes, top))


def most_voted_down(votes: list[StoredVote], top: int) -> tuple[QuestionRow, ...]:
    """Questions with at least one 👎, most 👎 first, then fewest 👍, then first asked."""
    shown: dict[str, str] = {}
    counts: dict[str, list[int]] = {}
    for vote in votes:
        key = " ".join(vote.question.casefold().split())
        shown.setdefault(key, " ".join(vote.question.split()))
        _count(counts, key, vote.up)
    rows = [QuestionRow(shown[k], d, n - d) for k, (n, d) in counts.items() if d]
    return tuple(sorted(rows, key=lambda r: (-r.down, r.up))[:top])  # stable: first asked wins ties


def iso_week(vote: StoredVote) -> str:
    year, week, _ = vote.at.isocalendar()
    return f"{year}-W{week:02d}"


def _count(table: dict[str, list[int]], key: str, up: bool) -> None:
    row = table.setdefault(key, [0, 0])
    row[0] += 1
    row[1] += not up


def _share(down: int, votes: int) -> float:
    return down / votes if votes else 0.0


def summary_json(summary: FeedbackSummary) -> dict:
    """The JSON shape of ``newsbot feedback --json`` (shares as fractions, 4 decimals)."""
    data = {"votes": summary.votes, "up": summary.up, "down": summary.down,
            "down_share": _share(summary.down, summary.votes), "by_outlet": [asdict(r) for r in summary.by_outlet],
            "by_week": [asdict(r) for r in summary.by_week], "most_down": [asdict(r) for r in summary.most_down]}
    for row in [data, *data["by_outlet"], *data["by_week"]]:
        row["down_share"] = round(row["down_share"], 4)
    return data


def summary_text(summary: FeedbackSummary) -> str:
    """Plain-text tables for a terminal."""
    if not summary.votes:
        return NO_FEEDBACK
    lines = [f"{summary.votes} votes: {summary.up} up (👍), {summary.down} down (👎), "
             f"{_percent(_share(summary.down, summary.votes))} down"]
    lines += ["", "By outlet (a vote counts for every outlet its answer showed):"]
    lines += _table(("outlet", "votes", "down", "down %"),
                    [(r.outlet, str(r.votes), str(r.down), _percent(r.down_share)) for r in summary.by_outlet])
    lines += ["", "By week:"]
    lines += _table(("week", "votes", "down", "down %"),
                    [(r.week, str(r.votes), str(r.down), _percent(r.down_share)) for r in summary.by_week])
    lines += ["", "Questions voted down most:"]
    if summary.most_down:
        lines += _table(("question", "down", "up"),
                        [(_clip(r.question), str(r.down), str(r.up)) for r in summary.most_down])
    else:
        lines.append("  (none: no answer has been voted down)")
    return "\n".join(lines) + "\n"


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    """Rows under ``header``, the first column left-aligned and the others right-aligned."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows)]
    return ["  " + "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in
                             enumerate(zip(row, widths))).rstrip() for row in [header, *rows]]


def _percent(share: float) -> str:
    return f"{share:.0%}"


def _clip(text: str) -> str:
    return text if len(text) <= _QUESTION_WIDTH else text[:_QUESTION_WIDTH - 1] + "…"
