"""A prepared simulation's geometry in the DIALS laboratory frame.

nanoBragg's frame has the beam along +x; DIALS (dxtbx) has it along -z. The
C itself maps one into the other for its ``DIALS_ORIGIN`` (C L1765-1770):
``dials = (v . (0,0,1), v . (0,1,0), v . (-1,0,0))``, a proper rotation, which
is applied here to every vector. Lengths are in mm and Angstrom, as DIALS
writes them. Pixel (f, s) of nanoBragg spans ``pix0 + [f, f+1] * pixel * fdet
+ [s, s+1] * pixel * sdet``, which is DIALS' pixel (f, s) of a panel whose
origin is pix0.
"""
from dataclasses import dataclass

import numpy as np

#: rows: DIALS x, y, z as components of nanoBragg's x, y, z
NB_TO_DIALS = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0]])


def to_dials(vector):
    """A nanoBragg-frame 3-vector (or the C's 4-element one) in the DIALS frame."""
    v = np.asarray(vector, dtype=float)
    if v.shape == (4,):
        v = v[1:4]
    return NB_TO_DIALS @ v


@dataclass
class LabGeometry:
    """Beam, detector, goniometer and crystal of one frame in the DIALS frame.

    Attributes
    ----------
    wavelength_A : float
        Central wavelength.
    beam_direction : ndarray
        Unit vector from the sample towards the source (dxtbx's ``direction``).
    polarization_normal : ndarray
        Unit normal of the polarization plane (dxtbx's convention).
    polarization_fraction : float
        dxtbx's polarization fraction (0.5: unpolarized).
    origin_mm, fast_axis, slow_axis : ndarray
        The panel: corner of pixel (0, 0), unit fast and slow directions.
    pixel_mm : float
        Side of a square pixel.
    image_size : (int, int)
        Pixels along fast, slow.
    thickness_mm, mu_per_mm : float
        Sensor thickness and attenuation (0: none).
    rotation_axis : ndarray
        Unit spindle axis (positive rotation right-handed, as nanoBragg's).
    real_space_A : ndarray
        3x3, rows a, b, c of the crystal at spindle angle 0, mosaic domain 0.
    phi0_deg, osc_deg : float
        The frame's starting spindle angle and oscillation.
    """

    wavelength_A: float
    beam_direction: np.ndarray
    polarization_normal: np.ndarray
    polarization_fraction: float
    origin_mm: np.ndarray
    fast_axis: np.ndarray
    slow_axis: np.ndarray
    pixel_mm: float
    image_size: tuple
    thickness_mm: float
    mu_per_mm: float
    rotation_axis: np.ndarray
    real_space_A: np.ndarray
    phi0_deg: float
    osc_deg: float
    #: a multi-panel detector: one dict per panel (name, origin_mm, fast_axis, slow_axis, pixel_mm,
    #: image_size, data_origin: its (fast, slow) corner in the frame); ``origin_mm`` ... above are then
    #: panel 0's and ``image_size`` is the frame's (all panels placed in one array)
    panels: tuple = ()

    @property
    def normal(self):
        """Unit normal of the panel, fast x slow."""
        n = np.cross(self.fast_axis, self.slow_axis)
        return n / np.linalg.norm(n)

    def beam_centre_mm(self):
        """Where the direct beam meets the panel plane, as (fast, slow) mm from the origin."""
        towards_detector = -self.beam_direction
        n = self.normal
        hit = towards_detector * (np.dot(self.origin_mm, n) / np.dot(towards_detector, n))
        rel = hit - self.origin_mm
        return float(np.dot(rel, self.fast_axis)), float(np.dot(rel, self.slow_axis))


def lab_geometry(s, detector=None):
    """The geometry of a prepared simulation (:class:`~nanobragg_nb.core.setup.state.Setup`).

    Parameters
    ----------
    s : Setup
    detector : PanelDetector, optional
        The panels, when the simulation has many; ``s`` then gives the
        beam, crystal and sensor only.

    Returns
    -------
    LabGeometry
    """
    rtd = 180.0 / np.pi
    beam = to_dials(s.beam_vector)
    polar = to_dials(s.polar_vector)
    normal = np.cross(-beam, polar)     # the E-vector is in the plane; dxtbx stores its normal
    if np.linalg.norm(normal) > 0:
        normal = normal / np.linalg.norm(normal)
    # nanoBragg's Kahn factor 0 (unpolarized) is dxtbx's fraction 0.5; 1 (fully along polar) is 1
    fraction = 0.5 * (1.0 + s.polarization)
    real = np.array([to_dials(v) for v in (s.a0, s.b0, s.c0)]) * 1e10
    origin, fast, slow = to_dials(s.pix0_vector) * 1000.0, to_dials(s.fdet_vector), to_dials(s.sdet_vector)
    pixel_mm, size, panels = float(s.pixel_size * 1000.0), (int(s.fpixels), int(s.spixels)), ()
    if detector is not None:
        from ...core.panels import data_blocks, to_dials as panel_to_dials
        blocks, size = data_blocks(detector)
        panels = []
        for p, block in zip(detector, blocks):
            o, f, sl = panel_to_dials(p)
            panels.append(dict(name=p.name, origin_mm=o.tolist(), fast_axis=f.tolist(), slow_axis=sl.tolist(),
                               pixel_mm=p.pixel_size_m * 1000.0, image_size=(p.fpixels, p.spixels),
                               data_origin=tuple(block)))
        origin, fast, slow = (np.asarray(panels[0][k]) for k in ("origin_mm", "fast_axis", "slow_axis"))
        pixel_mm, panels = panels[0]["pixel_mm"], tuple(panels)
    return LabGeometry(
        wavelength_A=float(s.lambda0 * 1e10),
        beam_direction=-beam,
        polarization_normal=normal,
        polarization_fraction=float(fraction),
        origin_mm=origin,
        fast_axis=fast,
        slow_axis=slow,
        pixel_mm=pixel_mm,
        image_size=tuple(int(n) for n in size),
        thickness_mm=float(s.detector_thick * 1000.0),
        mu_per_mm=float(s.detector_mu / 1000.0) if s.detector_thick > 0 else 0.0,
        rotation_axis=to_dials(s.spindle_vector),
        real_space_A=real,
        phi0_deg=float(s.phi0 * rtd),
        osc_deg=float(s.osc * rtd),
        panels=panels,
    )


def geometry_to_dict(geometry):
    """A :class:`LabGeometry` as plain JSON-ready values."""
    out = {}
    for name, value in vars(geometry).items():
        out[name] = value.tolist() if isinstance(value, np.ndarray) else (list(value) if isinstance(value, tuple)
                                                                         else value)
    out["panels"] = [dict(p, image_size=list(p["image_size"]), data_origin=list(p["data_origin"]))
                     for p in geometry.panels]
    return out


def geometry_from_dict(values):
    """The :class:`LabGeometry` that :func:`geometry_to_dict` turned into ``values``."""
    fields = dict(values)
    for name in ("beam_direction", "polarization_normal", "origin_mm", "fast_axis", "slow_axis",
                 "rotation_axis", "real_space_A"):
        fields[name] = np.asarray(fields[name], dtype=float)
    fields["image_size"] = tuple(int(n) for n in fields["image_size"])
    fields["panels"] = tuple(dict(p, image_size=tuple(p["image_size"]), data_origin=tuple(p["data_origin"]))
                             for p in fields.get("panels", ()))
    return LabGeometry(**fields)
