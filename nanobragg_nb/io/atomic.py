"""Write an output file atomically: all of it under its final name, or nothing.

The C program ``fopen``s its outputs directly, so an interrupted run leaves a
truncated image under the final name.  Here every writer goes through
:func:`atomic_write`: the bytes go to a hidden temporary file in the same
folder, which replaces the final name only once it is complete and closed.
"""
import contextlib
import errno
import os

from ..errors import OutputError

_REASONS = {
    errno.ENOENT: "the folder does not exist",
    errno.ENOTDIR: "a component of the path is not a folder",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "no space left on device (disk full)",
    errno.EDQUOT: "disk quota exceeded",
    errno.EISDIR: "it is a folder",
    errno.ENOTEMPTY: "it is a folder",
    errno.EEXIST: "it is a folder",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.EFBIG: "the file is too large",
    errno.EIO: "input/output error",
}


def output_error(path, exc):
    """Build the :class:`OutputError` for an ``OSError`` raised while writing ``path``."""
    reason = _REASONS.get(exc.errno) or exc.strerror or str(exc)
    if exc.errno == errno.ENOENT:
        folder = os.path.dirname(os.path.abspath(path))
        if os.path.isdir(folder):
            # /proc and the like: the folder is there, but files cannot be made in it
            reason = f"files cannot be created in {folder}"
        else:
            reason = f"the folder {folder} does not exist"
    return OutputError(f"cannot write {path}: {reason}")


def _remove_quietly(name):
    try:
        os.unlink(name)
    except OSError:
        pass


@contextlib.contextmanager
def atomic_write(path, mode="wb"):
    """Open a temporary file that replaces ``path`` when the block succeeds.

    The temporary file is ``.<name>.<pid>.tmp`` in the folder of ``path``.
    On success it is closed and ``os.replace``d onto ``path`` (keeping the
    permission bits of a file already there; a symbolic link is written
    through to its target, as ``fopen`` would).  On any exception, including
    ``KeyboardInterrupt``, the temporary file is removed and ``path`` is left
    untouched.

    Parameters
    ----------
    path : str or os.PathLike
        Final file name.
    mode : str
        ``open`` mode for writing, ``"wb"`` (default) or ``"w"``.

    Yields
    ------
    file object
        The open temporary file.

    Raises
    ------
    OutputError
        When the file cannot be created, written or renamed (missing or
        read-only folder, disk full, ``path`` is a folder ...).
    """
    if "w" not in mode:
        raise ValueError(f"atomic_write needs a write mode, not {mode!r}")
    path = os.fspath(path)
    final = os.path.realpath(path) if os.path.islink(path) else path
    folder, name = os.path.split(final)
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    try:
        handle = open(tmp, mode)
    except OSError as exc:
        raise output_error(path, exc) from None
    try:
        with handle:
            yield handle
        if os.path.isdir(final):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), final)
        with contextlib.suppress(OSError):
            os.chmod(tmp, os.stat(final).st_mode & 0o7777)
        os.replace(tmp, final)
    except OSError as exc:
        _remove_quietly(tmp)
        raise output_error(path, exc) from None
    except BaseException:
        _remove_quietly(tmp)
        raise
