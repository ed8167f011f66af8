"""noisify.c as a function: a float image in, the detector's images out.

:func:`add_noise` is the Python API (no files written);
:func:`read_input` and :func:`noisify` are the steps the ``nanobragg-nb
noisify`` command runs, with the C's log.
"""
import math
import os
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ...cnum import cprintf, double_to_int, int_mul
from ...core.log import Log
from .rng import RandomState, seed_array
from ...errors import ArgumentError, GeometryError, InputFileError, UsageExit
from . import noise, psf
from .cparse import NoisifyConfig
from .smvio import read_header_frame, smv_header

BANNER = "noisify - add noise to pixels - James Holton 3-19-16\n"

USAGE = """usage: noisify -floatfile floatimage.bin
options:
\tfloatimage.bin\t nearBragg-style binary dump file
\t-scale\tscale factor to put floatimage.bin in photons/pixel
\t-gain\tpixel units per photon
\t-readout_noise\tgaussian noise added to every pixel
\t-flicker\t fractional 1/f noise in source
\t-calibration\t static fractional error per pixel
\t-calib_seed\t change seed for calibration error
\t-seed\t specify seed for all non-calibration errors
\t-gain\t pixel units per photon
\t-adc\t offset added to each pixel after noise
\t-distance\t distance from origin to detector center in mm
\t-detsize\t detector size in mm
\t-pixel\t detector pixel size in mm
\t-psf gauss|fiber\t point spread function type (gaussian or fiber)
\t-psf_fwhm\t point spread function size in um
\t-psf_radius\t radius to render PSF in pixels (default automatic)
\t-lambda\t incident x-ray wavelength in Angstrom
\t-intfile\t name of smv-formatted output file (arbitrary scale)
\t-pgmfile\tname of pgm-formatted output file (arbitrary scale)
\t-noisefile\t name of smv-formatted output file (with noise)
\t-Xbeam\t image X coordinate of direct-beam spot (mm)
\t-Ybeam\t image Y coordinate of direct-beam spot (mm)
\t-header\t import 512-byte header from specified SMV file
"""


@dataclass
class NoisifyResult:
    """The images noisify writes, as arrays (row-major, ``(ypixels, xpixels)``).

    Attributes
    ----------
    intimage : numpy.ndarray or None
        The noiseless image (uint16, or uint32 with ``bits=32``); None for
        another bit depth (the C then writes a header and no pixels).
    pgmimage : numpy.ndarray or None
        The 8-bit preview of the noiseless image; None with ``nopgm``.
    noiseimage : numpy.ndarray or None
        The image with noise; None with ``-nonoise``.
    photons : float
        Photons on the noise image (after the PSF); NaN without noise.
    overloads : int
        Noise-image pixels clipped at the bit depth's maximum.
    header : bytes
        The SMV header both images carry.
    log : str
        What noisify.c prints.
    """

    intimage: Optional[np.ndarray]
    pgmimage: Optional[np.ndarray]
    noiseimage: Optional[np.ndarray]
    photons: float
    overloads: int
    header: bytes
    log: str


