"""io/nexus.py: NXmx series files, read back with h5py and, where DIALS is installed, imported by DIALS."""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from nanobragg_nb.errors import ArgumentError, OutputError
from nanobragg_nb.io import nexus
from nanobragg_nb.programs.series.geometry import LabGeometry

h5py = pytest.importorskip("h5py")
pytest.importorskip("hdf5plugin")

FAST, SLOW = 80, 64                         # non-square: a fast/slow swap shows
MCSTAS = np.diag([-1.0, 1.0, -1.0])
needs_dials = pytest.mark.skipif(shutil.which("dials.import") is None, reason="DIALS (dials.import) is not installed")


def rotation(axis, degrees):
    k = np.asarray(axis, float) / np.linalg.norm(axis)
    c, s = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    cross = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + s * cross + (1 - c) * cross @ cross


def geometry(osc=0.5, beam=(0.0, 0.0, 1.0), thickness=0.32):
    """A tilted panel, off-centre beam, oblique spindle: every sign and axis swap changes a number."""
    tilt = rotation((0.3, 1.0, 0.2), 7.0)
    beam = np.asarray(beam, float) / np.linalg.norm(beam)
    return LabGeometry(
        wavelength_A=1.234, beam_direction=beam, polarization_normal=np.array([0.0, 1.0, 0.0]),
        polarization_fraction=0.5, origin_mm=np.array([-3.3, 4.7, -95.0]),
        fast_axis=tilt @ [1.0, 0.0, 0.0], slow_axis=tilt @ [0.0, -1.0, 0.0], pixel_mm=0.172,
        image_size=(FAST, SLOW), thickness_mm=thickness, mu_per_mm=0.0,
        rotation_axis=rotation((0, 0, 1), 5.0) @ [1.0, 0.0, 0.0], real_space_A=np.eye(3) * 60.0,
        phi0_deg=12.5, osc_deg=osc)


def frame(k, shape=(SLOW, FAST)):
    rng = np.random.default_rng(k)
    return (rng.integers(0, 60000, size=shape)).astype(np.uint16)


def write_series(path, g, frames=3, **kwargs):
    with nexus.NXmxWriter(path, g, frames, adc_offset=40, **kwargs) as w:
        for k in reversed(range(frames)):     # any order
            w.write_frame(k, frame(k))
    return [frame(k) for k in range(frames)]


def test_round_trip_data_and_layout(tmp_path):
    path = tmp_path / "sweep.nxs"
    images = write_series(path, geometry())
    with h5py.File(path, "r") as f:
        data = f["/entry/data/data"]
        assert data.shape == (3, SLOW, FAST) and data.dtype == np.uint16
        assert data.chunks == (1, SLOW, FAST)
        assert "32008" in data._filters               # bitshuffle
        assert f["/entry/definition"][()].decode() == "NXmx"
        assert f["/entry"].attrs["NX_class"] == "NXentry"
        assert f["/entry/instrument/detector/saturation_value"][()] == 65535
        assert f["/entry/instrument/detector/adc_offset"][()] == 40
    for k, image in enumerate(images):
        np.testing.assert_array_equal(nexus.read_frame(path, k), image)
    assert nexus.written_frames(path) == [0, 1, 2]
    assert [p.name for p in tmp_path.iterdir()] == ["sweep.nxs"]     # no temporary file left


