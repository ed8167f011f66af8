"""-printout of a pixel that never evaluates the lattice shows what the structure-factor loader left.

With every source beyond -dmin, the C's pixel loop assigns none of h, k, l, h0,
k0, l0 and F_cell, so -printout shows them as the loader left them: h0, k0, l0
are the loop counters of its table allocation, default_F fill, Fdump read and
write and interpolation-buffer allocation, and the targets of its second
``fscanf`` pass, whichever ran last. The expected lines are the serial C's
output for these arguments (F_latt, never assigned in the C, is left out).
"""
import contextlib
import io

import numpy as np
import pytest

from nanobragg_nb.programs.nanobragg.command import run

NO_LATTICE = "-cell 30 35 40 90 90 90 -N 5 -dmin 1000 -printout_pixel 0 0 -detpixels 32 -seed 1".split()

#: a 5 x 7 x 6 grid of indices whose last record, (-1, 0, 2), is none of the loop bounds
GRID = [(h, k, l) for h in range(-2, 3) for k in range(-3, 4) for l in range(-1, 5) if (h, k, l) != (-1, 0, 2)]
GRID.append((-1, 0, 2))
FILES = {
    "grid.hkl": "".join("%d %d %d %g\n" % (h, k, l, 1 + abs(h) + 2 * abs(k) + 0.5 * l) for h, k, l in GRID),
    # the third record stops after k: the ending fscanf call assigns h and k
    "partial.hkl": "1 2 3 10\n4 5 6 20\n7 8",
    # %d reads h0 = 1 and fails on ".5": k0 and l0 keep the earlier loops' values
    "frac.hkl": "1.5 2 3 10\n",
}
UNWRITABLE = ["-dumpfile", "missing/F.bin"]

#: case -> (arguments, the C's "hkl=" line, the C's F_cell)
C_LINES = {
    "cache written": (["-hkl", "grid.hkl"],
                      "hkl= -1.000000 0.000000 2.000000  hkl0= 6 8 2", "3"),
    "cache not written": (["-hkl", "grid.hkl", *UNWRITABLE],
                          "hkl= -1.000000 0.000000 2.000000  hkl0= -1 0 2", "3"),
    "interpolation": (["-hkl", "grid.hkl", "-interpolate"],
                      "hkl= -1.000000 0.000000 2.000000  hkl0= 6 6 2", "3"),
    "interpolation, cache not written": (["-hkl", "grid.hkl", "-interpolate", *UNWRITABLE],
                                         "hkl= -1.000000 0.000000 2.000000  hkl0= 6 6 2", "3"),
    "incomplete last record": (["-hkl", "partial.hkl"],
                               "hkl= 7.000000 8.000000 6.000000  hkl0= 5 5 6", "20"),
    "incomplete last record, cache not written": (["-hkl", "partial.hkl", *UNWRITABLE],
                                                  "hkl= 7.000000 8.000000 6.000000  hkl0= 7 8 6", "20"),
    "fractional index": (["-hkl", "frac.hkl", *UNWRITABLE],
                         "hkl= 1.500000 2.000000 3.000000  hkl0= 1 2 0", "10"),
    "fractional index after the default_F fill": (["-hkl", "frac.hkl", "-default_F", "2", *UNWRITABLE],
                                                  "hkl= 1.500000 2.000000 3.000000  hkl0= 1 1 1", "10"),
    "default_F only": (["-default_F", "7"],
                       "hkl= 0.000000 0.000000 0.000000  hkl0= 0 0 0", "0"),
    "default_F only, interpolation asked": (["-default_F", "7", "-interpolate"],
                                            "hkl= 0.000000 0.000000 0.000000  hkl0= 0 0 0", "0"),
    "Fdump cache read": (["FDUMP"],
                         "hkl= 0.000000 0.000000 0.000000  hkl0= 6 8 0", "0"),
    "Fdump cache read, interpolation": (["FDUMP", "-interpolate"],
                                        "hkl= 0.000000 0.000000 0.000000  hkl0= 6 6 0", "0"),
}


