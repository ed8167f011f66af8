"""``nanobragg-nb series``: every frame is the single run of its arguments, whatever runs it."""
import errno
import json
import os
import subprocess

import numpy as np
import pytest

from nanobragg_nb.cli import main
from nanobragg_nb.errors import ArgumentError
from nanobragg_nb.programs.series import formats
from nanobragg_nb.programs.series.plan import make_plan

ARGS = ("-hkl demo.hkl -cell 79.1 79.1 37.9 90 90 90 -misset 10 20 30 -N 5 -oversample 1 -lambda 1.3 "
        "-distance 150 -detpixels_f 72 -detpixels_s 56 -pixel 0.8 -fluence 1e26 -osc 1 -phisteps 2").split()


@pytest.fixture
def here(demo_hkl_folder):
    return demo_hkl_folder


def smv(path):
    """(header text, pixel bytes) of an SMV file, the header's length from HEADER_BYTES."""
    raw = open(path, "rb").read()
    size = int(raw.split(b"HEADER_BYTES=")[1].split(b";")[0])
    return raw[:size].decode("latin-1"), raw[size:]


def single_run(args, folder):
    """The noise image's pixels of the single nanobragg-nb run of ``args``, run in ``folder``."""
    os.makedirs(folder, exist_ok=True)
    here = os.getcwd()
    os.chdir(folder)
    try:
        assert main(list(args) + ["-nopgm"]) == 0
        raw = open("noiseimage.img", "rb").read()
        return raw[512:], open("floatimage.bin", "rb").read()
    finally:
        os.chdir(here)


def test_sweep_frames_are_the_single_runs_of_their_arguments(here, capsys):
    assert main(["series", "--frames", "3", *ARGS, "-seed", "4", "-phi", "10", "--template", "out/img_###.img",
                 "--float-template", "out/float_###.bin"]) == 0
    plan = make_plan([*ARGS, "-seed", "4", "-phi", "10"], 3)
    assert plan.frame_overrides(3) == ["-phi", "12.0", "-seed", "6"]
    for k in (1, 3):
        pixels, floats = single_run([os.path.join("..", a) if a == "demo.hkl" else a
                                     for a in plan.frame_arguments(k)], f"single{k}")
        header, body = smv(f"out/img_{k:03d}.img")
        assert body == pixels
        assert open(f"out/float_{k:03d}.bin", "rb").read() == floats
        assert f"PHI={10 + k - 1};" in header and f"OSC_START={10 + k - 1};" in header
        assert "OSC_RANGE=1;" in header and "ADC_OFFSET=40;" in header and "DATE=" in header
    # frames differ from each other: the rotation and the seed moved
    assert smv("out/img_001.img")[1] != smv("out/img_002.img")[1]
    manifest = [json.loads(line) for line in open("out/manifest.jsonl")]
    assert [m["frame"] for m in manifest[1:]] == [1, 2, 3]
    truth = json.load(open("out/truth.json"))
    assert [f["phi_deg"] for f in truth["frames"]] == pytest.approx([10, 11, 12])
    assert "series: 3 frames" in capsys.readouterr().out


def test_stills_are_the_single_runs_of_their_arguments(here):
    args = [*ARGS, "-seed", "9"]
    assert main(["series", "--stills", "3", *args, "--orientation-seed", "5", "--size-spread", "0.2",
                 "--lambda-spread", "0.01", "--template", "st/shot_#.img"]) == 0
    plan = make_plan(args, 3, stills=True, orientation_seed=5, size_spread=0.2, lambda_spread=0.01)
    overrides = plan.frame_overrides(2)
    assert overrides[0] == "-misset" and "-Na" in overrides and "-lambda" in overrides
    pixels, _ = single_run(["../demo.hkl" if a == "demo.hkl" else a for a in plan.frame_arguments(2)], "one")
    assert smv("st/shot_2.img")[1] == pixels
    # shot 2 is the same whatever the number of shots or the spreads switched on
    assert make_plan(args, 7, stills=True, orientation_seed=5).draws(2)["misset_deg"] == \
        plan.draws(2)["misset_deg"]
    assert make_plan(args, 3, stills=True, orientation_seed=6).draws(2)["misset_deg"] != \
        plan.draws(2)["misset_deg"]


