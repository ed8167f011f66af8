"""``--trace-pixel``: the traced values reproduce the pixel and agree with the C's -printout_pixel.

Golden cases from ../shared/golden (skipped where absent): the pixel values
the serial C wrote, and the -printout_pixel lines of its stdout.
"""
import gzip
import math

import numpy as np
import pytest

from nanobragg_nb.audit import trace
from nanobragg_nb.programs.nanobragg.api import simulate
from nanobragg_nb.programs.nanobragg.cparse import parse_args
from conftest import run_cli, stage_case


def _run(golden, manifest, name, folder, monkeypatch):
    spec = manifest[name]
    stage_case(golden, spec, folder)
    monkeypatch.chdir(folder)
    result = simulate(parse_args(spec["args"].split()).config)
    ref = np.frombuffer(gzip.decompress((golden / "cases" / name / "floatimage.bin.gz").read_bytes()), np.float32)
    return result, ref.reshape(result.floatimage.shape)


def _c_printout(tr, s):
    """The lines nanoBragg.c's -printout prints for a pixel, from the traced values (C L3051-3072)."""
    x, y, z = tr.last("pixel_pos")
    h, k, l = tr.last("hkl")
    a, b, c = tr.last("a"), tr.last("b"), tr.last("c")
    I = tr.last("I", tr.constants["I_bg"])
    twotheta = math.atan2(math.sqrt(y * y + z * z), x)
    lines = ["%4d %4d : stol = %g or %g" % (tr.fpixel, tr.spixel, tr.last("stol"),
                                            math.sin(twotheta / 2.0) / (s.lambda0 * 1e10)),
             "at %g %g %g" % (x, y, z),
             "hkl= %f %f %f  hkl0= %d %d %d" % (h, k, l, *tr.last("hkl0")),
             " F_cell=%g  F_latt=%g   I = %g" % (tr.last("F_cell"), tr.last("F_latt"), I),
             "I/steps %15.10g" % (I / tr.constants["steps"]),
             "polar   %15.10g" % tr.last("polar"),
             "omega   %15.10g" % tr.last("omega_pixel"),
             "capfrac %15.10g" % tr.last("capture_fraction"),
             "pixel   %15.10g" % tr.floatimage,
             "real-space cell vectors (Angstrom):",
             "     %-10s  %-10s  %-10s" % ("a", "b", "c")]
    for i, axis in enumerate("XYZ"):
        lines.append("%s: %11.8f %11.8f %11.8f" % (axis, a[i] * 1e10, b[i] * 1e10, c[i] * 1e10))
    return lines


@pytest.mark.golden
def test_trace_matches_the_c_printout(golden, manifest, tmp_path, monkeypatch):
    result, ref = _run(golden, manifest, "out_printout_pixel", tmp_path, monkeypatch)
    tr = trace.trace_values(result.setup, 20, 30)
    assert tr.floatimage == ref[30, 20] == result.floatimage[30, 20]
    stdout = (golden / "cases" / "out_printout_pixel" / "stdout.txt").read_text().splitlines()
    start = next(i for i, line in enumerate(stdout) if line.startswith("  20   30 : stol"))
    expected = _c_printout(tr, result.setup)
    assert stdout[start:start + len(expected)] == expected
    # the loop order: every value of the pixel appears, in the C's order
    names = [n for n, _ in tr.values]
    order = ["thick_tic", "subpixel", "pixel_pos", "diffracted", "airpath", "omega_pixel", "capture_fraction",
             "source", "incident", "lambda", "scattering", "stol", "polar", "phi_tic", "phi", "mos_tic", "a", "b",
             "c", "hkl", "hkl0", "F_latt", "F_cell", "I", "pixel"]
    assert [names.index(n) for n in order] == sorted(names.index(n) for n in order)


# pixels chosen where the serial state differs: the first rendered pixel, pixels after
# masked or skipped ones, after the interpolation switch-off, and the last pixel
CASES = {
    "samp_phi_sweep": [(0, 0), (1, 0), (64, 64), (127, 127)],       # phi == 0 reuses the previous rotation
    "samp_phi_offset": [(0, 0), (5, 0), (100, 90)],                  # a later phi step hits 0 exactly
    "hkl_interp_fallback": [(0, 0), (64, 64), (127, 127)],          # interpolation switched off on the way
    "samp_dmin": [(0, 0), (64, 64), (127, 0)],                       # sources skipped by -dmin
    "samp_oversample_flags": [(0, 0), (50, 40)],                     # every -oversample_* flag
    "mix_everything": [(0, 0), (48, 48), (95, 95)],                  # sources, mosaic, phi, water, thickness
    "samp_mask": [(0, 0), (64, 64), (127, 127)],
}


@pytest.mark.golden
@pytest.mark.parametrize("name", sorted(CASES))
def test_trace_reproduces_the_c_pixel(golden, manifest, name, tmp_path, monkeypatch):
    result, ref = _run(golden, manifest, name, tmp_path, monkeypatch)
    states = []
    for f, s in CASES[name]:
        tr = trace.trace_values(result.setup, f, s)
        if tr is None:                       # a masked pixel: the C leaves it 0
            assert ref[s, f] == 0.0
            continue
        states.append(tr.state)
        assert tr.floatimage.tobytes() == ref[s, f].tobytes(), (f, s)
    if name == "hkl_interp_fallback":
        assert states[0][2] and not states[-1][2]         # on at the first pixel, off at the last
    if name == "samp_phi_sweep":
        assert states[0][0] == 0 and states[-1][0] != 0   # a0 first, then the stale rotation


@pytest.mark.golden
def test_trace_pixel_from_the_command_line(golden, manifest, tmp_path):
    spec = manifest["out_printout_pixel"]
    stage_case(golden, spec, tmp_path)
    proc = run_cli(spec["args"].split() + ["--trace-pixel", "20", "30", "--trace-file", "trace.txt"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "trace.txt").read_text()
    lines = text.splitlines()
    assert lines[0].startswith("# nanobragg-nb --trace-pixel 20 30")
    assert "fpixel 20" in lines and "spixel 30" in lines
    ref = np.frombuffer(gzip.decompress((golden / "cases" / "out_printout_pixel" / "floatimage.bin.gz")
                                        .read_bytes()), np.float32).reshape(64, 64)
    value = next(line for line in lines if line.startswith("floatimage "))
    assert np.float32(float(value.split()[1])) == ref[30, 20]
    assert lines[-1] == "# the traced value equals the pixel of the image"
    # every value line is name and numbers at full precision
    for line in lines:
        if not line.startswith("#"):
            name, *values = line.split(" ")
            assert values and all(float(v) == float(v) or v == "nan" for v in values)
    # the C's own printout still goes to stdout, untouched by the trace
    assert "  20   30 : stol = 1.02797e+07 or 0.00102797" in proc.stdout


def test_trace_pixel_outside_the_detector(tmp_path):
    proc = run_cli("-default_F 1 -cell 50 50 50 90 90 90 -detpixels 8 -seed 1 --trace-pixel 8 0".split(), tmp_path)
    assert proc.returncode == 2
    assert "outside the 8x8 detector" in proc.stderr


def test_trace_pixel_outside_the_roi(tmp_path):
    proc = run_cli("-default_F 1 -cell 50 50 50 90 90 90 -detpixels 8 -seed 1 -roi 2 5 2 5 "
                   "--trace-pixel 0 0".split(), tmp_path)
    assert proc.returncode == 0
    assert "the C does not render this pixel" in proc.stderr
