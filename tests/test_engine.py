"""The parallel driver gives the serial C's result: stale phi rotation, polarization axis,
interpolation switch-off and the solid-angle sum, whatever the blocks and threads."""
import numpy as np
import pytest

from nanobragg_nb.core.engines import cpu as engine, progress, settle
from nanobragg_nb.core import rng
from nanobragg_nb.programs.nanobragg.cparse import parse_args
from nanobragg_nb.core.kernels import cpu, tables
from nanobragg_nb.core.kernels.layouts import FQ_EXACT
from nanobragg_nb.core.kernels.pixel import N_REC
from nanobragg_nb.core.log import Log
from nanobragg_nb.core.setup import prepare


def prepared(args, folder, monkeypatch):
    monkeypatch.chdir(folder)
    with open(folder / "box.hkl", "w") as f:     # a small table: interpolation runs out of range at high angle
        for h in range(-4, 5):
            for k in range(-4, 5):
                for l in range(-4, 5):
                    f.write(f"{h} {k} {l} {10 + (h * 7 + k * 3 + l) % 5}\n")
    cfg = parse_args(args.split()).config
    s = prepare(cfg, Log(), rng.RandomState())
    s.progress_meter = False
    return s, tables.build(s)


def serial_reference(s, t):
    """The C's loop in strict serial order, one pixel after another."""
    image = np.zeros(s.pixels, np.float32)
    terms = np.zeros(s.spixels * s.fpixels * t.omega_terms)
    events = np.zeros((s.spixels, cpu.N_EVENT))
    state = np.array([0, 0, int(t.interpolate)], np.int64)
    cpu.render_rows_serial(0, s.spixels, *t.inputs, state, image, terms, events, np.zeros(N_REC),
                           np.zeros((1, cpu.N_SNAP)), -2, -2)
    omega_sum = cpu.omega_chain(0.0, 0, s.spixels, t.Q, t.mask, terms, t.omega_repeat)
    rows = np.nonzero(events[:, 0])[0]
    first = (int(events[rows[0], 1]), int(rows[0])) if len(rows) else None
    return image, omega_sum, first


CASES = {
    "phi_zero_reuse": "-default_F 100 -cell 60 70 80 90 90 90 -lambda 1 -N 5 -distance 100 -detpixels 24 "
                      "-phi 0 -osc 3 -phisteps 3 -roi 3 20 5 22",
    "phi_zero_late": "-default_F 100 -cell 60 70 80 90 90 90 -lambda 1 -N 5 -distance 100 -detpixels 24 "
                     "-phi -2 -osc 4 -phisteps 4 -dmin 30",
    "custom_polar_axis": "-default_F 100 -cell 60 70 80 90 90 90 -lambda 1 -N 5 -distance 100 -detpixels 24 "
                         "-polar_vector 0.3 0.7 1.1 -polar 0.8 -oversample 2 -oversample_polar",
    "interpolation_off_midway": "-hkl box.hkl -cell 11 11 11 90 90 90 -lambda 1 -N 2 -distance 60 -detpixels 40 "
                                "-pixel 0.5 -Xbeam 0.25 -Ybeam 10 -oversample 1",
    "omega_terms": "-default_F 100 -cell 60 70 80 90 90 90 -lambda 1 -N 3 -distance 50 -detpixels 20 "
                   "-oversample 2 -oversample_omega -detector_thick 100 -detector_thicksteps 2",
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("block", [1, 3, 64])
def test_blocks_reproduce_serial_order(name, block, tmp_path, monkeypatch):
    s, t = prepared(CASES[name], tmp_path, monkeypatch)
    image, omega_sum, first = serial_reference(s, t)
    monkeypatch.setattr(settle, "block_rows", lambda spixels, threads: block)
    loop = engine.render(s, t, threads=2, progress=False)
    assert np.array_equal(loop.floatimage.view(np.uint32), image.view(np.uint32))
    assert loop.omega_sum == omega_sum
    assert (loop.event[:2] if loop.event else None) == first


@pytest.mark.parametrize("name", ["phi_zero_reuse", "interpolation_off_midway", "omega_terms"])
def test_fast_kernels_outside_the_flat_loop_are_the_faithful_ones(name, tmp_path, monkeypatch):
    # with the flat loop ruled out for every pixel, the fast row kernels run the faithful code
    s, t = prepared(CASES[name], tmp_path, monkeypatch)
    image, omega_sum, first = serial_reference(s, t)
    fast = cpu.fast_args(t)
    fast[-1][FQ_EXACT] = 1
    monkeypatch.setattr(cpu, "fast_args", lambda tables: fast)
    monkeypatch.setattr(settle, "block_rows", lambda spixels, threads: 3)
    loop = engine.render(s, t, threads=2, progress=False, mode="fast")
    assert np.array_equal(loop.floatimage.view(np.uint32), image.view(np.uint32))
    assert loop.omega_sum == omega_sum
    assert (loop.event[:2] if loop.event else None) == first


def test_fast_kernels_take_the_flat_loop_where_it_applies(tmp_path, monkeypatch):
    s, t = prepared(CASES["phi_zero_reuse"], tmp_path, monkeypatch)
    image, omega_sum, _ = serial_reference(s, t)
    loop = engine.render(s, t, threads=2, progress=False, mode="fast")
    assert not np.array_equal(loop.floatimage, image)
    assert np.allclose(loop.floatimage, image, rtol=1e-4, atol=1e-6 * image.max())
    # everything before the phi loop is the faithful code: the solid angle among it
    assert loop.omega_sum == omega_sum


def test_interpolation_event_is_midway(tmp_path, monkeypatch):
    # the repair path must really be exercised: the first event is neither absent nor in row 0
    s, t = prepared(CASES["interpolation_off_midway"], tmp_path, monkeypatch)
    _, _, first = serial_reference(s, t)
    assert first is not None and first[1] > 0


def test_custom_polar_axis_settles_after_a_few_calls(tmp_path, monkeypatch):
    s, t = prepared(CASES["custom_polar_axis"], tmp_path, monkeypatch)
    assert len(t.pv_table) >= 1 and tuple(t.pv_table[-1]) == tuple(t.pv_table[-1] / np.linalg.norm(t.pv_table[-1]))


def test_progress_line_matches_the_c_schedule():
    class S:
        progress_pixels = (127 - 0 + 1) * (127 - 0 + 1)    # ROI defaults of a 127-pixel detector
        progress_meter = True
    # the C prints at multiples of pp/100 below 10 %, of pp/20 in between and again above 90 %
    assert progress.progress_line(S, 0, 16000) == "0% done\n"
    assert progress.progress_line(S, 1, 16000) == "0% done\n"          # next print is at 163
    assert progress.progress_line(S, 164, 16000) == "1% done\n"
    assert progress.progress_line(S, 2000, 16000) == "14% done\n"      # 20 * 819 = 2457 -> 14 %
    assert progress.progress_line(S, 16380, 16000) == ""
