"""Reading files a repository controls without trusting them.

Every file ttaprod reads that is not one of its own (config, cache, baseline, advisory
database, dependency files, a tool's output) is opened here: never blocking on a FIFO
(`O_NONBLOCK`), never a device or a directory (only a regular file, checked on the open
descriptor), optionally never through a symlink (`O_NOFOLLOW`), and never more than a
size bound, so `/dev/zero`, a named pipe or a 5 GB file cannot hang the run or fill memory.
Writes go through `write_atomic`: a private temporary file in the target's directory,
renamed over the target, so a symlink planted at the target is replaced, not written through.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

MB = 1024 * 1024
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_BINARY = getattr(os, "O_BINARY", 0)


class UnsafeFile(OSError):
    """The file cannot be read safely: not a regular file, a symlink, or too large."""


def _describe(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_bytes(path: Path | str, limit: int, follow_symlinks: bool = True) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; `UnsafeFile` (an OSError)
    saying why otherwise, `OSError` when it cannot be opened."""
    flags = os.O_RDONLY | _NONBLOCK | _BINARY | (0 if follow_symlinks else _NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow_symlinks:
            raise UnsafeFile(errno.ELOOP, "is a symlink (not followed)") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFile(errno.EINVAL, f"is {_describe(info.st_mode)}")
        if info.st_size > limit:
            raise UnsafeFile(errno.EFBIG, f"is {info.st_size // MB} MB, over {limit // MB} MB")
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(limit + 1 - total, 4 * MB))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # it grew while we read it
                raise UnsafeFile(errno.EFBIG, f"is over {limit // MB} MB")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text(path: Path | str, limit: int, follow_symlinks: bool = True) -> str:
    """`read_bytes` decoded as UTF-8 (UnicodeDecodeError when it is not)."""
    return read_bytes(path, limit, follow_symlinks).decode("utf-8")


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through a private temporary file renamed over it; the file
    keeps the mode of the one it replaces (a new one gets the umask's)."""
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            os.chmod(temp, _mode_for(path))
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _mode_for(path: Path) -> int:
    try:
        info = os.lstat(path)
        if stat.S_ISREG(info.st_mode):
            return stat.S_IMODE(info.st_mode)
    except OSError:  # ttaprod: ignore[TTP112] no file to keep the mode of: the umask's
        pass
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
