"""The pixels of one row of nanoBragg.c's loop nest (C L2643-3040), shared by every kernel.

:func:`render_pixels` transliterates the C's ``fpixel`` loop and its body, its
blocks marked with the C lines they mirror and kept in the C's order. The CPU
kernels (``@njit``, :mod:`kernels.cpu`) call it for whole rows, so a pixel
costs no function call; the CUDA kernel (:mod:`kernels.cuda`) calls it for one
pixel per thread; ``--trace-pixel`` runs it as plain Python.

What the C computes per pixel but does not depend on the pixel is hoisted out
with the same operations, so the bits do not change: the cell vectors rotated
for every phi step and mosaic domain (``cells``), and the source directions.

State that the C carries from one pixel to the next in serial order is passed
in and returned, so that any walk over the pixels reproduces the serial C:

- ``stale``: which rotation of the cell a phi step of exactly 0 reuses
  (c-reference Q-R1): the cell of the most recent phi != 0, or a0 (with the
  phi0 fix every phi step sets it, so it carries nothing);
- ``pcalls``: how many times ``polarization_factor`` has re-unitized the
  polarization axis in place (``pv_table`` holds the sequence);
- ``interp``: whether tricubic interpolation is still on (Q-I1); the first
  out-of-range h,k,l switches it off for the rest of the run.
"""
import math

import numpy as np

from numba.extending import register_jitable

from ...cnum import INT_MIN, c_ceil_int, c_floor_int
from ..physics import (c_product, dot, magnitude, negated, polarization_factor, polin3, rotate_axis, sinc3, sincg,
                       sincg_of, unitize)
from ..sine import sin_batch
# the offsets into the parameter arrays P, Q, FP, FQ and the printout record rec (see layouts)
from .layouts import (FP_NA, FP_NB, FP_NC, FQ_KDIM, FQ_LDIM, FQ_NEAREST, FQ_NLOOP, GAUSS, N_REC, P_ASTAR, P_BEAM,
                      P_BSTAR, P_CLOSE_DISTANCE, P_CSTAR, P_DEFAULT_F, P_DISTANCE, P_DMIN, P_FDET, P_FLUENCE, P_FUDGE,
                      P_I_BG, P_MU, P_NA, P_NB, P_NC, P_ODET, P_PHI0, P_PHISTEP, P_PIX0, P_PIXEL_SIZE, P_POLARIZATION,
                      P_R_E_SQR, P_SDET, P_SUBPIXEL_SIZE, P_THICK, P_THICKSTEP, P_WATER_SIZE, Q_CURVED, Q_F_OFFSET,
                      Q_FIX_OVERSAMPLE, Q_FPIXELS, Q_HAS_MASK, Q_HKLS, Q_H_MAX, Q_H_MIN, Q_H_RANGE, Q_K_MAX, Q_K_MIN,
                      Q_K_RANGE, Q_L_MAX, Q_L_MIN, Q_L_RANGE, Q_MOSAIC_DOMAINS, Q_NOPOLAR, Q_OMEGA_TERMS, Q_OVERSAMPLE,
                      Q_OVERSAMPLE_OMEGA, Q_OVERSAMPLE_POLAR, Q_OVERSAMPLE_THICK, Q_PHISTEPS, Q_POINT_PIXEL,
                      Q_ROI_XMAX, Q_ROI_XMIN, Q_ROI_YMAX, Q_ROI_YMIN, Q_S_OFFSET, Q_SHAPE, Q_SOURCES, Q_STEPS,
                      Q_THICKSTEPS, ROUND,
                      R_A, R_B, R_C, R_CAPTURE, R_FDET, R_F_CELL, R_F_LATT, R_H, R_H0, R_I, R_K, R_K0, R_L, R_L0,
                      R_OMEGA, R_POLAR, R_POS, R_SDET, R_STOL, SQUARE, TOPHAT)
from .pixel_fast import flat_loop_applies, lattice_sum, lattice_sum_square, lattice_sum_square_hkl

#: how :func:`render_pixels` runs the phi and mosaic loops, a constant of each kernel: the C's loops;
#: the fast mode's flat loop where it applies, decided per pixel; the flat loop for every pixel (for a
#: kernel launched only where it applies to every pixel, so that the C's loops leave the compiled code)
FAITHFUL, FAST, FAST_ALL_FLAT = 0, 1, 2
#: the fewest sines worth a batch: below it (one mosaic domain) sincg calls math.sin itself, which is
#: then as fast (a batch of 6 costs ~10 ns a sine, of 60 ~5 ns, glibc ~5 to 9 ns; docs/performance.md)
MIN_SINE_BATCH = 12


