"""Writing a file atomically: the helpers ``tinynet.save`` uses to write a checkpoint under a
temporary name in the target's folder and rename it over the target."""

from __future__ import annotations

import os
import re


def remove_stale_temporaries(folder: str, name: str) -> None:
    """Delete the temporary files that saves to ``name`` left in ``folder`` when their process
    was killed (their PID, in the file name, no longer runs). POSIX only: elsewhere a PID cannot
    be probed without side effects, and they stay."""
    if os.name != "posix":
        return
    pattern = re.compile(re.escape(f".{name}.") + r"(\d+)\.[^.]+\.tmp\Z")
    try:
        entries = os.listdir(folder)
    except OSError:
        return
    for entry in entries:
        match = pattern.match(entry)
        if match is None or int(match.group(1)) == os.getpid():
            continue
        try:
            os.kill(int(match.group(1)), 0)
        except ProcessLookupError:
            try:
                os.remove(os.path.join(folder, entry))
            except OSError:
                pass
        except (PermissionError, OverflowError):  # alive under another user / not a PID
            continue


def file_mode(path: str) -> int:
    """The permissions a plain open() would give (mkstemp makes its files owner-only), or those of
    the file being replaced."""
    if os.path.exists(path):
        return os.stat(path).st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def sync_folder(folder: str) -> None:
    """Make the rename itself durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
