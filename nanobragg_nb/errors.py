"""Errors a user can cause, each with its own documented exit status.

The command line prints one line, ``nanobragg-nb: error: <message>``, on
stderr and exits with the class's status; no traceback unless ``--debug``.
"""


class NanoBraggError(Exception):
    """Base class: a problem the user can fix; ``exit_status`` is the process exit code."""

    exit_status = 1


class UsageExit(NanoBraggError):
    """Insufficient input: the C prints its usage text and exits 9; so do we."""

    exit_status = 9


class ArgumentError(NanoBraggError):
    """A malformed or missing command-line argument."""

    exit_status = 2


class InputFileError(NanoBraggError):
    """An input file that is missing, unreadable or malformed."""

    exit_status = 3


class GeometryError(NanoBraggError):
    """An impossible detector, beam or crystal geometry."""

    exit_status = 4


class ResourceError(NanoBraggError):
    """Images that would not fit in memory."""

    exit_status = 5


class OutputError(NanoBraggError):
    """An output file that cannot be written (folder missing or read-only, disk full)."""

    exit_status = 6


class DeviceError(NanoBraggError):
    """A requested compute device that is not usable."""

    exit_status = 7


#: Exit status after Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED_EXIT_STATUS = 130
