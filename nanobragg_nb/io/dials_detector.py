"""The detector model of a DIALS experiment list (``.expt``) or dxtbx detector JSON, read and written.

dxtbx stores each panel's origin (the outer corner of pixel (0, 0)), fast and
slow axes in the frame of its parent in the ``hierarchy``, millimetres, DIALS
laboratory frame (beam along -z). :func:`read_panels` composes the hierarchy
into laboratory vectors; :func:`detector_dict` writes a flat hierarchy (an
identity root), where local and laboratory vectors are the same.
"""
import json

import numpy as np

from ..errors import InputFileError


def read_panels(path):
    """The panels of the first detector in a DIALS ``.expt``/``.json`` file.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    list of dict
        ``name``, ``origin_mm``, ``fast``, ``slow`` (DIALS laboratory frame,
        unit axes), ``pixel_mm`` (fast, slow), ``image_size`` (fast, slow),
        in the file's panel order.

    Raises
    ------
    InputFileError
        Unreadable, not JSON, no detector, or a panel lacking a field.
    """
    try:
        with open(path) as f:
            doc = json.load(f)
    except OSError as err:
        raise InputFileError(f"cannot read detector file {path}: {err.strerror or err}") from None
    except (ValueError, UnicodeDecodeError) as err:
        raise InputFileError(f"detector file {path} is not JSON: {err}") from None
    det = doc
    if isinstance(doc, dict) and "detector" in doc:
        det = doc["detector"]
        if isinstance(det, list):
            if not det:
                raise InputFileError(f"detector file {path}: the experiment list has no detector")
            det = det[0]
    if not isinstance(det, dict) or not isinstance(det.get("panels"), list) or not det["panels"]:
        raise InputFileError(f"detector file {path}: no detector with panels (a DIALS .expt or detector .json)")
    raw = det["panels"]
    frames = {i: _identity() for i in range(len(raw))}
    if isinstance(det.get("hierarchy"), dict):
        _walk(det["hierarchy"], _identity(), frames, path)
    out = []
    for i, p in enumerate(raw):
        try:
            origin, fast, slow = (_vector(p[k], f"panel {i} {k}") for k in ("origin", "fast_axis", "slow_axis"))
            pixel = tuple(float(x) for x in p["pixel_size"])
            size = tuple(int(x) for x in p["image_size"])
        except KeyError as err:
            raise InputFileError(f"detector file {path}: panel {i} has no {err.args[0]}") from None
        except (TypeError, ValueError) as err:
            raise InputFileError(f"detector file {path}: panel {i}: {err}") from None
        if len(pixel) != 2 or len(size) != 2 or min(pixel) <= 0 or min(size) <= 0:
            raise InputFileError(f"detector file {path}: panel {i} needs a positive pixel_size and image_size")
        o, f, s = _compose(frames[i], origin, fast, slow)
        out.append(dict(name=str(p.get("name", f"panel{i}")) or f"panel{i}", origin_mm=o, fast=_unit(f, path, i),
                        slow=_unit(s, path, i), pixel_mm=pixel, image_size=size))
    return out


def _identity():
    return (np.zeros(3), np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))


def _vector(value, what):
    v = np.array([float(x) for x in value])
    if v.shape != (3,):
        raise ValueError(f"{what} needs 3 numbers")
    return v


def _unit(v, path, i):
    n = np.linalg.norm(v)
    if not n > 0:
        raise InputFileError(f"detector file {path}: panel {i} has a zero axis")
    return v / n


def _compose(frame, origin, fast, slow):
    """Vectors given in ``frame`` (origin, fast, slow of the parent) in the laboratory frame."""
    o0, f0, s0 = frame
    n0 = np.cross(f0, s0)

    def turn(v):
        return v[0] * f0 + v[1] * s0 + v[2] * n0
    return o0 + turn(origin), turn(fast), turn(slow)


def _walk(group, frame, frames, path):
    """Each panel's parent frame, composed down the hierarchy from the root."""
    try:
        here = _compose(frame, *(_vector(group.get(k, d), k) for k, d in
                                 (("origin", (0, 0, 0)), ("fast_axis", (1, 0, 0)), ("slow_axis", (0, 1, 0)))))
    except (TypeError, ValueError) as err:
        raise InputFileError(f"detector file {path}: hierarchy: {err}") from None
    here = (here[0], here[1] / np.linalg.norm(here[1]), here[2] / np.linalg.norm(here[2]))
    for child in group.get("children", []):
        if isinstance(child, dict) and "panel" in child:
            if child["panel"] in frames:
                frames[child["panel"]] = here
        elif isinstance(child, dict):
            _walk(child, here, frames, path)


def panel_dict(name, origin_mm, fast, slow, pixel_mm, image_size, thickness_mm=0.0, mu_per_mm=0.0,
               trusted=(-1.0, 1e9), pedestal=0.0, material=""):
    """One dxtbx panel as JSON-ready values (laboratory vectors, mm)."""
    return {"name": name, "type": "SENSOR_PAD" if thickness_mm > 0 else "SENSOR_CCD",
            "fast_axis": [float(x) for x in fast], "slow_axis": [float(x) for x in slow],
            "origin": [float(x) for x in origin_mm], "raw_image_offset": [0, 0], "image_size": list(image_size),
            "pixel_size": [float(pixel_mm), float(pixel_mm)], "trusted_range": [float(x) for x in trusted],
            "thickness": float(thickness_mm), "material": material, "mu": float(mu_per_mm),
            "identifier": "", "mask": [], "gain": 1.0, "pedestal": float(pedestal),
            "px_mm_strategy": {"type": "SimplePxMmStrategy"}}


def detector_dict(panels):
    """A dxtbx detector of ``panels`` (from :func:`panel_dict`) under a flat hierarchy."""
    root = {"name": "", "type": "", "fast_axis": [1.0, 0.0, 0.0], "slow_axis": [0.0, 1.0, 0.0],
            "origin": [0.0, 0.0, 0.0], "raw_image_offset": [0, 0], "image_size": [0, 0], "pixel_size": [0.0, 0.0],
            "trusted_range": [0.0, 0.0], "thickness": 0.0, "material": "", "mu": 0.0, "identifier": "",
            "mask": [], "gain": 1.0, "pedestal": 0.0, "px_mm_strategy": {"type": "SimplePxMmStrategy"},
            "children": [{"panel": i} for i in range(len(panels))]}
    return {"panels": list(panels), "hierarchy": root}
