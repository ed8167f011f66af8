"""Ctrl-C that always stops a run, even while Numba compiles.

Python turns SIGINT into ``KeyboardInterrupt`` in whatever Python code runs
at that moment. During a first run the kernels are being compiled, and part
of that is Python called back from LLVM through ctypes, or run by a
finaliser, which prints the exception ("Exception ignored ...") and carries
on: the interrupt is lost. :func:`sigint_guard` therefore repeats the
interrupt every few tenths of a second until the command line has caught
it, and keeps the lost ones quiet.
"""
import contextlib
import os
import signal
import sys
import threading

#: seconds between repeats of an interrupt that has not been caught yet
REPEAT_S = 0.3


class _State:
    def __init__(self):
        self.caught = threading.Event()


@contextlib.contextmanager
def sigint_guard():
    """Within the block, Ctrl-C raises ``KeyboardInterrupt`` until the interrupt is caught.

    Yields
    ------
    callable
        ``caught()``: call it first thing where the ``KeyboardInterrupt`` is
        handled; later interrupts are then ignored until the block ends.

    Outside the main thread (where signal handlers cannot be set) the
    block runs with Python's own handling.
    """
    state = _State()
    repeater = []

    def repeat():
        while not state.caught.wait(REPEAT_S):
            os.kill(os.getpid(), signal.SIGINT)

    def on_sigint(signum, frame):
        if state.caught.is_set():
            return
        if not repeater:
            repeater.append(threading.Thread(target=repeat, name="sigint-repeat", daemon=True))
            repeater[0].start()
        raise KeyboardInterrupt

    def unraisable(info):
        # an interrupt swallowed by a callback or a finaliser is repeated: say nothing about it
        if not isinstance(info.exc_value, KeyboardInterrupt):
            previous_hook(info)

    try:
        previous = signal.signal(signal.SIGINT, on_sigint)
    except ValueError:               # not the main thread
        yield state.caught.set
        return
    previous_hook, sys.unraisablehook = sys.unraisablehook, unraisable
    try:
        yield state.caught.set
    finally:
        state.caught.set()
        if repeater:
            repeater[0].join()
            _settle()                # a repeat sent just before the join is handled here, and ignored
        signal.signal(signal.SIGINT, previous)
        sys.unraisablehook = previous_hook


def _settle():
    """A Python call: pending signal handlers run at its start."""
