"""``nanobragg-nb nonbragg ARGS``: nonBragg.c, a drop-in for the ``nonBragg`` command.

The arguments are nonBragg.c's, parsed as the C parses them; the same files
are written with the same log on stdout. Errors print one line on stderr and
exit with the statuses of :mod:`nanobragg_nb.errors`: 2 bad arguments, 3 a
structure-factor table, source file or -img image that is missing, unreadable
or malformed, 4 an impossible detector, 6 an output that cannot be written,
9 no structure-factor table named (the C's usage exit).
"""
import os
import sys

import numpy as np

from ...core.log import Log
from ...errors import ArgumentError, OutputError
from ...io.atomic import atomic_write
from ...io.pgm import write_pgm
from ...io.rawfloat import write_float_image
from ...io.smv import write_smv
from .api import BANNER, USAGE, amorphous
from .cparse import parse_args

#: our options (the C's are single-dash): name -> (value, default, description)
OWN_OPTION_DOCS = {
    "--threads": ("N", "all cores", "CPU threads; results do not depend on it"),
    "--device": ("cpu|cuda", "cpu", "where the pixel loop runs; results do not depend on it"),
    "--help": ("", "", "this text"),
}


class FileWriter:
    """Writes nonBragg.c's files, each to a temporary name renamed when complete."""

    # C L1624-1628, L1680: the -stolout text
    def text(self, path, text):
        with atomic_write(path, "w") as handle:
            handle.write(text)

    # C L1708-1716: the float image
    def float_image(self, path, floatimage):
        write_float_image(path, np.ascontiguousarray(floatimage).ravel())

    # C L1740-1764, L1861-1885: SMV header, then the pixels
    def smv_image(self, path, header, pixels):
        write_smv(path, header, np.ascontiguousarray(pixels).ravel())

    # C L1820-1830: the PGM is written as 2-byte units from a 1-byte buffer: its second half is zeros here
    def pgm_image(self, path, fpixels, spixels, pgm_scale, pgmimage):
        pixels = fpixels * spixels
        data = np.zeros(2 * pixels, dtype=np.uint8)
        data[:pixels] = np.ascontiguousarray(pgmimage).ravel()
        write_pgm(path, fpixels, spixels, pgm_scale, data)


def check_outputs(cfg):
    """Refuse, before any work, an output whose folder is missing or not writable."""
    names = [cfg.floatfile, cfg.intfile, cfg.pgmfile]
    if cfg.calculate_noise:
        names.append(cfg.noisefile)
    if cfg.img_file is not None:
        names.append(cfg.stolout_file)
    for name in names:
        folder = os.path.dirname(os.path.abspath(name)) or "."
        if os.path.isdir(name):
            raise OutputError(f"cannot write {name}: it is a folder")
        if not os.path.isdir(folder):
            raise OutputError(f"cannot write {name}: folder {folder} does not exist")
        if not os.access(folder, os.W_OK | os.X_OK) and not (os.path.exists(name) and os.access(name, os.W_OK)):
            raise OutputError(f"cannot write {name}: folder {folder} is not writable")


def main(argv):
    """Run nonBragg with a nonBragg.c argument list; returns the exit status."""
    argv = list(argv)
    if "--help" in argv:
        print(__doc__.strip() + "\n\n" + USAGE)
        return 0
    threads = None
    if "--threads" in argv:
        at = argv.index("--threads")
        value = argv[at + 1] if at + 1 < len(argv) else ""
        if not value.isdigit() or int(value) < 1:
            raise ArgumentError(f"--threads needs a positive integer, got '{value}'")
        import numba
        threads = min(int(value), numba.config.NUMBA_NUM_THREADS)
        numba.set_num_threads(threads)
        del argv[at:at + 2]
    device = "cpu"
    if "--device" in argv:
        at = argv.index("--device")
        device = argv[at + 1] if at + 1 < len(argv) else ""
        if device not in ("cpu", "cuda"):
            raise ArgumentError(f"--device must be cpu or cuda, got '{device}'")
        del argv[at:at + 2]
    log = Log(stream=sys.stdout)
    parsed = parse_args(argv)
    log.write(parsed.log)
    for warning in parsed.warnings:
        print(f"nanobragg-nb: warning: {warning}", file=sys.stderr)
    cfg = parsed.config
    # C L789-824: the banner; the usage and exit 9 without a table
    log.write(BANNER)
    if cfg.stol_file is None:
        log.write(USAGE)
    else:
        check_outputs(cfg)
    amorphous(cfg, log=log, threads=threads, progress=True, writer=FileWriter(), device=device)
    log.flush()
    return 0
