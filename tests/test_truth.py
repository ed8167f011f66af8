"""The ground-truth files of a series: the DIALS experiment list, the per-frame JSON and the MTZ."""
import dataclasses
import json
import shutil
import subprocess

import numpy as np
import pytest

from nanobragg_nb.core.log import Log
from nanobragg_nb.core.physics import rotate_axis
from nanobragg_nb.core.setup import prepare
from nanobragg_nb.errors import ArgumentError, OutputError
from nanobragg_nb.programs.nanobragg.cparse import parse_args
from nanobragg_nb.programs.series import truth
from nanobragg_nb.programs.series.geometry import lab_geometry, to_dials

BASE = ("-default_F 100 -cell 70 80 90 90 95 90 -misset 10 20 30 -N 5 -lambda 1.3 -distance 150 "
        "-detpixels_f 100 -detpixels_s 120 -pixel 0.1 -osc 1.5").split()
PHI0, OSC, FRAMES = 12.0, 1.5, 3
TEMPLATE = "frames/image_#####.img"
DXTBX = "/usr/bin/python3"


def setup_of(extra=()):
    return prepare(parse_args(BASE + list(extra)).config, Log(), write_cache=False)


@pytest.fixture
def sweep(tmp_path, monkeypatch):
    """The setups and geometries of a three-frame sweep starting at PHI0."""
    monkeypatch.chdir(tmp_path)
    setups = [setup_of(["-phi", str(PHI0 + k * OSC)]) for k in range(FRAMES)]
    return setups, [lab_geometry(s) for s in setups]


def load(path):
    return json.loads(path.read_text())


def test_frame_name_fills_the_last_run_of_hashes():
    assert truth.frame_name("run#1/image_#####.img", 7) == "run#1/image_00007.img"
    assert truth.frame_name("x_##.cbf", 123) == "x_123.cbf"
    with pytest.raises(ValueError, match="no '#'"):
        truth.frame_name("image.img", 1)


def test_sweep_is_one_experiment_with_the_first_frames_models(sweep, tmp_path):
    _, geometries = sweep
    g = geometries[0]
    truth.write_truth_expt(tmp_path / "truth.expt", geometries, TEMPLATE, first=5, adc_offset=40)
    doc = load(tmp_path / "truth.expt")
    assert doc["__id__"] == "ExperimentList"
    assert len(doc["experiment"]) == 1
    scan = doc["scan"][0]
    assert scan["image_range"] == [5, 5 + FRAMES - 1]
    assert scan["oscillation"] == pytest.approx([PHI0, OSC])
    assert len(scan["exposure_time"]) == len(scan["epochs"]) == FRAMES
    panel = doc["detector"][0]["panels"][0]
    assert panel["origin"] == pytest.approx(list(g.origin_mm))
    assert panel["image_size"] == [100, 120]
    assert panel["trusted_range"] == [-1.0, 65535.0 - 40]
    assert panel["pedestal"] == 40
    assert doc["beam"][0]["wavelength"] == pytest.approx(1.3)
    assert doc["goniometer"][0]["rotation_axis"] == pytest.approx(list(g.rotation_axis))
    crystal = doc["crystal"][0]
    for row, name in zip(g.real_space_A, ("real_space_a", "real_space_b", "real_space_c")):
        assert crystal[name] == pytest.approx(list(row))
    assert doc["imageset"][0] == {**doc["imageset"][0], "__id__": "ImageSequence", "template": TEMPLATE}


def test_sweep_frames_must_follow_each_other(sweep, tmp_path):
    _, geometries = sweep
    broken = [geometries[0], dataclasses.replace(geometries[1], phi0_deg=PHI0 + 2 * OSC)]
    with pytest.raises(ValueError, match="frame 2 starts"):
        truth.write_truth_expt(tmp_path / "truth.expt", broken, TEMPLATE)
    assert not (tmp_path / "truth.expt").exists()


def stills_of(g):
    """Three shots with their own wavelength and crystal orientation."""
    turn = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    return [dataclasses.replace(g, wavelength_A=1.3 + 0.01 * k,
                                real_space_A=g.real_space_A @ np.linalg.matrix_power(turn, k).T)
            for k in range(3)]