def test_geometry_in_the_mcstas_frame(tmp_path):
    g = geometry()
    path = tmp_path / "sweep.nxs"
    write_series(path, g)
    with h5py.File(path, "r") as f:
        det = f["/entry/instrument/detector"]
        origin = det["transformations/origin"]
        np.testing.assert_allclose(origin[()] * origin.attrs["vector"], MCSTAS @ g.origin_mm, atol=1e-9)
        for name, axis in (("fast_pixel_direction", g.fast_axis), ("slow_pixel_direction", g.slow_axis)):
            ds = det["module"][name]
            np.testing.assert_allclose(ds.attrs["vector"], MCSTAS @ axis, atol=1e-12)
            assert ds[()] == pytest.approx(g.pixel_mm) and ds.attrs["depends_on"] == origin.name
        np.testing.assert_array_equal(det["module/data_size"][()], [SLOW, FAST])
        omega = f[f["/entry/sample/depends_on"][()].decode()]
        np.testing.assert_allclose(omega[()], g.phi0_deg + g.osc_deg * np.arange(3))
        np.testing.assert_allclose(f["/entry/sample/transformations/omega_end"][()] - omega[()], g.osc_deg)
        np.testing.assert_allclose(omega.attrs["vector"], MCSTAS @ g.rotation_axis, atol=1e-12)
        assert f["/entry/instrument/beam/incident_wavelength"][()] == pytest.approx(g.wavelength_A)
        centre = np.array(g.beam_centre_mm()) / g.pixel_mm
        assert det["beam_center_x"][()] == pytest.approx(centre[0])
        assert det["beam_center_y"][()] == pytest.approx(centre[1])


def test_stills_have_no_scan_axis_and_a_wavelength_each(tmp_path):
    path = tmp_path / "stills.nxs"
    write_series(path, geometry(osc=0.0), frames=2, wavelengths=[1.0, 1.3])
    with h5py.File(path, "r") as f:
        assert "depends_on" not in f["/entry/sample"]
        np.testing.assert_allclose(f["/entry/instrument/beam/incident_wavelength"][()], [1.0, 1.3])
    write_series(path, geometry(osc=0.5), frames=2, stills=True)
    with h5py.File(path, "r") as f:
        assert "depends_on" not in f["/entry/sample"]


@pytest.mark.parametrize("beam", [(0, 0, 1), (0.1, -0.05, 1), (1, 0, 0), (0, 0, -1), (0.3, -2, -0.4)])
def test_beam_alignment_is_a_rotation_onto_z(beam):
    r = nexus.beam_alignment(beam)
    np.testing.assert_allclose(r @ (np.array(beam) / np.linalg.norm(beam)), [0, 0, 1], atol=1e-12)
    np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(r) == pytest.approx(1.0)


def test_partial_file_then_resume(tmp_path):
    path = tmp_path / "sweep.nxs"
    g = geometry()
    w = nexus.NXmxWriter(path, g, 4, adc_offset=40)
    w.write_frame(2, frame(2))
    w.write_frame(0, frame(9))
    w.close()
    assert nexus.written_frames(path) == [0, 2]
    path.chmod(0o640)
    with nexus.NXmxWriter(path, g, 4, adc_offset=40, mode="r+") as w:
        w.write_frame(0, frame(0))                      # replaces
        w.write_frame(3, frame(3))
    assert nexus.written_frames(path) == [0, 2, 3]
    assert (path.stat().st_mode & 0o777) == 0o640           # a resumed file keeps its permissions
    for k in (0, 2, 3):
        np.testing.assert_array_equal(nexus.read_frame(path, k), frame(k))
    assert not nexus.read_frame(path, 1).any()
    assert [p.name for p in tmp_path.iterdir()] == ["sweep.nxs"]


def test_an_exception_leaves_nothing_behind(tmp_path):
    path = tmp_path / "sweep.nxs"
    with pytest.raises(RuntimeError):
        with nexus.NXmxWriter(path, geometry(), 2, adc_offset=40) as w:
            w.write_frame(0, frame(0))
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_resume_needs_the_same_series(tmp_path):
    path = tmp_path / "sweep.nxs"
    with pytest.raises(OutputError, match="no such file"):
        nexus.NXmxWriter(path, geometry(), 3, adc_offset=40, mode="r+")
    write_series(path, geometry())
    with pytest.raises(OutputError, match="not an NXmx series of 5 frames"):
        nexus.NXmxWriter(path, geometry(), 5, adc_offset=40, mode="r+")
    (tmp_path / "junk.nxs").write_bytes(b"not hdf5")
    with pytest.raises(OutputError, match="junk.nxs"):
        nexus.NXmxWriter(tmp_path / "junk.nxs", geometry(), 3, adc_offset=40, mode="r+")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk.nxs", "sweep.nxs"]


