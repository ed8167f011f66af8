"""Inputs of the kernels, built once from a :class:`~nanobragg_nb.core.setup.Setup`.

This is where the hoisting happens: the C rotates a0, b0, c0 about the
spindle and by the mosaic matrix for every pixel, sub-pixel and source; here
each (phi step, mosaic domain) pair is rotated once, with the same functions
and operations, so the kernels read the same bits from a table.
"""
import sys
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from .. import physics, rng
from ...cnum import angle
from .pixel import (N_P, N_Q, P_ASTAR, P_BEAM, P_BSTAR, P_CLOSE_DISTANCE, P_CSTAR, P_DEFAULT_F, P_DISTANCE, P_DMIN,
                    P_FDET, P_FLUENCE, P_FUDGE, P_I_BG, P_MU, P_NA, P_NB, P_NC, P_ODET, P_PHI0, P_PHISTEP, P_PIX0,
                    P_PIXEL_SIZE, P_POLARIZATION, P_R_E_SQR, P_SDET, P_SUBPIXEL_SIZE, P_THICK, P_THICKSTEP,
                    P_WATER_SIZE, Q_CURVED, Q_FPIXELS, Q_H_MAX, Q_H_MIN, Q_H_RANGE, Q_HAS_MASK, Q_HKLS, Q_K_MAX,
                    Q_K_MIN, Q_K_RANGE, Q_L_MAX, Q_L_MIN, Q_L_RANGE, Q_MOSAIC_DOMAINS, Q_NOPOLAR, Q_OMEGA_TERMS,
                    Q_OVERSAMPLE, Q_OVERSAMPLE_OMEGA, Q_OVERSAMPLE_POLAR, Q_OVERSAMPLE_THICK, Q_PHISTEPS,
                    Q_POINT_PIXEL, Q_ROI_XMAX, Q_ROI_XMIN, Q_ROI_YMAX, Q_ROI_YMIN, Q_SHAPE, Q_SOURCES, Q_SPIXELS,
                    Q_STEPS, Q_THICKSTEPS, SHAPES)


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
    """Everything a kernel reads, as contiguous arrays.

    ``stale_saturated`` and ``pcalls_saturated`` are the serial-order states
    every pixel sees once the first phi loop has run and the polarization
    axis has stopped changing; before that, pixels are rendered in order.
    ``inputs`` holds the kernels' arrays as one :class:`KernelInputs`.
    """

    P: np.ndarray
    Q: np.ndarray
    mask: np.ndarray
    src: np.ndarray
    cells: np.ndarray
    phi_state: np.ndarray
    Fhkl: np.ndarray
    pv_table: np.ndarray
    stale_saturated: int
    pcalls_saturated: int
    interpolate: bool
    omega_terms: int        # solid-angle terms stored per pixel
    omega_repeat: int       # times each stored term is added to omega_sum
    inputs: KernelInputs = field(init=False, repr=False)

    def __post_init__(self):
        self.inputs = KernelInputs(self.P, self.Q, self.mask, self.src, self.cells, self.phi_state, self.Fhkl,
                                   self.pv_table)


def _phi_cells(s):
    """a, b, c for state 0 (a0) and for each phi step, after each mosaic domain (C L2779-2806)."""
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
    P = np.zeros(N_P)
    P[P_PIXEL_SIZE] = s.pixel_size
    P[P_SUBPIXEL_SIZE] = s.subpixel_size
    P[P_THICKSTEP] = s.detector_thickstep
    P[P_THICK] = s.detector_thick
    P[P_MU] = s.detector_mu
    P[P_CLOSE_DISTANCE] = s.close_distance
    P[P_DISTANCE] = s.distance
    P[P_POLARIZATION] = s.polarization
    P[P_DMIN] = s.dmin
    P[P_NA], P[P_NB], P[P_NC] = s.Na, s.Nb, s.Nc
    P[P_FUDGE] = s.fudge
    P[P_WATER_SIZE] = s.water_size
    P[P_DEFAULT_F] = s.default_F
    P[P_I_BG] = s.I_bg
    P[P_R_E_SQR] = s.r_e_sqr
    P[P_FLUENCE] = s.fluence
    P[P_PHI0] = s.phi0
    P[P_PHISTEP] = s.phistep
    for index, v in ((P_ASTAR, s.a_star), (P_BSTAR, s.b_star), (P_CSTAR, s.c_star), (P_FDET, s.fdet_vector),
                     (P_SDET, s.sdet_vector), (P_ODET, s.odet_vector), (P_PIX0, s.pix0_vector),
                     (P_BEAM, s.beam_vector)):
        P[index:index + 3] = v[1:4]
    t = s.hkl
    Q = np.zeros(N_Q, dtype=np.int64)
    omega_terms = s.detector_thicksteps * s.oversample * s.oversample if s.oversample_omega else 1
    for index, value in ((Q_FPIXELS, s.fpixels), (Q_SPIXELS, s.spixels), (Q_OVERSAMPLE, s.oversample),
                         (Q_THICKSTEPS, s.detector_thicksteps), (Q_SOURCES, s.sources), (Q_PHISTEPS, s.phisteps),
                         (Q_MOSAIC_DOMAINS, s.mosaic_domains), (Q_SHAPE, SHAPES[s.xtal_shape]),
                         (Q_CURVED, s.curved_detector), (Q_POINT_PIXEL, s.point_pixel),
                         (Q_OVERSAMPLE_THICK, s.oversample_thick), (Q_OVERSAMPLE_POLAR, s.oversample_polar),
                         (Q_OVERSAMPLE_OMEGA, s.oversample_omega), (Q_NOPOLAR, s.nopolar), (Q_HKLS, t.hkls),
                         (Q_H_MIN, t.h_min), (Q_H_MAX, t.h_max), (Q_K_MIN, t.k_min), (Q_K_MAX, t.k_max),
                         (Q_L_MIN, t.l_min), (Q_L_MAX, t.l_max), (Q_H_RANGE, t.h_range), (Q_K_RANGE, t.k_range),
                         (Q_L_RANGE, t.l_range), (Q_STEPS, s.steps), (Q_ROI_XMIN, s.roi_xmin),
                         (Q_ROI_XMAX, s.roi_xmax), (Q_ROI_YMIN, s.roi_ymin), (Q_ROI_YMAX, s.roi_ymax),
                         (Q_HAS_MASK, s.maskimage is not None), (Q_OMEGA_TERMS, omega_terms)):
        Q[index] = int(value)
    cells, phi_state, stale_saturated = _phi_cells(s)
    pv_table = _polar_axis_sequence(s)
    mask = s.maskimage if s.maskimage is not None else np.ones(1, dtype=np.uint16)
    return Tables(P=P, Q=Q, mask=mask, src=np.ascontiguousarray(s.source_xyz_lambda),
                  cells=cells, phi_state=phi_state, Fhkl=np.ascontiguousarray(t.Fhkl, dtype=np.float64),
                  pv_table=pv_table, stale_saturated=stale_saturated, pcalls_saturated=len(pv_table) - 1,
                  interpolate=bool(s.interpolate), omega_terms=omega_terms,
                  omega_repeat=1 if s.oversample_omega else s.detector_thicksteps * s.oversample * s.oversample)