def _printout(args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert run(args + NO_LATTICE) == 0
    lines = out.getvalue().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("hkl="))
    return lines[at], lines[at + 1]


@pytest.mark.parametrize("case", sorted(C_LINES))
def test_printout_of_a_pixel_without_lattice_shows_the_loader_state(case, tmp_path, monkeypatch):
    args, hkl_line, F_cell = C_LINES[case]
    monkeypatch.chdir(tmp_path)
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    if args[0] == "FDUMP":
        _printout(["-hkl", "grid.hkl"])          # writes Fdump.bin
        args = args[1:]
    printed_hkl, printed_F = _printout(args)
    assert printed_hkl == hkl_line
    assert printed_F.startswith(f" F_cell={F_cell}  F_latt=") and printed_F.endswith("   I = 0")


def _log(args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert run(args) == 0
    return out.getvalue().splitlines()


def test_nan_cell_angles_keep_the_sign_of_the_c(tmp_path, monkeypatch):
    # alpha = 180 degrees: a singular cell, every length and angle NaN; atan2 passes the
    # cosine's -nan on as glibc does (Python's math.atan2 would make it +nan)
    monkeypatch.chdir(tmp_path)
    lines = _log("-default_F 1 -cell 30 35 40 180 90 90 -detpixels 32 -seed 1".split())
    assert "Unit Cell: -nan -nan -nan -nan -nan -nan" in lines
    assert "Recp Cell: -nan -nan -nan -nan -nan -nan" in lines


def test_gauss_lattice_factor_of_a_nan_pixel_is_the_c_s_positive_nan(tmp_path, monkeypatch):
    # -distance 0 on a curved detector: every position is -nan; the C's negation in
    # exp(-(rad_star_sqr / 0.63 * fudge)) turns it into +nan, which F_latt and I keep
    monkeypatch.chdir(tmp_path)
    lines = _log(("-cell 30 35 40 90 90 90 -default_F 10 -curved_det -distance 0 -detpixels 32 -gauss_xtal "
                  "-nointerpolate -seed 1 -printout_pixel 5 7").split())
    at = lines.index("   5    7 : stol = -nan or -nan")
    assert lines[at + 1:at + 8] == [
        "at -nan -nan -nan",
        "hkl= -nan -nan -nan  hkl0= -2147483648 -2147483648 -2147483648",
        " F_cell=10  F_latt=nan   I = nan",
        "I/steps             nan",
        "polar              -nan",
        "omega              -nan",
        "capfrac               1",
    ]


def test_nan_pixels_carry_the_c_s_sign(tmp_path, monkeypatch):
    # test (+nan) times polar and omega (-nan each): x86 returns the first operand's NaN, and the C's
    # left operand is test, so the pixels are +nan (0x7fc00000) and the statistics print "nan"
    monkeypatch.chdir(tmp_path)
    lines = _log(("-cell 30 35 40 90 90 90 -default_F 10 -curved_det -distance 0 -detpixels 32 -gauss_xtal "
                  "-nointerpolate -seed 1").split())
    image = np.fromfile(tmp_path / "floatimage.bin", dtype=np.uint32)
    assert set(image.tolist()) == {0x7FC00000}
    assert "mean= nan rms= nan rmsd= nan" in lines
    assert "nan photons on noise image (0 overloads)" in lines


def test_c_product_returns_the_first_nan():
    from numba import njit

    from nanobragg_nb.core.physics import c_product
    plus, minus = float("nan"), -float("nan")
    compiled = njit(lambda a, b: c_product(a, b))
    for product in (compiled, c_product):
        assert np.signbit(product(plus, minus)) == np.signbit(plus)
        assert np.signbit(product(minus, plus)) == np.signbit(minus)
        assert np.signbit(product(3.0, minus)) and np.isnan(product(3.0, minus))
        assert product(3.0, 2.0) == 6.0