def test_user_and_programming_errors(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        nexus.NXmxWriter(tmp_path / "missing" / "x.nxs", geometry(), 1, adc_offset=40)
    with pytest.raises(OutputError, match="regular file"):
        nexus.NXmxWriter("/dev/null", geometry(), 1, adc_offset=40)
    with pytest.raises(ValueError, match="2 wavelengths for 3 frames"):
        nexus.NXmxWriter(tmp_path / "x.nxs", geometry(), 3, adc_offset=40, wavelengths=[1.0, 1.1])
    assert list(tmp_path.iterdir()) == []
    with nexus.NXmxWriter(tmp_path / "x.nxs", geometry(), 1, adc_offset=40) as w:
        with pytest.raises(ValueError, match="shape"):
            w.write_frame(0, frame(0, shape=(FAST, SLOW)))
        with pytest.raises(ValueError, match="0..65535"):
            w.write_frame(0, np.full((SLOW, FAST), 70000))
        with pytest.raises(IndexError):
            w.write_frame(1, frame(0))
        w.write_frame(0, frame(0).astype(np.int64))     # in-range integers are accepted
    np.testing.assert_array_equal(nexus.read_frame(tmp_path / "x.nxs", 0), frame(0))


def test_missing_libraries_name_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "hdf5plugin", None)
    with pytest.raises(ArgumentError, match=r'pip install "nanobragg-nb\[nexus\]"'):
        nexus.NXmxWriter(tmp_path / "x.nxs", geometry(), 1, adc_offset=40)
    with pytest.raises(ArgumentError):
        nexus.dials_environment()


def test_dials_environment_puts_the_plugins_first():
    import hdf5plugin
    env = nexus.dials_environment({"HDF5_PLUGIN_PATH": "/elsewhere", "X": "1"})
    assert env["HDF5_PLUGIN_PATH"].split(os.pathsep) == [hdf5plugin.PLUGIN_PATH, "/elsewhere"]
    assert env["X"] == "1"


# ---- DIALS itself -----------------------------------------------------------------------------

