"""``nanobragg-nb series ARGS``: a rotation sweep or serial stills from one frame's nanoBragg arguments.

Errors print one line on stderr and exit with the nanoBragg program's
statuses: 2 bad arguments (``--frames 0``, a template without ``#``), 3
unreadable input, 4 impossible geometry, 6 output not writable (a folder
that cannot be written, a disk that fills: finished frames are kept and
listed in the manifest), 130 interrupted (``--resume`` goes on).
"""
import os
import sys
import time

from ...errors import ArgumentError, OutputError
from ...startup import quiet_collector
from ..nanobragg.command import option_rows, parse_fixes, split_own_options

#: our options: name -> number of values
SERIES_OPTIONS = {
    "--frames": 1, "--stills": 1, "--orientation-seed": 1, "--size-spread": 1, "--lambda-spread": 1,
    "--template": 1, "--format": 1, "--float-template": 1, "--workers": 1, "--scheduler": 1, "--resume": 0,
    "--detector": 1, "--threads": 1, "--device": 1, "--fast": 0, "--fix": 1, "--debug": 0, "--help": 0,
}

#: for --help and docs/cli.md: name -> (values, default, description)
SERIES_OPTION_DOCS = {
    "--frames": ("N", "", "a rotation sweep of N frames: frame k is the single run with -phi phi0+(k-1)*osc "
                          "(-osc is needed) and -seed seed+(k-1)"),
    "--stills": ("N", "", "N serial-crystallography shots, each in a random orientation (-misset drawn "
                          "uniformly over all rotations) and with -seed seed+(k-1)"),
    "--orientation-seed": ("S", "the clock", "stills: shot k's orientation, size and wavelength come from "
                                             "(S, k) alone, so any split of the work gives the same shots"),
    "--size-spread": ("F", "0", "stills: relative rms spread of the crystal size, one log-normal factor per "
                                "shot on -Na, -Nb and -Nc (rounded, at least 1)"),
    "--lambda-spread": ("F", "0", "stills: relative rms spread of the wavelength from shot to shot "
                                  "(Gaussian; 0.002 for an XFEL's SASE jitter)"),
    "--template": ("PATH", "image_#####.img", "frame files, '#' for the frame number; with --format nexus "
                                              "the NeXus file (default image_master.h5)"),
    "--format": ("F", "smv", "smv, cbf (needs fabio) or nexus (NXmx, bitshuffle-LZ4; needs h5py and "
                             "hdf5plugin)"),
    "--float-template": ("PATH", "", "also write each frame's float image (floatimage.bin), '#' for the number"),
    "--workers": ("N", "", "render on a local Dask cluster of N worker processes (needs dask[distributed])"),
    "--scheduler": ("ADDRESS", "", "render on the Dask cluster at ADDRESS (dask-jobqueue, dask-mpi ...); "
                                   "the workers write into the same folder"),
    "--resume": ("", "", "finish a series whose manifest.jsonl is in the folder: frames listed there with "
                         "their checksums are kept, the rest rendered"),
    "--detector": ("FILE", "", "a multi-panel detector from a DIALS .expt/.json or a CrystFEL .geom file "
                               "(written as NeXus, one module per panel)"),
    "--threads": ("N", "all cores", "CPU threads per frame (in this process)"),
    "--device": ("D", "cpu", "cpu, cuda or auto"),
    "--fast": ("", "off", "the float32 kernel (docs/fast_mode.md)"),
    "--fix": ("LIST", "none", "upstream physics fixes, as for nanobragg-nb: phi0, oversample or all"),
    "--debug": ("", "off", "show a Python traceback on errors"),
    "--help": ("", "", "this text"),
}


def help_text():
    """The text of ``series --help``."""
    statuses = __doc__[__doc__.index("Errors"):].strip()
    return ("usage: nanobragg-nb series (--frames N | --stills N) [nanoBragg.c arguments ...] [options ...]\n\n"
            "The nanoBragg.c arguments describe one frame. Beside the frames: manifest.jsonl, truth.json,\n"
            "truth.expt (a DIALS experiment list of the true geometry and crystal) and truth.mtz.\n"
            "Options:\n" + option_rows(SERIES_OPTION_DOCS, 22) + "\n\n" + statuses)


def optional_int(text, name):
    """An integer option's value, or an ArgumentError naming the option."""
    try:
        return int(text)
    except (TypeError, ValueError):
        raise ArgumentError(f"{name} needs an integer, got '{text}'") from None


