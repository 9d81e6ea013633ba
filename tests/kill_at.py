"""Run ``newsbot`` and SIGKILL it the moment it enters a given function for the n-th time.

Usage: python tests/kill_at.py FUNCTION N newsbot-arguments...

A crash-safety test uses this to stop indexing at exact points of the write (before the
passages file, before the manifest, before ``CURRENT`` is replaced, ...), deterministically.
"""

from __future__ import annotations

import os
import signal
import sys


def main() -> None:
    target, nth, args = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    seen = 0

    def profile(frame, event, arg) -> None:
        nonlocal seen
        if event == "call":
            name = frame.f_code.co_name
        elif event == "c_call":
            name = getattr(arg, "__name__", "")
        else:
            return
        if name == target:
            seen += 1
            if seen == nth:
                os.kill(os.getpid(), signal.SIGKILL)

    from bot.cli import main as newsbot

    sys.setprofile(profile)
    sys.exit(newsbot(args))


if __name__ == "__main__":
    main()
