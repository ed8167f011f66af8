"""Write an output file atomically: all of it under its final name, or nothing.

The C program ``fopen``s its outputs directly, so an interrupted run leaves a
truncated image under the final name.  Here every writer goes through
:func:`atomic_write`: the bytes go to a hidden temporary file in the same
folder, which replaces the final name only once it is complete and closed.

Only regular files (and names that do not exist yet) are replaced that way.
What ``fopen`` writes into in place is written in place: a character
device (``-floatfile /dev/null``), a FIFO or another special file receives
the bytes, and a symbolic link is followed to the file it names
(:func:`resolve_output`).
"""
import contextlib
import errno
import os
import stat

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
    errno.ELOOP: "its symbolic links form a loop",
    errno.ENXIO: "it is a socket or a device without a driver",
}

#: the longest file name when the file system does not say
NAME_MAX = 255


def output_error(path, exc, target=None):
    """Build the :class:`OutputError` for an ``OSError`` raised while writing ``path``.

    ``target`` is the file a symbolic link ``path`` leads to, named in the
    message when it differs from ``path``.
    """
    target = path if target is None else target
    reason = _REASONS.get(exc.errno) or exc.strerror or str(exc)
    if exc.errno == errno.ENOENT:
        folder = os.path.dirname(os.path.abspath(target))
        if os.path.isdir(folder):
            # /proc and the like: the folder is there, but files cannot be made in it
            reason = f"files cannot be created in {folder}"
        else:
            reason = f"the folder {folder} does not exist"
    via = f" (a symbolic link to {target})" if target != path else ""
    return OutputError(f"cannot write {path}{via}: {reason}")


def resolve_output(path):
    """Where the bytes for ``path`` go, and whether they are written there in place.

    Parameters
    ----------
    path : str or os.PathLike
        An output file name as the user gave it.

    Returns
    -------
    (str, bool)
        The file to write (a symbolic link's final target, else ``path``)
        and ``True`` when it is a special file (character or block device,
        FIFO, socket) that is opened and written in place, as the C's
        ``fopen`` does, instead of being replaced by a regular file.

    Raises
    ------
    OutputError
        An empty name, a name too long for the file system, symbolic links
        that loop, a path through something that is not a folder, or a
        folder.
    """
    path = os.fspath(path)
    if not path:
        raise OutputError("cannot write '': the file name is empty")
    try:
        info = os.stat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise output_error(path, exc) from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise output_error(path, OSError(errno.EISDIR, os.strerror(errno.EISDIR), path))
    if info is not None and not stat.S_ISREG(info.st_mode):
        # the kernel follows any link (/dev/stdout included) when the file is opened
        return path, True
    target = os.path.realpath(path) if os.path.islink(path) else path
    _check_name_length(path, target)
    return target, False


def _check_name_length(path, target):
    name = os.fsencode(os.path.basename(target))
    if len(name) > _name_max(os.path.dirname(target)):
        raise output_error(path, OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG), target), target)


def _name_max(folder):
    try:
        return os.pathconf(folder or os.curdir, "PC_NAME_MAX")
    except (OSError, ValueError):
        return NAME_MAX


def temporary_name(final):
    """The hidden temporary file beside ``final``: ``.<name>.<pid>.tmp``.

    The name is shortened so that the temporary name is no longer than the
    file system allows, so that any name the C can write can be written.
    """
    folder, name = os.path.split(final)
    suffix = f".{os.getpid()}.tmp"
    room = _name_max(folder) - 1 - len(suffix)
    while len(os.fsencode(name)) > room:
        name = name[:-1]
    return os.path.join(folder, f".{name}{suffix}")


def _remove_quietly(name):
    try:
        os.unlink(name)
    except OSError:
        pass


@contextlib.contextmanager
def atomic_write(path, mode="wb"):
    """Open a temporary file that replaces ``path`` when the block succeeds.

    The temporary file is ``.<name>.<pid>.tmp`` in the folder of ``path``
    (:func:`temporary_name`). On success it is closed and ``os.replace``d
    onto ``path`` (keeping the permission bits of a file already there; a
    symbolic link is written through to its target, as ``fopen`` would).
    On any exception, including ``KeyboardInterrupt``, the temporary file is
    removed and ``path`` is left untouched.

    A special file (``/dev/null``, a FIFO ...) is not replaced: it is opened
    and written in place, as the C does (:func:`resolve_output`).

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
    final, in_place = resolve_output(path)
    if in_place:
        with _written_in_place(path, final, mode) as handle:
            yield handle
        return
    tmp = temporary_name(final)
    try:
        handle = open(tmp, mode)
    except OSError as exc:
        raise output_error(path, exc, final) from None
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
        raise output_error(path, exc, final) from None
    except BaseException:
        _remove_quietly(tmp)
        raise


@contextlib.contextmanager
def _written_in_place(path, final, mode):
    try:
        handle = open(final, mode)
    except OSError as exc:
        raise output_error(path, exc) from None
    try:
        with handle:
            yield handle
    except OSError as exc:
        raise output_error(path, exc) from None