def test_stills_are_one_experiment_per_shot(sweep, tmp_path):
    shots = stills_of(sweep[1][0])
    truth.write_truth_expt(tmp_path / "stills.expt", shots, TEMPLATE, first=1, stills=True)
    doc = load(tmp_path / "stills.expt")
    assert len(doc["experiment"]) == len(doc["imageset"]) == len(doc["beam"]) == len(doc["crystal"]) == 3
    assert len(doc["detector"]) == 1 and doc["goniometer"] == [] and doc["scan"] == []
    for k, (experiment, shot) in enumerate(zip(doc["experiment"], shots)):
        assert "goniometer" not in experiment and "scan" not in experiment
        assert doc["imageset"][experiment["imageset"]]["images"] == [f"frames/image_{k + 1:05d}.img"]
        assert doc["beam"][experiment["beam"]]["wavelength"] == pytest.approx(shot.wavelength_A)
        assert doc["crystal"][experiment["crystal"]]["real_space_a"] == pytest.approx(list(shot.real_space_A[0]))
    assert len({e["identifier"] for e in doc["experiment"]}) == 3


def test_an_absorbing_sensor_is_corrected_for_parallax(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    g = lab_geometry(setup_of(["-detector_thick", "450", "-detector_absorb", "300"]))
    truth.write_truth_expt(tmp_path / "truth.expt", [g], TEMPLATE)
    panel = load(tmp_path / "truth.expt")["detector"][0]["panels"][0]
    assert panel["thickness"] == pytest.approx(0.45)
    assert panel["mu"] == pytest.approx(g.mu_per_mm) and panel["mu"] > 0
    assert panel["material"] == "Si"
    assert panel["px_mm_strategy"] == {"type": "ParallaxCorrectedPxMmStrategy"}


DXTBX_READ = """
import json, sys
from dxtbx.model.experiment_list import ExperimentListFactory as F
from scitbx import matrix
out = []
for e in F.from_json_file(sys.argv[1], check_format=False):
    item = {"cell": list(e.crystal.get_unit_cell().parameters()),
            "origin": list(e.detector[0].get_origin()),
            "real_space": [list(v) for v in e.crystal.get_real_space_vectors()],
            "wavelength": e.beam.get_wavelength(),
            "parallax": e.detector[0].get_px_mm_strategy().name()}
    if e.scan is not None:
        g = e.goniometer
        turned = []
        for image in range(e.scan.get_image_range()[0], e.scan.get_image_range()[1] + 1):
            w = e.scan.get_angle_from_image_index(image)
            R = (matrix.sqr(g.get_setting_rotation())
                 * matrix.col(g.get_rotation_axis_datum()).axis_and_angle_as_r3_rotation_matrix(w, deg=True)
                 * matrix.sqr(g.get_fixed_rotation()))
            turned.append([list(R * matrix.col(v)) for v in e.crystal.get_real_space_vectors()])
        item["turned"] = turned
    out.append(item)
print(json.dumps(out))
"""


def dxtbx_read(path):
    """What dxtbx makes of an experiment list (DIALS's own Python)."""
    if shutil.which("dials.import") is None:
        pytest.skip("DIALS is not installed (dials.import not found)")
    done = subprocess.run([DXTBX, "-c", DXTBX_READ, str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_dxtbx_reads_the_sweep_as_simulated(sweep, tmp_path):
    setups, geometries = sweep
    truth.write_truth_expt(tmp_path / "truth.expt", geometries, TEMPLATE)
    [read] = dxtbx_read(tmp_path / "truth.expt")
    assert read["cell"] == pytest.approx([70, 80, 90, 90, 95, 90], abs=1e-4)
    assert read["origin"] == pytest.approx(list(geometries[0].origin_mm), abs=1e-6)
    assert np.allclose(read["real_space"], geometries[0].real_space_A, atol=1e-9)
    # dxtbx's crystal at the start of frame k is nanoBragg's crystal turned by that frame's phi
    for s, turned in zip(setups, read["turned"]):
        nb = [to_dials(rotate_axis(*np.asarray(v)[1:4], *np.asarray(s.spindle_vector)[1:4], s.phi0)) * 1e10
              for v in (s.a0, s.b0, s.c0)]
        assert np.allclose(turned, nb, atol=1e-9)


def test_dxtbx_reads_every_still(sweep, tmp_path):
    shots = stills_of(sweep[1][0])
    truth.write_truth_expt(tmp_path / "stills.expt", shots, TEMPLATE, stills=True)
    read = dxtbx_read(tmp_path / "stills.expt")
    assert len(read) == 3
    for item, shot in zip(read, shots):
        assert item["wavelength"] == pytest.approx(shot.wavelength_A)
        assert np.allclose(item["real_space"], shot.real_space_A, atol=1e-9)
        assert "turned" not in item


def test_dxtbx_corrects_an_absorbing_sensor_for_parallax(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    g = lab_geometry(setup_of(["-detector_thick", "450", "-detector_absorb", "300"]))
    truth.write_truth_expt(tmp_path / "truth.expt", [g], TEMPLATE)
    assert dxtbx_read(tmp_path / "truth.expt")[0]["parallax"] == "ParallaxCorrectedPxMmStrategy"


def test_truth_json_has_a_header_and_the_frames_as_given(tmp_path):
    frames = [{"frame": 1, "phi_deg": 12.0, "N": np.array([5, 5, 5]), "A": np.eye(3) * 70.0,
               "wavelength_A": np.float64(1.3), "seed": np.int64(7), "args": ["-phi", "12"]},
              {"frame": 2, "phi_deg": 13.5}]
    truth.write_truth_json(tmp_path / "truth.json", frames, command_line=["nanobragg-nb", "series", "-N", "5"])
    doc = load(tmp_path / "truth.json")
    assert doc["program"] == "nanobragg-nb"
    from nanobragg_nb.version import __version__
    assert doc["version"] == __version__
    assert doc["command_line"] == ["nanobragg-nb", "series", "-N", "5"]
    assert doc["created"][:2] == "20"
    assert doc["frames"][0]["N"] == [5, 5, 5]
    assert doc["frames"][0]["A"] == (np.eye(3) * 70.0).tolist()
    assert doc["frames"][0]["seed"] == 7 and doc["frames"][1] == frames[1]


def test_truth_json_refuses_what_json_cannot_hold(tmp_path):
    with pytest.raises(TypeError, match="object"):
        truth.write_truth_json(tmp_path / "truth.json", [{"thing": object()}], command_line=[])
    assert not (tmp_path / "truth.json").exists()


HKL = """0 0 1 10
1 2 3 20.5
-1 -2 -3 30
2 0 0 100
-1 0 2 0
"""


def test_mtz_holds_the_structure_factors_that_differ_from_default_F(tmp_path, monkeypatch):
    gemmi = pytest.importorskip("gemmi")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.hkl").write_text(HKL)
    s = setup_of(["-hkl", "in.hkl"])
    assert truth.write_mtz(tmp_path / "truth.mtz", s) is True
    mtz = gemmi.read_mtz_file(str(tmp_path / "truth.mtz"))
    assert mtz.column_labels() == ["H", "K", "L", "F"]
    assert [c.type for c in mtz.columns] == ["H", "H", "H", "F"]
    assert mtz.spacegroup.hm == "P 1"
    assert mtz.cell.parameters == pytest.approx((70, 80, 90, 90, 95, 90), abs=1e-4)
    rows = {tuple(int(x) for x in r[:3]): float(r[3]) for r in mtz.array}
    # 2 0 0 has F = default_F: the simulation treats it as any unlisted reflection
    assert rows == {(0, 0, 1): 10.0, (1, 2, 3): 20.5, (-1, -2, -3): 30.0, (-1, 0, 2): 0.0}
    assert any("default_F = 100" in line for line in mtz.history)
    assert mtz.dataset(mtz.columns[3].dataset_id).dataset_name == "truth"


def test_no_mtz_without_a_table(tmp_path, monkeypatch):
    pytest.importorskip("gemmi")
    monkeypatch.chdir(tmp_path)
    assert truth.write_mtz(tmp_path / "truth.mtz", setup_of()) is False
    assert not (tmp_path / "truth.mtz").exists()


def test_mtz_without_gemmi_is_a_clear_argument_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.hkl").write_text(HKL)
    s = setup_of(["-hkl", "in.hkl"])
    monkeypatch.setitem(__import__("sys").modules, "gemmi", None)
    with pytest.raises(truth.GemmiMissing, match=r'nanobragg-nb\[truth\]') as caught:
        truth.write_mtz(tmp_path / "truth.mtz", s)
    assert isinstance(caught.value, ArgumentError)
    assert not (tmp_path / "truth.mtz").exists()


def test_mtz_into_a_missing_folder_is_an_output_error(tmp_path, monkeypatch):
    pytest.importorskip("gemmi")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.hkl").write_text(HKL)
    with pytest.raises(OutputError, match="does not exist"):
        truth.write_mtz(tmp_path / "no" / "truth.mtz", setup_of(["-hkl", "in.hkl"]))