def optional_float(text, name):
    """A number option's value, or an ArgumentError naming the option."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise ArgumentError(f"{name} needs a number, got '{text}'") from None
    return value


def _count(own, name):
    return optional_int(own[name][0], name) if name in own else None


def _options(own):
    """Our options checked, before any work: (count, stills, fmt, template, workers)."""
    frames, stills = _count(own, "--frames"), _count(own, "--stills")
    if (frames is None) == (stills is None):
        raise ArgumentError("series needs one of --frames N (a rotation sweep) or --stills N (serial shots)")
    count = frames if frames is not None else stills
    if count < 1:
        raise ArgumentError(f"{'--frames' if frames is not None else '--stills'} needs at least 1, got {count}")
    fmt = own["--format"][0] if "--format" in own else "smv"
    from .formats import FORMATS
    if fmt not in FORMATS:
        raise ArgumentError(f"--format must be smv, cbf or nexus, not '{fmt}'")
    default = "image_master.h5" if fmt == "nexus" else "image_#####" + (".cbf" if fmt == "cbf" else ".img")
    template = own["--template"][0] if "--template" in own else default
    from .run import check_template
    if fmt != "nexus":
        check_template(template, "--template")
    if "--float-template" in own:
        check_template(own["--float-template"][0], "--float-template")
    workers = _count(own, "--workers")
    if workers is not None and workers < 1:
        raise ArgumentError(f"--workers needs at least 1, got {workers}")
    if "--detector" in own and fmt != "nexus":
        raise ArgumentError("a multi-panel detector (--detector) is written as NeXus: add --format nexus")
    if workers is not None and "--scheduler" in own:
        raise ArgumentError("give --workers (a local cluster) or --scheduler (an existing one), not both")
    return count, stills is not None, fmt, template, workers


def _check_libraries(fmt, own):
    if fmt == "cbf":
        from .formats import check_cbf_support
        check_cbf_support()
    if fmt == "nexus":
        from ...io.nexus import check_nexus_support
        check_nexus_support()
    if "--workers" in own or "--scheduler" in own:
        try:
            import dask.distributed  # noqa: F401
        except ImportError:
            raise ArgumentError('--workers and --scheduler need Dask: pip install "nanobragg-nb[cluster]"') \
                from None


def _folder(template):
    """The output folder (made if needed) and the template's name in it; OutputError when not writable."""
    folder = os.path.abspath(os.path.dirname(template) or ".")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        from ...io.atomic import output_error
        raise output_error(folder, exc) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write into {folder}: permission denied")
    return folder, os.path.basename(template)


def main(argv):
    """``nanobragg-nb series``; returns the exit status."""
    own, rest = split_own_options(list(argv), SERIES_OPTIONS)
    if own.get("--help"):
        print(help_text())
        return 0
    count, stills, fmt, template, workers = _options(own)
    _check_libraries(fmt, own)
    with quiet_collector():
        from .plan import make_plan
        from .series import Series
    fixes = parse_fixes(own["--fix"][0]) if "--fix" in own else None
    threads = optional_int(own["--threads"][0], "--threads") if "--threads" in own else None
    if threads is not None and threads < 1:
        raise ArgumentError(f"--threads needs a positive integer, got {threads}")
    plan = make_plan(rest, count, stills=stills,
                     orientation_seed=optional_int(own["--orientation-seed"][0], "--orientation-seed")
                     if "--orientation-seed" in own else None,
                     size_spread=optional_float(own["--size-spread"][0], "--size-spread")
                     if "--size-spread" in own else 0.0,
                     lambda_spread=optional_float(own["--lambda-spread"][0], "--lambda-spread")
                     if "--lambda-spread" in own else 0.0)
    folder, name = _folder(template)
    float_template = own["--float-template"][0] if "--float-template" in own else None
    if float_template is not None and os.path.abspath(os.path.dirname(float_template) or ".") != folder:
        raise ArgumentError("--float-template must name files in the frames' folder")
    detector = None
    if "--detector" in own:
        from ...core.panels import read_detector
        detector = read_detector(own["--detector"][0])
    series = Series(plan, mode="fast" if own.get("--fast") else "faithful", fixes=fixes,
                    device=own["--device"][0] if "--device" in own else "cpu", threads=threads, detector=detector)
    began = time.time()
    summary = series.write(folder, name, fmt=fmt, float_template=float_template and os.path.basename(float_template),
                           workers=workers, scheduler=own["--scheduler"][0] if "--scheduler" in own else None,
                           resume=bool(own.get("--resume")), log=sys.stdout, command=["series", *argv])
    print(summary.text(time.time() - began))
    return 0
