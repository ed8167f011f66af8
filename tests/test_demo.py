"""The README's first command (``nanobragg-nb --demo``), run as written: its files, its preview, fabio."""
import gzip
import os
import shlex
import shutil
import subprocess
import sys
from importlib import resources

import numpy as np
import pytest

from nanobragg_nb.programs.nanobragg import demo, extra_outputs

from conftest import REPO

fabio = pytest.importorskip("fabio")
pytest.importorskip("matplotlib")


def readme_commands():
    """The indented shell commands of the README, in order."""
    return [line[4:] for line in (REPO / "README.md").read_text().splitlines()
            if line.startswith("    python3 -m pip install ")]


def demo_command():
    """The README's first command, split into its install part and its run part."""
    install, _, run = readme_commands()[0].partition(" && ")
    return shlex.split(install), shlex.split(run)


def entry_point():
    """The installed ``nanobragg-nb`` beside this Python, else ``python -m nanobragg_nb``."""
    script = os.path.join(os.path.dirname(sys.executable), "nanobragg-nb")
    if os.path.isfile(script) and shutil.which(script):
        return [script]
    return [sys.executable, "-m", "nanobragg_nb"]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """Run the README's demo command in a fresh folder."""
    _install, run = demo_command()
    folder = tmp_path_factory.mktemp("readme")
    proc = subprocess.run(entry_point() + run[1:], cwd=folder, capture_output=True, text=True, timeout=900,
                          env=dict(os.environ, LC_ALL="C"))
    out_dir = folder / run[run.index("--demo") + 1]
    return proc, out_dir


def test_readme_commands_are_the_demo_then_the_tests():
    install, run = demo_command()
    assert install[:4] == ["python3", "-m", "pip", "install"] and install[4].startswith(".")
    assert run[0] == "nanobragg-nb" and run[1] == "--demo" and len(run) == 3
    assert readme_commands()[1] == 'python3 -m pip install ".[test]" && python3 -m pytest -q'


def test_demo_runs_and_says_what_it_did(demo_run):
    proc, out_dir = demo_run
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    for name in ("floatimage.bin", "intimage.img", "noiseimage.img", "image.pgm", "Fdump.bin",
                 demo.HKL_NAME, demo.PNG_NAME, demo.TIFF_NAME, demo.CBF_NAME):
        assert (out_dir / name).is_file(), name
    assert not [p.name for p in out_dir.iterdir() if p.name.endswith(".tmp")]
    assert "demo: done" in proc.stdout
    assert "How to look at them" in proc.stdout
    assert " ".join(demo.DEMO_ARGS) in proc.stdout             # how to run it again
    assert "writing noiseimage.img" in proc.stdout             # the C's log


def test_fabio_reads_the_demo_images(demo_run):
    _proc, out_dir = demo_run
    for name in ("intimage.img", "noiseimage.img"):
        image = fabio.open(str(out_dir / name))
        assert image.data.shape == (1024, 1024)
        raw = np.fromfile(out_dir / name, dtype=np.uint16, offset=512).reshape(1024, 1024)
        assert np.array_equal(image.data, raw)
        assert float(image.header["PIXEL_SIZE"]) == 0.1
        assert float(image.header["DISTANCE"]) == 200.0
        assert float(image.header["WAVELENGTH"]) == 1.0
        assert float(image.header["OSC_RANGE"]) == 1.0
    cbf = fabio.open(str(out_dir / demo.CBF_NAME))
    assert np.array_equal(cbf.data, fabio.open(str(out_dir / "noiseimage.img")).data.astype(np.int32))


def spots(mask):
    from scipy import ndimage
    labels, count = ndimage.label(mask)
    return count


