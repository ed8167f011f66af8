"""``nanobragg-nb``: the command line of the toolkit.

``nanobragg-nb ARGS`` runs the nanoBragg program
(:mod:`nanobragg_nb.programs.nanobragg.command`); ``nanobragg-nb SUBCOMMAND
ARGS`` runs one of :data:`SUBCOMMANDS`. Whatever runs, an error becomes one
line on stderr and an exit status per kind of error (docs/cli.md):
2 bad arguments, 3 unreadable or malformed input, 4 impossible geometry,
5 out of memory, 6 output not writable, 7 device not usable, 9 not enough
input (the C's usage exit), 130 interrupted, 1 anything else.
"""
import os
import sys

from . import errors
from .errors import NanoBraggError, OutputError
from .interrupt import sigint_guard
from .startup import quiet_collector

#: subcommands: name -> module with main(argv) -> exit status
SUBCOMMANDS = {"audit": "nanobragg_nb.audit.blocks", "compare": "nanobragg_nb.audit.compare",
               "noisify": "nanobragg_nb.programs.noisify.command", "add": "nanobragg_nb.programs.add",
               "nonbragg": "nanobragg_nb.programs.nonbragg.command",
               "series": "nanobragg_nb.programs.series.command"}


def run(argv):
    """Run a subcommand, or the nanoBragg program; returns the exit status."""
    if argv and argv[0] in SUBCOMMANDS:
        import importlib
        with quiet_collector():
            subcommand = importlib.import_module(SUBCOMMANDS[argv[0]])
        return subcommand.main(argv[1:])
    from .programs.nanobragg.command import run as run_nanobragg
    return run_nanobragg(argv)


def main(argv=None):
    """Entry point of ``nanobragg-nb``: run, and turn every error into one line and an exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv
    # first: NumPy and Numba load inside the guard, so that Ctrl-C while they import is a clean exit 130
    with sigint_guard() as caught:
        try:
            _reopen_closed_standard_streams()
            _skip_blas_probe()
            return _run_and_report(argv, debug, caught)
        except KeyboardInterrupt:      # one that came while an error was being reported
            return _interrupted(caught)


def _reopen_closed_standard_streams():
    """Give a closed stdin, stdout or stderr (``>&-``) the null device, as a daemon does.

    nanoBragg.c's writes to a closed stream fail silently and the run goes
    on; here too, the log or the messages are then discarded. Without this
    the first file opened would take the closed descriptor's number and
    receive the log.
    """
    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        try:
            os.fstat(fd)
            continue
        except OSError:
            pass
        try:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            if getattr(sys, name) is None:
                setattr(sys, name, open(fd, mode, closefd=False))
        except OSError:
            pass


def check_environment():
    """Refuse, with a clear message, an environment that would stop Numba on import.

    Raises
    ------
    ArgumentError
        ``NUMBA_NUM_THREADS`` is a number below 1 (Numba ignores, with a
        warning, a value that is not a number).
    """
    value = os.environ.get("NUMBA_NUM_THREADS", "")
    try:
        number = int(value)
    except ValueError:
        return
    if number < 1:
        raise errors.ArgumentError(f"NUMBA_NUM_THREADS={value}: the number of threads must be at least 1")


def _skip_blas_probe():
    """Spare the command line Numba's BLAS probe (importing scipy.linalg, a quarter second).

    Numba looks for BLAS the first time it compiles or loads a function; no
    kernel here uses BLAS. Only done when nothing in the process has imported
    scipy.linalg, so a process that wants BLAS keeps it.
    """
    if "scipy.linalg" not in sys.modules:
        sys.modules.setdefault("scipy.linalg.cython_blas", None)


def _run_and_report(argv, debug, interrupt_caught):
    try:
        check_environment()
        status = run(argv)
    except errors.UsageExit as err:
        _flush_stdout()
        _say(f"nanobragg-nb: {err}")
        status = err.exit_status
    except NanoBraggError as err:
        _flush_stdout()
        if debug:
            raise
        _say(f"nanobragg-nb: error: {err}")
        status = err.exit_status
    except KeyboardInterrupt:
        status = _interrupted(interrupt_caught)
    except MemoryError:
        if debug:
            raise
        _say("nanobragg-nb: error: out of memory (try a smaller detector or -roi)")
        status = errors.ResourceError.exit_status
    except BrokenPipeError:
        # whoever read our stdout went away (``| head``): stop quietly, without Python's noise at exit
        _detach_stdout()
        _say("nanobragg-nb: error: standard output was closed (broken pipe)")
        status = OutputError.exit_status
    except OSError as err:
        if debug:
            raise
        status = OutputError.exit_status
        _say(f"nanobragg-nb: error: {err.strerror or err}"
             + (f": {err.filename}" if getattr(err, "filename", None) else ""))
    except Exception as err:  # a bug of ours: say so in one line, traceback with --debug
        if debug:
            raise
        _say(f"nanobragg-nb: internal error: {type(err).__name__}: {err} (run with --debug for details)")
        status = 1
    if not _flush_stdout():
        status = status or OutputError.exit_status
    return status


def _interrupted(interrupt_caught):
    interrupt_caught()
    _flush_stdout()
    # a progress bar may hold the terminal's current line
    newline = "\n" if getattr(sys.stderr, "isatty", lambda: False)() else ""
    _say(f"{newline}nanobragg-nb: interrupted; no partial output was left under a final name")
    return errors.INTERRUPTED_EXIT_STATUS


def _say(line):
    """One line on stderr; a closed stderr is not worth a traceback."""
    try:
        print(line, file=sys.stderr)
    except (OSError, ValueError):
        pass


def _flush_stdout():
    """Flush stdout; False (and stdout detached) when its reader has gone."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _detach_stdout()
        return False
    except (OSError, ValueError):
        return False
    return True


def _detach_stdout():
    import os
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def console_main():
    """The ``nanobragg-nb`` command: :func:`main`, then exit at once.

    Every file is written and closed by then; skipping the interpreter's
    clean-up of Numba and LLVM saves a third of a second per run.
    """
    status = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(status)


if __name__ == "__main__":
    console_main()
