"""``nanobragg-nb ARGS``: the nanoBragg program, a drop-in for the ``nanoBragg`` command.

The arguments are nanoBragg.c's (``-cell``, ``-hkl``, ``-lambda`` ...), parsed
as the C parses them, and the same files are written with the same log on
stdout. Options of our own start with a double dash and are taken out before
the C-compatible parse; ``OWN_OPTION_DOCS`` describes them for ``--help`` and
docs/cli.md.

Errors print one line on stderr and exit with a status per kind of error:
2 bad arguments, 3 unreadable or malformed input, 4 impossible geometry,
5 out of memory, 6 output not writable, 7 device not usable, 9 not enough
input (the C's usage exit), 130 interrupted, 1 anything else.
"""
import re
import sys

from ...errors import ArgumentError
from ...startup import quiet_collector


#: our options: name -> number of values ("?" for an optional one)
OWN_OPTIONS = {
    "--threads": 1, "--device": 1, "--debug": 0, "--help": 0,
    "--fast": 0,                                   # float32/fastmath kernel (accuracy in docs/performance.md)
    "--demo": "?",                                 # a ready-made example, into a folder
    "--png": 1, "--tiff": 1, "--cbf": 1,           # extra image formats
    "--png-scale": 1,
    "--trace-pixel": 2, "--trace-file": 1,         # every intermediate value of one pixel
    "--fix": 1,                                    # upstream physics fixes, opt-in
    "--detector": 1, "--nexus": 1, "--crystfel": 1,  # multi-panel detector and its files
}

#: our options for --help and docs/cli.md: name -> (values, default, description)
OWN_OPTION_DOCS = {
    "--demo": ("[DIR]", "nanobragg_demo",
               "simulate a ready-made example (a lysozyme-like crystal, 1024x1024 detector, mosaicity, noise) "
               "into DIR: the C's files, demo.png, demo.tif and demo.cbf; nanoBragg.c arguments after it "
               "change the example (-detpixels 512), our options are passed on"),
    "--png": ("FILE", "", "also write a PNG preview of the float image (needs matplotlib: "
                          "pip install \"nanobragg-nb[png]\")"),
    "--png-scale": ("S", "log", "PNG scaling: log, percentile (linear up to the 99.9th) or percentile=P"),
    "--tiff": ("FILE", "", "also write the float image as 32-bit float TIFF, geometry in its metadata"),
    "--cbf": ("FILE", "", "also write the noise image (the int image with -nonoise) as mini-CBF (needs fabio)"),
    "--threads": ("N", "all cores", "CPU threads (else NUMBA_NUM_THREADS, OMP_NUM_THREADS); "
                                    "results do not depend on it"),
    "--device": ("D", "cpu", "cpu, cuda or auto"),
    "--fast": ("", "off", "float32/fastmath kernel instead of the C's bits (accuracy in docs/performance.md)"),
    "--fix": ("LIST", "none", "apply upstream fixes of nanoBragg.c that its main lacks, comma-separated: phi0 "
                              "(a phi step of exactly 0 uses the unrotated cell, not the previous pixel's "
                              "rotation), oversample (-oversample_thick/_polar/_omega weight each term, not the "
                              "running sum), or all; changes the image (docs/parity.md)"),
    "--trace-pixel": ("F S", "", "print every intermediate value of pixel (fast F, slow S)"),
    "--trace-file": ("FILE", "stderr", "where --trace-pixel writes"),
    "--detector": ("FILE", "", "a multi-panel detector from a DIALS .expt/.json or a CrystFEL .geom file, replacing "
                               "the single panel: every panel is rendered; -floatfile holds the float images panel "
                               "after panel; the C's SMV and PGM files are not written (use --nexus, --crystfel)"),
    "--nexus": ("FILE", "", "with --detector: the noise image (the int image with -nonoise) as NXmx, one detector "
                            "module per panel (needs h5py, hdf5plugin: pip install \"nanobragg-nb[nexus]\")"),
    "--crystfel": ("FILE", "", "with --detector: the float image as HDF5 (/data/data) and FILE's .geom beside it "
                               "for CrystFEL (needs h5py)"),
    "--debug": ("", "off", "show a Python traceback on errors"),
    "--help": ("", "", "this text"),
}


def split_own_options(argv, options=None):
    """Take our double-dash options out of ``argv``.

    Only the exact names in ``OWN_OPTIONS`` are taken, and those of one
    value also as ``--name=value`` (``--threads=2``): any other token goes
    to the C-compatible parser, which matches substrings (``--lambda`` is the
    C's ``-lambda``).

    Parameters
    ----------
    argv : list of str
    options : dict, optional
        Name -> number of values (``"?"``: one optional value); default
        :data:`OWN_OPTIONS`.

    Returns
    -------
    (dict, list)
        Our options with their values, and the remaining arguments.
    """
    table = OWN_OPTIONS if options is None else options
    own, rest = {}, []
    i = 0
    while i < len(argv):
        tok = argv[i]
        name, equals, value = tok.partition("=")
        if equals and name in table:
            if table[name] not in (1, "?"):
                raise ArgumentError(f"{name} takes {_values(table[name])}, not '={value}'")
            own[name] = [value]
            i += 1
            continue
        if tok in table:
            n = table[tok]
            if n == "?":
                n = 1 if i + 1 < len(argv) and not argv[i + 1].startswith("-") else 0
                own[tok] = argv[i + 1:i + 1 + n]
                i += 1 + n
                continue
            if n and i + n >= len(argv):
                raise ArgumentError(f"{tok} needs {n} value{'s' if n > 1 else ''}")
            own[tok] = argv[i + 1:i + 1 + n] if n else True
            i += 1 + n
            continue
        rest.append(tok)
        i += 1
    return own, rest