@register_jitable
def trace(name, value):
    """Hook for ``--trace-pixel``: a no-op when compiled, a recorder in plain Python."""
    return None


@register_jitable
def rendered(fpixel, spixel, Q, mask):
    """Whether the C renders this pixel: inside the ROI and not masked (C L2646-2662)."""
    if fpixel < Q[Q_ROI_XMIN] or fpixel > Q[Q_ROI_XMAX] or spixel < Q[Q_ROI_YMIN] or spixel > Q[Q_ROI_YMAX]:
        return False
    if Q[Q_HAS_MASK] != 0 and mask[spixel * Q[Q_FPIXELS] + fpixel] == 0:
        return False
    return True


@register_jitable
def render_pixels(mode, spixel, fpixel0, fpixel1, P, Q, mask, src, cells, phi_state, Fhkl, pv_table,
                  fcells, fweights, stale_after, Ff, FP, FQ, sine_buf, sine_flags,
                  stale, pcalls, interp, floatimage, omega_terms, omega_row, events, event_row,
                  rec, record, snaps, nsnap, print_f, print_s):
    """The C's loop body for the pixels ``fpixel0 <= fpixel < fpixel1`` of row ``spixel``.

    The CPU kernels call it for a whole row, the CUDA kernel for one pixel per
    thread; between the pixels of a row the serial-order state carries over.
    Faithful and fast mode differ only in the phi and mosaic loops.

    Parameters
    ----------
    mode : int
        A constant of each kernel. ``FAITHFUL``: the C's loops. ``FAST``: a
        pixel where :func:`~nanobragg_nb.core.kernels.pixel_fast.flat_loop_applies`
        (decided as the pixel starts) sums its phi and mosaic loops with the
        flat float32 loop of :mod:`~nanobragg_nb.core.kernels.pixel_fast`, any
        other with the C's loops. ``FAST_ALL_FLAT``: every pixel takes the flat
        loop; only where it applies to all of them.
    spixel, fpixel0, fpixel1 : int
        The row and the pixels of it to render, in order.
    P, Q : ndarray
        float64 and int64 parameters (indices ``P_*`` and ``Q_*``);
        ``Q[Q_FIX_OVERSAMPLE]`` weights each term by the ``-oversample_*``
        factors instead of the running sum (the oversample fix).
    mask : ndarray of uint16
        Pixels equal to 0 are skipped (when ``Q[Q_HAS_MASK]``).
    src : ndarray, shape (sources, 4)
        Unit vector towards each source and its wavelength.
    cells : ndarray, shape (states, mosaic_domains, 9)
        a, b, c (metres) for each phi rotation state and mosaic domain:
        state 0 is a0 (never rotated), state 1 + t the rotation of phi step t.
    phi_state : ndarray of int64, shape (phisteps,)
        1 + t when phi step t is not exactly 0 (the C rotates), else -1 (the
        C reuses the previous rotation), or 0 (a0) with the phi0 fix.
    Fhkl : ndarray, shape (h_range+1, k_range+1, l_range+1)
        Structure factors.
    pv_table : ndarray, shape (n, 3)
        The polarization axis after k in-place unitizations (row min(k, n-1)).
    fcells, fweights, stale_after, Ff, FP, FQ : ndarray
        The fast mode's inputs (:class:`~nanobragg_nb.core.kernels.pixel_fast.FastTables`);
        read only in fast mode (the faithful kernels pass
        :func:`~nanobragg_nb.core.kernels.pixel_fast.no_fast_tables`).
    sine_buf, sine_flags : ndarray or None
        Scratch for the batched sine (:func:`sine_scratch`): with them the
        square crystal's sines of all the mosaic domains of a phi step are
        evaluated as one batch by :func:`~nanobragg_nb.core.sine.sin_batch`
        (glibc's bits, fewer calls); ``None`` (the GPU, ``--trace-pixel``)
        calls ``math.sin`` in :func:`~nanobragg_nb.core.physics.sincg`.
        ``events[event_row, 8:10]`` then count the sines and the fallbacks.
    stale, pcalls, interp : int
        Serial-order state on entry (see the module docstring).
    floatimage : ndarray of float32
        The flat image; receives the rendered pixels.
    omega_terms : ndarray
        Receives the solid-angle terms the C adds to ``omega_sum``, in order,
        from ``omega_row + fpixel * Q[Q_OMEGA_TERMS]`` (one per layer and
        sub-pixel with -oversample_omega, else the one value of the pixel).
    events : ndarray, shape (n, 8)
        Row ``event_row`` receives the first interpolation switch-off of
        these pixels: found, fpixel, h, k, l, h0, k0, l0.
    rec, record : ndarray, bool
        With ``record``, ``rec`` receives the last value of each printout
        variable and, for each printed pixel (every pixel when ``print_f <
        0``, else the one at ``print_f, print_s``), it is copied to
        ``snaps[nsnap]`` with the pixel's fpixel, spixel and value.

    Returns
    -------
    tuple
        (stale, pcalls, interp, nsnap) after the last pixel.
    """
    oversample = Q[Q_OVERSAMPLE]
    detector_thickstep = P[P_THICKSTEP]
    detector_thick = P[P_THICK]
    polarization = P[P_POLARIZATION]
    dmin = P[P_DMIN]
    Na = P[P_NA]
    Nb = P[P_NB]
    Nc = P[P_NC]
    fudge = P[P_FUDGE]
    water_size = P[P_WATER_SIZE]
    default_F = P[P_DEFAULT_F]
    phi0 = P[P_PHI0]
    phistep = P[P_PHISTEP]
    phisteps = Q[Q_PHISTEPS]
    mosaic_domains = Q[Q_MOSAIC_DOMAINS]
    xtal_shape = Q[Q_SHAPE]
    oversample_thick = Q[Q_OVERSAMPLE_THICK] != 0
    oversample_polar = Q[Q_OVERSAMPLE_POLAR] != 0
    oversample_omega = Q[Q_OVERSAMPLE_OMEGA] != 0
    if mode == FAST_ALL_FLAT:
        # the flat loop applies only without them
        oversample_thick = oversample_polar = oversample_omega = False
    weigh_terms = Q[Q_FIX_OVERSAMPLE] != 0
    hkls = Q[Q_HKLS]
    h_min = Q[Q_H_MIN]
    h_max = Q[Q_H_MAX]
    k_min = Q[Q_K_MIN]
    k_max = Q[Q_K_MAX]
    l_min = Q[Q_L_MIN]
    l_max = Q[Q_L_MAX]
    h_range = Q[Q_H_RANGE]
    k_range = Q[Q_K_RANGE]
    l_range = Q[Q_L_RANGE]
    fpixels = Q[Q_FPIXELS]
    nterm = Q[Q_OMEGA_TERMS]
    # sines per mosaic domain in a batch: sin(x) and sin(x N) for each axis with N > 1
    nsine = 2 * ((1 if Na > 1 else 0) + (1 if Nb > 1 else 0) + (1 if Nc > 1 else 0))
    # the scratch's layout: the arguments, their sines, then h, k, l of every domain
    sine_half = 6 * mosaic_domains
    hkl_base = 12 * mosaic_domains
    sine_count = 0
    sine_fallbacks = 0

    # C L2643-2662: pixels of the row; ROI and mask skip
    for fpixel in range(fpixel0, fpixel1):
        if not rendered(fpixel, spixel, Q, mask):
            continue
        flat = False
        if fcells is not None:          # a kernel given no fast tables has this branch compiled out
            flat = mode == FAST_ALL_FLAT
            if mode == FAST:
                flat = flat_loop_applies(FQ, interp)
        omega_base = omega_row + fpixel * nterm
        omega_n = 0
        event = False
        ev_h = 0.0
        ev_k = 0.0
        ev_l = 0.0
        ev_h0 = 0
        ev_k0 = 0
        ev_l0 = 0

        # C L2663-2676: reset the photon count, polarization and solid angle of this pixel
        I = P[P_I_BG]
        polar = 0.0
        if Q[Q_NOPOLAR] != 0:
            polar = 1.0
        omega_pixel = 0.0
        capture_fraction = 0.0
        Fdet = 0.0
        Sdet = 0.0
        pos_x = 0.0
        pos_y = 0.0
        pos_z = 0.0

        # C L2677-2687: detector layers; capture fraction 1 without a sensor thickness
        for thick_tic in range(Q[Q_THICKSTEPS]):
            trace("thick_tic", thick_tic)
            Odet = thick_tic * detector_thickstep
            capture_fraction = 0.0
            if detector_thick == 0.0:
                capture_fraction = 1.0

            # C L2688-2706: sub-pixels, slow axis outer; the sub-pixel position in space
            for subS in range(oversample):
                for subF in range(oversample):
                    trace("subpixel", (subS, subF))
                    Fdet, Sdet, pos_x, pos_y, pos_z = subpixel_position(fpixel, spixel, subS, subF, Odet, P, Q)
                    trace("Fdet_Sdet_Odet", (Fdet, Sdet, Odet))

                    # C L2707-2716: curved detector: every pixel at the same distance
                    if Q[Q_CURVED] != 0:
                        pos_x, pos_y, pos_z = curved_position(pos_y, pos_z, P)
                    trace("pixel_pos", (pos_x, pos_y, pos_z))

                    # C L2717-2730: diffracted direction, airpath, solid angle of the pixel
                    airpath, diff_x, diff_y, diff_z = unitize(pos_x, pos_y, pos_z)
                    trace("diffracted", (diff_x, diff_y, diff_z))
                    trace("airpath", airpath)
                    if omega_pixel == 0.0 or oversample_omega:
                        omega_pixel = solid_angle(airpath, P, Q)
                    trace("omega_pixel", omega_pixel)
                    if oversample_omega:
                        omega_terms[omega_base + omega_n] = omega_pixel
                        omega_n += 1
                    else:
                        omega_terms[omega_base] = omega_pixel

                    # C L2731-2740: fraction of photons this layer captures
                    if capture_fraction == 0.0 or oversample_thick:
                        capture_fraction = layer_capture(thick_tic, diff_x, diff_y, diff_z, P)
                    trace("capture_fraction", capture_fraction)

                    # C L2741-2760: sources: incident direction, wavelength, scattering vector
                    for source in range(Q[Q_SOURCES]):
                        inc_x, inc_y, inc_z, lambda_, scat_x, scat_y, scat_z, stol = scattering_vector(
                            diff_x, diff_y, diff_z, src[source, 0], src[source, 1], src[source, 2], src[source, 3])
                        trace("source", source)
                        trace("incident", (inc_x, inc_y, inc_z))
                        trace("lambda", lambda_)
                        trace("scattering", (scat_x, scat_y, scat_z))
                        trace("stol", stol)
                        if record:
                            rec[R_STOL] = stol

                        # C L2761-2769: skip sources beyond the resolution limit
                        if dmin > 0.0 and stol > 0.0:
                            if dmin > 0.5 / stol:
                                trace("dmin_skip", source)
                                continue

                        # C L2770-2776: polarization, once per pixel unless oversampled; it
                        # re-unitizes diffracted and the polarization axis in place
                        if polar == 0.0 or oversample_polar:
                            row = pcalls
                            if row > pv_table.shape[0] - 1:
                                row = pv_table.shape[0] - 1
                            polar, inc_x, inc_y, inc_z, diff_x, diff_y, diff_z, _ax, _ay, _az = polarization_factor(
                                polarization, inc_x, inc_y, inc_z, diff_x, diff_y, diff_z,
                                pv_table[row, 0], pv_table[row, 1], pv_table[row, 2])
                            pcalls += 1
                        trace("polar", polar)

                        # fast mode: the phi and mosaic loops below as one flat float32 loop (compiled
                        # only into kernels given the fast tables)
                        if fcells is not None and flat:
                            sx = np.float32(scat_x)
                            sy = np.float32(scat_y)
                            sz = np.float32(scat_z)
                            if xtal_shape == SQUARE and FQ[FQ_NEAREST] == 0:
                                I += default_F * default_F * lattice_sum_square(
                                    fcells, stale, fweights, FQ[FQ_NLOOP], sx, sy, sz, FP[FP_NA], FP[FP_NB], FP[FP_NC])
                            elif xtal_shape == SQUARE:
                                I += lattice_sum_square_hkl(fcells, stale, fweights, FQ[FQ_NLOOP], sx, sy, sz,
                                                            FP[FP_NA], FP[FP_NB], FP[FP_NC], Ff, FP, FQ[FQ_KDIM],
                                                            FQ[FQ_LDIM])
                            else:
                                I += lattice_sum(fcells, stale, fweights, FQ[FQ_NLOOP], sx, sy, sz, xtal_shape,
                                                 FQ[FQ_NEAREST] != 0, Ff, FP, FQ[FQ_KDIM], FQ[FQ_LDIM])
                            stale = stale_after[stale]
                            continue

                        # C L2777-2789: phi steps; phi == 0 reuses the previous rotation
                        for phi_tic in range(phisteps):
                            trace("phi_tic", phi_tic)
                            if phi_state[phi_tic] >= 0:
                                stale = phi_state[phi_tic]
                            trace("phi", phi0 + phistep * phi_tic)

                            # the sines of the square crystal's sincg for every domain of this step, as one batch
                            batched = False
                            if sine_buf is not None:
                                batched = xtal_shape == SQUARE and nsine * mosaic_domains >= MIN_SINE_BATCH
                                if batched:
                                    nbatch = sine_arguments(sine_buf, hkl_base, cells, stale, mosaic_domains,
                                                            scat_x, scat_y, scat_z, Na, Nb, Nc)
                                    sine_fallbacks += sin_batch(sine_buf, sine_buf[sine_half:], sine_flags, nbatch)
                                    sine_count += nbatch

                            # C L2790-2806: mosaic domains: the hoisted a, b, c of this step and domain
                            for mos_tic in range(mosaic_domains):
                                ax = cells[stale, mos_tic, 0]
                                ay = cells[stale, mos_tic, 1]
                                az = cells[stale, mos_tic, 2]
                                bx = cells[stale, mos_tic, 3]
                                by = cells[stale, mos_tic, 4]
                                bz = cells[stale, mos_tic, 5]
                                cx = cells[stale, mos_tic, 6]
                                cy = cells[stale, mos_tic, 7]
                                cz = cells[stale, mos_tic, 8]
                                trace("mos_tic", mos_tic)
                                trace("a", (ax, ay, az))
                                trace("b", (bx, by, bz))
                                trace("c", (cx, cy, cz))

                                # C L2807-2819: fractional Miller indices and the nearest whole ones
                                if batched:
                                    # computed with the batch's arguments, by the same dot products
                                    h = sine_buf[hkl_base + 3 * mos_tic]
                                    k = sine_buf[hkl_base + 3 * mos_tic + 1]
                                    l = sine_buf[hkl_base + 3 * mos_tic + 2]
                                else:
                                    h = dot(ax, ay, az, scat_x, scat_y, scat_z)
                                    k = dot(bx, by, bz, scat_x, scat_y, scat_z)
                                    l = dot(cx, cy, cz, scat_x, scat_y, scat_z)
                                h0 = c_ceil_int(h - 0.5)
                                k0 = c_ceil_int(k - 0.5)
                                l0 = c_ceil_int(l - 0.5)
                                trace("hkl", (h, k, l))
                                trace("hkl0", (h0, k0, l0))

                                # C L2820-2866: lattice transform of the crystal shape
                                F_latt = 1.0
                                rad_star_sqr = 0.0
                                if batched:
                                    # the same quotients as sincg, from the batch (same arguments, same bits)
                                    at = sine_half + mos_tic * nsine
                                    if Na > 1:
                                        F_latt *= sincg_of(sine_buf[at - sine_buf.shape[0] // 2], sine_buf[at],
                                                           sine_buf[at + 1], Na)
                                        at += 2
                                    if Nb > 1:
                                        F_latt *= sincg_of(sine_buf[at - sine_buf.shape[0] // 2], sine_buf[at],
                                                           sine_buf[at + 1], Nb)
                                        at += 2
                                    if Nc > 1:
                                        F_latt *= sincg_of(sine_buf[at - sine_buf.shape[0] // 2], sine_buf[at],
                                                           sine_buf[at + 1], Nc)
                                elif xtal_shape == SQUARE:
                                    if Na > 1:
                                        F_latt *= sincg(math.pi * h, Na)
                                    if Nb > 1:
                                        F_latt *= sincg(math.pi * k, Nb)
                                    if Nc > 1:
                                        F_latt *= sincg(math.pi * l, Nc)
                                else:
                                    dx_star = (h - h0) * P[P_ASTAR] + (k - k0) * P[P_BSTAR] + (l - l0) * P[P_CSTAR]
                                    dy_star = ((h - h0) * P[P_ASTAR + 1] + (k - k0) * P[P_BSTAR + 1]
                                               + (l - l0) * P[P_CSTAR + 1])
                                    dz_star = ((h - h0) * P[P_ASTAR + 2] + (k - k0) * P[P_BSTAR + 2]
                                               + (l - l0) * P[P_CSTAR + 2])
                                    rad_star_sqr = (dx_star * dx_star + dy_star * dy_star
                                                    + dz_star * dz_star) * Na * Na * Nb * Nb * Nc * Nc
                                if xtal_shape == ROUND:
                                    hrad_sqr = (h - h0) * (h - h0) * Na * Na + (k - k0) * (k - k0) * Nb * Nb \
                                        + (l - l0) * (l - l0) * Nc * Nc
                                    F_latt = Na * Nb * Nc * 0.723601254558268 * sinc3(math.pi * math.sqrt(hrad_sqr * fudge))
                                if xtal_shape == GAUSS:
                                    F_latt = Na * Nb * Nc * math.exp(negated(rad_star_sqr / 0.63 * fudge))
                                if xtal_shape == TOPHAT:
                                    F_latt = Na * Nb * Nc * (1.0 if rad_star_sqr * fudge < 0.3969 else 0.0)
                                trace("F_latt", F_latt)
                                if record:
                                    rec[R_H] = h
                                    rec[R_K] = k
                                    rec[R_L] = l
                                    rec[R_H0] = h0
                                    rec[R_K0] = k0
                                    rec[R_L0] = l0
                                    rec[R_F_LATT] = F_latt
                                    rec[R_A] = ax
                                    rec[R_A + 1] = ay
                                    rec[R_A + 2] = az
                                    rec[R_B] = bx
                                    rec[R_B + 1] = by
                                    rec[R_B + 2] = bz
                                    rec[R_C] = cx
                                    rec[R_C + 1] = cy
                                    rec[R_C + 2] = cz
                                # C L2867-2928: nothing to add for a zero lattice term without water; the
                                # integral_form block that follows in the C never runs (integral_form is 0)
                                if F_latt == 0.0 and water_size == 0.0:
                                    continue

                                # C L2929-2952: interpolation range check; the first failure
                                # switches interpolation off for the rest of the run
                                h0_flr = 0
                                k0_flr = 0
                                l0_flr = 0
                                if interp:
                                    h0_flr = c_floor_int(h)
                                    k0_flr = c_floor_int(k)
                                    l0_flr = c_floor_int(l)
                                    if ((h - h_min + 3) > h_range or (h - 2 < h_min)
                                            or (k - k_min + 3) > k_range or (k - 2 < k_min)
                                            or (l - l_min + 3) > l_range or (l - 2 < l_min)
                                            or h0_flr == INT_MIN or k0_flr == INT_MIN or l0_flr == INT_MIN):
                                        if not event:
                                            event = True
                                            ev_h = h
                                            ev_k = k
                                            ev_l = l
                                            ev_h0 = h0
                                            ev_k0 = k0
                                            ev_l0 = l0
                                        interp = False
                                        trace("interpolate", 0)

                                # C L2953-3008: structure factor, tricubic or nearest neighbour
                                if interp:
                                    F_cell = polin3(h0_flr, k0_flr, l0_flr, Fhkl,
                                                    h0_flr - 1 - h_min, k0_flr - 1 - k_min, l0_flr - 1 - l_min,
                                                    h, k, l)
                                elif (hkls != 0 and h0 <= h_max and h0 >= h_min and k0 <= k_max and k0 >= k_min
                                      and l0 <= l_max and l0 >= l_min):
                                    F_cell = Fhkl[h0 - h_min, k0 - k_min, l0 - l_min]
                                else:
                                    F_cell = default_F
                                trace("F_cell", F_cell)

                                # C L3009-3030: intensity; -oversample_* multiply the running sum; the loops close
                                term = F_cell * F_cell * F_latt * F_latt
                                if weigh_terms:
                                    # the oversample fix (18db27d): each term weighted once, then added
                                    if oversample_thick:
                                        term *= capture_fraction
                                    if oversample_polar:
                                        term *= polar
                                    if oversample_omega:
                                        term *= omega_pixel
                                    I += term
                                else:
                                    I += term
                                    if oversample_thick:
                                        I *= capture_fraction
                                    if oversample_polar:
                                        I *= polar
                                    if oversample_omega:
                                        I *= omega_pixel
                                trace("I", I)
                                if record:
                                    rec[R_F_CELL] = F_cell

        # C L3031-3038: photons per pixel; corrections not yet applied per sub-pixel
        test = P[P_R_E_SQR] * P[P_FLUENCE] * I / Q[Q_STEPS]
        if not oversample_thick:
            test = c_product(test, capture_fraction)
        if not oversample_polar:
            test = c_product(test, polar)
        if not oversample_omega:
            test = c_product(test, omega_pixel)
        trace("pixel", test)
        if record:
            rec[R_POS] = pos_x
            rec[R_POS + 1] = pos_y
            rec[R_POS + 2] = pos_z
            rec[R_I] = I
            rec[R_POLAR] = polar
            rec[R_OMEGA] = omega_pixel
            rec[R_CAPTURE] = capture_fraction
            rec[R_FDET] = Fdet
            rec[R_SDET] = Sdet

        # C L3039-3040: the float image is float32; the sum is rounded once
        floatimage[spixel * fpixels + fpixel] = np.float32(0.0 + test)
        if event and events[event_row, 0] == 0.0:
            events[event_row, 0] = 1.0
            events[event_row, 1] = fpixel
            events[event_row, 2] = ev_h
            events[event_row, 3] = ev_k
            events[event_row, 4] = ev_l
            events[event_row, 5] = ev_h0
            events[event_row, 6] = ev_k0
            events[event_row, 7] = ev_l0
        if record and (print_f < 0 or (fpixel == print_f and spixel == print_s)):
            for i in range(N_REC):
                snaps[nsnap, i] = rec[i]
            snaps[nsnap, N_REC] = fpixel
            snaps[nsnap, N_REC + 1] = spixel
            snaps[nsnap, N_REC + 2] = floatimage[spixel * fpixels + fpixel]
            nsnap += 1
    if sine_buf is not None:
        events[event_row, 8] = sine_count
        events[event_row, 9] = sine_fallbacks
    return stale, pcalls, interp, nsnap


@register_jitable
def sine_scratch(mosaic_domains):
    """The scratch arrays of :func:`render_pixels`' batched sine.

    Parameters
    ----------
    mosaic_domains : int

    Returns
    -------
    sine_buf : ndarray of float64
        Room for six arguments, their sines and h, k, l per domain.
    sine_flags : ndarray of uint8
        Room for six certification flags per domain.
    """
    return np.empty(15 * mosaic_domains), np.empty(6 * mosaic_domains, dtype=np.uint8)


@register_jitable
def sine_arguments(buf, hkl_base, cells, stale, mosaic_domains, scat_x, scat_y, scat_z, Na, Nb, Nc):
    """The arguments of the square crystal's sincg for every domain (C L2807-2825), into ``buf``.

    Per domain, h, k, l go to ``buf[hkl_base + 3 * mos_tic:]`` and, for each
    axis with N > 1, ``x = pi h`` and ``x N`` to ``buf[n:]``, computed exactly as
    :func:`render_pixels` and :func:`~nanobragg_nb.core.physics.sincg` compute
    them. Returns ``n``, how many arguments were written.
    """
    n = 0
    for mos_tic in range(mosaic_domains):
        h = dot(cells[stale, mos_tic, 0], cells[stale, mos_tic, 1], cells[stale, mos_tic, 2], scat_x, scat_y, scat_z)
        k = dot(cells[stale, mos_tic, 3], cells[stale, mos_tic, 4], cells[stale, mos_tic, 5], scat_x, scat_y, scat_z)
        l = dot(cells[stale, mos_tic, 6], cells[stale, mos_tic, 7], cells[stale, mos_tic, 8], scat_x, scat_y, scat_z)
        buf[hkl_base + 3 * mos_tic] = h
        buf[hkl_base + 3 * mos_tic + 1] = k
        buf[hkl_base + 3 * mos_tic + 2] = l
        if Na > 1:
            x = math.pi * h
            buf[n] = x
            buf[n + 1] = x * Na
            n += 2
        if Nb > 1:
            x = math.pi * k
            buf[n] = x
            buf[n + 1] = x * Nb
            n += 2
        if Nc > 1:
            x = math.pi * l
            buf[n] = x
            buf[n + 1] = x * Nc
            n += 2
    return n


# The per-sub-pixel geometry of render_pixels; the loop marks the C lines they mirror.

@register_jitable
def subpixel_position(fpixel, spixel, subS, subF, Odet, P, Q):
    """(Fdet, Sdet) on the detector and the sub-pixel's position in space (C L2694-2706).

    A panel of a multi-panel detector (:mod:`nanobragg_nb.core.panels`) counts its
    pixels from a shared origin, ``pix0``, at the whole-pixel offsets ``Q_F_OFFSET``
    and ``Q_S_OFFSET`` (0 for the C's single panel), so that a panel cut out of a
    larger one computes every position with the same operations as the larger one.
    """
    subpixel_size = P[P_SUBPIXEL_SIZE]
    oversample = Q[Q_OVERSAMPLE]
    Fdet = subpixel_size * ((fpixel + Q[Q_F_OFFSET]) * oversample + subF) + subpixel_size / 2.0
    Sdet = subpixel_size * ((spixel + Q[Q_S_OFFSET]) * oversample + subS) + subpixel_size / 2.0
    pos_x = Fdet * P[P_FDET] + Sdet * P[P_SDET] + Odet * P[P_ODET] + P[P_PIX0]
    pos_y = Fdet * P[P_FDET + 1] + Sdet * P[P_SDET + 1] + Odet * P[P_ODET + 1] + P[P_PIX0 + 1]
    pos_z = Fdet * P[P_FDET + 2] + Sdet * P[P_SDET + 2] + Odet * P[P_ODET + 2] + P[P_PIX0 + 2]
    return Fdet, Sdet, pos_x, pos_y, pos_z


@register_jitable
def curved_position(pos_y, pos_z, P):
    """-curved_det: the lab y and z of the flat position, read as angles at ``distance`` (C L2709-2715)."""
    distance = P[P_DISTANCE]
    vx = distance * P[P_BEAM]
    vy = distance * P[P_BEAM + 1]
    vz = distance * P[P_BEAM + 2]
    nx, ny, nz = rotate_axis(vx, vy, vz, P[P_SDET], P[P_SDET + 1], P[P_SDET + 2], pos_y / distance)
    return rotate_axis(nx, ny, nz, P[P_FDET], P[P_FDET + 1], P[P_FDET + 2], pos_z / distance)


@register_jitable
def solid_angle(airpath, P, Q):
    """omega_pixel: the full pixel's solid angle, or 1/R^2 with -point_pixel (C L2724-2726)."""
    if Q[Q_POINT_PIXEL] != 0:
        return 1.0 / airpath / airpath
    return P[P_PIXEL_SIZE] * P[P_PIXEL_SIZE] / airpath / airpath * P[P_CLOSE_DISTANCE] / airpath


@register_jitable
def layer_capture(thick_tic, diff_x, diff_y, diff_z, P):
    """capture_fraction: photons absorbed by detector layer ``thick_tic`` (C L2735-2738)."""
    parallax = dot(diff_x, diff_y, diff_z, P[P_ODET], P[P_ODET + 1], P[P_ODET + 2])
    detector_thickstep = P[P_THICKSTEP]
    detector_mu = P[P_MU]
    return (math.exp(-thick_tic * detector_thickstep * detector_mu / parallax)
            - math.exp(-(thick_tic + 1) * detector_thickstep * detector_mu / parallax))


@register_jitable
def scattering_vector(diff_x, diff_y, diff_z, source_x, source_y, source_z, lambda_):
    """The incident direction, wavelength, scattering vector and sin(theta)/lambda of a source (C L2745-2760)."""
    inc_x = -source_x
    inc_y = -source_y
    inc_z = -source_z
    scat_x = (diff_x - inc_x) / lambda_
    scat_y = (diff_y - inc_y) / lambda_
    scat_z = (diff_z - inc_z) / lambda_
    stol = 0.5 * magnitude(scat_x, scat_y, scat_z)
    return inc_x, inc_y, inc_z, lambda_, scat_x, scat_y, scat_z, stol
