"""The fast mode's phi and mosaic loops: one flat float32 loop per source.

In fast mode :func:`~nanobragg_nb.core.kernels.pixel.render_pixels` runs the
faithful code, in float64 and in the C's order, down to the scattering
vector of each sub-pixel and source (position, solid angle, capture
fraction, polarization and their serial-order state are the faithful ones);
where :func:`flat_loop_applies`, the phi and mosaic loops then become one
flat float32 loop over the cells of that phi loop (:func:`lattice_sum_square`,
:func:`lattice_sum_square_hkl`, :func:`lattice_sum`), with fastmath and the
reduced-argument ``sincg`` of :mod:`nanobragg_nb.core.physics_fast`, which
the CPU vectorises.

The flat loop reads, for each possible incoming stale-rotation state
(c-reference Q-R1), the cell of every (phi step, mosaic domain) pair in the
C's order, so the phi=0 reuse comes out as in the C; ``stale_after`` gives
the state the loop leaves behind.

Pixels that the flat loop does not cover take the faithful phi and mosaic
loops: tricubic interpolation while it is on, the
``-oversample_thick/_polar/_omega`` running-sum multiplications, and a
non-integer number of unit cells with the square crystal.
"""
import math
from dataclasses import dataclass

import numpy as np
from numba.extending import register_jitable

from ..physics_fast import FAST, floor32, sinc3_fast, sincg_parts
# the offsets into the parameter arrays P, Q, FP and FQ (see layouts)
from .layouts import (FAST_COUNTS, FAST_PARAMS, FP_ASTAR, FP_BSTAR, FP_CSTAR, FP_DEFAULT_F, FP_FUDGE, FP_H_MAX,
                      FP_H_MIN, FP_K_MAX, FP_K_MIN, FP_L_MAX, FP_L_MIN, FP_NA, FP_NB, FP_NC, FQ_EXACT, GAUSS, N_FP,
                      N_FQ, P_ASTAR, P_BSTAR, P_CSTAR, P_DEFAULT_F, P_FUDGE, P_NA, P_NB, P_NC, Q_HKLS, Q_H_MAX,
                      Q_H_MIN, Q_K_MAX, Q_K_MIN, Q_L_MAX, Q_L_MIN, Q_MOSAIC_DOMAINS, Q_OVERSAMPLE_OMEGA,
                      Q_OVERSAMPLE_POLAR, Q_OVERSAMPLE_THICK, Q_PHISTEPS, Q_SHAPE, ROUND, SQUARE, TOPHAT)

#: the CPU loops run over whole SIMD vectors of (phi step, mosaic domain) pairs
CPU_LANES = 16


@dataclass
class FastTables:
    """Inputs of the fast kernels, beyond the faithful ones.

    Attributes
    ----------
    fcells : ndarray of float32, shape (states, 9, loop)
        For each incoming stale-rotation state, a, b, c (metres, components
        in rows) of every (phi step, mosaic domain) pair of one phi loop, in
        the C's order; padded to whole SIMD vectors.
    fweights : ndarray of float32, shape (loop,)
        1 for a pair, 0 for the padding.
    stale_after : ndarray of int64, shape (states,)
        The stale-rotation state a phi loop leaves, per incoming state.
    Ff : ndarray of float32
        Fhkl, flat (nearest-neighbour lookup).
    FP, FQ : ndarray
        float32 and int64 parameters (indices ``FP_*``, ``FQ_*``).
    """

    fcells: np.ndarray
    fweights: np.ndarray
    stale_after: np.ndarray
    Ff: np.ndarray
    FP: np.ndarray
    FQ: np.ndarray

    def args(self):
        """The fast inputs in the order the kernels take them."""
        return (self.fcells, self.fweights, self.stale_after, self.Ff, self.FP, self.FQ)


