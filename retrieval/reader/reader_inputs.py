"""How the reader sees a question and a passage: token windows with character offsets.

One window is ``<s> question </s></s> passage-part </s>``. A passage longer than a window
is read in overlapping windows; each window keeps, for its passage tokens, the character
span in the passage they came from, so a predicted token span maps back to text. Training
and search build windows with the same code, so the model sees at run time what it was
trained on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_TOKENS = 256  # a whole window, question and special tokens included
MAX_QUESTION_TOKENS = 48
STRIDE_OVERLAP = 48  # passage tokens shared by consecutive windows


@dataclass(frozen=True)
class Tokens:
    """A text's token ids and each token's (start, end) character span in that text."""

    ids: list[int]
    offsets: list[tuple[int, int]]


@dataclass(frozen=True)
class Window:
    """Model input for one (question, passage part) pair.

    ``first`` is the position of the first passage token; ``offsets[i]`` is the character
    span of the passage token at position ``first + i``."""

    ids: list[int]
    first: int
    offsets: list[tuple[int, int]]

    @property
    def last(self) -> int:
        """Position just after the last passage token."""
        return self.first + len(self.offsets)


@dataclass(frozen=True)
class Specials:
    bos: int
    eos: int
    pad: int


def tokens(tokenizer, text: str) -> Tokens:
    """Token ids without special tokens, with character offsets (a ``tokenizers.Tokenizer``)."""
    encoding = tokenizer.encode(text, add_special_tokens=False)
    return Tokens(list(encoding.ids), [tuple(o) for o in encoding.offsets])


def specials(tokenizer) -> Specials:
    return Specials(tokenizer.token_to_id("<s>"), tokenizer.token_to_id("</s>"), tokenizer.token_to_id("<pad>"))


def windows(question: Tokens, passage: Tokens, sp: Specials, max_tokens: int = MAX_TOKENS,
            overlap: int = STRIDE_OVERLAP) -> list[Window]:
    """The windows that together cover the whole passage, in order."""
    q_ids = question.ids[:MAX_QUESTION_TOKENS]
    head = [sp.bos, *q_ids, sp.eos, sp.eos]
    room = max_tokens - len(head) - 1
    if room <= overlap:
        raise ValueError(f"a window of {max_tokens} tokens leaves no room for the passage")
    starts = [0]
    while starts[-1] + room < len(passage.ids):
        starts.append(starts[-1] + room - overlap)
    return [Window([*head, *passage.ids[s:s + room], sp.eos], len(head), passage.offsets[s:s + room])
            for s in starts]


def window_at(question: Tokens, passage: Tokens, sp: Specials, first_token: int,
              max_tokens: int = MAX_TOKENS) -> Window:
    """One window whose passage part starts at passage token ``first_token`` (for training)."""
    q_ids = question.ids[:MAX_QUESTION_TOKENS]
    head = [sp.bos, *q_ids, sp.eos, sp.eos]
    room = max_tokens - len(head) - 1
    part = slice(first_token, first_token + room)
    return Window([*head, *passage.ids[part], sp.eos], len(head), passage.offsets[part])


def passage_room(question: Tokens, max_tokens: int = MAX_TOKENS) -> int:
    """Passage tokens that fit in one window beside ``question``."""
    return max_tokens - min(len(question.ids), MAX_QUESTION_TOKENS) - 4


def token_span(window: Window, start_char: int, end_char: int) -> tuple[int, int] | None:
    """Positions (inclusive) of the tokens covering characters [start_char, end_char), if inside."""
    first = next((i for i, (s, e) in enumerate(window.offsets) if e > start_char), None)
    last = next((i for i in range(len(window.offsets) - 1, -1, -1) if window.offsets[i][0] < end_char), None)
    if first is None or last is None or first > last:
        return None
    if window.offsets[first][0] > start_char or window.offsets[last][1] < end_char:
        return None  # the answer runs past this window's edge
    return window.first + first, window.first + last


def batch_arrays(rows: list[list[int]], pad: int, width: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Right-padded ``input_ids`` and ``attention_mask`` (int64) for token id rows, as wide as the
    longest row or ``width``."""
    width = max([len(r) for r in rows] + [width or 0])
    ids = np.full((len(rows), width), pad, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, row in enumerate(rows):
        ids[i, :len(row)] = row
        mask[i, :len(row)] = 1
    return ids, mask
