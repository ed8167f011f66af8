"""Inputs of the kernels, built once from a :class:`~nanobragg_nb.core.setup.Setup`.

This is where the hoisting happens: the C rotates a0, b0, c0 about the
spindle and by the mosaic matrix for every pixel, sub-pixel and source; here
each (phi step, mosaic domain) pair is rotated once, with the same functions
and operations, so the kernels read the same bits from a table.
"""
import sys
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .. import physics, rng
from ...cnum import angle
from .layouts import PIXEL_COUNTS, PIXEL_PARAMS, SHAPES


class KernelInputs(NamedTuple):
    """The arrays every pixel kernel reads, in the order the kernels take them.

    Kernels keep flat argument lists (numba.cuda kernels take arrays, not
    tuples of arrays), so callers pass ``*inputs``.
    """

    P: np.ndarray
    Q: np.ndarray
    mask: np.ndarray
    src: np.ndarray
    cells: np.ndarray
    phi_state: np.ndarray
    Fhkl: np.ndarray
    pv_table: np.ndarray


@dataclass
class Tables:
    """Everything a kernel reads, as contiguous arrays, and what the drivers need to walk the detector.

    ``inputs`` holds the kernels' arrays as one :class:`KernelInputs`; they
    are also read as attributes (``t.P``, ``t.Q`` ...).
    ``stale_saturated`` and ``pcalls_saturated`` are the serial-order states
    every pixel sees once the first phi loop has run and the polarization
    axis has stopped changing; before that, pixels are rendered in order.
    """

    inputs: KernelInputs
    stale_saturated: int
    pcalls_saturated: int
    interpolate: bool
    omega_terms: int        # solid-angle terms stored per pixel
    omega_repeat: int       # times each stored term is added to omega_sum

    def __getattr__(self, name):
        # only reached for names that are not fields: the kernels' arrays by name
        if name in KernelInputs._fields and "inputs" in self.__dict__:
            return getattr(self.inputs, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


def _phi_cells(s):
    """a, b, c for state 0 (a0) and for each phi step, after each mosaic domain (C L2779-2806).

    ``phi_state`` gives each phi step's state; -1 where the step reuses the
    previous one (phi exactly 0), which the phi0 fix replaces by state 0.
    """
    states = 1 + max(s.phisteps, 0)       # a negative phisteps (an int overflow in the C) runs no phi loop
    cells = np.zeros((states, s.mosaic_domains, 9))
    sp = s.spindle_vector
    for state in range(states):
        ap = []
        for v0 in (s.a0, s.b0, s.c0):
            if state == 0:
                ap.append((v0[1], v0[2], v0[3]))
            else:
                phi = s.phi0 + s.phistep * (state - 1)
                ap.append(physics.rotate_axis(v0[1], v0[2], v0[3], sp[1], sp[2], sp[3], angle(phi)))
        if s.mosaic_spread > 0.0:
            rng.rotate_by_domains_into(np.array(ap, dtype=np.float64), s.mosaic_umats, cells[state])
        else:
            cells[state] = np.ravel(ap)
    phi_state = np.full(max(s.phisteps, 0), -1, dtype=np.int64)
    for phi_tic in range(s.phisteps):
        if s.phi0 + s.phistep * phi_tic != 0.0:
            phi_state[phi_tic] = 1 + phi_tic
        elif s.fix_phi0:
            # the fixed C resets the cell to a0 where main reuses the previous rotation
            phi_state[phi_tic] = 0
    nonzero = np.nonzero(phi_state >= 0)[0]
    stale_saturated = int(phi_state[nonzero[-1]]) if len(nonzero) else 0
    return cells, phi_state, stale_saturated


def _polar_axis_sequence(s):
    """The polarization axis after each in-place unitization, until it stops changing."""
    seq = [tuple(s.polar_vector[1:4])]
    for _ in range(64):
        _, x, y, z = physics.unitize(*seq[-1])
        if (x, y, z) == seq[-1]:
            return np.array(seq)
        seq.append((x, y, z))
    print("nanobragg-nb: warning: the polarization axis does not settle under repeated unitization; "
          "using its 64th value", file=sys.stderr)
    return np.array(seq)


def build(s):
    """Build the kernel inputs for a prepared simulation.

    Parameters
    ----------
    s : Setup

    Returns
    -------
    Tables
    """
    P = PIXEL_PARAMS.pack(
        pixel_size=s.pixel_size, subpixel_size=s.subpixel_size, thickstep=s.detector_thickstep,
        thick=s.detector_thick, mu=s.detector_mu, close_distance=s.close_distance, distance=s.distance,
        polarization=s.polarization, dmin=s.dmin, na=s.Na, nb=s.Nb, nc=s.Nc, fudge=s.fudge, water_size=s.water_size,
        default_f=s.default_F, i_bg=s.I_bg, r_e_sqr=s.r_e_sqr, fluence=s.fluence, phi0=s.phi0, phistep=s.phistep,
        astar=s.a_star[1:4], bstar=s.b_star[1:4], cstar=s.c_star[1:4], fdet=s.fdet_vector[1:4],
        sdet=s.sdet_vector[1:4], odet=s.odet_vector[1:4], pix0=s.pix0_vector[1:4], beam=s.beam_vector[1:4])
    t = s.hkl
    omega_terms = s.detector_thicksteps * s.oversample * s.oversample if s.oversample_omega else 1
    counts = dict(
        fpixels=s.fpixels, oversample=s.oversample, thicksteps=s.detector_thicksteps, sources=s.sources,
        phisteps=s.phisteps, mosaic_domains=s.mosaic_domains, shape=SHAPES[s.xtal_shape], curved=s.curved_detector,
        point_pixel=s.point_pixel, oversample_thick=s.oversample_thick, oversample_polar=s.oversample_polar,
        oversample_omega=s.oversample_omega, nopolar=s.nopolar, hkls=t.hkls, h_min=t.h_min, h_max=t.h_max,
        k_min=t.k_min, k_max=t.k_max, l_min=t.l_min, l_max=t.l_max, h_range=t.h_range, k_range=t.k_range,
        l_range=t.l_range, steps=s.steps, roi_xmin=s.roi_xmin, roi_xmax=s.roi_xmax, roi_ymin=s.roi_ymin,
        roi_ymax=s.roi_ymax, has_mask=s.maskimage is not None, omega_terms=omega_terms,
        fix_oversample=s.fix_oversample, f_offset=0, s_offset=0)
    # the C's ints, whatever Python type the setup holds them in
    Q = PIXEL_COUNTS.pack(**{name: int(value) for name, value in counts.items()})
    cells, phi_state, stale_saturated = _phi_cells(s)
    pv_table = _polar_axis_sequence(s)
    mask = s.maskimage if s.maskimage is not None else np.ones(1, dtype=np.uint16)
    inputs = KernelInputs(P=P, Q=Q, mask=mask, src=np.ascontiguousarray(s.source_xyz_lambda), cells=cells,
                          phi_state=phi_state, Fhkl=np.ascontiguousarray(t.Fhkl, dtype=np.float64), pv_table=pv_table)
    return Tables(inputs=inputs, stale_saturated=stale_saturated, pcalls_saturated=len(pv_table) - 1,
                  interpolate=bool(s.interpolate), omega_terms=omega_terms,
                  omega_repeat=1 if s.oversample_omega else s.detector_thicksteps * s.oversample * s.oversample)


def for_panel(t, panel, oversample, mask=None):
    """The tables of one panel of a multi-panel detector: ``t`` with the panel's geometry.

    Parameters
    ----------
    t : Tables
        Built by :func:`build` for the simulation.
    panel : PanelPlan
        The panel (:func:`nanobragg_nb.core.panels.plan`).
    oversample : int
        The sub-pixels per pixel side (``Setup.oversample``).
    mask : ndarray of uint16, optional
        The panel's pixels to skip (0), row-major.

    Returns
    -------
    Tables
        Sharing every array of ``t`` except ``P``, ``Q`` and ``mask``: the
        panel's pix0, axes, near-point distance, pixel size, size, whole-pixel
        offsets, the whole panel as its region of interest, and its mask.
    """
    P = t.P.copy()
    for name, value in (("P_PIX0", panel.pix0), ("P_FDET", panel.fdet), ("P_SDET", panel.sdet),
                        ("P_ODET", panel.odet)):
        offset = PIXEL_PARAMS.offsets[name[2:].lower()]
        P[offset:offset + 3] = value
    P[PIXEL_PARAMS.offsets["close_distance"]] = panel.close_distance
    P[PIXEL_PARAMS.offsets["pixel_size"]] = panel.pixel_size
    # as the setup computes it for the single panel (C L2463)
    P[PIXEL_PARAMS.offsets["subpixel_size"]] = panel.pixel_size / oversample
    Q = t.Q.copy()
    for name, value in (("fpixels", panel.fpixels), ("roi_xmin", 0), ("roi_xmax", panel.fpixels - 1),
                        ("roi_ymin", 0), ("roi_ymax", panel.spixels - 1), ("has_mask", int(mask is not None)),
                        ("f_offset", panel.f_offset), ("s_offset", panel.s_offset)):
        Q[PIXEL_COUNTS.offsets[name]] = value
    mask = np.ones(1, dtype=np.uint16) if mask is None else np.ascontiguousarray(mask, dtype=np.uint16)
    inputs = t.inputs._replace(P=P, Q=Q, mask=mask)
    return Tables(inputs=inputs, stale_saturated=t.stale_saturated, pcalls_saturated=t.pcalls_saturated,
                  interpolate=t.interpolate, omega_terms=t.omega_terms, omega_repeat=t.omega_repeat)
