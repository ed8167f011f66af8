"""``nanobragg-nb noisify`` and ``add``: noisify.c's golden cases, the API, the errors, float sums.

The golden cases live in ../shared/golden/noisify (or $NANOBRAGG_GOLDEN/noisify);
without them those tests skip.
"""
import gzip
import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import numba
import numpy as np
import pytest

import nanobragg_nb
from nanobragg_nb import cli
from nanobragg_nb.errors import ArgumentError
from nanobragg_nb.programs.noisify import psf
from conftest import golden_root, run_cli

PROGRESS = re.compile(r"^\d+% done$")


def noisify_root():
    """The noisify cases: ``noisify/`` in the golden folder."""
    return golden_root() / "noisify"


def _case_names():
    manifest = noisify_root() / "manifest.json"
    return sorted(json.loads(manifest.read_text())) if manifest.is_file() else ["(noisify golden data absent)"]


@pytest.fixture(scope="module")
def nz_golden():
    root = noisify_root()
    if not (root / "manifest.json").is_file():
        pytest.skip(f"noisify golden data not found at {root} (set NANOBRAGG_GOLDEN to the golden folder)")
    return root


@pytest.fixture(scope="module")
def nz_manifest(nz_golden):
    return json.loads((nz_golden / "manifest.json").read_text())


def _inputs(root):
    return root / "inputs" if (root / "inputs").is_dir() else root.parent / "inputs"


def _run_case(root, manifest, name, folder, monkeypatch, capsys, extra=()):
    spec = manifest[name]
    for f in spec["inputs"]:
        shutil.copy(_inputs(root) / f, folder)
    monkeypatch.chdir(folder)
    capsys.readouterr()
    status = cli.main(["noisify", *extra, *spec["args"].split()])
    return spec, status, capsys.readouterr().out


def _check_files(root, name, spec, folder):
    for fname, info in spec["files"].items():
        got = (folder / fname).read_bytes()
        stored = root / "cases" / name / (fname + ".gz")
        if stored.is_file():
            assert got == gzip.decompress(stored.read_bytes()), fname
        else:
            assert hashlib.sha256(got).hexdigest() == info["sha256"], fname


@pytest.mark.golden
@pytest.mark.parametrize("name", _case_names())
def test_golden_case(nz_golden, nz_manifest, name, tmp_path, monkeypatch, capsys):
    spec, status, out = _run_case(nz_golden, nz_manifest, name, tmp_path, monkeypatch, capsys)
    assert status == spec["exit_code"]
    _check_files(nz_golden, name, spec, tmp_path)
    ref = (nz_golden / "cases" / name / "stdout.txt").read_text()
    assert [l.rstrip() for l in out.splitlines()] == [l.rstrip() for l in ref.splitlines()]


@pytest.mark.golden
@pytest.mark.parametrize("name", ["nz_psf_gauss", "nz_psf_fiber"])
@pytest.mark.parametrize("threads", [1, 2])
def test_thread_count_does_not_change_bits(nz_golden, nz_manifest, name, threads, tmp_path, monkeypatch, capsys):
    if threads > numba.config.NUMBA_NUM_THREADS:
        pytest.skip(f"only {numba.config.NUMBA_NUM_THREADS} Numba threads available")
    spec, status, _ = _run_case(nz_golden, nz_manifest, name, tmp_path, monkeypatch, capsys,
                                extra=("--threads", str(threads)))
    assert status == 0
    _check_files(nz_golden, name, spec, tmp_path)


def _blob(shape=(64, 48), seed=3):
    rng = np.random.default_rng(seed)
    img = rng.exponential(2.0, size=shape).astype(np.float32)
    img[10, 7] = 5000.0
    img[0, 0] = 300.0            # a corner: the C's wrap at x == xpixels, and rows above 0
    img[-1, -1] = 800.0
    img[5, -1] = 900.0           # the last column spills into the next row
    img[20:30, 20:25] = 0.0
    return img


