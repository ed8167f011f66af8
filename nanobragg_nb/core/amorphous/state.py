"""The declared contents of an :class:`AmorphousSetup`: what nonBragg.c's setup derives.

Fields keep nonBragg.c's variable names and units: lengths in metres, angles
in radians, sin(theta)/lambda in 1/m. Vectors are the C's
``[magnitude, x, y, z]`` lists. The groups follow the order in which
nonBragg.c sets them (its line numbers in each group's heading).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..setup.state import DeclaredFields, Vector, declared_field_names


@dataclass(init=False, repr=False, eq=False)
class AmorphousSetup(DeclaredFields):
    """What nonBragg.c holds when its pixel loop starts, with the C's names.

    Built empty and filled in the C's order by
    :func:`~nanobragg_nb.core.amorphous.prepare`. Only the fields declared
    here can be assigned: any other name raises ``AttributeError``. A field
    read before it is assigned raises ``AttributeError`` too.
    """

    # -- detector size and pixel counts (C L827-843)
    pixel_size: float  #: m, side of a square pixel
    detsize_x: float  #: m, detector size along the fast axis
    detsize_y: float  #: m, detector size along the slow axis
    fpixels: int  #: pixels along the fast axis
    spixels: int  #: pixels along the slow axis
    pixels: int  #: fpixels * spixels

    # -- near point, beam centre and region of interest (C L844-856)
    Xclose: float  #: m, near point along the fast axis (recomputed in C L1169-1223)
    Yclose: float  #: m, near point along the slow axis (recomputed in C L1169-1223)
    Xbeam: float  #: m, beam spot along the fast axis (recomputed in C L1169-1223)
    Ybeam: float  #: m, beam spot along the slow axis (recomputed in C L1169-1223)
    roi_xmin: int  #: first fast pixel rendered
    roi_xmax: int  #: last fast pixel rendered (inclusive)
    roi_ymin: int  #: first slow pixel rendered
    roi_ymax: int  #: last slow pixel rendered (inclusive)
    progress_pixels: int  #: pixels in the region of interest, for the progress meter

    # -- fluence, the beam-clipped sample, its volume and molecules (C L858-878)
    fluence: float  #: photons/m^2 on the sample
    flux: float  #: photons/s (recomputed from fluence when an exposure is given)
    exposure: float  #: s
    beamsize: float  #: m, side of the square beam
    sample_x: float  #: m, sample thickness along the beam
    sample_y: float  #: m, sample height, clipped to beamsize
    sample_z: float  #: m, sample width, clipped to beamsize
    molecular_weight: float  #: g/mol
    density: float  #: g/m^3 (recomputed from -molecules when given)
    volume: float  #: m^3, sample_x * sample_y * sample_z
    molecules: float  #: molecules in the illuminated volume

    # -- unit vectors (C L880-890)
    beam_vector: Vector  #: unit, direction of the incident beam (from source to sample)
    fdet_vector: Vector  #: unit, fast detector axis (rotated in C L1169-1223)
    sdet_vector: Vector  #: unit, slow detector axis (rotated in C L1169-1223)
    odet_vector: Vector  #: unit, detector normal: fdet x sdet (rotated in C L1169-1223)
    polar_vector: Vector  #: unit, E-vector of the incident beam
    spindle_vector: Vector  #: unit, phi rotation axis
    twotheta_axis: Vector  #: unit, axis of the detector two-theta swing
    vert_vector: Vector  #: unit, beam x polar: the axis of the vertical divergence

    # -- phi, divergence, dispersion and detector-layer steps (C L892-1167)
    phi0: float  #: rad, starting spindle angle
    osc: float  #: rad, oscillation range
    phistep: float  #: rad, spindle step
    phisteps: int  #: spindle steps
    hdivsteps: int  #: horizontal divergence steps
    hdivrange: float  #: rad, full horizontal divergence
    hdivstep: float  #: rad, horizontal divergence step
    vdivsteps: int  #: vertical divergence steps
    vdivrange: float  #: rad, full vertical divergence
    vdivstep: float  #: rad, vertical divergence step
    dispsteps: int  #: wavelengths per divergence direction
    dispersion: float  #: full spectral width as a fraction of lambda0
    dispstep: float  #: spectral step as a fraction of lambda0
    detector_thicksteps: int  #: sensor layers (always 1)
    detector_thick: float  #: m, sensor thickness (always 0)
    detector_thickstep: float  #: m, thickness of one layer (always 0)
    detector_mu: float  #: 1/m, attenuation coefficient of the sensor (always 0)

    # -- pivot, rotations and two-theta (C L1169-1223)
    detector_twotheta: float  #: rad, two-theta swing of the detector
    distance: float  #: m, sample to beam spot along the beam
    close_distance: float  #: m, sample to detector plane along its normal
    pix0_vector: Vector  #: m, position of the first pixel's corner (magnitude unset)

    # -- structure-factor table (C L1225-1260)
    stol_of: np.ndarray  #: float64[stols + 6], 1/m: sin(theta)/lambda, guard points at each end, NaN tail
    Fbg_of: np.ndarray  #: float64[stols + 6], F of one molecule at each stol_of, NaN tail
    stols: int  #: points in the table: the file's lines plus four guard points
    stol_file_mult: float  #: the file's first column times this is sin(theta)/lambda in 1/m

    # -- sources (C L1262-1372)
    lambda0: float  #: m, central wavelength
    divsteps: int  #: divergence directions kept (-1 with a source file)
    sources: int  #: number of sources
    source_xyz_lambda: np.ndarray  #: float64[sources, 4]: unit direction towards the source, wavelength (m)
    source_I: np.ndarray  #: float64[sources]: weight of each source
    last_source_I: float  #: the C's ``I`` after its source listing, printed by -printout

    # -- oversampling, steps, switches and the seed (C L1373-1407)
    oversample: int  #: sub-pixels per pixel edge (1 at least)
    steps: int  #: sources * oversample^2
    subpixel_size: float  #: m, pixel_size / oversample
    polarization: float  #: Kahn polarization factor (0 unpolarized, 1 fully)
    nopolar: bool  #: polarization factor switched off (always 1)
    curved_detector: bool  #: all pixels at the same distance from the sample
    point_pixel: bool  #: pixel obliquity switched off (solid angle 1/R^2)
    fmap_pixel: bool  #: the image holds the structure factor of each pixel instead of its intensity
    r_e_sqr: float  #: m^2, classical electron radius squared
    seed: int  #: the C's long ``seed`` for the noise image (negative)


#: every field an AmorphousSetup can hold, in declaration order
FIELD_NAMES = declared_field_names(AmorphousSetup)
