"""Multi-panel detectors: a single panel cut into quadrants gives its bits, DIALS and CrystFEL files, errors.

Run as a script (``python tests/test_panels.py``, under the CUDA simulator) it
prints whether the quadrant runs on the CUDA kernel equal the single-panel
runs, for the test that reads it.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nanobragg_nb as nb
from nanobragg_nb.core import panels
from nanobragg_nb.errors import ArgumentError, InputFileError
from nanobragg_nb.programs.nanobragg.cparse import parse_args

HERE = Path(__file__).resolve().parent

BASE = ("-default_F 100 -cell 70 80 90 75 85 95 -misset 10 20 30 -lambda 1.0 -N 5 -distance 50 -nonoise "
        "-seed 7 -oversample 2 -detector_thick 200 -detector_thicksteps 2")
#: a square and a rectangular detector, oversampled, with a sensor thickness (curved off)
CASES = {"square": BASE + " -detpixels 16", "rectangular": BASE + " -detpixels_f 24 -detpixels_s 18 -Xbeam 1.1"}


def quadrant_runs(args, device="cpu"):
    """The single-panel float image, its 2x2 cut, and the panel images of the cut rendered as a 4-panel detector."""
    single = nb.simulate(parse_args(args.split()).config, device=device)
    s = single.setup
    det = panels.split(s.pix0_vector, s.fdet_vector, s.sdet_vector, s.odet_vector, s.pixel_size, s.fpixels,
                       s.spixels, 2, 2)
    cfg = parse_args(args.split()).config
    cfg.detector.panels = det
    multi = nb.simulate(cfg, device=device)
    F, S = s.fpixels // 2, s.spixels // 2
    img = single.floatimage
    return [img[:S, :F], img[:S, F:], img[S:, :F], img[S:, F:]], multi.panel_images, det


@pytest.mark.parametrize("case", sorted(CASES))
def test_quadrants_equal_the_single_panel_bit_for_bit(case):
    quads, images, det = quadrant_runs(CASES[case])
    # the cut is counted from panel 0's corner at whole-pixel offsets (what makes the bits equal)
    offsets = [(p.f_offset, p.s_offset) for p in panels.plan(det)]
    assert offsets[3] == (quads[0].shape[1], quads[0].shape[0]) and len({p.pix0 for p in panels.plan(det)}) == 1
    for quad, image in zip(quads, images):
        assert quad.shape == image.shape
        assert quad.max() > 0
        assert np.array_equal(quad.view(np.uint32), image.view(np.uint32))


def test_panel_off_the_grid_is_its_own_origin():
    det = panels.split((0.05, 0.01, -0.01), (0, 0, 1), (0, -1, 0), (1, 0, 0), 1e-4, 8, 8, 2, 1)
    moved = panels.Panel("off", tuple(np.add(det[1].origin_m, (0, 0, 0.3e-4))), det[1].fast, det[1].slow, 1e-4, 4, 8)
    plans = panels.plan(panels.PanelDetector((det[0], moved)))
    assert plans[1].pix0 == moved.origin_m and (plans[1].f_offset, plans[1].s_offset) == (0, 0)


def _layout():
    """Four 10x8 panels with gaps, about the beam, 60 mm away (nanoBragg frame)."""
    out = []
    for j in range(2):
        for i in range(2):
            origin = (0.06, 0.0011 - j * 0.0009, -0.0012 + i * 0.0012)
            out.append(panels.Panel(f"q{len(out)}", origin, (0.0, 0.0, 1.0), (0.0, -1.0, 0.0), 1e-4, 10, 8))
    return panels.PanelDetector(tuple(out))


def test_geom_and_expt_files_give_identical_images(tmp_path):
    det = _layout()
    panels.write_expt(det, tmp_path / "det.expt")
    panels.write_geom(det, tmp_path / "det.geom")
    from_expt = panels.read_detector(tmp_path / "det.expt")
    from_geom = panels.read_detector(tmp_path / "det.geom")
    for a, b, c in zip(det, from_expt, from_geom):
        assert np.allclose(a.origin_m, b.origin_m, atol=1e-12) and b.origin_m == c.origin_m
        assert b.fast == c.fast and b.slow == c.slow and b.pixel_size_m == c.pixel_size_m
    results = []
    for path in ("det.expt", "det.geom"):
        cfg = parse_args(BASE.split()).config
        cfg.detector.panels = str(tmp_path / path)
        results.append(nb.simulate(cfg))
    assert results[0].floatimage.shape == (4, 8, 10) and results[0].floatimage.max() > 0
    assert np.array_equal(results[0].floatimage, results[1].floatimage)


def test_expt_hierarchy_is_composed(tmp_path):
    from nanobragg_nb.io.dials_detector import detector_dict, panel_dict
    d = detector_dict([panel_dict("a", (1.0, 2.0, 0.0), (0, 1, 0), (-1, 0, 0), 0.1, (10, 8))])
    d["hierarchy"].update(origin=[5.0, 0.0, -100.0], fast_axis=[0.0, 1.0, 0.0], slow_axis=[-1.0, 0.0, 0.0])
    (tmp_path / "h.json").write_text(json.dumps(d))
    from nanobragg_nb.io.dials_detector import read_panels
    p = read_panels(tmp_path / "h.json")[0]
    # local (1, 2, 0) in a frame with fast = y, slow = -x: 1*y + 2*(-x)
    assert np.allclose(p["origin_mm"], (5.0 - 2.0, 1.0, -100.0))
    assert np.allclose(p["fast"], (-1.0, 0.0, 0.0)) and np.allclose(p["slow"], (0.0, -1.0, 0.0))


@pytest.mark.parametrize("text, message", [
    ("{not json", "is not JSON"),
    ('{"detector": []}', "has no detector"),
    ('{"detector": [{"panels": [{"origin": [0, 0, -100]}]}]}', "panel 0 has no fast_axis"),
    ("p0/min_fs = 0\np0/max_fs = 9\n", "panel p0 has no min_ss"),
    ("p0/min_fs = 0\np0/max_fs = 9\np0/min_ss = 0\np0/max_ss = 9\np0/res = 1e4\np0/clen = /LCLS/detz\n"
     "p0/corner_x = 0\np0/corner_y = 0\np0/fs = +x\np0/ss = +y\n", "a path into the data file"),
    ("p0/min_fs = 0\np0/max_fs = 9\np0/min_ss = 0\np0/max_ss = 9\np0/res = 1e4\np0/clen = 0.1\n"
     "p0/corner_x = 0\np0/corner_y = 0\np0/fs = sideways\np0/ss = +y\n", "expected a direction"),
    ("just words\n", "expected 'name = value'"),
])
def test_bad_detector_files_are_one_clear_error(tmp_path, text, message):
    path = tmp_path / "bad.geom"
    path.write_text(text)
    with pytest.raises(InputFileError, match=message):
        panels.read_detector(path)
    with pytest.raises(InputFileError, match="cannot read"):
        panels.read_detector(tmp_path / "missing.expt")


def test_options_without_meaning_on_panels_are_refused():
    cfg = parse_args(BASE.split()).config
    cfg.detector.curved = True
    cfg.detector.panels = _layout()
    with pytest.raises(ArgumentError, match="curved"):
        nb.simulate(cfg)
    cfg = parse_args(BASE.split()).config
    cfg.detector.panels = 3
    with pytest.raises(ArgumentError, match="PanelDetector"):
        nb.simulate(cfg)


def test_noise_is_drawn_panel_after_panel():
    args = BASE.replace("-nonoise", "") + " -detpixels 12"
    single = nb.simulate(parse_args(args.split()).config)
    s = single.setup
    # 1 x 3 panels of whole rows: panel order is the single panel's row order, so the draws are the same
    det = panels.split(s.pix0_vector, s.fdet_vector, s.sdet_vector, s.odet_vector, s.pixel_size, 12, 12, 1, 3)
    cfg = parse_args(args.split()).config
    cfg.detector.panels = det
    multi = nb.simulate(cfg)
    assert single.noiseimage.max() > 40
    assert np.array_equal(multi.noiseimage.reshape(12, 12), single.noiseimage)


def _simulator_report():
    out = {}
    for case, args in CASES.items():
        quads, images, _ = quadrant_runs(args, device="cuda")
        out[case] = all(np.array_equal(q.view(np.uint32), i.view(np.uint32)) for q, i in zip(quads, images))
    return out


def test_quadrants_under_the_cuda_simulator():
    pytest.importorskip("numba_cuda", reason="numba-cuda is not installed (pip install 'nanobragg-nb[gpu]')")
    path = os.pathsep.join(p for p in (str(HERE.parent), os.environ.get("PYTHONPATH", "")) if p)
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1", PYTHONPATH=path)
    run = subprocess.run([sys.executable, str(HERE / "test_panels.py")], env=env, capture_output=True, text=True,
                         timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report == {case: True for case in CASES}


if __name__ == "__main__":
    print(json.dumps(_simulator_report()))


def _multi_panel_result():
    cfg = parse_args(BASE.replace("-nonoise", "").split()).config
    cfg.detector.panels = _layout()
    return nb.simulate(cfg)


@pytest.mark.skipif(__import__("shutil").which("dials.import") is None, reason="DIALS (dials.import) is not installed")
def test_dials_imports_the_nxmx_panels(tmp_path):
    pytest.importorskip("h5py")
    pytest.importorskip("hdf5plugin")
    from nanobragg_nb.io.dials_detector import read_panels
    from nanobragg_nb.io.nexus import dials_environment
    from nanobragg_nb.programs.nanobragg import panel_outputs
    result = _multi_panel_result()
    panel_outputs.write_nexus(result, tmp_path / "p.nxs")
    run = subprocess.run(["dials.import", "p.nxs", "output.experiments=imported.expt"], cwd=tmp_path,
                         env=dials_environment(), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    got = read_panels(tmp_path / "imported.expt")
    want = panels.dials_panels(result.detector)
    assert len(got) == len(want) == 4
    for g, w in zip(got, want):
        assert np.abs(np.subtract(g["origin_mm"], w["origin"])).max() < 1e-6
        assert np.abs(np.subtract(g["fast"], w["fast_axis"])).max() < 1e-9
        assert np.abs(np.subtract(g["slow"], w["slow_axis"])).max() < 1e-9
        assert tuple(g["image_size"]) == tuple(w["image_size"]) and g["pixel_mm"][0] == pytest.approx(0.1)
    # the pixels DIALS reads for each panel are that panel's
    script = ("import json,sys\nfrom dxtbx.model.experiment_list import ExperimentListFactory\n"
              "el = ExperimentListFactory.from_json_file(sys.argv[1])\n"
              "print(json.dumps([list(d.as_numpy_array().ravel().tolist()) for d in "
              "el[0].imageset.get_raw_data(0)]))\n")
    run = subprocess.run(["/usr/bin/python3", "-c", script, "imported.expt"], cwd=tmp_path,
                         env=dials_environment(), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    raw = json.loads(run.stdout)
    for index, pixels in enumerate(raw):
        assert np.array_equal(np.array(pixels), result.noiseimage[index].ravel())


def test_crystfel_file_holds_each_panel_where_its_geom_says(tmp_path):
    h5py = pytest.importorskip("h5py")
    from nanobragg_nb.io.crystfel_geom import read_panels
    from nanobragg_nb.programs.nanobragg import panel_outputs
    result = _multi_panel_result()
    geom = panel_outputs.write_crystfel(result, tmp_path / "p.h5")
    with h5py.File(tmp_path / "p.h5", "r") as f:
        data = f["/data/data"][0]
    for index, p in enumerate(read_panels(geom)):
        (f0, s0), (nf, ns) = p["data_block"], p["image_size"]
        assert np.array_equal(data[s0:s0 + ns, f0:f0 + nf], result.panel_images[index])
    again = panels.read_detector(geom)
    assert np.allclose([q.origin_m for q in again], [q.origin_m for q in result.detector], atol=1e-12)


def test_truth_expt_holds_every_panel(tmp_path):
    from nanobragg_nb.io.dials_detector import read_panels
    from nanobragg_nb.programs.series.geometry import geometry_from_dict, geometry_to_dict, lab_geometry
    from nanobragg_nb.programs.series.truth import experiment_list
    result = _multi_panel_result()
    g = lab_geometry(result.setup, result.detector)
    assert geometry_from_dict(json.loads(json.dumps(geometry_to_dict(g)))).panels == g.panels
    doc = experiment_list(str(tmp_path / "truth.expt"), [g], str(tmp_path / "frames.nxs"), stills=True)
    (tmp_path / "truth.expt").write_text(json.dumps(doc))
    got = read_panels(tmp_path / "truth.expt")
    want = panels.dials_panels(result.detector)
    assert [p["name"] for p in got] == [p["name"] for p in want]
    for a, b in zip(got, want):
        assert np.allclose(a["origin_mm"], b["origin"], rtol=0, atol=1e-9)
        assert np.allclose(a["fast"], b["fast_axis"]) and np.allclose(a["slow"], b["slow_axis"])