def build_fast(t, lanes=1):
    """Build the fast-mode inputs from the faithful :class:`~nanobragg_nb.core.kernels.tables.Tables`.

    Parameters
    ----------
    t : Tables
    lanes : int
        Pad the flat loop to a multiple of this (SIMD width on the CPU; 1 on
        the GPU, where each thread runs the loop on its own).

    Returns
    -------
    FastTables
    """
    P, Q = t.P, t.Q
    states, domains = t.cells.shape[0], int(Q[Q_MOSAIC_DOMAINS])
    phisteps = int(Q[Q_PHISTEPS])
    pairs = phisteps * domains
    nloop = pairs if pairs < lanes else -(-pairs // lanes) * lanes
    fcells = np.zeros((states, 9, nloop), dtype=np.float32)
    stale_after = np.zeros(states, dtype=np.int64)
    for incoming in range(states):
        stale = incoming
        for phi_tic in range(phisteps):
            if t.phi_state[phi_tic] >= 0:
                stale = int(t.phi_state[phi_tic])
            fcells[incoming, :, phi_tic * domains:(phi_tic + 1) * domains] = t.cells[stale].T
        stale_after[incoming] = stale
    fweights = np.zeros(nloop, dtype=np.float32)
    fweights[:pairs] = 1.0
    FP = FAST_PARAMS.pack(
        na=P[P_NA], nb=P[P_NB], nc=P[P_NC], fudge=P[P_FUDGE], default_f=P[P_DEFAULT_F],
        astar=P[P_ASTAR:P_ASTAR + 3], bstar=P[P_BSTAR:P_BSTAR + 3], cstar=P[P_CSTAR:P_CSTAR + 3],
        h_min=Q[Q_H_MIN], h_max=Q[Q_H_MAX], k_min=Q[Q_K_MIN], k_max=Q[Q_K_MAX], l_min=Q[Q_L_MIN], l_max=Q[Q_L_MAX])
    whole_N = all(float(P[i]).is_integer() for i in (P_NA, P_NB, P_NC))
    exact = (Q[Q_OVERSAMPLE_THICK] or Q[Q_OVERSAMPLE_POLAR] or Q[Q_OVERSAMPLE_OMEGA]
             or (Q[Q_SHAPE] == SQUARE and not whole_N))
    FQ = FAST_COUNTS.pack(nloop=nloop, nearest=int(Q[Q_HKLS] != 0), exact=int(bool(exact)),
                          kdim=t.Fhkl.shape[1], ldim=t.Fhkl.shape[2])
    Ff = np.ascontiguousarray(t.Fhkl, dtype=np.float32).ravel()
    return FastTables(fcells=fcells, fweights=fweights, stale_after=stale_after, Ff=Ff, FP=FP, FQ=FQ)


# C L2998-3008 (fast): where the nearest whole h0, k0, l0 = ceil(h - 1/2) ... sit in Fhkl
@register_jitable(**FAST)
def fcell_index(h, k, l, h_min, h_max, k_min, k_max, l_min, l_max, kdim, ldim):
    """(inside the table, flat index or 0, h0, k0, l0); scalars only, so that the loop vectorises."""
    half = np.float32(0.5)
    h0 = -floor32(half - h)
    k0 = -floor32(half - k)
    l0 = -floor32(half - l)
    inside = (h0 >= h_min) & (h0 <= h_max) & (k0 >= k_min) & (k0 <= k_max) & (l0 >= l_min) & (l0 <= l_max)
    index = 0
    if inside:
        index = (int(h0 - h_min) * kdim + int(k0 - k_min)) * ldim + int(l0 - l_min)
    return inside, index, h0, k0, l0


# C L2777-3030 (fast): the phi and mosaic loops of one source, square crystal,
# one structure factor for every h,k,l
@register_jitable(**FAST)
def lattice_sum_square(fc, state, fw, nloop, sx, sy, sz, Na, Nb, Nc):
    """Sum of F_latt^2 over the flat (phi step, mosaic domain) loop."""
    acc = np.float32(0.0)
    for j in range(nloop):
        # C L2807-2819: fractional Miller indices
        h = fc[state, 0, j] * sx + fc[state, 1, j] * sy + fc[state, 2, j] * sz
        k = fc[state, 3, j] * sx + fc[state, 4, j] * sy + fc[state, 5, j] * sz
        l = fc[state, 6, j] * sx + fc[state, 7, j] * sy + fc[state, 8, j] * sz
        # C L2820-2837: F_latt of the square crystal
        na, da = sincg_parts(h, Na)
        nb, db = sincg_parts(k, Nb)
        nc, dc = sincg_parts(l, Nc)
        F_latt = (na * nb * nc) / (da * db * dc)
        # C L3009-3013: accumulate
        acc += fw[j] * F_latt * F_latt
    return acc


# C L2777-3030 (fast): the phi and mosaic loops of one source, square crystal,
# nearest-neighbour structure factors
@register_jitable(**FAST)
def lattice_sum_square_hkl(fc, state, fw, nloop, sx, sy, sz, Na, Nb, Nc, Ff, FP, kdim, ldim):
    """Sum of F_cell^2 F_latt^2 over the flat (phi step, mosaic domain) loop."""
    h_min, h_max, k_min, k_max = FP[FP_H_MIN], FP[FP_H_MAX], FP[FP_K_MIN], FP[FP_K_MAX]
    l_min, l_max, default_F = FP[FP_L_MIN], FP[FP_L_MAX], FP[FP_DEFAULT_F]
    acc = np.float32(0.0)
    for j in range(nloop):
        # C L2807-2819: fractional Miller indices
        h = fc[state, 0, j] * sx + fc[state, 1, j] * sy + fc[state, 2, j] * sz
        k = fc[state, 3, j] * sx + fc[state, 4, j] * sy + fc[state, 5, j] * sz
        l = fc[state, 6, j] * sx + fc[state, 7, j] * sy + fc[state, 8, j] * sz
        # C L2820-2837: F_latt of the square crystal
        na, da = sincg_parts(h, Na)
        nb, db = sincg_parts(k, Nb)
        nc, dc = sincg_parts(l, Nc)
        F_latt = (na * nb * nc) / (da * db * dc)
        # C L2953-3008: structure factor
        inside, index, _h0, _k0, _l0 = fcell_index(h, k, l, h_min, h_max, k_min, k_max, l_min, l_max, kdim, ldim)
        F_cell = Ff[index]
        if not inside:
            F_cell = default_F
        # C L3009-3013: accumulate
        acc += fw[j] * F_cell * F_cell * F_latt * F_latt
    return acc


# C L2777-3030 (fast): the phi and mosaic loops of one source, any crystal shape,
# nearest-neighbour structure factors or one for all
@register_jitable(**FAST)
def lattice_sum(fc, state, fw, nloop, sx, sy, sz, shape, nearest, Ff, FP, kdim, ldim):
    """Sum of F_cell^2 F_latt^2 over the flat (phi step, mosaic domain) loop."""
    Na = FP[FP_NA]
    Nb = FP[FP_NB]
    Nc = FP[FP_NC]
    NaNbNc = Na * Nb * Nc
    fudge = FP[FP_FUDGE]
    h_min, h_max, k_min, k_max = FP[FP_H_MIN], FP[FP_H_MAX], FP[FP_K_MIN], FP[FP_K_MAX]
    l_min, l_max, default_F = FP[FP_L_MIN], FP[FP_L_MAX], FP[FP_DEFAULT_F]
    acc = np.float32(0.0)
    for j in range(nloop):
        # C L2807-2819: fractional Miller indices and the nearest whole ones
        h = fc[state, 0, j] * sx + fc[state, 1, j] * sy + fc[state, 2, j] * sz
        k = fc[state, 3, j] * sx + fc[state, 4, j] * sy + fc[state, 5, j] * sz
        l = fc[state, 6, j] * sx + fc[state, 7, j] * sy + fc[state, 8, j] * sz
        inside, index, h0, k0, l0 = fcell_index(h, k, l, h_min, h_max, k_min, k_max, l_min, l_max, kdim, ldim)
        F_cell = Ff[index]
        if not (inside and nearest):
            F_cell = default_F

        # C L2820-2866: lattice transform of the crystal shape
        if shape == SQUARE:
            na, da = sincg_parts(h, Na)
            nb, db = sincg_parts(k, Nb)
            nc, dc = sincg_parts(l, Nc)
            F_latt = (na * nb * nc) / (da * db * dc)
        else:
            dh = h - h0
            dk = k - k0
            dl = l - l0
            if shape == ROUND:
                hrad_sqr = dh * dh * Na * Na + dk * dk * Nb * Nb + dl * dl * Nc * Nc
                F_latt = NaNbNc * np.float32(0.723601254558268) * sinc3_fast(
                    np.float32(math.pi) * math.sqrt(hrad_sqr * fudge))
            else:
                dx_star = dh * FP[FP_ASTAR] + dk * FP[FP_BSTAR] + dl * FP[FP_CSTAR]
                dy_star = dh * FP[FP_ASTAR + 1] + dk * FP[FP_BSTAR + 1] + dl * FP[FP_CSTAR + 1]
                dz_star = dh * FP[FP_ASTAR + 2] + dk * FP[FP_BSTAR + 2] + dl * FP[FP_CSTAR + 2]
                rad_star_sqr = (dx_star * dx_star + dy_star * dy_star + dz_star * dz_star) * (NaNbNc * NaNbNc)
                if shape == GAUSS:
                    F_latt = NaNbNc * math.exp(-(rad_star_sqr / np.float32(0.63) * fudge))
                elif shape == TOPHAT:
                    F_latt = NaNbNc if rad_star_sqr * fudge < np.float32(0.3969) else np.float32(0.0)
                else:
                    F_latt = np.float32(0.0)

        # C L3009-3013: accumulate
        acc += fw[j] * F_cell * F_cell * F_latt * F_latt
    return acc


@register_jitable
def flat_loop_applies(FQ, interp):
    """Whether a fast-mode pixel takes the flat loop (else the faithful phi and mosaic loops)."""
    return not interp and FQ[FQ_EXACT] == 0


@register_jitable
def no_fast_tables():
    """Stand-ins for the :class:`FastTables` arrays, for the faithful kernels, which never read them."""
    return (np.zeros((1, 9, 1), np.float32), np.zeros(1, np.float32), np.zeros(1, np.int64),
            np.zeros(1, np.float32), np.zeros(N_FP, np.float32), np.zeros(N_FQ, np.int64))
