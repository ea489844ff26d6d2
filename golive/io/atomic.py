"""Writing a whole file so that a reader sees the old one or the new one, never half."""

from __future__ import annotations

import os


def replace_file(path: str, data: bytes, mode: int = 0o644) -> None:
    """Write `data` to a temporary file beside `path`, flush it to disk, and rename it over
    `path`. On any error the temporary file is removed and `path` is as it was; the
    OSError propagates. A `path` that exists but is not a regular file (/dev/stdout, a
    pipe) is written directly: there is nothing to rename over."""
    if os.path.exists(path) and not os.path.isfile(path):
        with open(path, "wb") as handle:
            handle.write(data)
        return
    temporary = f"{path}.golive-{os.getpid()}.tmp"
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)  # the umask does not decide: the caller does
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
