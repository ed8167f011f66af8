"""--png, --tiff and --cbf, and the C's SMV files as fabio reads them."""
import os
import re

import numpy as np
import pytest

from nanobragg_nb import cli
from nanobragg_nb.programs.nanobragg import extra_outputs
from nanobragg_nb.errors import ArgumentError

fabio = pytest.importorskip("fabio")
tifffile = pytest.importorskip("tifffile")

PIXELS = 64
BASE = ["-default_F", "100", "-cell", "100", "100", "100", "90", "90", "90", "-lambda", "6.2", "-N", "5",
        "-distance", "100", "-pixel", "0.1", "-detpixels", str(PIXELS), "-seed", "1"]


def run_in(folder, args):
    here = os.getcwd()
    os.chdir(folder)
    try:
        status = cli.main(args)
    finally:
        os.chdir(here)
    return status


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One small simulation with every extra image."""
    folder = tmp_path_factory.mktemp("extras")
    status = run_in(folder, BASE + ["--png", "preview.png", "--tiff", "image.tif", "--cbf", "image.cbf"])
    assert status == 0
    return folder


def smv_header(path):
    text = open(path, "rb").read(512).decode("latin-1")
    return dict(re.findall(r"(\w+)=([^;\n]*)", text))


def test_fabio_reads_the_smv_images(run):
    for name in ("intimage.img", "noiseimage.img"):
        image = fabio.open(str(run / name))
        raw = np.fromfile(run / name, dtype=np.uint16, offset=512)
        assert image.data.shape == (PIXELS, PIXELS)
        assert np.array_equal(image.data.ravel(), raw)
        assert int(image.header["SIZE1"]) == int(image.header["SIZE2"]) == PIXELS
        assert float(image.header["PIXEL_SIZE"]) == 0.1
        assert float(image.header["DISTANCE"]) == 100.0
        assert float(image.header["WAVELENGTH"]) == 6.2
        assert image.header["BYTE_ORDER"] == "little_endian"
    noise = fabio.open(str(run / "noiseimage.img")).data
    assert noise.min() >= 40 and noise.max() > noise.min()        # ADC offset, and some signal


def test_tiff_holds_the_float_image_and_the_geometry(run):
    floats = np.fromfile(run / "floatimage.bin", dtype=np.float32).reshape(PIXELS, PIXELS)
    with tifffile.TiffFile(run / "image.tif") as tif:
        data = tif.asarray()
        meta = tif.shaped_metadata[0]
        page = tif.pages[0]
        assert page.tags["ResolutionUnit"].value == 3                          # centimetre
        assert page.tags["XResolution"].value[0] / page.tags["XResolution"].value[1] == pytest.approx(100.0)
    assert data.dtype == np.float32
    assert np.array_equal(data.view(np.uint32), floats.view(np.uint32))    # every bit
    header = smv_header(run / "intimage.img")
    assert meta["pixel_size_mm"] == pytest.approx(float(header["PIXEL_SIZE"]))
    assert meta["distance_mm"] == pytest.approx(float(header["DISTANCE"]))
    assert meta["wavelength_A"] == pytest.approx(float(header["WAVELENGTH"]))
    # the header's ADXV_CENTER_X and DENZO_X_BEAM are Fbeam and Sbeam in mm, printed with %g
    assert meta["beam_fast_mm"] == pytest.approx(float(header["ADXV_CENTER_X"]), rel=1e-5)
    assert meta["beam_slow_mm"] == pytest.approx(float(header["DENZO_X_BEAM"]), rel=1e-5)
    assert meta["units"] == "photons per pixel"


def test_cbf_holds_the_noise_image_and_the_geometry(run):
    cbf = fabio.open(str(run / "image.cbf"))
    smv = fabio.open(str(run / "noiseimage.img"))
    assert cbf.data.dtype == np.int32
    assert np.array_equal(cbf.data, smv.data.astype(np.int32))
    contents = cbf.header["_array_data.header_contents"]
    assert "# Pixel_size 0.0001 m x 0.0001 m" in contents
    assert "# Wavelength 6.200000 A" in contents
    assert "# Detector_distance 0.1 m" in contents
    beam = re.search(r"# Beam_xy \(([-\d.]+), ([-\d.]+)\) pixels", contents)
    header = smv_header(run / "intimage.img")
    assert float(beam.group(1)) == pytest.approx(float(header["ADXV_CENTER_X"]) / 0.1, abs=0.01)
    assert float(beam.group(2)) == pytest.approx(float(header["DENZO_X_BEAM"]) / 0.1, abs=0.01)


def png_pixels(path):
    from matplotlib.image import imread
    return imread(str(path))[..., :3]


def red_mask(rgb):
    return (rgb[..., 0] > 0.8) & (rgb[..., 1] < 0.3) & (rgb[..., 2] < 0.3)


def test_png_layout_and_beam_marker(run):
    pytest.importorskip("matplotlib")
    rgb = png_pixels(run / "preview.png")
    layout = extra_outputs.png_layout((PIXELS, PIXELS))
    assert (rgb.shape[1], rgb.shape[0]) == layout["size"]
    left, top, width, height = layout["image_box"]
    header = smv_header(run / "intimage.img")
    # Fbeam, Sbeam (mm) -> pixel-centre coordinates -> screen pixels of the image box
    fast = float(header["ADXV_CENTER_X"]) / 0.1 - 0.5
    slow = float(header["DENZO_X_BEAM"]) / 0.1 - 0.5
    x = left + (fast + 0.5) / PIXELS * width
    y = top + (slow + 0.5) / PIXELS * height
    ys, xs = np.nonzero(red_mask(rgb))
    assert xs.size > 0
    assert abs(np.median(xs) - x) < 2 and abs(np.median(ys) - y) < 2
    assert np.all(np.abs(xs - x) < 12) and np.all(np.abs(ys - y) < 12)    # nothing else is red


def test_beam_marker_position_is_where_the_direct_beam_lands(tmp_path):
    """Water scatters most where the detector is nearest: at the beam spot for an untilted detector.

    One sample per pixel: with more, the C takes the solid angle of the whole
    pixel at its first sub-pixel (parity.md Q-S1), which moves the maximum.
    """
    args = ["-default_F", "1e-20", "-cell", "100", "100", "100", "90", "90", "90", "-lambda", "1", "-water", "100",
            "-distance", "20", "-pixel", "0.1", "-detpixels", str(PIXELS), "-Xbeam", "2.03", "-Ybeam", "4.27",
            "-oversample", "1", "-nonoise", "-nopgm", "--tiff", "w.tif"]
    assert run_in(tmp_path, args) == 0
    with tifffile.TiffFile(tmp_path / "w.tif") as tif:
        image = tif.asarray()
        meta = tif.shaped_metadata[0]
    slow, fast = np.unravel_index(np.argmax(image), image.shape)
    beam = extra_outputs.beam_pixel(meta)
    assert (fast, slow) == (round(beam[0]), round(beam[1]))
    assert (fast, slow) != (PIXELS // 2, PIXELS // 2)


def test_png_scalings_differ_and_bad_scaling_stops_before_the_run(tmp_path):
    pytest.importorskip("matplotlib")
    assert run_in(tmp_path, BASE + ["-nonoise", "--png", "log.png"]) == 0
    assert run_in(tmp_path, BASE + ["-nonoise", "--png", "lin.png", "--png-scale", "percentile=99"]) == 0
    assert not np.array_equal(png_pixels(tmp_path / "log.png"), png_pixels(tmp_path / "lin.png"))
    os.remove(tmp_path / "floatimage.bin")
    assert run_in(tmp_path, BASE + ["--png", "x.png", "--png-scale", "sqrt"]) == ArgumentError.exit_status
    assert not (tmp_path / "floatimage.bin").exists()


def test_missing_optional_packages_stop_before_the_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(extra_outputs, "_importable", lambda module: False)
    assert run_in(tmp_path, BASE + ["--png", "x.png"]) == ArgumentError.exit_status
    assert 'pip install "nanobragg-nb[png]"' in capsys.readouterr().err
    assert run_in(tmp_path, BASE + ["--cbf", "x.cbf"]) == ArgumentError.exit_status
    assert "needs fabio" in capsys.readouterr().err
    assert not (tmp_path / "floatimage.bin").exists()


@pytest.mark.parametrize("text, expected", [("log", ("log", None)), ("percentile", ("percentile", 99.9)),
                                            ("percentile=95", ("percentile", 95.0))])
def test_parse_png_scale(text, expected):
    assert extra_outputs.parse_png_scale(text) == expected


@pytest.mark.parametrize("text", ["", "lin", "percentile=0", "percentile=101", "percentile=x", "log=3"])
def test_parse_png_scale_refuses(text):
    with pytest.raises(ArgumentError):
        extra_outputs.parse_png_scale(text)


def test_block_max_keeps_single_bright_pixels():
    image = np.zeros((10, 7))
    image[9, 6] = 5.0
    image[0, 0] = 3.0
    reduced = extra_outputs.block_max(image, 4)
    assert reduced.shape == (3, 2)
    assert reduced[2, 1] == 5.0 and reduced[0, 0] == 3.0
    assert reduced.sum() == 8.0


def test_display_limits_saturate_the_brightest_pixels():
    image = np.ones((100, 100))
    image[0, 0] = 1e6                       # one hot pixel must not wash out the rest
    vmin, vmax = extra_outputs.display_limits(image, "log", None)
    assert vmin == 1.0 and vmax < 1e6
    vmin, vmax = extra_outputs.display_limits(np.zeros((4, 4)), "log", None)
    assert 0 < vmin < vmax
    vmin, vmax = extra_outputs.display_limits(np.full((3, 3), np.nan), "percentile", 99.0)
    assert vmin < vmax


def test_png_of_an_all_nan_image(tmp_path):
    """-lambda 0 makes every pixel NaN: the preview is still drawn (a log scale needs vmin > 0)."""
    status = run_in(tmp_path, BASE + ["-lambda", "0", "--png", "nan.png", "--png-scale", "log"])
    assert status == 0
    assert np.isnan(np.fromfile(tmp_path / "floatimage.bin", dtype=np.float32)).all()
    assert (tmp_path / "nan.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    vmin, vmax = extra_outputs.display_limits(np.full((3, 3), np.nan), "log", None)
    assert 0 < vmin < vmax
