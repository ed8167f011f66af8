"""The C's stdout, reproduced: a log that formats with C ``printf`` rules.

The command line streams it to stdout as it is written, so a long run shows
the setup immediately; the Python API keeps it as text.
"""
from ..cnum import cprintf


class Log:
    """Collects (and optionally echoes) what nanoBragg.c would print.

    Parameters
    ----------
    stream : file-like, optional
        Where to echo each write as it happens (``sys.stdout`` for the CLI).
    """

    def __init__(self, stream=None):
        self.parts = []
        self.stream = stream

    def write(self, text):
        """Append text as it is."""
        if not text:
            return
        self.parts.append(text)
        if self.stream is not None:
            self.stream.write(text)

    def printf(self, fmt, *args):
        """Append ``printf(fmt, args...)``."""
        self.write(cprintf(fmt, *args))

    def flush(self):
        """Flush the echo stream."""
        if self.stream is not None:
            self.stream.flush()

    @property
    def text(self):
        """Everything written so far."""
        return "".join(self.parts)