def _values(count):
    return "no value" if count == 0 else f"{count} values, written after it"


def option_rows(docs, width=20):
    """``--help`` lines for options documented as name -> (values, default, description)."""
    import textwrap
    rows = []
    for name, (vals, default, doc) in docs.items():
        text = doc + (f" (default: {default})" if default else "")
        rows.append(textwrap.fill(text, 100, initial_indent=f"  {name + (' ' + vals if vals else ''):<{width}s}",
                                  subsequent_indent=" " * (width + 2)))
    return "\n".join(rows)


def help_text():
    """The text of ``--help``: usage, our options, the exit statuses."""
    statuses = __doc__[__doc__.index("Errors"):].strip()
    return ("usage: nanobragg-nb [nanoBragg.c arguments ...] [our options ...]\n"
            "       nanobragg-nb --demo [DIR]\n\n"
            "nanoBragg.c's arguments (-cell, -hkl, -lambda ...) work as in the C; docs/cli.md lists them.\n"
            "Our options:\n" + option_rows(OWN_OPTION_DOCS) + "\n\n" + statuses)


def _threads(own):
    if "--threads" not in own:
        return None
    value = own["--threads"][0]
    if not re.fullmatch("[0-9]+", value) or int(value) < 1:
        raise ArgumentError(f"--threads needs a positive integer, got '{value}'")
    return int(value)


def parse_fixes(text):
    """The upstream fixes named by ``--fix``: ``phi0``, ``oversample`` or ``all``, comma-separated.

    Parameters
    ----------
    text : str
        The value of ``--fix`` (``"phi0,oversample"``, ``"all"``).

    Returns
    -------
    Fixes
        With the named fixes switched on.

    Raises
    ------
    ArgumentError
        A name is empty or not one of the fixes.
    """
    from ...core.config import FIX_NAMES, Fixes
    fixes = Fixes()
    for name in text.split(","):
        if name == "all":
            for each in FIX_NAMES:
                setattr(fixes, each, True)
        elif name in FIX_NAMES:
            setattr(fixes, name, True)
        else:
            raise ArgumentError(f"--fix: unknown fix '{name}' (phi0, oversample or all, comma-separated)")
    return fixes


def run(argv):
    """Run one simulation from a nanoBragg.c argument list; returns the exit status."""
    own, rest = split_own_options(argv)
    if own.get("--help"):
        print(help_text())
        return 0
    if "--demo" in own:
        from .demo import run_demo
        return run_demo(own["--demo"][0] if own["--demo"] else "nanobragg_demo", own, rest, run)
    with quiet_collector():
        import numpy as np

        from .api import simulate
        from .cparse import parse_args, print_warnings
        from ...core.log import Log
        from .outputs import FileWriter
        from .preflight import check_run, input_warnings, setup_check
    threads = _threads(own)
    if threads:
        import numba
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    device = own["--device"][0] if "--device" in own else "cpu"
    fixes = parse_fixes(own["--fix"][0]) if "--fix" in own else None
    log = Log(stream=sys.stdout)
    parsed = parse_args(rest)
    if fixes is not None:
        parsed.config.fixes = fixes
    if "--detector" in own or "--nexus" in own or "--crystfel" in own:
        return _run_panels(parsed, own, threads, device, log)
    print_warnings(parsed.warnings)
    check_run(parsed.config, own)
    print_warnings(input_warnings(parsed.config))
    log.write(parsed.log)
    # the images stay in memory only when something reads them after the run
    keep_images = any(k in own for k in ("--png", "--tiff", "--cbf", "--trace-pixel"))
    with np.errstate(all="ignore"):      # C arithmetic: nonsense input gives inf and nan, silently
        result = simulate(parsed.config, threads=threads, device=device, progress=True, log=log,
                          writer=FileWriter(parsed.config.output, keep_images=keep_images,
                                            setup_check=setup_check(own, parsed.config, print_warnings)),
                          mode="fast" if own.get("--fast") else "faithful")
    log.flush()
    if any(k in own for k in ("--png", "--tiff", "--cbf")):
        from .extra_outputs import write_extras
        write_extras(result, own)
    if "--trace-pixel" in own:
        from ...audit.trace import trace_pixel
        trace_pixel(result, own)
    return 0


def _run_panels(parsed, own, threads, device, log):
    """A run on the multi-panel detector of ``--detector``: the float images and the panel files."""
    import numpy as np

    from ...core.panels import read_detector
    from .api import simulate
    from .cparse import print_warnings
    from .panel_outputs import write_crystfel, write_float_panels, write_nexus
    if "--detector" not in own:
        raise ArgumentError("--nexus and --crystfel write multi-panel files: give the panels with --detector FILE")
    refused = [name for name in ("--png", "--tiff", "--cbf", "--trace-pixel") if name in own]
    if refused:
        raise ArgumentError(f"{refused[0]} writes one panel's image: it cannot be combined with --detector")
    if "--nexus" in own:
        from ...io.nexus import check_nexus_support
        check_nexus_support()
    config = parsed.config
    config.detector.panels = read_detector(own["--detector"][0])
    print_warnings(parsed.warnings)
    log.write(parsed.log)
    with np.errstate(all="ignore"):
        result = simulate(config, threads=threads, device=device, progress=True, log=log,
                          mode="fast" if own.get("--fast") else "faithful")
    log.flush()
    if config.output.floatfile:
        write_float_panels(result, config.output.floatfile)
    if "--nexus" in own:
        write_nexus(result, own["--nexus"][0], config.output.adc_offset)
    if "--crystfel" in own:
        write_crystfel(result, own["--crystfel"][0])
    return 0
