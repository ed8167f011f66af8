"""The ground truth of a simulated series, written beside its frames.

Three files say what the frames were made from:

* ``truth.expt``: a DIALS experiment list (the JSON that dxtbx writes) with
  the beam, detector, goniometer, scan and crystal of the simulation, so that
  a processing result can be compared with the model that made the images;
* ``truth.json``: what each frame was given in nanoBragg's own terms (its
  spindle angles, crystal, wavelength, seed and full argument list);
* ``truth.mtz``: the structure factors used, written with gemmi.

The experiment list is written with :mod:`json` alone, field for field as
dxtbx 3.x serialises its models, so no DIALS installation is needed.
"""
import datetime
import json
import os
import sys
import uuid

import numpy as np

from ...errors import ArgumentError
from ...io.atomic import atomic_write
from ...version import __version__

#: the ADC offset of an SMV frame is its pedestal, and the 16-bit ceiling less it the overload
SMV_SATURATION = 65535.0


class GemmiMissing(ArgumentError):
    """gemmi, which writes the MTZ file, is not installed.

    A caller that treats the MTZ as optional catches this and goes on.
    """


def _vec(v):
    # "+ 0.0" turns -0.0 into 0.0, which reads better in the file
    return [float(x) + 0.0 for x in np.asarray(v, dtype=float).ravel()]


def frame_name(template, number):
    """The file of frame ``number`` in a DIALS template (``image_#####.img``).

    The last run of ``#`` holds the zero-padded frame number.
    """
    end = template.rfind("#")
    if end < 0:
        raise ValueError(f"template {template!r} has no '#' for the frame number")
    start = end
    while start > 0 and template[start - 1] == "#":
        start -= 1
    return f"{template[:start]}{number:0{end - start + 1}d}{template[end + 1:]}"


def _beam(g):
    return {"direction": _vec(g.beam_direction), "wavelength": float(g.wavelength_A),
            "divergence": 0.0, "sigma_divergence": 0.0,
            "polarization_normal": _vec(g.polarization_normal),
            "polarization_fraction": float(g.polarization_fraction),
            "flux": 0.0, "transmission": 1.0}


def _panel(name, kind, fast, slow, origin, image_size, pixel, trusted, thickness, material, mu,
           pedestal, strategy):
    return {"name": name, "type": kind, "fast_axis": _vec(fast), "slow_axis": _vec(slow),
            "origin": _vec(origin), "raw_image_offset": [0, 0], "image_size": list(image_size),
            "pixel_size": [pixel, pixel], "trusted_range": list(trusted), "thickness": thickness,
            "material": material, "mu": mu, "identifier": "", "mask": [], "gain": 1.0,
            "pedestal": pedestal, "px_mm_strategy": {"type": strategy}}


def _detector(g, adc_offset, saturation):
    """The panels (one, or those of ``g.panels``), with the trusted range and pedestal dxtbx gives a
    simulated SMV frame."""
    thick, mu = float(g.thickness_mm), float(g.mu_per_mm)
    absorbs = thick > 0 and mu > 0
    panels = g.panels or [dict(name="Panel", origin_mm=g.origin_mm, fast_axis=g.fast_axis, slow_axis=g.slow_axis,
                               pixel_mm=g.pixel_mm, image_size=g.image_size)]
    out = []
    for p in panels:
        # a sensor of finite depth shifts spots outwards; dxtbx models that as parallax
        out.append(_panel(p["name"], "SENSOR_PAD" if absorbs else "SENSOR_CCD", p["fast_axis"], p["slow_axis"],
                          p["origin_mm"], (int(p["image_size"][0]), int(p["image_size"][1])), float(p["pixel_mm"]),
                          (-1.0, float(saturation) - float(adc_offset)), thick, "Si" if thick > 0 else "",
                          mu, float(adc_offset),
                          "ParallaxCorrectedPxMmStrategy" if absorbs else "SimplePxMmStrategy"))
    root = _panel("", "", (1, 0, 0), (0, 1, 0), (0, 0, 0), (0, 0), 0.0, (0.0, 0.0), 0.0, "", 0.0,
                  0.0, "SimplePxMmStrategy")
    root["children"] = [{"panel": i} for i in range(len(out))]
    return {"panels": out, "hierarchy": root}


def _crystal(g):
    a, b, c = np.asarray(g.real_space_A, dtype=float)
    return {"__id__": "crystal", "real_space_a": _vec(a), "real_space_b": _vec(b),
            "real_space_c": _vec(c), "space_group_hall_symbol": " P 1"}