def test_demo_preview_shows_spots(demo_run):
    from matplotlib.image import imread
    _proc, out_dir = demo_run
    rgb = imread(str(out_dir / demo.PNG_NAME))[..., :3]
    left, top, width, height = extra_outputs.png_layout((1024, 1024))["image_box"]
    image = rgb[top:top + height, left:left + width]
    grey = image.mean(axis=2)
    red = (image[..., 0] > 0.8) & (image[..., 1] < 0.3)          # the beam-centre cross
    # white background, dark spots (inverted grey scale)
    assert np.median(grey) > 0.8
    dark = (grey < 0.5) & ~red
    dark[:2] = dark[-2:] = dark[:, :2] = dark[:, -2:] = False    # the frame around the image
    assert 0.0002 < dark.mean() < 0.05
    assert spots(dark) >= 50
    # the spots are where the float image is bright
    # the dark pixels are the brightest of the float image, in the same place (no flip, no transposition)
    floats = np.fromfile(out_dir / "floatimage.bin", dtype=np.float32).reshape(1024, 1024)
    brightest = floats >= np.percentile(floats, 99.99)
    faint = floats <= np.percentile(floats, 99)
    assert dark[brightest].mean() > 0.95
    assert dark[faint].mean() < 0.001


def test_demo_noise_image_has_spots_above_the_background(demo_run):
    _proc, out_dir = demo_run
    noise = fabio.open(str(out_dir / "noiseimage.img")).data.astype(float) - 40.0    # ADC offset
    background = np.median(noise)
    assert 0.5 < background < 50
    assert spots(noise >= 15) >= 40          # P(>= 15) for a Poisson mean of 1-2 is below 1e-9


def demo_table():
    packed = resources.files("nanobragg_nb.data").joinpath(demo.DEMO_HKL).read_bytes()
    rows = np.loadtxt(gzip.decompress(packed).decode().splitlines())
    return {(int(h), int(k), int(l)): F for h, k, l, F in rows}


def test_demo_structure_factors_have_the_space_group_symmetry():
    """P4(3)2(1)2: Laue class 4/mmm, and absences on 00l (l = 4n) and h00 (h = 2n)."""
    table = demo_table()
    assert 50000 < len(table) < 80000
    assert table[(0, 0, 0)] == 0.0
    checked = 0
    for (h, k, l), F in list(table.items())[::97]:
        for equivalent in ((-h, -k, -l), (-h, -k, l), (k, h, -l), (-k, h, l), (h, -k, -l)):
            assert abs(table[equivalent] - F) <= 0.1 + 1e-6, ((h, k, l), equivalent)
        checked += 1
    assert checked > 500
    for l in range(-15, 16):
        if l % 4:
            assert table[(0, 0, l)] == 0.0
    for h in range(-31, 32):
        if h % 2:
            assert table[(h, 0, 0)] == 0.0 and table[(0, h, 0)] == 0.0
    strong = [F for (h, k, l), F in table.items() if (h, k, l) != (0, 0, 0)]
    assert np.mean(strong) > 10


def test_demo_hkl_is_small_and_the_generator_is_shipped():
    data = resources.files("nanobragg_nb.data")
    assert len(data.joinpath(demo.DEMO_HKL).read_bytes()) < 1_000_000
    assert data.joinpath("make_demo_hkl.py").is_file()


def test_demo_into_a_file_is_an_output_error(tmp_path, capsys):
    from nanobragg_nb import cli
    (tmp_path / "taken").write_text("a file, not a folder")
    assert cli.main(["--demo", str(tmp_path / "taken")]) == 6
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a folder" in err


def test_arguments_after_demo_change_the_example(tmp_path, capsys):
    from nanobragg_nb import cli
    status = cli.main(["--demo", str(tmp_path / "small"), "-detpixels", "64", "-nonoise", "--png-scale", "percentile"])
    out = capsys.readouterr().out
    assert status == 0
    folder = tmp_path / "small"
    assert (folder / "floatimage.bin").stat().st_size == 64 * 64 * 4
    assert not (folder / "noiseimage.img").exists()
    assert "noiseimage.img" not in out.split("demo: done")[1]
    assert "-seed 1 -detpixels 64 -nonoise" in out                     # how to run it again, changes included
    assert (folder / demo.PNG_NAME).is_file() and (folder / demo.TIFF_NAME).is_file()
