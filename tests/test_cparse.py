"""The command line parsed the way nanoBragg.c parses it (c-reference §1)."""

import pytest

from nanobragg_nb.core.config import RTD
from nanobragg_nb.programs.nanobragg.cparse import RULES, parse_args
from nanobragg_nb.errors import ArgumentError


def cfg(*args):
    return parse_args(list(args)).config


def test_misset_seed_also_sets_misset_angles():
    c = cfg("-misset_seed", "5", "-N", "3")
    assert c.crystal.misset_seed == -5
    assert c.crystal.misset_mode == 1
    assert c.crystal.misset_rad == (5 / RTD, 0.0, 3 / RTD)      # atof("-N") = 0


def test_misset_seed_overrides_misset_random():
    c = cfg("-misset", "random", "-misset_seed", "777", "-lambda", "1.0")
    assert c.crystal.misset_mode == 1                            # the golden case xtal_misset_random
    assert c.crystal.misset_rad == (777 / RTD, 0.0, 1.0 / RTD)


def test_misset_random():
    c = cfg("-misset", "random")
    assert c.crystal.misset_mode == -1


def test_twotheta_axis_fires_twotheta_and_custom():
    c = cfg("-twotheta", "3", "-twotheta_axis", "0.5", "1", "0")
    assert c.detector.twotheta_rad == 0.5 / RTD                  # overwritten by the axis' x component
    assert c.detector.pivot == "sample"
    assert c.detector.convention == "custom"
    assert c.detector.twotheta_axis == (0.5, 1.0, 0.0)


def test_printout_pixel_implies_printout():
    c = cfg("-printout_pixel", "20", "30")
    assert c.output.printout and (c.output.printout_fpixel, c.output.printout_spixel) == (20, 30)


def test_width_and_height_fire_both_blocks():
    c = cfg("-width", "0.2", "-heigh", "0.3")
    assert (c.crystal.sample_y_m, c.crystal.sample_z_m) == (0.2 / 1000, 0.3 / 1000)


def test_mosaic_seed_is_not_seed():
    c = cfg("-mosaic_seed", "9")
    assert c.crystal.mosaic_seed == -9 and c.output.seed is None


@pytest.mark.parametrize("args, field, value", [
    (("-wavelength", "2"), ("beam", "wavelength_m"), 2 / 1.0e10),
    (("-wave", "2"), ("beam", "wavelength_m"), 2 / 1.0e10),
    (("-matrix", "x.mat"), ("crystal", "matrix_file"), "x.mat"),
    (("-adcoffset", "7"), ("output", "adc_offset"), 7.0),
    (("-detector_absorb", "300"), ("detector", "mu_per_m"), 1.0 / (300 * 1e-6)),
    (("-mosaic_domains", "7"), ("crystal", "mosaic_domains"), 7),
    (("-mosaicity", "0.5"), ("crystal", "mosaic_spread_rad"), 0.5 / RTD),
    (("-mosaic_spread", "0.5"), ("crystal", "mosaic_spread_rad"), 0.5 / RTD),
    (("-dumpfile", "F.bin"), ("crystal", "dump_file"), "F.bin"),
    (("-oscillation", "2"), ("crystal", "osc_rad"), 2 / RTD),
    (("-sample_height", "0.1"), ("crystal", "sample_z_m"), 0.1 / 1000),
    (("-energy", "12398.42"), ("beam", "wavelength_m"), (12398.42 / 12398.42) / 1.0e10),
])
def test_aliases_by_substring(args, field, value):
    assert getattr(getattr(cfg(*args), field[0]), field[1]) == value


@pytest.mark.parametrize("args, field, value", [
    (("-nopolar",), ("beam", "polarization_kahn"), 0.0),           # not -polar (needs length 6)
    (("-pgmscale", "3"), ("output", "intfile_scale"), 0.0),        # not -scale
    (("-close_distance", "50"), ("detector", "distance_m"), 0.1),  # not -distance
    (("-point_pixel",), ("detector", "pixel_size_m"), 0.1e-3),     # not -pixel
    (("-detpixels_f", "50"), ("detector", "spixels"), 0),          # not -detpixels
    (("-hdivsteps", "3"), ("beam", "vdiv_steps"), -1),             # not -divsteps
    (("-oversample_omega", "5"), ("sampling", "oversample"), -1),  # continue: not -oversample
    (("-mosaic_seed", "5"), ("crystal", "mosaic_spread_rad"), -1.0),
])
def test_tokens_that_are_not_multi_hit(args, field, value):
    assert getattr(getattr(cfg(*args), field[0]), field[1]) == value


