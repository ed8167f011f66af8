"""``nanobragg-nb noisify ARGS``: noisify.c, a drop-in for the ``noisify`` command.

The arguments are noisify.c's, parsed as the C parses them; the same files
are written with the same log on stdout. Errors print one line on stderr and
exit with the statuses of :mod:`nanobragg_nb.errors`: 2 bad arguments (an
unknown ``-psf`` type), 3 a float image that is missing, unreadable or whose
size does not match the detector, 4 an impossible detector, 6 an output that
cannot be written, 9 no float image named (the C's usage exit).
"""
import sys

import numpy as np

from ...core.log import Log
from ...errors import ArgumentError
from .api import BANNER, noisify, read_input
from .cparse import parse_args
from .smvio import write_image

#: our options (the C's are single-dash): name -> description
OWN_OPTION_DOCS = {
    "--threads": ("N", "all cores", "CPU threads for the PSF; results do not depend on it"),
    "--help": ("", "", "this text"),
}


def _write(kind, name, header, pixels):
    if kind == "smv":
        write_image(name, header, pixels)
    else:
        from .smvio import write_pgm_image
        write_pgm_image(name, pixels)


def main(argv):
    """Run noisify with a noisify.c argument list; returns the exit status."""
    argv = list(argv)
    if "--help" in argv:
        from .api import USAGE
        print(__doc__.strip() + "\n\n" + USAGE)
        return 0
    if "--threads" in argv:
        at = argv.index("--threads")
        value = argv[at + 1] if at + 1 < len(argv) else ""
        if not value.isdigit() or int(value) < 1:
            raise ArgumentError(f"--threads needs a positive integer, got '{value}'")
        import numba
        numba.set_num_threads(min(int(value), numba.config.NUMBA_NUM_THREADS))
        del argv[at:at + 2]
    parsed = parse_args(argv)
    for warning in parsed.warnings:
        print(f"nanobragg-nb: warning: {warning}", file=sys.stderr)
    cfg = parsed.config
    if cfg.unknown_psf is not None:
        raise ArgumentError(f"unknown PSF type '{cfg.unknown_psf}' after -psf: use gauss or fiber "
                            "(noisify.c warns and goes on without a PSF)")
    # C L322: the banner, once the arguments are read
    log = Log(stream=sys.stdout)
    log.write(BANNER)
    with np.errstate(all="ignore"):     # C arithmetic: nonsense input gives inf and nan, silently
        floatimage = read_input(cfg, log)
        noisify(cfg, floatimage, log, writer=_write)
    log.flush()
    return 0
