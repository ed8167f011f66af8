"""Checks made before a simulation starts, so that a long run does not fail at its end.

nanoBragg.c opens each output file only once the image is computed, and a
missing folder then costs the whole run. Here the folders of the output
files are checked first (they exist, are folders, and can be written), and
so are our own options for the extra images and the pixel of
``--trace-pixel`` (its numbers before the run, its place on the detector as
soon as the detector's size is known, before the pixel loop).
"""
import errno
import os
import re

from ...errors import ArgumentError
from ...io.atomic import output_error, resolve_output

#: our options that name an output file
FILE_OPTIONS = ("--png", "--tiff", "--cbf", "--trace-file")


def output_paths(config, own):
    """The files a run will write: the C's images and those of our options.

    The Fdump cache is left out: when it cannot be written the C only warns.
    """
    out = config.output
    paths = [out.floatfile, out.intfile]
    if out.write_pgm:
        paths.append(out.pgmfile)
    if out.calculate_noise:
        paths.append(out.noisefile)
    paths.extend(own[name][0] for name in FILE_OPTIONS if name in own)
    return paths


def check_writable(path):
    """Raise :class:`OutputError` now if ``path`` could not be written later.

    Parameters
    ----------
    path : str
        An output file name.

    A symbolic link is checked at its final target; a special file
    (``/dev/null``, a FIFO) is checked for write permission only, without
    opening it (a FIFO's open waits for a reader).

    Raises
    ------
    OutputError
        An empty or too long name, symbolic links that loop or lead into a
        missing folder, a folder that is missing, is not a folder, or cannot
        be written (a read-only file system, or no permission), or ``path``
        is a folder.
    """
    target, in_place = resolve_output(path)
    problem = None
    if in_place:
        if not os.access(target, os.W_OK):
            problem = errno.EROFS if _read_only(target) else errno.EACCES
    else:
        folder = os.path.dirname(os.path.abspath(target)) or os.sep
        if not os.path.exists(folder):
            problem = errno.ENOENT
        elif not os.path.isdir(folder):
            problem = errno.ENOTDIR
        elif not os.access(folder, os.W_OK | os.X_OK):
            problem = errno.EROFS if _read_only(folder) else errno.EACCES
    if problem is not None:
        raise output_error(path, OSError(problem, os.strerror(problem), target), target)


def _read_only(folder):
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def input_warnings(config):
    """Warnings about input files the C reads without complaint into nonsense.

    Returns
    -------
    list of str
        One line per ``-sourcefile`` row whose first column is no number
        (the C makes it a source at the origin with wavelength 0, and the
        image NaN).
    """
    path = config.beam.source_file
    if not path:
        return []
    from ...errors import InputFileError
    from ...io.textfile import rows_without_a_number
    try:
        rows = rows_without_a_number(path)
    except InputFileError:
        return []                        # the setup reports it, as the C's order has it
    return [f"{path}: source {number} ('{text[:60]}') holds no number; nanoBragg.c reads it as a source "
            f"at 0 0 0 with wavelength 0, which makes the image NaN" for number, text in rows]


def check_run(config, own):
    """Check the outputs and our image options before the simulation.

    Parameters
    ----------
    config : Config
        The parsed configuration.
    own : dict
        Our options (``--png`` ...).

    Raises
    ------
    OutputError
        An output file that could not be written.
    ArgumentError
        A bad ``--png-scale``, ``--png``/``--cbf`` without the package
        they need, or ``--trace-pixel`` values that are not integers.
    """
    if any(name in own for name in ("--png", "--png-scale", "--cbf")):
        from .extra_outputs import check_options
        check_options(own)
    if "--trace-pixel" in own:
        trace_pixel_numbers(own)
    for path in output_paths(config, own):
        check_writable(path)


def trace_pixel_numbers(own):
    """The (fast, slow) pixel of ``--trace-pixel F S``.

    Raises
    ------
    ArgumentError
        F or S is not a decimal integer.
    """
    f_text, s_text = own["--trace-pixel"]
    try:
        return _decimal(f_text), _decimal(s_text)
    except ValueError:
        raise ArgumentError(f"--trace-pixel needs two integers (fast and slow pixel), "
                            f"got '{f_text} {s_text}'") from None


def _decimal(text):
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise ValueError(text)
    return int(text)


def setup_check(own, config=None, warn=None):
    """A check of the prepared setup, run before the pixel loop.

    Parameters
    ----------
    own : dict
        Our options.
    config : Config, optional
        The configuration, for the warnings about the setup.
    warn : callable, optional
        ``warn(list_of_lines)`` prints warnings.

    Returns
    -------
    callable
        ``check(setup)`` raises :class:`ArgumentError` when the pixel of
        ``--trace-pixel`` is outside the detector, and warns about a mask
        larger than the detector.
    """
    pixel = trace_pixel_numbers(own) if "--trace-pixel" in own else None

    def check(setup):
        if pixel is not None and not (0 <= pixel[0] < setup.fpixels and 0 <= pixel[1] < setup.spixels):
            raise ArgumentError(f"--trace-pixel {pixel[0]} {pixel[1]} is outside the "
                                f"{setup.fpixels}x{setup.spixels} detector")
        mask = config.detector.mask if config is not None else None
        if warn is not None and mask is not None and mask.size > setup.pixels:
            warn([f"the mask {config.detector.mask_file} has {mask.size} pixels, the detector "
                  f"{setup.fpixels} x {setup.spixels}: as nanoBragg.c, its first {setup.pixels} pixels "
                  f"are used, row after row of the detector"])
    return check
