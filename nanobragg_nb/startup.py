"""What keeps the command's start-up short."""
import contextlib


@contextlib.contextmanager
def quiet_collector():
    """No garbage collection while NumPy, Numba and the kernels' modules load; what they made is then frozen.

    Those imports create objects by the hundred thousand and no garbage
    worth collecting; the collector would walk them again and again (tens of
    milliseconds of every start-up). Frozen, they are left out of later
    collections too.
    """
    import gc
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
