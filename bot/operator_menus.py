"""Which users hold the operators' command menu, kept in ``operator_menus.json`` in the index folder.

Telegram keeps a chat-scoped menu until it is deleted, and cannot list the chats that have one:
without this record, a user taken out of NEWSBOT_ADMIN_IDS would keep /status and /fetch in their
menu. The file is written whole under a temporary name and renamed, so a crash leaves the old one.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

MENUS_FILE = "operator_menus.json"


def menu_holders(folder: Path) -> frozenset[int]:
    """The users given the operators' menu by an earlier start; none when the record is missing or unreadable."""
    path = folder / MENUS_FILE
    try:
        ids = json.loads(path.read_text(encoding="utf-8"))["holders"]
        return frozenset(int(uid) for uid in ids)
    except FileNotFoundError:
        return frozenset()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("cannot read %s (%s); menus given to former operators cannot be taken back this time. "
                    "Delete the file and the next start writes it again", path, exc)
        return frozenset()


def record_menu_holders(folder: Path, holders: frozenset[int]) -> None:
    """Record ``holders`` as the users holding the operators' menu (atomically)."""
    path = folder / MENUS_FILE
    work = path.with_name(f".{MENUS_FILE}.{os.getpid()}.tmp")
    try:
        work.write_text(json.dumps({"holders": sorted(holders)}) + "\n", encoding="utf-8")
        os.replace(work, path)
    except OSError as exc:
        work.unlink(missing_ok=True)
        log.warning("cannot write %s (%s); a user later taken out of NEWSBOT_ADMIN_IDS will keep the operators' "
                    "menu. Make the index folder writable", path, exc)