def test_stills_orientations_are_uniform_over_rotations():
    plan = make_plan(["-default_F", "1", "-cell", "10", "10", "10", "90", "90", "90"], 4000, stills=True,
                     orientation_seed=1)
    # the image of the x axis under R = Rz Ry Rx is uniform on the sphere: each component's mean is 0
    # and its mean square 1/3
    xs = []
    for k in range(1, 4001):
        x, y, z = np.radians(plan.draws(k)["misset_deg"])
        xs.append((np.cos(z) * np.cos(y), np.sin(z) * np.cos(y), -np.sin(y)))
    xs = np.array(xs)
    assert np.all(np.abs(xs.mean(axis=0)) < 0.05)
    assert np.all(np.abs((xs ** 2).mean(axis=0) - 1 / 3) < 0.03)


@pytest.mark.skipif(not os.environ.get("NB_C_BIN"), reason="set NB_C_BIN to a nanoBragg binary to compare")
def test_sweep_frame_is_the_c_run_of_its_arguments(here):
    assert main(["series", "--frames", "2", *ARGS, "-seed", "3", "--template", "c/img_#.img"]) == 0
    plan = make_plan([*ARGS, "-seed", "3"], 2)
    os.makedirs("cr")
    subprocess.run([os.environ["NB_C_BIN"], *["../demo.hkl" if a == "demo.hkl" else a
                                              for a in plan.frame_arguments(2)]],
                   cwd="cr", check=True, capture_output=True)
    assert smv("c/img_2.img")[1] == open("cr/noiseimage.img", "rb").read()[512:]


def test_resume_keeps_good_frames_and_redoes_the_rest(here, monkeypatch):
    cmd = ["series", "--frames", "4", *ARGS, "-seed", "1", "--template", "r/img_#.img"]
    assert main(cmd) == 0
    first = {k: open(f"r/img_{k}.img", "rb").read() for k in range(1, 5)}
    os.remove("r/img_2.img")
    with open("r/img_3.img", "r+b") as f:            # a frame changed after it was written
        f.seek(2000)
        f.write(b"\xff\xff")
    rendered = []
    from nanobragg_nb.programs.series import frames
    original = frames.FrameRenderer.render
    monkeypatch.setattr(frames.FrameRenderer, "render", lambda self, k, log=None: rendered.append(k) or
                        original(self, k, log))
    assert main([*cmd, "--resume"]) == 0
    assert sorted(rendered) == [2, 3]
    assert all(open(f"r/img_{k}.img", "rb").read() == first[k] for k in range(1, 5))


def test_a_full_disk_keeps_the_finished_frames_in_the_manifest(here, monkeypatch, capsys):
    cmd = ["series", "--frames", "4", *ARGS, "-seed", "1", "--template", "d/img_#.img"]
    real = formats.write_smv_frame

    def fills_at_frame_3(path, frame, geometry, date):
        if frame.number == 3:
            from nanobragg_nb.io.atomic import output_error
            raise output_error(path, OSError(errno.ENOSPC, "No space left on device"))
        return real(path, frame, geometry, date)
    monkeypatch.setattr("nanobragg_nb.programs.series.run.write_smv_frame", fills_at_frame_3)
    assert main(cmd) == 6
    err = capsys.readouterr().err
    assert "disk full" in err and "2 of 4 frames are finished" in err and "--resume" in err
    assert sorted(json.loads(line).get("frame") for line in open("d/manifest.jsonl").readlines()[1:]) == [1, 2]
    monkeypatch.setattr("nanobragg_nb.programs.series.run.write_smv_frame", real)
    assert main([*cmd, "--resume"]) == 0
    assert os.path.exists("d/img_4.img") and os.path.exists("d/truth.expt")


