"""Files that appear whole or not at all: text -> path, through a temporary file beside it and a rename.

One owner for the pattern every stage uses for its outputs. A failed write (a full disk, a kill) never leaves a
half file under the real name; on an error the temporary file is removed too, and the error says which file
could not be written.
"""
import os
from typing import Callable


class WriteError(OSError):
    """An output that could not be written (the message names it and why: disk full, permissions, ...)."""


def write_text(path: str, text: str) -> str:
    """Write text to path atomically; -> path. Raises WriteError naming the file."""
    def text_writer(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
    return write_with(path, text_writer)


def write_with(path: str, writer: Callable[[str], None], suffix: str = "") -> str:
    """Any file written atomically: writer(temporary path) makes it, a rename puts it in place; -> path. The
    temporary name ends with `suffix` (a library that picks the format by extension: '.wav', '.png'). Raises
    WriteError naming the file; the temporary file never outlives a failure."""
    tmp = f"{path}.tmp-{os.getpid()}{suffix}"
    try:
        writer(tmp)
        os.replace(tmp, path)
    except OSError as err:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise WriteError(err.errno, f"cannot write {path}: {err.strerror or err}"
                                    f"{' (the disk is full: free space and rerun this stage)' if err.errno == 28 else ''}") from None
    return path