def dials(args, cwd):
    done = subprocess.run(args, cwd=cwd, env=nexus.dials_environment(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


def imported(tmp_path, name, *options):
    dials(["dials.import", name, "output.experiments=imported.expt", *options], tmp_path)
    return json.loads((tmp_path / "imported.expt").read_text())


def assert_panel(expt, g, turn=np.eye(3)):
    panel = expt["detector"][0]["panels"][0]
    np.testing.assert_allclose(panel["origin"], turn @ g.origin_mm, atol=1e-6)
    np.testing.assert_allclose(panel["fast_axis"], turn @ g.fast_axis, atol=1e-6)
    np.testing.assert_allclose(panel["slow_axis"], turn @ g.slow_axis, atol=1e-6)
    assert panel["image_size"] == [FAST, SLOW]
    np.testing.assert_allclose(panel["pixel_size"], [g.pixel_mm] * 2)
    assert panel["thickness"] == pytest.approx(g.thickness_mm, abs=nexus.THINNEST_MM)


@needs_dials
def test_dials_imports_a_sweep(tmp_path):
    g = geometry()
    write_series(tmp_path / "sweep.nxs", g)
    expt = imported(tmp_path, "sweep.nxs")
    assert expt["imageset"][0]["__id__"] == "ImageSequence"
    assert_panel(expt, g)
    beam = expt["beam"][0]
    np.testing.assert_allclose(beam["direction"], g.beam_direction, atol=1e-9)
    assert beam["wavelength"] == pytest.approx(g.wavelength_A)
    scan = expt["scan"][0]
    assert scan["image_range"] == [1, 3]
    np.testing.assert_allclose(scan["oscillation"], [g.phi0_deg, g.osc_deg])
    np.testing.assert_allclose(expt["goniometer"][0]["rotation_axis"], g.rotation_axis, atol=1e-9)


@needs_dials
def test_dials_sees_a_tilted_beam_in_a_turned_frame(tmp_path):
    g = geometry(beam=(0.05, -0.03, 1.0))
    write_series(tmp_path / "tilted.nxs", g, frames=2)
    expt = imported(tmp_path, "tilted.nxs")
    turn = nexus.beam_alignment(g.beam_direction)
    assert_panel(expt, g, turn)
    np.testing.assert_allclose(expt["goniometer"][0]["rotation_axis"], turn @ g.rotation_axis, atol=1e-9)
    np.testing.assert_allclose(expt["beam"][0]["direction"], turn @ g.beam_direction, atol=1e-12)


@needs_dials
def test_dials_import_options_set_polarization_and_pedestal(tmp_path):
    g = geometry(beam=(0.05, -0.03, 1.0))
    normal = np.cross(g.beam_direction, [1.0, 0.3, 0.0])
    g.polarization_normal = normal / np.linalg.norm(normal)
    g.polarization_fraction = 0.8
    write_series(tmp_path / "tilted.nxs", g, frames=1)
    expt = imported(tmp_path, "tilted.nxs", *nexus.dials_import_options(g, 37.5))
    beam = expt["beam"][0]
    turn = nexus.beam_alignment(g.beam_direction)
    np.testing.assert_allclose(beam["polarization_normal"], turn @ g.polarization_normal, atol=1e-9)
    assert beam["polarization_fraction"] == pytest.approx(0.8)
    assert expt["detector"][0]["panels"][0]["pedestal"] == 37.5


@needs_dials
def test_dials_imports_stills(tmp_path):
    g = geometry(osc=0.0)
    write_series(tmp_path / "stills.nxs", g, frames=2, wavelengths=[1.1, 1.25])
    expt = imported(tmp_path, "stills.nxs")
    assert expt["imageset"][0]["__id__"] == "ImageSet"
    assert expt["scan"] == [] and expt["goniometer"] == []
    assert len(expt["experiment"]) == 2
    assert sorted(b["wavelength"] for b in expt["beam"]) == pytest.approx([1.1, 1.25])
    assert_panel(expt, g)


@needs_dials
def test_dials_finds_spots_where_they_were_written(tmp_path):
    g = geometry(osc=0.0, thickness=0.0)
    yy, xx = np.mgrid[0:SLOW, 0:FAST] + 0.5          # pixel centres, (slow, fast)
    blobs = [(20.3, 50.6), (45.8, 12.2)]             # (fast, slow): not mirror images of each other
    image = np.random.default_rng(1).poisson(10.0, size=(SLOW, FAST)).astype(float) + 40
    for x, y in blobs:
        image += 3000 * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * 1.2 ** 2))
    with nexus.NXmxWriter(tmp_path / "spots.nxs", g, 1, adc_offset=40, stills=True) as w:
        w.write_frame(0, np.rint(image).astype(np.uint16))
    expt = imported(tmp_path, "spots.nxs", *nexus.dials_import_options(g, 40))
    assert_panel(expt, g)
    assert expt["detector"][0]["panels"][0]["pedestal"] == 40
    dials(["dials.find_spots", "imported.expt", "output.reflections=strong.refl"], tmp_path)
    script = ("import json; from dials.array_family import flex; "
              "t = flex.reflection_table.from_file('strong.refl'); "
              "print(json.dumps([list(v) for v in t['xyzobs.px.value']]))")
    found = json.loads(dials(["/usr/bin/python3", "-c", script], tmp_path).strip().splitlines()[-1])
    assert len(found) == len(blobs)
    for x, y in blobs:
        assert min(np.hypot(fx - x, fy - y) for fx, fy, _ in found) < 0.2
