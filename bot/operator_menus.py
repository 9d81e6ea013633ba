"""Which users hold the operators' command menu, kept in ``operator_menus.json`` in the index folder.

Telegram keeps a chat-scoped menu until it is deleted, and cannot list the chats that have one:
without this record, a user taken out of NEWSBOT_ADMIN_IDS would keep /status and /fetch in their
menu. The file is written whole under a temporary name and renamed, so a crash leaves the old one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

MENUS_FILE = "operator_menus.json"


def menu_holders(folder: Path) -> frozenset[int] | None:
    """The users given the operators' menu by an earlier start (none when there is no record); None
    when the record cannot be read (a warning says so; the caller writes it again)."""
    path = folder / MENUS_FILE
    try:
        ids = json.loads(path.read_text(encoding="utf-8"))["holders"]
        if not isinstance(ids, list) or not all(type(uid) is int for uid in ids):
            raise ValueError("its holders are not a list of user ids")
        return frozenset(ids)
    except FileNotFoundError:
        return frozenset()
    except (OSError, ValueError, KeyError, TypeError, ArithmeticError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else f"{type(exc).__name__}: not the record newsbot writes"
        log.warning("cannot read %s (%s); it is written again with the current operators, and a user taken out of "
                    "NEWSBOT_ADMIN_IDS before this start keeps the operators' menu in their chat", path, reason)
        return None


def record_menu_holders(folder: Path, holders: frozenset[int]) -> None:
    """Record ``holders`` as the users holding the operators' menu (atomically)."""
    path = folder / MENUS_FILE
    work = path.with_name(f".{MENUS_FILE}.{os.getpid()}.tmp")
    try:
        work.write_text(json.dumps({"holders": sorted(holders)}) + "\n", encoding="utf-8")
        os.replace(work, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            work.unlink()
        log.warning("cannot write %s (%s); a user later taken out of NEWSBOT_ADMIN_IDS will keep the operators' "
                    "menu. Make the index folder writable", path, exc)