def _cdiv(a, b):
    """C integer division (truncation toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


# C L353-357: the input's size in floats
def _file_pixels(path):
    try:
        size = os.stat(path).st_size
        if os.path.isdir(path):
            raise IsADirectoryError(21, "it is a folder")
        with open(path, "rb"):
            pass
    except OSError as err:
        raise InputFileError(f"cannot read float image {path}: {err.strerror or err}") from None
    return size


# C L359-393: the -header image: its size, pixel, distance, wavelength and beam centre
def resolve_detector(cfg, file_pixels, header, log):
    """Pixel counts and detector size, as the C settles them.

    Parameters
    ----------
    cfg : NoisifyConfig
        Updated in place (xpixels, ypixels, sizes; header values).
    file_pixels : int
        Floats in the input file.
    header : HeaderFrame or None
        The ``-header`` image.
    log : Log

    Returns
    -------
    int
        The detector's pixel count.
    """
    pixels = file_pixels
    if header is not None:
        frame = header
        cfg.xpixels, cfg.ypixels = frame.width, frame.height
        pixels = int_mul(cfg.xpixels, cfg.ypixels)
        test = frame.value_of("PIXEL_SIZE")
        if not math.isnan(test):
            cfg.pixel_m = test / 1000.0
        cfg.detsize_x_m = cfg.pixel_m * cfg.xpixels
        cfg.detsize_y_m = cfg.pixel_m * cfg.ypixels
        test = frame.value_of("DISTANCE")
        if not math.isnan(test):
            cfg.distance_m = test / 1000.0
        test = frame.value_of("WAVELENGTH")
        if not math.isnan(test):
            cfg.lambda_A = test / 1e10
        test = frame.value_of("BEAM_CENTER_X")
        if not math.isnan(test):
            cfg.Xbeam_m = test / 1000.0
        test = frame.value_of("BEAM_CENTER_Y")
        if not math.isnan(test):
            cfg.Ybeam_m = cfg.detsize_y_m - test / 1000.0
    # C L395-416: guess the shape from the pixel count
    x, y = cfg.xpixels, cfg.ypixels
    if not x and not y:
        log.write("WARNING: guessing xy pixel dimensions.\n")
        if pixels <= 0:
            raise InputFileError(f"float image {cfg.floatfile} is empty: no pixels to guess a detector from")
        x = double_to_int(math.sqrt(pixels))
        y = _cdiv(pixels, x)
        while pixels != x * y and x > 0:
            x -= 1
            y = _cdiv(pixels, x)
        if pixels != x * y:
            x, y = pixels, 1
    if x and not y:
        y = _cdiv(pixels, x)
    if not x and y:
        x = _cdiv(pixels, y)
    # C L418-433: the detector size follows the pixel counts
    if x:
        cfg.detsize_x_m = cfg.pixel_m * x
    else:
        x = double_to_int(math.ceil(cfg.detsize_x_m / cfg.pixel_m - 0.5))
    if y:
        cfg.detsize_y_m = cfg.pixel_m * y
    else:
        y = double_to_int(math.ceil(cfg.detsize_y_m / cfg.pixel_m - 0.5))
    if x <= 0 or y <= 0:
        raise GeometryError(f"the detector would have {x} x {y} pixels")
    cfg.xpixels, cfg.ypixels = x, y
    return int_mul(x, y)


def read_input(cfg, log):
    """Read the float image (and ``-header``) as noisify.c does, settling the detector.

    Parameters
    ----------
    cfg : NoisifyConfig
        Updated in place with the detector's size.
    log : Log
        Receives the C's lines (header, guess, "importing ...").

    Returns
    -------
    numpy.ndarray
        float32, ``xpixels*ypixels`` pixels.

    Raises
    ------
    UsageExit
        No argument names a float image (the C prints its usage, exit 9).
    InputFileError
        The file cannot be read, or its size does not match the detector.
    """
    # C L323-351: no input: the usage, exit 9
    if cfg.floatfile is None:
        log.write(USAGE)
        raise UsageExit("no float image: name one with -floatfile FILE (or an argument containing floatimage.bin)")
    nbytes = _file_pixels(cfg.floatfile)
    header = None
    if cfg.headerfile is not None:
        log.printf("taking header from %s\n", cfg.headerfile)
        header = read_header_frame(cfg.headerfile, log)
    pixels = resolve_detector(cfg, nbytes // 4, header, log)
    cfg.header = header
    # C L435-448: read the pixels
    log.printf("importing %d pixel intensites: %s\n", pixels, cfg.floatfile)
    if nbytes != 4 * pixels:
        raise InputFileError(
            f"float image {cfg.floatfile} holds {nbytes} bytes ({nbytes / 4:g} float32 pixels), but the "
            f"detector is {cfg.xpixels} x {cfg.ypixels} = {pixels} pixels ({4 * pixels} bytes): "
            "give -detpixels (or -detpixels_x/-detpixels_y) to match the image")
    try:
        return np.fromfile(cfg.floatfile, dtype=np.dtype("=f4"), count=pixels)
    except OSError as err:
        raise InputFileError(f"cannot read float image {cfg.floatfile}: {err.strerror or err}") from None


# C L450-478: beam centre defaults, -nonoise, and the parameter summary
def _summary(cfg, seed, log):
    if cfg.Xbeam_m <= -1e99:
        cfg.Xbeam_m = cfg.detsize_x_m / 2.0
    if cfg.Ybeam_m <= -1e99:
        cfg.Ybeam_m = cfg.detsize_y_m / 2.0
    if not cfg.calculate_noise:
        cfg.calibration_noise = 0.0
        cfg.readout_noise = 0.0
        cfg.flicker_noise = 0.0
    log.printf("  distance=%g detsize=%gx%g  pixel=%g meters (%dx%d pixels)\n", cfg.distance_m,
               cfg.detsize_x_m, cfg.detsize_y_m, cfg.pixel_m, cfg.xpixels, cfg.ypixels)
    log.printf("  Xbeam=%g Ybeam=%g\n", cfg.Xbeam_m, cfg.Ybeam_m)
    if cfg.psftype == psf.GAUSS:
        log.printf("  Gaussian PSF fwhm = %g um ", cfg.psf_fwhm_m * 1e6)
    if cfg.psftype == psf.FIBER:
        log.printf("  fiber PSF fwhm = %g um ", cfg.psf_fwhm_m * 1e6)
    if cfg.psftype != psf.UNKNOWN and cfg.psf_radius == 0:
        log.write("  with automatic rendering radius\n")
    if cfg.psftype != psf.UNKNOWN and cfg.psf_radius >= 0:
        log.printf("  with rendering radius: %d\n", cfg.psf_radius)
    log.printf("  seed: %ld\n", seed)
    log.printf("  calibration noise seed: %ld\n", cfg.calib_seed)
    log.printf("  calibration_noise = %g %%\n", cfg.calibration_noise * 100)
    log.printf("  input file scale = %g\n", cfg.photon_scale)
    log.printf("  readout_noise = %g ADU\n", cfg.readout_noise)
    log.printf("  flicker_noise = %g %%\n", cfg.flicker_noise * 100)
    log.printf("  quantum_gain = %g ADU/photon\n", cfg.quantum_gain)
    log.printf("  adc_offset = %g ADU\n", cfg.adc_offset)
    log.write("\n")


def _header(cfg):
    if cfg.header is not None:
        return cfg.header.raw
    return smv_header(xpixels=cfg.xpixels, ypixels=cfg.ypixels, pixel_m=cfg.pixel_m, distance_m=cfg.distance_m,
                      lambda_A=cfg.lambda_A, Xbeam_m=cfg.Xbeam_m, Ybeam_m=cfg.Ybeam_m, detsize_y_m=cfg.detsize_y_m,
                      phi0=cfg.phi0, osc=cfg.osc, bits=cfg.intimage_bits)


def _pixels_of_depth(bits, int16image, int32image):
    return int16image if bits == 16 else int32image if bits == 32 else None


def _byte_count(bits):
    return {16: 2, 32: 4}.get(bits)


def noisify(cfg, floatimage, log, writer=None):
    """Run noisify.c's steps on a float image already read (:func:`read_input`).

    Parameters
    ----------
    cfg : NoisifyConfig
        With the detector settled (``xpixels``, ``ypixels`` set).
    floatimage : numpy.ndarray
        float32, ``xpixels*ypixels`` pixels.
    log : Log
    writer : callable, optional
        ``writer(kind, name, header, pixels)`` writes a file as the C
        reaches it: kind ``"smv"`` (header bytes and uint16/uint32 pixels or
        None) or ``"pgm"`` (pixels only). None writes nothing.

    Returns
    -------
    NoisifyResult
    """
    seed = cfg.resolved_seed()
    _summary(cfg, seed, log)
    shape = (cfg.ypixels, cfg.xpixels)
    bits = cfg.intimage_bits
    # C L480-492: the photon scale; one warning per negative input pixel
    photonimage, max_I = noise.photon_scale(floatimage, cfg.fluence, noise.R_E_SQR, cfg.photon_scale)
    for I in floatimage[floatimage < 0]:
        log.printf("WARNING: negative intensity in %s: %g\n", cfg.floatfile, float(I))
    log.printf("maximum value in input file: %g ( %g on photon scale)\n", max_I,
               max_I * cfg.photon_scale * cfg.fluence * noise.R_E_SQR)
    fwhm_pixels = cfg.psf_fwhm_m / cfg.pixel_m
    blur = cfg.psftype != psf.UNKNOWN and cfg.psf_fwhm_m > 0.0
    # C L494-505: without noise the noiseless image gets the PSF
    if not cfg.calculate_noise and blur:
        log.printf("  applying PSF to noiseless image width = %g pixels\n", fwhm_pixels)
        photonimage = psf.apply_psf(photonimage, cfg.xpixels, cfg.ypixels, cfg.psftype, fwhm_pixels,
                                    cfg.psf_radius, log)
    # C L507-545: the noiseless int image
    int16image, int32image = noise.noiseless_ints(photonimage, cfg.quantum_gain, cfg.adc_offset)
    header = _header(cfg)
    if _byte_count(bits):
        log.printf("writing %s as %d %lu-byte integers\n", cfg.intfile, cfg.xpixels * cfg.ypixels, _byte_count(bits))
    intimage = _pixels_of_depth(bits, int16image, int32image)
    if writer:
        writer("smv", cfg.intfile, header, intimage)
    # C L547-563: the PGM
    pgmimage = None
    if cfg.write_pgm:
        pgmimage = noise.pgm_bytes(int16image)
        log.printf("writing %s as %lu-byte integers\n", cfg.pgmfile, 1)
        if writer:
            writer("pgm", cfg.pgmfile, None, pgmimage.reshape(shape))
    result = NoisifyResult(None if intimage is None else intimage.reshape(shape),
                           None if pgmimage is None else pgmimage.reshape(shape),
                           None, math.nan, 0, header, "")
    # C L565-568: nothing more to do without noise
    if not cfg.calculate_noise:
        result.log = log.text
        return result
    # C L570-590: photon noise
    state = RandomState()
    seed_state, calib_state = seed_array(seed), seed_array(cfg.calib_seed)
    total = noise.photon_noise(photonimage, cfg.flicker_noise, cfg.calibration_noise, seed_state, calib_state,
                               state.shuffle, state.gauss, state.poi)
    # C L592-605: the PSF on the photon counts
    if blur:
        log.write(cprintf("%.0f photons on noise image before PSF\n", total))
        log.printf("  applying PSF width = %g um\n", cfg.psf_fwhm_m * 1e6)
        photonimage = psf.apply_psf(photonimage, cfg.xpixels, cfg.ypixels, cfg.psftype, fwhm_pixels,
                                    cfg.psf_radius, log)
    # C L607-638: gain, offset, read-out noise
    int16image, int32image, total, overloads = noise.readout(
        photonimage, cfg.quantum_gain, cfg.adc_offset, cfg.readout_noise, bits, seed_state, state.shuffle,
        state.gauss)
    log.write(cprintf("%.0f photons on noise image (%d overloads)\n", total, overloads))
    # C L640-664: the noise image
    if _byte_count(bits):
        log.printf("writing %s as %lu-byte integers\n", cfg.noisefile, _byte_count(bits))
    noiseimage = _pixels_of_depth(bits, int16image, int32image)
    if writer:
        writer("smv", cfg.noisefile, header, noiseimage)
    result.noiseimage = None if noiseimage is None else noiseimage.reshape(shape)
    result.photons, result.overloads = total, overloads
    result.log = log.text
    return result


def _psf_type(name):
    if name is None:
        return psf.UNKNOWN
    kind = psf.UNKNOWN
    for key, value in psf.PSF_TYPES.items():
        if key in str(name):
            kind = value
    if kind == psf.UNKNOWN:
        raise ArgumentError(f"unknown PSF type '{name}': use gauss or fiber")
    return kind


def add_noise(floatimage, *, seed=None, calib_seed=None, photon_scale=1.0, quantum_gain=1.0, adc_offset=40.0,
              readout_noise=0.0, flicker_noise=0.0, calibration_noise=0.03, psf=None, psf_fwhm_um=46.0,
              psf_radius=0, fluence=None, bits=16, noise=True, pgm=True, pixel_mm=0.1, distance_mm=100.0,
              Xbeam_mm=None, Ybeam_mm=None, lambda_A=1.0, phi=0.0, osc=1.0, log=None):
    """Turn a float image into a detector's images, as ``noisify`` does, without writing files.

    Parameters
    ----------
    floatimage : array_like
        The image in photons per pixel (before ``photon_scale``), 2-D
        ``(slow, fast)`` or flat with a square size; converted to float32.
    seed : int, optional
        As ``-seed``: the photon, flicker and read-out noise seed; default
        the clock, as the C.
    calib_seed : int, optional
        As ``-calib_seed``; default the C's (a fixed calibration error).
    photon_scale, quantum_gain, adc_offset : float
        ``-scale``, ``-gain`` (ADU/photon), ``-adc`` (ADU).
    readout_noise, flicker_noise, calibration_noise : float
        ``-readout_noise`` (ADU), ``-flicker`` and ``-calibration`` (fractions).
    psf : {None, "gauss", "fiber"}
        Point-spread function; ``psf_fwhm_um`` its width, ``psf_radius``
        its rendering radius in pixels (0: automatic).
    fluence : float, optional
        ``-fluence`` in photons/m^2; the default puts the input on the
        photons/pixel scale.
    bits : int
        16 or 32-bit integer images.
    noise, pgm : bool
        False as ``-nonoise``, ``-nopgm``.
    pixel_mm, distance_mm, Xbeam_mm, Ybeam_mm, lambda_A, phi, osc : float
        Geometry for the SMV header (beam centre: the middle by default).
    log : file-like, optional
        Where to echo the C's log as it is written.

    Returns
    -------
    NoisifyResult
        The images as arrays of the input's shape, and the log.

    Raises
    ------
    ArgumentError
        An unknown ``psf``.
    """
    image = np.asarray(floatimage, dtype=np.float32)
    if image.ndim == 2:
        ypixels, xpixels = image.shape
    elif image.ndim == 1 and math.isqrt(image.size) ** 2 == image.size and image.size:
        xpixels = ypixels = math.isqrt(image.size)
    else:
        raise ArgumentError(f"add_noise needs a 2-D image (or a flat square one), not shape {image.shape}")
    if xpixels == 0 or ypixels == 0:
        raise ArgumentError("add_noise needs a non-empty image")
    cfg = NoisifyConfig(
        floatfile="floatimage", xpixels=xpixels, ypixels=ypixels, pixel_m=pixel_mm / 1000.0,
        distance_m=distance_mm / 1000.0, lambda_A=lambda_A, psftype=_psf_type(psf),
        psf_fwhm_m=float(np.float32(psf_fwhm_um / 1e6)), psf_radius=int(psf_radius),
        photon_scale=photon_scale, intimage_bits=int(bits), calculate_noise=bool(noise), write_pgm=bool(pgm),
        readout_noise=readout_noise, flicker_noise=flicker_noise, calibration_noise=calibration_noise,
        adc_offset=adc_offset, quantum_gain=quantum_gain, phi0=phi, osc=osc,
        seed=None if seed is None else -int(seed))
    if calib_seed is not None:
        cfg.calib_seed = -int(calib_seed)
    if fluence is not None:
        cfg.fluence = fluence
    cfg.detsize_x_m = cfg.pixel_m * xpixels
    cfg.detsize_y_m = cfg.pixel_m * ypixels
    if Xbeam_mm is not None:
        cfg.Xbeam_m = Xbeam_mm / 1000.0
    if Ybeam_mm is not None:
        cfg.Ybeam_m = Ybeam_mm / 1000.0
    out = Log(stream=log)
    out.write(BANNER)
    with np.errstate(all="ignore"):
        return noisify(cfg, np.ascontiguousarray(image.reshape(-1)), out)
