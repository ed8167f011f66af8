"""DIALS, the real client of a series: it imports the frames, finds spots and indexes them as the truth says.

Needs Debian's ``dials`` package (``.ci/run`` installs it); skipped with the
reason when ``dials.import`` is not on the PATH.
"""
import json
import shutil
import subprocess

import numpy as np
import pytest

from nanobragg_nb.cli import main

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("dials.import") is None,
                                                   reason="DIALS is not installed (apt-get install dials)")]

CELL = (79.1, 79.1, 37.9)
#: a 512x512 sweep of 1 degree frames; 8 phi steps a frame keep nanoBragg's sampling of each
#: frame's rotation (phi0 + i * phistep, i < phisteps) within phistep/2 = 0.0625 deg of its middle
SWEEP = ("-hkl demo.hkl -cell 79.1 79.1 37.9 90 90 90 -misset 10 20 30 -N 10 -oversample 1 -lambda 1.3 "
         "-distance 200 -detpixels 512 -pixel 0.2 -fluence 1e26 -seed 1 -osc 1 -phisteps 8 -Xbeam 52.3 "
         "-Ybeam 49.1").split()


@pytest.fixture
def here(demo_hkl_folder):
    return demo_hkl_folder


def dials(folder, *command, env=None):
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


def load(path):
    with open(path) as handle:
        return json.load(handle)


def vectors(crystal):
    return np.array([crystal[f"real_space_{axis}"] for axis in "abc"])


def worst_axis_angle(found, truth):
    """Largest angle (deg) between each indexed cell axis and the true axis (or its opposite) nearest to it."""
    worst = 0.0
    for v in found:
        cosines = [abs(np.dot(v, t)) / np.linalg.norm(v) / np.linalg.norm(t) for t in truth]
        worst = max(worst, np.degrees(np.arccos(min(1.0, max(cosines)))))
    return worst


def check_sweep(folder, pixel_mm):
    imported, truth = load(folder / "imported.expt"), load(folder / "truth.expt")
    found, true_panel = imported["detector"][0]["panels"][0], truth["detector"][0]["panels"][0]
    assert np.allclose(found["origin"], true_panel["origin"], atol=0.01 * pixel_mm)
    for axis in ("fast_axis", "slow_axis"):
        assert np.allclose(found[axis], true_panel[axis], atol=1e-6)
    assert imported["scan"][0]["oscillation"] == pytest.approx(truth["scan"][0]["oscillation"])
    indexed = load(folder / "indexed.expt")["crystal"][0]
    lengths = sorted(np.linalg.norm(vectors(indexed), axis=1))
    assert np.allclose(lengths, sorted(CELL), rtol=0.003)
    assert worst_axis_angle(vectors(indexed), vectors(truth["crystal"][0])) < 0.2


def test_smv_sweep_imports_indexes_and_matches_the_truth(here):
    assert main(["series", "--frames", "20", *SWEEP, "--template", "smv/image_#####.img"]) == 0
    folder = here / "smv"
    dials(folder, "dials.import", "template=image_#####.img")
    dials(folder, "dials.find_spots", "imported.expt", "nproc=2")
    dials(folder, "dials.index", "imported.expt", "strong.refl")
    check_sweep(folder, 0.2)


def test_nexus_sweep_imports_indexes_and_matches_the_truth(here):
    from nanobragg_nb.io.nexus import dials_environment, dials_import_options
    from nanobragg_nb.programs.series.geometry import geometry_from_dict
    assert main(["series", "--frames", "20", *SWEEP, "--format", "nexus", "--template", "nx/sweep_master.h5"]) == 0
    folder = here / "nx"
    entry = json.loads(open(folder / "manifest.jsonl").readlines()[1])
    env = dials_environment()
    dials(folder, "dials.import", "sweep_master.h5", *dials_import_options(geometry_from_dict(entry["geometry"]), 40),
          env=env)
    dials(folder, "dials.find_spots", "imported.expt", "nproc=2", env=env)
    dials(folder, "dials.index", "imported.expt", "strong.refl", env=env)
    check_sweep(folder, 0.2)


def spots_per_experiment(folder):
    """Strong spots per experiment id, read with DIALS' own Python."""
    out = dials(folder, "/usr/bin/python3", "-c",
                "from dials.array_family import flex; import collections; "
                "r = flex.reflection_table.from_file('strong.refl'); "
                "print(dict(collections.Counter(list(r['id']))))")
    return {int(k): v for k, v in eval(out.strip()).items()}