def _imageset(kind, files):
    body = {"__id__": kind}
    body.update(files)
    body.update({"mask": None, "gain": None, "pedestal": None, "dx": None, "dy": None,
                 "params": {"dynamic_shadowing": "Auto", "multi_panel": False}})
    return body


def _identifier(path, index):
    # reproducible, and distinct for every experiment of every file
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{os.path.abspath(path)}#{index}"))


def experiment_list(path, geometries, template, first=1, stills=False, adc_offset=40.0,
                    saturation=SMV_SATURATION, exposure_s=1.0):
    """The experiment list :func:`write_truth_expt` writes, as a dict."""
    if not geometries:
        raise ValueError("an experiment list needs at least one frame")
    g1 = geometries[0]
    doc = {"__id__": "ExperimentList", "experiment": [], "imageset": [], "beam": [],
           "detector": [_detector(g1, adc_offset, saturation)], "goniometer": [], "scan": [],
           "crystal": [], "profile": [], "scaling_model": []}
    if stills:
        for i, g in enumerate(geometries):
            doc["experiment"].append({"__id__": "Experiment", "identifier": _identifier(path, i),
                                      "beam": i, "detector": 0, "crystal": i, "imageset": i})
            doc["beam"].append(_beam(g))
            doc["crystal"].append(_crystal(g))
            if "#" in template:
                files = {"images": [frame_name(template, first + i)]}
            else:       # one file holds every frame (NeXus)
                files = {"images": [template], "single_file_indices": [i]}
            doc["imageset"].append(_imageset("ImageSet", files))
        return doc
    n = len(geometries)
    for k, g in enumerate(geometries):
        if not np.isclose(g.phi0_deg, g1.phi0_deg + k * g1.osc_deg, rtol=0, atol=1e-9):
            raise ValueError(f"frame {first + k} starts at {g.phi0_deg} deg, not where a sweep of "
                             f"{g1.osc_deg} deg frames from {g1.phi0_deg} deg puts it")
    doc["experiment"].append({"__id__": "Experiment", "identifier": _identifier(path, 0), "beam": 0,
                              "detector": 0, "goniometer": 0, "scan": 0, "crystal": 0, "imageset": 0})
    doc["beam"].append(_beam(g1))
    doc["crystal"].append(_crystal(g1))
    identity = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
    doc["goniometer"].append({"rotation_axis": _vec(g1.rotation_axis), "fixed_rotation": identity,
                              "setting_rotation": identity})
    doc["scan"].append({"image_range": [first, first + n - 1], "batch_offset": 0,
                        "oscillation": [float(g1.phi0_deg) + 0.0, float(g1.osc_deg)],
                        "exposure_time": [float(exposure_s)] * n, "epochs": [0.0] * n,
                        "valid_image_ranges": {}})
    files = {"template": template}
    if "#" not in template:     # one file holds every frame (NeXus)
        files["single_file_indices"] = list(range(n))
    doc["imageset"].append(_imageset("ImageSequence", files))
    return doc


def write_truth_expt(path, geometries, template, first=1, stills=False, adc_offset=40.0,
                     saturation=SMV_SATURATION, exposure_s=1.0):
    """Write the model of a simulated series as a DIALS experiment list.

    Parameters
    ----------
    path : str
        The ``.expt`` file.
    geometries : list of LabGeometry
        One per frame, in frame order (:func:`.geometry.lab_geometry`).
    template : str
        The frames' path, with a run of ``#`` for the frame number, as DIALS
        writes templates (``image_#####.img``). A relative path is read by
        dxtbx relative to the folder of ``path``.
    first : int
        Number of the first frame.
    stills : bool
        False: a rotation sweep, one experiment whose scan covers every frame
        and whose beam, detector and crystal are frame 1's (the crystal at
        spindle angle 0, as DIALS holds it). True: one experiment per frame,
        each with its own beam (wavelength) and crystal, the detector shared,
        no goniometer or scan, and an ``ImageSet`` of that frame's file.
    adc_offset : float
        The frames' ADC offset: the panel's pedestal; the trusted range is
        ``[-1, saturation - adc_offset]``, what dxtbx gives a simulated SMV
        frame.
    saturation : float
        The largest pixel value a frame can hold.
    exposure_s : float
        Exposure of each frame.

    Raises
    ------
    ValueError
        No frame, a template without ``#``, or sweep frames whose starting
        angles do not follow each other by the oscillation.
    OutputError
        The file cannot be written.
    """
    doc = experiment_list(path, geometries, template, first, stills, adc_offset, saturation, exposure_s)
    with atomic_write(path, "w") as handle:
        json.dump(doc, handle, indent=2)
        handle.write("\n")


