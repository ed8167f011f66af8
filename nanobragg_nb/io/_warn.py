"""One-line warnings on stderr for input quirks the C passes over silently."""
import sys


def warn(message):
    """Write ``WARNING: <message>`` as one line on stderr."""
    sys.stderr.write(f"WARNING: {message}\n")
    sys.stderr.flush()