def test_atoi_and_atof_semantics():
    c = cfg("-N", "2.7", "-lambda", "abc", "-phisteps", " 12x", "-distance", "1e2mm")
    assert (c.crystal.Na, c.crystal.Nb, c.crystal.Nc) == (2.0, 2.0, 2.0)
    assert c.beam.wavelength_m == 0.0
    assert c.crystal.phisteps == 12
    assert c.detector.distance_m == 0.1


def test_cell_stops_at_a_dash():
    c = cfg("-cell", "50", "60", "-70", "90")
    assert c.crystal.user_cell and c.crystal.cell_A == (50.0, 60.0, 0.0)
    assert cfg("-cell", "-5").crystal.user_cell       # the C sets user_cell before looking at the values


def test_order_dependence():
    assert cfg("-nonoise", "-noisefile", "n.img").output.calculate_noise
    assert not cfg("-noisefile", "n.img", "-nonoise").output.calculate_noise
    assert cfg("-detector_thick", "100", "-detector_abs", "inf").detector.thick_m == 0.0
    assert cfg("-detector_abs", "inf", "-detector_thick", "100").detector.thick_m == 100 * 1e-6
    assert cfg("-nopgm", "-pgmscale", "2").output.write_pgm
    assert cfg("-xds", "-mosflm").detector.convention == "mosflm"
    assert cfg("-fdet_vector", "0", "0", "1", "-xds").detector.convention == "xds"


def test_pivot_flags():
    assert cfg("-Xbeam", "5").detector.pivot == "beam"
    assert cfg("-ORGX", "5").detector.pivot == "sample"
    assert cfg("-ORGX", "5", "-distance", "80").detector.pivot == "beam"
    assert cfg("-pivot", "sample").detector.pivot == "sample"
    assert cfg("-dials").detector.pivot == "beam"          # the parser says beam; the convention forces sample


def test_flags_with_too_few_values_are_ignored():
    c = cfg("-fdet_vector", "1", "0")
    assert c.detector.fdet_vector == (0.0, 0.0, 1.0) and c.detector.convention == "mosflm"
    assert cfg("-lambda").beam.wavelength_m == 1.0e-10


def test_c_crash_points_give_a_clear_error():
    for flag in ("-detector_abs", "-detector_thick", "-detector_thicksteps", "-thicksteps"):
        with pytest.raises(ArgumentError, match=flag):
            cfg("-N", "3", flag)


def test_unknown_tokens_warn_and_values_do_not():
    parsed = parse_args(["-lambda", "-1", "-bogus", "stray", "-phi", "-2"])
    assert len(parsed.warnings) == 2
    assert "-bogus" in parsed.warnings[0] and "stray" in parsed.warnings[1]


def test_inert_flags_parse_without_warning():
    parsed = parse_args(["-coherent", "-density", "2", "-MW", "50", "-stolout", "x", "-progress"])
    assert parsed.warnings == []


def test_rules_follow_the_c_order():
    lines = [r.line for r in RULES]
    assert lines == sorted(lines) and len(set(lines)) == len(lines)


def test_mask_header_is_read_before_the_flags(tmp_path):
    from nanobragg_nb.io.smv import smv_header, write_smv
    import numpy as np
    hdr = smv_header(fpixels=4, spixels=3, pixel_size=0.2e-3, distance=0.15, lambda0=2e-10, Xbeam=0.3e-3,
                     Ybeam=0.2e-3, Fbeam=0.3e-3, Sbeam=0.2e-3, detsize_s=0.6e-3, dials_origin=(0, 0, 0),
                     ORGX=2.0, ORGY=1.5, close_distance=0.12, phi0=0.0, osc=0.0, detector_twotheta=0.0)
    write_smv(tmp_path / "m.img", hdr, np.ones(12, np.uint16))
    c = cfg("-mask", str(tmp_path / "m.img"), "-pixel", "0.1")
    d = c.detector
    assert (d.fpixels, d.spixels) == (4, 3)
    assert d.pixel_size_m == 0.1 / 1000.0                      # the flag wins over the header
    assert d.distance_m == 120 / 1000.0                        # DISTANCE reads CLOSE_DISTANCE (Q-H2)
    assert d.Ybeam_m == 0.2e-3 * 3 - 0.2 / 1000.0               # the mask flips BEAM_CENTER_Y
    assert c.beam.wavelength_m == 2 / 1e10
    assert d.mask.shape == (12,)
    c = cfg("-img", str(tmp_path / "m.img"))
    assert c.detector.Ybeam_m == 0.2 / 1000.0 and c.detector.mask is None
    assert parse_args(["-img", str(tmp_path / "m.img"), "-mask", str(tmp_path / "m.img")]).warnings == []
