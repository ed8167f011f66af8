"""``nanobragg-nb --demo [DIR]``: a realistic example that runs out of the box.

A crystal of a made-up protein in tetragonal lysozyme's cell and space group
(structure factors shipped with the package, made by
``nanobragg_nb/data/make_demo_hkl.py``), 20 unit cells on a side, 0.5 degree
of mosaic spread in 10 domains, a 1 degree rotation in 4 steps, 1 A X-rays
on a 1024 x 1024 detector of 0.1 mm pixels at 200 mm, water around the
crystal for background, and Poisson noise. The spots are about a pixel
wide, so one sample per pixel is enough (nanoBragg recommends 3 per axis
from the crystal size alone and says so in its log). It writes the C's
files, the HKL file it read, a PNG preview, a float TIFF and, with fabio
installed, a CBF into DIR, and says how to look at them.
"""
import contextlib
import gzip
import os
import shlex
import sys
from importlib import resources

from ...errors import OutputError
from ...io.atomic import atomic_write, output_error

DEMO_HKL = "demo_P43212.hkl.gz"
HKL_NAME = "demo.hkl"
PNG_NAME = "demo.png"
TIFF_NAME = "demo.tif"
CBF_NAME = "demo.cbf"

#: the simulation, as nanoBragg.c arguments (run inside DIR)
DEMO_ARGS = (
    "-hkl", HKL_NAME, "-cell", "79.1", "79.1", "37.9", "90", "90", "90",
    "-misset", "10", "20", "30",
    "-N", "20", "-mosaic", "0.5", "-mosaic_domains", "10",
    "-osc", "1", "-phisteps", "4", "-oversample", "1",
    "-lambda", "1.0", "-distance", "200", "-detpixels", "1024", "-pixel", "0.1",
    "-fluence", "4e24", "-water", "100",
    "-seed", "1",
)

#: our options that the demo passes on to the simulation
_PASSED_ON = ("--threads", "--device", "--fast", "--fix", "--debug", "--png", "--png-scale", "--tiff", "--cbf")


@contextlib.contextmanager
def _inside(folder):
    here = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(here)


def _make_folder(folder):
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise OutputError(f"cannot use {folder} as the demo folder: it is a file, not a folder")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise output_error(os.path.join(folder, ""), exc) from None


def write_demo_hkl(path):
    """Write the demo's structure factors (``h k l F`` text) to ``path``.

    Parameters
    ----------
    path : str
        Output file.
    """
    packed = resources.files("nanobragg_nb.data").joinpath(DEMO_HKL).read_bytes()
    with atomic_write(path, "wb") as handle:
        handle.write(gzip.decompress(packed))


def _have(module):
    import importlib.util
    return importlib.util.find_spec(module) is not None


def demo_argv(own, extra=()):
    """The full argument list of the demo run: :data:`DEMO_ARGS`, ``extra`` and the image options.

    ``extra`` (nanoBragg.c arguments) comes after the demo's own, so it
    overrides them. ``--png``/``--tiff`` are added with the demo's names
    unless given; ``--cbf`` is added when fabio is installed, ``--png``
    only when matplotlib is.
    """
    argv = list(DEMO_ARGS) + list(extra)
    extras = {}
    for name in _PASSED_ON:
        if name in own:
            extras[name] = own[name]
    if "--png" not in extras and _have("matplotlib"):
        extras["--png"] = [PNG_NAME]
    extras.setdefault("--tiff", [TIFF_NAME])
    if "--cbf" not in extras and _have("fabio"):
        extras["--cbf"] = [CBF_NAME]
    for name, value in extras.items():
        argv.append(name)
        if value is not True:
            argv.extend(value)
    return argv


def run_demo(folder, own, extra, run):
    """Run the demo into ``folder``; returns the exit status.

    Parameters
    ----------
    folder : str
        Where the files go (created if needed).
    own : dict
        Our options from the command line; ``--threads``, ``--device``,
        ``--fast``, ``--fix``, ``--png``, ``--png-scale``, ``--tiff`` and ``--cbf``
        are passed on (file names are inside ``folder``).
    extra : sequence of str
        nanoBragg.c arguments that change the demo (``-detpixels 512``);
        they come after the demo's own, so they win.
    run : callable
        Runs a nanoBragg.c argument list and returns the exit status
        (:func:`nanobragg_nb.programs.nanobragg.command.run`).

    Returns
    -------
    int
        0 on success.

    Raises
    ------
    OutputError
        The folder cannot be created or written.
    """
    _make_folder(folder)
    argv = demo_argv(own, extra)
    try:
        with _inside(folder):
            write_demo_hkl(HKL_NAME)
            print(f"nanobragg-nb demo: simulating into {folder}/ (under a minute on two cores)")
            print("  nanobragg-nb " + " ".join(shlex.quote(a) for a in argv))
            sys.stdout.flush()
            status = run(argv)
    except FileNotFoundError as exc:
        # the folder vanished while we were in it
        raise output_error(os.path.join(folder, exc.filename or ""), exc) from None
    if status == 0:
        print(_closing_note(folder, argv, list(DEMO_ARGS) + list(extra)))
    return status


#: what each file the demo may leave is
DESCRIPTIONS = {
    "floatimage.bin": "float32 photons per pixel, no header",
    "intimage.img": "SMV image, noiseless",
    "noiseimage.img": "SMV image with Poisson noise",
    "image.pgm": "8-bit greyscale",
    "Fdump.bin": "structure-factor cache",
    HKL_NAME: "the structure factors read",
}
_OPTION_DESCRIPTIONS = {"--png": "preview", "--tiff": "32-bit float TIFF, geometry in its metadata",
                        "--cbf": "mini-CBF of the SMV image"}


def _closing_note(folder, argv, rerun):
    descriptions = dict(DESCRIPTIONS)
    for option, what in _OPTION_DESCRIPTIONS.items():
        if option in argv:
            descriptions[argv[argv.index(option) + 1]] = what
    files = sorted(name for name in os.listdir(folder) if not name.startswith("."))
    png = argv[argv.index("--png") + 1] if "--png" in argv else None
    smv = "noiseimage.img" if "noiseimage.img" in files else "intimage.img"
    lines = [
        "",
        f"nanobragg-nb demo: done. In {folder}/:",
        *[f"  {name}" + (f" ({descriptions[name]})" if name in descriptions else "") for name in files],
        "How to look at them:",
        f"  the preview:   open {os.path.join(folder, png)} in any image viewer" if png else
        '  the preview:   pip install "nanobragg-nb[png]" and run the demo again for demo.png',
        f"  the images:    adxv or any SMV (ADSC) viewer reads {os.path.join(folder, smv)}",
        f"  in Python:     fabio.open('{os.path.join(folder, smv)}').data, or "
        f"tifffile.imread('{os.path.join(folder, TIFF_NAME)}')",
        f"  to rerun it:   cd {shlex.quote(folder)} && nanobragg-nb {' '.join(shlex.quote(a) for a in rerun)}",
    ]
    return "\n".join(lines)