@pytest.mark.parametrize("extra, status, words", [
    (["--frames", "0"], 2, "at least 1"),
    (["--stills", "-3"], 2, "at least 1"),
    (["--frames", "2", "--stills", "2"], 2, "one of --frames"),
    (["--frames", "2", "--template", "noframes.img"], 2, "no '#'"),
    (["--frames", "2", "--template", "a_##_##.img"], 2, "one run of '#'"),
    (["--frames", "2", "--format", "tiff"], 2, "smv, cbf or nexus"),
    (["--frames", "2", "--workers", "0"], 2, "at least 1"),
    (["--frames", "2", "--size-spread", "0.1"], 2, "serial stills"),
    (["--stills", "2", "--size-spread", "-1"], 2, "0 or more"),
    (["--frames", "2", "--detector", "det.expt"], 2, "--format nexus"),
])
def test_bad_series_options_are_one_line_and_a_status(here, capsys, extra, status, words):
    assert main(["series", *ARGS, *extra]) == status
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_sweep_needs_osc_and_a_random_misset_its_seed(here, capsys):
    no_osc = [a for a in ARGS if a not in ("-osc",)]
    no_osc.remove("1")
    assert main(["series", "--frames", "2", *no_osc]) == 2
    assert "-osc" in capsys.readouterr().err
    assert main(["series", "--frames", "2", *ARGS, "-misset", "random"]) == 2
    assert "-misset_seed" in capsys.readouterr().err


def test_an_existing_series_is_not_overwritten_without_resume(here, capsys):
    cmd = ["series", "--frames", "1", *ARGS, "-seed", "1", "--template", "e/img_#.img"]
    assert main(cmd) == 0
    assert main(cmd) == 2
    assert "--resume" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_folder_is_refused_before_rendering(here, capsys):
    os.makedirs("locked")
    os.chmod("locked", 0o500)
    assert main(["series", "--frames", "2", *ARGS, "--template", "locked/img_#.img"]) == 6
    assert "permission denied" in capsys.readouterr().err


def test_a_folder_that_is_a_file_is_refused(here, capsys):
    open("plain", "w").close()
    assert main(["series", "--frames", "2", *ARGS, "--template", "plain/img_#.img"]) == 6
    assert "plain" in capsys.readouterr().err


def test_python_api_yields_the_frames_the_command_writes(here):
    import nanobragg_nb as nb
    sweep = nb.simulate_series([*ARGS, "-seed", "2"], frames=2)
    frames = list(sweep)
    assert [f.number for f in frames] == [1, 2] and frames[0].pixels.shape == (56, 72)
    assert main(["series", "--frames", "2", *ARGS, "-seed", "2", "--template", "api/img_#.img"]) == 0
    for f in frames:
        assert smv(f"api/img_{f.number}.img")[1] == f.pixels.tobytes()


def test_smv_header_beam_centre_puts_dxtbx_origin_on_the_truth(here):
    plan = make_plan([*ARGS, "-Xbeam", "20.3", "-Ybeam", "17.9"], 1)
    from nanobragg_nb.programs.series.frames import FrameRenderer
    from nanobragg_nb.programs.series.geometry import lab_geometry
    frame = FrameRenderer(plan).render(1)
    g = lab_geometry(frame.setup)
    x, y = formats.dxtbx_beam_centre(g)
    # dxtbx (FormatSMVJHSim): beam centre (x + px, height - y + px), origin = -(bx * fast + by * slow) - d z
    bx, by = x + g.pixel_mm, g.pixel_mm * g.image_size[1] - y + g.pixel_mm
    distance = frame.setup.distance * 1000
    origin = -(bx * np.array([1, 0, 0]) + by * np.array([0, -1, 0])) + distance * np.array([0, 0, -1])
    assert np.allclose(origin, g.origin_mm, atol=1e-9)
    header = formats.smv_header(frame.setup, g, 40, "Tue Nov 14 22:13:20 2023", True).decode()
    assert len(header) % 512 == 0 and f"HEADER_BYTES={len(header)};" in header
    assert f"BEAM_CENTER_X={x:.9g};" in header