@pytest.mark.parametrize("kind", [psf.GAUSS, psf.FIBER])
@pytest.mark.parametrize("user_radius", [0, 4, -2])
def test_psf_bands_do_not_change_bits(kind, user_radius):
    img = _blob().reshape(-1)
    ypixels, xpixels = _blob().shape
    fwhm = 1.7
    g = fwhm * psf.FIBER_G_PER_FWHM
    radius = user_radius if user_radius > 0 else 6
    kernel = psf.psf_kernel(kind, fwhm, g, radius)
    radii, _ = psf.source_radii(img, xpixels, ypixels, kind, fwhm, g, user_radius)
    reach = max(radius, int(radii.max()))
    results = [psf.scatter(img, radii, kernel, radius, reach, xpixels, ypixels, rows) for rows in (1, 3, 8, 200)]
    for other in results[1:]:
        assert np.array_equal(results[0].view(np.uint32), other.view(np.uint32))
    if user_radius >= 0:
        assert results[0].sum() > 0


def _serial_scatter(img, radii, kernel, radius, xpixels, ypixels):
    """The C's loop order, in plain Python (slow; small images only)."""
    pixels = xpixels * ypixels
    out = np.zeros(pixels + 1, dtype=np.float32)      # the C's spare element, dropped at the end
    size = 2 * radius + 1
    for i in range(pixels):
        if not img[i] > 0.0:
            continue
        r = int(radii[i])
        x0, y0 = i % xpixels, i // xpixels
        for dx in range(-r, r + 1):
            for dy in range(-r, r + 1):
                k = size * (size // 2 + dy) + size // 2 + dx
                if kernel[k] == 0.0 or dx * dx + dy * dy > r * r:
                    continue
                x, y = x0 + dx, y0 + dy
                if x < 0 or x > xpixels or y < 0 or y > ypixels:
                    continue
                j = y * xpixels + x
                if 0 <= j <= pixels:
                    out[j] = np.float32(np.float64(out[j]) + np.float64(img[i]) * kernel[k])
    return out[:pixels]


def test_psf_scatter_matches_the_serial_loop_order():
    img2 = _blob((24, 20))
    img = img2.reshape(-1)
    ypixels, xpixels = img2.shape
    kernel = psf.psf_kernel(psf.GAUSS, 2.3, 0.0, 5)
    radii, _ = psf.source_radii(img, xpixels, ypixels, psf.GAUSS, 2.3, 0.0, 0)
    got = psf.scatter(img, radii, kernel, 5, int(radii.max()), xpixels, ypixels, 4)
    want = _serial_scatter(img, radii, kernel, 5, xpixels, ypixels)
    assert np.array_equal(got.view(np.uint32), want.view(np.uint32))


@pytest.mark.golden
def test_add_noise_gives_the_golden_images(nz_golden):
    img = np.fromfile(_inputs(nz_golden) / "bragg256.bin", dtype=np.float32).reshape(256, 256)
    result = nanobragg_nb.add_noise(img, seed=7, psf="gauss", psf_fwhm_um=100, pixel_mm=0.1, distance_mm=80)
    case = nz_golden / "cases" / "nz_psf_gauss"
    for name, image in (("noiseimage.img", result.noiseimage), ("intimage.img", result.intimage)):
        assert result.header + image.tobytes() == gzip.decompress((case / (name + ".gz")).read_bytes())
    assert image.shape == (256, 256) and image.dtype == np.uint16
    assert "adding back" in result.log


def test_add_noise_api():
    img = _blob()
    a = nanobragg_nb.add_noise(img, seed=5, readout_noise=2.0)
    b = nanobragg_nb.add_noise(img, seed=5, readout_noise=2.0)
    c = nanobragg_nb.add_noise(img, seed=6, readout_noise=2.0)
    assert np.array_equal(a.noiseimage, b.noiseimage) and not np.array_equal(a.noiseimage, c.noiseimage)
    assert a.noiseimage.shape == img.shape and a.pgmimage.dtype == np.uint8
    quiet = nanobragg_nb.add_noise(img, seed=5, noise=False, pgm=False)
    assert quiet.noiseimage is None and quiet.pgmimage is None
    assert np.array_equal(quiet.intimage, np.minimum(img.astype(np.float64) + 40.0, 65535).astype(np.uint16))
    wide = nanobragg_nb.add_noise(img * 1e4, seed=5, bits=32)
    assert wide.noiseimage.dtype == np.uint32 and wide.noiseimage.max() > 65535
    with pytest.raises(ArgumentError):
        nanobragg_nb.add_noise(img, psf="airy")


def test_add_sums_in_order_as_chained_float_add():
    rng = np.random.default_rng(0)
    a, b, c = (rng.normal(size=(8, 9)).astype(np.float32) * 1e3 for _ in range(3))
    ab = (a.astype(np.float64) + b).astype(np.float32)
    assert np.array_equal(nanobragg_nb.add(a, b, c), (ab.astype(np.float64) + c).astype(np.float32))
    with pytest.raises(ArgumentError):
        nanobragg_nb.add(a, b[:4])


def test_add_command(tmp_path):
    a = np.arange(12, dtype=np.float32)
    a.tofile(tmp_path / "a.bin")
    (a * 2).tofile(tmp_path / "b.bin")
    proc = run_cli(["add", "a.bin", "b.bin", "-o", "sum.bin"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert np.array_equal(np.fromfile(tmp_path / "sum.bin", dtype=np.float32), a * 3)
    np.zeros(5, np.float32).tofile(tmp_path / "c.bin")
    proc = run_cli(["add", "a.bin", "c.bin", "-o", "bad.bin"], tmp_path)
    assert proc.returncode == 3 and "same size" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "bad.bin").exists()


def _one_error_line(proc, status, words):
    assert proc.returncode == status, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nanobragg-nb: ") and "Traceback" not in proc.stderr
    assert words in lines[0]


@pytest.fixture
def small_float(tmp_path):
    _blob((16, 16)).tofile(tmp_path / "in.bin")
    return tmp_path


def test_missing_float_image(small_float):
    _one_error_line(run_cli(["noisify", "-floatfile", "nothere.bin", "-seed", "1"], small_float), 3, "nothere.bin")


def test_no_float_image_is_the_usage_exit(small_float):
    proc = run_cli(["noisify", "-seed", "1"], small_float)
    _one_error_line(proc, 9, "no float image")
    assert "usage: noisify -floatfile floatimage.bin" in proc.stdout


def test_float_image_size_must_match_the_detector(small_float):
    proc = run_cli(["noisify", "-floatfile", "in.bin", "-detpixels", "20", "-seed", "1"], small_float)
    _one_error_line(proc, 3, "20 x 20")
    assert not (small_float / "intimage.img").exists()


def test_unknown_psf_type(small_float):
    _one_error_line(run_cli(["noisify", "-floatfile", "in.bin", "-psf", "airy", "-seed", "1"], small_float), 2,
                    "airy")


def test_unwritable_output(small_float):
    proc = run_cli(["noisify", "-floatfile", "in.bin", "-seed", "1", "-noisefile", "no/such/dir/n.img"],
                   small_float)
    _one_error_line(proc, 6, "no/such/dir/n.img")


def test_noisify_c_random_numbers_are_nanobraggs():
    """noisify.c's ran1, gaussdev, poidev and gammln are nanoBragg.c's but for white space."""
    src = os.environ.get("NB_C_SRC") or "/work/cref/nb/nanoBragg.c"
    nb_c, nz_c = Path(src), Path(src).with_name("noisify.c")
    if not (nb_c.is_file() and nz_c.is_file()):
        pytest.skip("nanoBragg.c and noisify.c not found (set NB_C_SRC to nanoBragg.c beside noisify.c)")

    def body(text, name):
        start = re.search(rf"^float {name}\([^;]*?\)\s*$", text, re.M).start()
        depth, i = 0, text.index("{", start)
        for j in range(i, len(text)):
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            if depth == 0:
                return re.sub(r"\s+", "", re.sub(r"/\*.*?\*/", "", text[start:j + 1], flags=re.S))

    a, b = nb_c.read_text(errors="replace"), nz_c.read_text(errors="replace")
    for name in ("ran1", "gaussdev", "poidev", "gammln"):
        assert body(a, name) == body(b, name), name
