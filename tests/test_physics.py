"""Physics functions against values of nanoBragg.c's own functions.

The expected bit patterns were produced by nanoBragg.c's sincg, sinc3, rotate,
rotate_axis, rotate_umat, unitize, polarization_factor and polin3, compiled
with gcc -O2 on x86-64 (glibc libm) and called with the arguments below.
"""
import math

import numpy as np
import pytest
from numba import njit

from nanobragg_nb.core import physics

XS = (0.0, 1e-300, 0.3, -2.7, 3.14159, 1000.123456, -1e5 + 0.5, 12345.678)
NS = (2.0, 5.0, 10.0, 100.0)

SINCG = {
    "sincg 0 0": 0x4000000000000000,
    "sincg 0 1": 0x4014000000000000,
    "sincg 0 2": 0x4024000000000000,
    "sincg 0 3": 0x4059000000000000,
    "sincg 1 0": 0x4000000000000000,
    "sincg 1 1": 0x4014000000000000,
    "sincg 1 2": 0x4024000000000000,
    "sincg 1 3": 0x4059000000000000,
    "sincg 2 0": 0x3ff2cf2304755a5e,
    "sincg 2 1": 0xbff3c6ef372fe94f,
    "sincg 2 2": 0x3cc05c8dff1428b8,
    "sincg 2 3": 0xbd0e00c7f69c82c2,
    "sincg 3 0": 0xbff2cf2304755a5b,
    "sincg 3 1": 0xbff3c6ef372fe94e,
    "sincg 3 2": 0x3d0317877b134b8e,
    "sincg 3 3": 0xbd37dd6959d81e72,
    "sincg 4 0": 0xbffce2d3ef5c0253,
    "sincg 4 1": 0x3ffd86f786dfe817,
    "sincg 4 2": 0x4001f261d73310d9,
    "sincg 4 3": 0xbff1cf9f821a2d7b,
    "sincg 5 0": 0x3ffd9f89d7a580f2,
    "sincg 5 1": 0x4003bbbcecc3824f,
    "sincg 5 2": 0xbffc6ddc2a1bf827,
    "sincg 5 3": 0x4002b67fd89374fc,
    "sincg 6 0": 0xbdd142c74da775d8,
    "sincg 6 1": 0x3ff0000000000000,
    "sincg 6 2": 0xbdd64de484454d3a,
    "sincg 6 3": 0x3e337c2bb4aad411,
    "sincg 7 0": 0x3ff0f9f29757bbb0,
    "sincg 7 1": 0xbff1c25bba41a6a9,
    "sincg 7 2": 0xbfe8101888b2dd80,
    "sincg 7 3": 0x3fe630627caed80b,
}

SINC3 = {
    "sinc3 0": 0x3ff0000000000000,
    "sinc3 1": 0xfff8000000000000,
    "sinc3 2": 0x3feebf6f461aaffa,
    "sinc3 3": 0xbfb5f61aa7f76ddd,
    "sinc3 4": 0xbfafe8f8cc42c665,
    "sinc3 5": 0x3e732464a876fc67,
    "sinc3 6": 0x3dc9c2e566df5cd5,
    "sinc3 7": 0xbdf54f6813d23e4b,
}

OTHER = {
    "rotate x": 0x40007ca86e100c0b,
    "rotate y": 0xbffbcbdfcc1080bf,
    "rotate z": 0x3fd7b4c178fc27c2,
    "rotate_y x": 0x3ff572ce1a8f06d6,
    "rotate_y y": 0xc002000000000000,
    "rotate_y z": 0xbfe79478851faa82,
    "rotax x": 0x4002ccab44fedf32,
    "rotax y": 0xbff2e8aad89a03c8,
    "rotax z": 0xbfe64111a1978af4,
    "umat x": 0x3ff3eb851eb851eb,
    "umat y": 0xc002ac083126e979,
    "umat z": 0x3fe13b645a1cac08,
    "unit mag": 0x402a000000000000,
    "unit x": 0x3fcd89d89d89d89e,
    "unit y": 0x3fd3b13b13b13b14,
    "unit z": 0x3fed89d89d89d89e,
    "polar0": 0x3fedc9882b931057,
    "polar95": 0x3fe6435199419921,
    "polar95 dif x": 0x3fde82c3f9d89e1d,
    "polar95 pol z": 0x3fef2ea4dfbabf28,
    "polin3": 0x40723d2e93250d25,
}