def _plain(value):
    """numpy values as the JSON types they stand for."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} cannot be written to JSON")


def write_truth_json(path, frames, command_line=None, series=None):
    """Write what each frame of a series was given, in nanoBragg's terms.

    Parameters
    ----------
    path : str
        The ``.json`` file.
    frames : list of dict
        One per frame, written as given (numpy arrays and scalars become JSON
        lists and numbers): the frame number and file, phi and osc (deg), the
        misset angles or A matrix, N, the mosaic spread and domains, the
        wavelength (A), the seed and the frame's full nanoBragg argument list.
    command_line : list of str, optional
        The series' command line; ``sys.argv`` by default.
    series : dict, optional
        What the whole series shares (arguments, seeds, spreads, start time).

    Raises
    ------
    OutputError
        The file cannot be written.
    """
    doc = {"program": "nanobragg-nb", "version": __version__,
           "command_line": list(sys.argv if command_line is None else command_line),
           "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "series": series, "frames": list(frames)}
    text = json.dumps(doc, indent=2, default=_plain)
    with atomic_write(path, "w") as handle:
        handle.write(text + "\n")


def cell_of(s):
    """Unit cell (a, b, c in A, alpha, beta, gamma in deg) of a prepared simulation."""
    vectors = [np.asarray(v, dtype=float)[-3:] * 1e10 for v in (s.a0, s.b0, s.c0)]
    lengths = [float(np.linalg.norm(v)) for v in vectors]

    def angle(u, v):
        return float(np.degrees(np.arccos(np.clip(np.dot(u, v) / np.linalg.norm(u) / np.linalg.norm(v), -1, 1))))

    a, b, c = vectors
    return (*lengths, angle(b, c), angle(c, a), angle(a, b))


def table_reflections(s):
    """The reflections of the table that differ from ``default_F``, as (hkl, F).

    The table does not record which reflections its file listed: every index
    in its ranges holds either a listed F or ``default_F`` (as does every
    index outside them). The reflections whose F is not ``default_F``
    therefore describe it completely; a listed F equal to ``default_F`` is
    left out, as it changes nothing. The padding planes past the maxima are
    not part of the table.
    """
    t = s.hkl
    F = np.asarray(t.Fhkl)[:t.h_range, :t.k_range, :t.l_range]
    index = np.argwhere(F != s.default_F)
    hkl = index + np.array([t.h_min, t.k_min, t.l_min])
    return hkl, F[tuple(index.T)]


def _gemmi():
    try:
        import gemmi
    except ImportError:
        gemmi = None
    # Mtz.write_to_bytes, which lets the file be written atomically, came with gemmi 0.7.3
    if gemmi is None or not hasattr(gemmi.Mtz, "write_to_bytes"):
        raise GemmiMissing('writing the structure factors as MTZ needs gemmi 0.7.3 or later: '
                           'pip install "nanobragg-nb[truth]"')
    return gemmi


def write_mtz(path, s):
    """Write the structure factors of a simulation as an MTZ file (H K L F, P 1).

    Parameters
    ----------
    path : str
        The ``.mtz`` file.
    s : Setup
        The prepared simulation; its table is ``s.hkl`` and its cell comes
        from the real-space vectors ``s.a0``, ``s.b0``, ``s.c0``.

    Returns
    -------
    bool
        False, and nothing written, when there is no table (``-default_F``
        alone); True otherwise. Reflections not in the file have F =
        ``default_F`` (:func:`table_reflections`), recorded in the history.

    Raises
    ------
    GemmiMissing
        gemmi (0.7.3 or later) is not installed (an :class:`ArgumentError`, which a caller
        that treats the MTZ as optional catches).
    OutputError
        The file cannot be written.
    """
    if s.hkl.hkls == 0:
        return False
    gemmi = _gemmi()
    hkl, F = table_reflections(s)
    mtz = gemmi.Mtz(with_base=True)
    mtz.spacegroup = gemmi.SpaceGroup("P 1")
    mtz.set_cell_for_all(gemmi.UnitCell(*cell_of(s)))
    dataset = mtz.add_dataset("truth")
    dataset.project_name, dataset.crystal_name = "nanobragg", "nanobragg"
    mtz.add_column("F", "F")
    mtz.set_data(np.column_stack([hkl, F]).astype(np.float32) if len(F) else np.zeros((0, 4), np.float32))
    mtz.history = [f"nanobragg-nb {__version__}: structure factors of the simulation",
                   f"every h k l not listed has F = default_F = {s.default_F:g}"]
    data = mtz.write_to_bytes()
    with atomic_write(path, "wb") as handle:
        handle.write(data)
    return True
