"""Ctrl-C in a command-line entry point: one line saying what stopped and that the same command resumes, instead
of a KeyboardInterrupt traceback. Every output of the recipe is written whole or not at all (atomic.py) and every
stage skips what is finished, so rerunning is the resume.

  if __name__ == "__main__":
      sys.exit(interrupt.run(main))
"""
import os
import sys
from typing import Callable, Optional

INTERRUPTED = 130   # the shell's status for a process ended by SIGINT


def run(main: Callable[..., Optional[int]], argv=None) -> int:
    """main(argv) -> its exit status; Ctrl-C -> one line on stderr and status 130."""
    try:
        return main(argv) if argv is not None else main()
    except KeyboardInterrupt:
        name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "command"
        print(f"{name}: interrupted; what finished is kept, nothing half-written: run the same command again to "
              f"resume", file=sys.stderr)
        return INTERRUPTED