def bits(x):
    return int(np.float64(x).view(np.uint64))


@njit(error_model="numpy")
def _sincg(x, n):
    return physics.sincg(math.pi * x, n)


@njit(error_model="numpy")
def _sinc3(x):
    return physics.sinc3(x * 2.1)


@pytest.mark.parametrize("i", range(len(XS)))
@pytest.mark.parametrize("j", range(len(NS)))
def test_sincg_matches_c(i, j):
    expected = SINCG[f"sincg {i} {j}"]
    assert bits(_sincg(XS[i], NS[j])) == expected
    assert bits(physics.sincg(math.pi * XS[i], NS[j])) == expected   # plain Python runs the same code


@pytest.mark.parametrize("i", range(len(XS)))
def test_sinc3_matches_c(i):
    got = _sinc3(XS[i])
    expected = SINC3[f"sinc3 {i}"]
    if math.isnan(np.float64(0).view(np.float64) + np.uint64(expected).view(np.float64)):
        assert math.isnan(got)            # 0/0 when x*x underflows, as in the C
    else:
        assert bits(got) == expected


def test_rotations_match_c():
    v = (1.5, -2.25, 0.3)
    for name, got in (("rotate", physics.rotate(*v, 0.1, -0.2, 0.3)),
                      ("rotate_y", physics.rotate(*v, 0.0, 0.7, 0.0)),
                      ("rotax", physics.rotate_axis(*v, 0.267261241912424, 0.534522483824849,
                                                    0.801783725737273, 0.0174532925199433 * 37)),
                      ("umat", physics.rotate_umat(*v, np.array([0.99, 0.1, -0.05, -0.1, 0.98, 0.07, 0.04, -0.08,
                                                                 0.995]), 0))):
        assert [bits(x) for x in got] == [OTHER[f"{name} {c}"] for c in "xyz"], name


def test_unitize_matches_c():
    mag, x, y, z = physics.unitize(3.0, 4.0, 12.0)
    assert [bits(v) for v in (mag, x, y, z)] == [OTHER[k] for k in ("unit mag", "unit x", "unit y", "unit z")]
    assert physics.unitize(0.0, 0.0, 0.0) == (0.0, 0.0, 0.0, 0.0)


def test_polarization_factor_matches_c():
    polar = physics.polarization_factor(0.0, 1.0, 0.0, 0.0, 0.9, 0.3, -0.2, 0.0, 0.0, 1.0)[0]
    assert bits(polar) == OTHER["polar0"]
    out = physics.polarization_factor(0.95, 0.999, 0.01, -0.02, 0.5, -0.6, 0.7, 0.1, 0.2, 0.97)
    assert bits(out[0]) == OTHER["polar95"]
    assert bits(out[4]) == OTHER["polar95 dif x"]      # diffracted is unitized in place in the C
    assert bits(out[9]) == OTHER["polar95 pol z"]      # and so is the polarization axis


def test_polin3_matches_c():
    hd = [i - 1 + 3 for i in range(4)]
    kd = [i - 1 - 2 for i in range(4)]
    ld = [i - 1 + 5 for i in range(4)]
    F = np.zeros((4, 4, 4))
    for i, h in enumerate(hd):
        for j, k in enumerate(kd):
            for m, l in enumerate(ld):
                F[i, j, m] = h * 100 + k * 10 + l + h * k * l * 0.37 + math.sin(h + k * l)
    # grid points h 2..5, k -3..0, l 4..7 are floor-1 .. floor+2 for floors 3, -2, 5
    got = physics.polin3(3, -2, 5, F, 0, 0, 0, 3.3, -2.6, 5.45)
    assert bits(got) == OTHER["polin3"]