def test_in_process_and_dask_give_the_same_bytes(here):
    pytest.importorskip("dask.distributed")
    from dask.distributed import LocalCluster
    base = ["series", "--frames", "3", *ARGS, "-seed", "1"]
    assert main([*base, "--template", "a/img_#.img"]) == 0
    assert main([*base, "--template", "b/img_#.img", "--workers", "2"]) == 0
    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None) as cluster:
        assert main([*base, "--template", "c/img_#.img", "--scheduler", cluster.scheduler_address]) == 0
    for k in (1, 2, 3):
        a = open(f"a/img_{k}.img", "rb").read()
        assert a == open(f"b/img_{k}.img", "rb").read() == open(f"c/img_{k}.img", "rb").read()


def test_dask_array_of_frames(here):
    pytest.importorskip("dask")
    import nanobragg_nb as nb
    sweep = nb.simulate_series([*ARGS, "-seed", "2"], frames=2)
    stack = sweep.to_dask()
    assert stack.shape == (2, 56, 72) and stack.dtype == np.uint16
    assert np.array_equal(stack[1].compute(), sweep.frame(2).pixels)


def test_template_names():
    from nanobragg_nb.programs.series.run import check_template
    check_template("run1/image_#####.img", "--template")
    with pytest.raises(ArgumentError):
        check_template("run#/image.img", "--template")


def test_cbf_frames_hold_the_smv_pixels(here):
    fabio = pytest.importorskip("fabio")
    base = ["series", "--frames", "2", *ARGS, "-seed", "1"]
    assert main([*base, "--template", "s/img_#.img"]) == 0
    assert main([*base, "--format", "cbf", "--template", "c/img_#.cbf"]) == 0
    image = fabio.open("c/img_2.cbf")
    pixels = np.frombuffer(smv("s/img_2.img")[1], dtype=np.uint16).reshape(56, 72)
    assert np.array_equal(image.data, pixels)
    header = image.header["_array_data.header_contents"]
    assert "# Start_angle 1.000000 deg." in header and "# Angle_increment 1.000000 deg." in header


def test_a_really_full_disk_keeps_finished_frames_listed(tmp_path):
    import sys
    from test_errors import private_tmpfs_prefix
    from conftest import REPO
    prefix = private_tmpfs_prefix(tmp_path, "size=96k")
    if prefix is None:
        pytest.skip("cannot mount a private tmpfs here (unshare/mount not permitted)")
    args = ["-default_F", "100", *ARGS[2:], "-seed", "1"]
    script = (f'{shlex_join([sys.executable, "-m", "nanobragg_nb", "series", "--frames", "40", *args])}; '
              'status=$?; echo MANIFEST:; cat manifest.jsonl; exit $status')
    env = dict(os.environ, LC_ALL="C", PYTHONPATH=str(REPO))
    proc = subprocess.run(prefix + ["sh", "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 6, proc.stderr
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and "no space left on device" in err[0] and "--resume" in err[0]
    manifest = proc.stdout.split("MANIFEST:\n")[1].split("LISTING:\n")
    finished = [json.loads(line)["frame"] for line in manifest[0].splitlines()[1:] if line.startswith('{"frame"')]
    files = manifest[1].split()
    assert finished and f"{len(finished)} of 40 frames are finished" in err[0]
    assert all(f"image_{k:05d}.img" in files for k in finished)
    assert not [name for name in files if name.startswith(".")]       # no temporary file left


def shlex_join(words):
    import shlex
    return " ".join(shlex.quote(w) for w in words)


def test_fix_reaches_every_frame(here):
    args = [*ARGS, "-seed", "1", "-oversample", "2", "-oversample_omega"]
    assert main(["series", "--frames", "2", *args, "--fix", "all", "--template", "fx/img_#.img"]) == 0
    assert main(["series", "--frames", "2", *args, "--template", "nf/img_#.img"]) == 0
    plan = make_plan(args, 2)
    os.makedirs("one")
    os.chdir("one")
    try:
        assert main([*["../demo.hkl" if a == "demo.hkl" else a for a in plan.frame_arguments(2)], "--fix", "all",
                     "-nopgm"]) == 0
        single = open("noiseimage.img", "rb").read()[512:]
    finally:
        os.chdir("..")
    assert smv("fx/img_2.img")[1] == single != smv("nf/img_2.img")[1]