@pytest.mark.parametrize("fmt", ["smv", "nexus"])
def test_stills_import_as_stills_with_spots_on_every_shot(here, fmt):
    from nanobragg_nb.io.nexus import dials_environment
    args = [a for a in SWEEP if a not in ("-osc", "-phisteps")]
    for value in ("1", "8"):
        args.remove(value)
    template = "st/shot_#####.img" if fmt == "smv" else "st/shots.h5"
    assert main(["series", "--stills", "4", *args, "--orientation-seed", "3", "--format", fmt,
                 "--template", template]) == 0
    folder = here / "st"
    env = dials_environment()
    if fmt == "smv":
        # zero-oscillation SMV images come in as one sequence of stills; DIALS' option makes them stills
        dials(folder, "dials.import", "template=shot_#####.img", "convert_sequences_to_stills=True")
    else:
        dials(folder, "dials.import", "shots.h5", env=env)
    imported = load(folder / "imported.expt")
    assert len(imported["experiment"]) == 4 and not imported["scan"]
    assert {imageset["__id__"] for imageset in imported["imageset"]} == {"ImageSet"}
    dials(folder, "dials.find_spots", "imported.expt", "nproc=2", env=env)
    spots = spots_per_experiment(folder)
    assert sorted(spots) == [0, 1, 2, 3] and min(spots.values()) >= 20
    truth = load(folder / "truth.expt")
    assert len(truth["experiment"]) == 4 and len(truth["crystal"]) == 4


def test_cbf_frames_import_with_the_truth_geometry(here):
    assert main(["series", "--frames", "3", *SWEEP, "--format", "cbf", "--template", "cbf/image_#####.cbf"]) == 0
    folder = here / "cbf"
    dials(folder, "dials.import", "template=image_#####.cbf")
    imported, truth = load(folder / "imported.expt"), load(folder / "truth.expt")
    found, true_panel = imported["detector"][0]["panels"][0], truth["detector"][0]["panels"][0]
    assert np.allclose(found["origin"], true_panel["origin"], atol=0.01 * 0.2)
    assert imported["scan"][0]["oscillation"] == pytest.approx(truth["scan"][0]["oscillation"])
    assert imported["scan"][0]["image_range"] == [1, 3]


def test_multi_panel_nexus_sweep_imports_and_indexes(here):
    """A 2x2 detector with 6-pixel gaps, from a DIALS file: DIALS sees its panels and indexes the sweep."""
    from nanobragg_nb.core import panels
    from nanobragg_nb.core.log import Log
    from nanobragg_nb.core.setup import prepare
    from nanobragg_nb.io.nexus import dials_environment, dials_import_options
    from nanobragg_nb.programs.nanobragg.cparse import parse_args
    from nanobragg_nb.programs.series.geometry import geometry_from_dict
    s = prepare(parse_args(["-default_F", "1", *SWEEP[2:]]).config, Log(), write_cache=False)
    quarters = panels.split(s.pix0_vector, s.fdet_vector, s.sdet_vector, s.odet_vector, s.pixel_size, 512, 512, 2, 2)
    moved = []
    for i, p in enumerate(quarters):
        gap = np.array(p.fast) * (6 * s.pixel_size * (i % 2)) + np.array(p.slow) * (6 * s.pixel_size * (i // 2))
        moved.append(panels.Panel(p.name, tuple(np.add(p.origin_m, gap)), p.fast, p.slow, p.pixel_size_m,
                                  p.fpixels, p.spixels))
    panels.write_expt(panels.PanelDetector(tuple(moved)), here / "det.expt")
    assert main(["series", "--frames", "20", *SWEEP, "--detector", "det.expt", "--format", "nexus",
                 "--template", "mp/sweep.h5"]) == 0
    folder = here / "mp"
    entry = json.loads(open(folder / "manifest.jsonl").readlines()[1])
    env = dials_environment()
    dials(folder, "dials.import", "sweep.h5", *dials_import_options(geometry_from_dict(entry["geometry"]), 40),
          env=env)
    out = dials(folder, "/usr/bin/python3", "-c",
                "from dxtbx.model.experiment_list import ExperimentListFactory as F; "
                "d = F.from_json_file('imported.expt', check_format=False)[0].detector; "
                "print([list(p.get_origin()) + list(p.get_fast_axis()) + list(p.get_slow_axis()) for p in d])")
    found = np.array(eval(out.strip()))
    truth = load(folder / "truth.expt")["detector"][0]["panels"]
    assert len(found) == len(truth) == 4
    for got, want in zip(found, truth):
        assert np.allclose(got, want["origin"] + want["fast_axis"] + want["slow_axis"], atol=1e-6)
    dials(folder, "dials.find_spots", "imported.expt", "nproc=2", env=env)
    dials(folder, "dials.index", "imported.expt", "strong.refl", env=env)
    indexed = load(folder / "indexed.expt")["crystal"][0]
    assert np.allclose(sorted(np.linalg.norm(vectors(indexed), axis=1)), sorted(CELL), rtol=0.003)
