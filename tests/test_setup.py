"""The setup phase: step logic, conventions, pivots, rotations, cell, sources.

``data/c_setup_logs.json`` holds, for each argument list below, everything
nanoBragg.c (serial build of bl831/nanoBragg 455534a, x86-64) printed before
its pixel loop. Those lines carry the derived geometry (Fbeam, Sbeam, Fclose,
Sclose, the DIALS origin = 1000 pix0, the rotated detector axes), the step
logic (thick, phi, divergence and wavelength lists), the cell and the
sources, so comparing them line by line checks each convention and pivot.
"""
import json
import math
from pathlib import Path

import pytest

from nanobragg_nb.core import rng
from nanobragg_nb.core.config import RTD
from nanobragg_nb.programs.nanobragg.cparse import parse_args
from nanobragg_nb.core.log import Log
from nanobragg_nb.core.setup import Setup, prepare
from nanobragg_nb.core.setup.beam import step_logic
from nanobragg_nb.core.setup.sampling import phi_steps
from nanobragg_nb.core.setup.state import FIELD_NAMES

C_LOGS = json.loads((Path(__file__).parent / "data" / "c_setup_logs.json").read_text())
SOURCES = "-10 0 0\n-10 0.01 0 1 1.2e-10\n\n# comment\n-10 0 0.02,1;1.1e-10\n"


def setup_for(args, folder, monkeypatch):
    monkeypatch.chdir(folder)
    (folder / "src.txt").write_text(SOURCES)
    parsed = parse_args(args.split())
    log = Log()
    log.write(parsed.log)
    s = prepare(parsed.config, log, rng.RandomState())
    return s, log.text.splitlines()


@pytest.mark.parametrize("name", sorted(C_LOGS))
def test_setup_log_matches_c(name, tmp_path, monkeypatch):
    case = C_LOGS[name]
    _, lines = setup_for(case["args"], tmp_path, monkeypatch)
    assert [line.rstrip() for line in lines] == case["setup_log"]


def test_mosflm_default_beam_centre_is_one_pixel_off_centre(tmp_path, monkeypatch):
    s, _ = setup_for("-default_F 1 -cell 50 50 50 90 90 90 -detpixels 32 -pixel 0.1", tmp_path, monkeypatch)
    assert (s.Fbeam, s.Sbeam) == pytest.approx((1.7e-3, 1.7e-3), rel=1e-12)     # centre + 1 pixel (Q-G1)


@pytest.mark.parametrize("conv, offset", [("-adxv", 0.5), ("-denzo", 0.5), ("-xds", 0.0), ("-dials", 0.0)])
def test_default_beam_centres(conv, offset, tmp_path, monkeypatch):
    s, _ = setup_for(f"-default_F 1 -cell 50 50 50 90 90 90 -detpixels 32 -pixel 0.1 {conv}", tmp_path, monkeypatch)
    assert (s.Fbeam, s.Sbeam) == pytest.approx(((1.6 + offset * 0.1) * 1e-3,) * 2, rel=1e-12)


def test_pivot_sample_keeps_the_near_point(tmp_path, monkeypatch):
    s, _ = setup_for("-default_F 1 -cell 50 50 50 90 90 90 -detpixels 32 -xds -ORGX 10 -ORGY 20 -twotheta 15",
                     tmp_path, monkeypatch)
    assert (s.ORGX, s.ORGY) == pytest.approx((10.0, 20.0), rel=1e-12)
    assert s.pivot == "sample"


@pytest.mark.parametrize("steps, rng_, step, expected", [
    (-1, -1.0, -1.0, (1, 0.0, 0.0)),            # nothing given
    (3, -1.0, -1.0, (3, 1.0, 1.0 / 3)),         # -divsteps N alone: a 1-radian range (Q-S3)
    (-1, -1.0, 0.2, (2, 0.2, 0.2)),             # a step alone
    (-1, 0.4, -1.0, (2, 0.4, 0.4)),             # a range alone
    (-1, 0.5, 0.1, (5, 0.5, 0.1)),              # ceil(range/step) points
    (1, 0.3, -1.0, (2, 0.3, 0.3)),              # range and one step: two steps
    (4, 0.3, -1.0, (4, 0.3, 0.1)),              # range/(steps-1)
])
def test_divergence_step_logic(steps, rng_, step, expected):
    got = step_logic(steps, rng_, step, 1.0)
    assert got[0] == expected[0] and got[1:] == pytest.approx(expected[1:], rel=1e-15)


class _Crystal:
    def __init__(self, phisteps=-1, osc=-1.0, phistep=-1.0, phi0=0.0):
        self.phisteps, self.osc_rad, self.phistep_rad, self.phi0_rad = phisteps, osc, phistep, phi0


@pytest.mark.parametrize("kw, expected", [
    (dict(), (1, 0.0, 0.0)),
    (dict(osc=0.4), (2, 0.4, 0.2)),              # osc alone: phi0 and phi0 + osc/2 (Q-S3)
    (dict(phistep=0.1), (2, 0.1, 0.1)),
    (dict(osc=0.4, phistep=0.1), (4, 0.4, 0.1)),
    (dict(phisteps=0), (1, 1 / RTD, 1 / RTD)),   # 0 steps become 1, over one degree
    (dict(phisteps=4), (4, 1 / RTD, 1 / RTD / 4)),
    (dict(phisteps=4, osc=0.8), (4, 0.8, 0.2)),
])
def test_phi_step_logic(kw, expected):
    class S:
        pass
    s = S()
    phi_steps(s, _Crystal(**kw))
    assert (s.phisteps, s.osc, s.phistep) == pytest.approx(expected, rel=1e-15)


def test_water_background_constant(tmp_path, monkeypatch):
    s, _ = setup_for("-default_F 1 -cell 50 50 50 90 90 90 -detpixels 8 -water 100", tmp_path, monkeypatch)
    ws = 100 / 1e6
    expected = 2.57 * 2.57 * 7.94079248018965e-30 * s.fluence * ws * ws * ws * 1e6 * 6.02214179e23 / 18.0
    assert s.I_bg == expected
    assert math.isclose(s.I_bg, 2.57 ** 2 * 1e-12 * 1e6 * 6.02214179e23 / 18.0, rel_tol=1e-3)


@pytest.mark.parametrize("name", sorted(C_LOGS))
def test_prepare_assigns_every_declared_field(name, tmp_path, monkeypatch):
    s, _ = setup_for(C_LOGS[name]["args"], tmp_path, monkeypatch)
    assert [field for field in FIELD_NAMES if not hasattr(s, field)] == []


def test_setup_refuses_an_undeclared_field(tmp_path, monkeypatch):
    s, _ = setup_for("-default_F 1 -cell 50 50 50 90 90 90 -detpixels 8 -water 100", tmp_path, monkeypatch)
    with pytest.raises(AttributeError, match="did you mean 'water_size'"):
        s.water_siz = 1e-6
    assert not hasattr(s, "water_siz")
    s.water_size = 1e-6
    assert s.water_size == 1e-6


def test_setup_field_is_unset_until_assigned():
    s = Setup()
    with pytest.raises(AttributeError):
        _ = s.pixel_size
    s.pixel_size = 1e-4
    assert s.pixel_size == 1e-4

