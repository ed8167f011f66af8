"""``amorphous(config)``: nonBragg.c's run, from the setup to the images, as arrays.

The loop is :mod:`nanobragg_nb.core.engines.amorphous`; what follows it
here is the C's: the -printout values, the progress lines, the solid-angle
sum, the F-against-stol table measured from an -img image, the statistics,
and the integer, PGM and noise images with the log the C prints. Files are
written only through the ``writer`` the command line passes in.
"""
import math
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from numba import njit

from ...cnum import cprintf
from ...core import amorphous as setup
from ...core import images, rng
from ...core.amorphous.config import AmorphousConfig
from ...core.config import RTD
from ...core.engines import amorphous as engine
from ...core.kernels import amorphous_tables
from ...core.kernels.layouts import AL_NEAREST, AL_OMEGA, AL_POLAR, AL_POS, AL_STOL
from ...core.log import Log
from ...errors import ArgumentError, UsageExit

__all__ = ["amorphous", "AmorphousResult", "AmorphousConfig", "BANNER", "USAGE", "smv_header"]

BANNER = "nonBragg amorphous material diffraction simulator - James Holton and Ken Frankel 3-19-16\n"

USAGE = """usage: nonBragg -stol water.stol
options:
\t-stol filename.stol\ttext file containing sin(theta)/lambda and F for one molecule
\t-thickness\tthickness of the sample in mm
\t-samplesize\tlinear dimension of the (cube shaped) sample in mm
\t-density\tdensity of the sample in g/cm^3
\t-MW\tmolecular weight of the sample material in g/mol
\t-hdivrange\thorizontal angular spread of source points in mrad
\t-vdivrange\tvertical angular spread of source points in mrad
\t-hdivstep\tnumber of source points in the horizontal
\t-vdivstep\tnumber of source points in the vertical
\t-distance\tdistance from origin to detector center in mm
\t-detsize\tdetector size in mm
\t-pixel\tdetector pixel size in mm
\t-oversample\tnumber of sub-pixels per pixel
\t-lambda\tincident x-ray wavelength in Angstrom
\t-dispersion\tspectral dispersion: delta-lambda/lambda in percent
\t-dispsteps\tnumber of wavelengths in above range
\t-fluence\tintegrated beam intensity in photons/m^2
\t-flux\t beam intensity in photons/s
\t-exposure\t exposure time in s
\t-beamsize\t linear dimension of the (square) beam profile in mm
\t-sourcefile filename.txt\ttext file containing source positions in mm
\t-floatfile\tname of binary output file (4-byte floats)
\t-intfile\tname of smv-formatted output file (arbitrary scale)
\t-pgmfile\tname of pgm-formatted output file (arbitrary scale)
\t-noisefile\tname of smv-formatted output file (with Poisson noise)
\t-Xbeam\timage X coordinate of direct-beam spot (mm)
\t-Ybeam\timage Y coordinate of direct-beam spot (mm)
\t-printout\tprint pixel values out to the screen
\t-noprogress\tturn off the progress meter
"""


@dataclass
class AmorphousResult:
    """What a nonBragg run produces.

    Attributes
    ----------
    floatimage : numpy.ndarray
        float32 (spixels, fpixels): photons per pixel.
    intimage, noiseimage : numpy.ndarray
        uint16 (spixels, fpixels); ``noiseimage`` is None with -nonoise.
    pgmimage : numpy.ndarray
        uint8 (spixels, fpixels).
    stol_table : list of tuple
        The rows the C writes to -stolout (stol, mean F, rms deviation,
        median, mad, pixels), measured from an -img image; empty without one.
    max_I, mean, rms, rmsd, omega_sum, photons : float
    overloads : int
    intfile_scale, pgm_scale : float
    log : str
        What nonBragg.c prints on stdout.
    """

    floatimage: np.ndarray
    intimage: np.ndarray
    pgmimage: np.ndarray
    noiseimage: Optional[np.ndarray]
    stol_table: list = field(default_factory=list)
    max_I: float = 0.0
    mean: float = 0.0
    rms: float = 0.0
    rmsd: float = 0.0
    omega_sum: float = 0.0
    photons: float = 0.0
    overloads: int = 0
    intfile_scale: float = 0.0
    pgm_scale: float = 0.0
    log: str = ""


# C L1578-1586: max_I and its position, the float sum and the float32 sum of squares, in pixel order
@njit(cache=True)
def loop_statistics(floatimage, fpixels, spixels, roi, subpixel_size, oversample):
    """(max_I, max_I_x, max_I_y, sum, sumsqr, rendered pixels) as the C's loop accumulates them."""
    max_I = 0.0
    max_I_x = 0.0
    max_I_y = 0.0
    total = 0.0
    sumsqr = 0.0
    count = 0
    for spixel in range(spixels):
        for fpixel in range(fpixels):
            if fpixel < roi[0] or fpixel > roi[1] or spixel < roi[2] or spixel > roi[3]:
                continue
            value = floatimage[spixel * fpixels + fpixel]
            if value > max_I:
                max_I = value
                max_I_x = subpixel_size * (fpixel * oversample + oversample - 1) + subpixel_size / 2.0
                max_I_y = subpixel_size * (spixel * oversample + oversample - 1) + subpixel_size / 2.0
            total += value
            sumsqr += value * value
            count += 1
    return max_I, max_I_x, max_I_y, total, sumsqr, count


# C L1683-1706: rmsd; the index is advanced before it is read, so pixel j+1 stands for pixel j
@njit(cache=True)
def shifted_rmsd(padded, fpixels, spixels, roi, avg):
    """The C's rmsd: pixel ``j+1`` (0 past the end) for each ROI pixel ``j``."""
    sumsqr = 0.0
    n = 0
    j = 0
    for spixel in range(spixels):
        for fpixel in range(fpixels):
            j += 1
            if fpixel < roi[0] or fpixel > roi[1] or spixel < roi[2] or spixel > roi[3]:
                continue
            test = padded[j] - avg
            sumsqr += test * test
            n += 1
    if n <= 1:
        n = 2
    return math.sqrt(sumsqr / (n - 1))


# C L2779-2827: fmean_with_rejection, float32 sums over the first `points` values
@njit(cache=True)
def fmean_with_rejection(arr, starting_points, sigma_cutoff):
    """(mean, rms deviation, points kept); ``arr`` (float32) has one spare slot past the points."""
    points = starting_points
    rejection = True
    avg = np.float32(0.0)
    rmsd = np.float32(0.0)
    sigma = np.float32(sigma_cutoff)
    while rejection and points > starting_points / 2.0:
        total = np.float32(0.0)
        sumd = np.float32(0.0)
        for i in range(points):
            total = np.float32(total + arr[i])
        avg = np.float32(total / np.float32(points))
        worst = -1
        worst_deviate = np.float32(0.0)
        for i in range(points):
            deviate = np.float32(abs(np.float32(arr[i] - avg)))
            if deviate > worst_deviate:
                worst = i
                worst_deviate = deviate
            sumd = np.float32(sumd + np.float32(deviate * deviate))
        rmsd = np.float32(math.sqrt(sumd / np.float32(points)))
        rejection = False
        if worst_deviate > np.float32(sigma * rmsd):
            rejection = True
            arr[worst], arr[points] = arr[points], arr[worst]
            points -= 1
    return avg, rmsd, points


# C L1622-1655: the F values of each stol bin, laid out as the C lays them in one buffer
@njit(cache=True)
def fill_bins(Fimage, bin_of, pixels_in, stols, pixels):
    """The C's bin buffer and the start of each bin in it (after its pointer-drift correction)."""
    buf = np.zeros(2 * pixels + 10 * stols, dtype=np.float32)
    start = np.zeros(stols, dtype=np.int64)
    start[0] = 1
    for b in range(1, stols - 1):
        start[b] = start[b - 1] + 2 * pixels_in[b - 1] + 2
    for j in range(pixels):
        b = bin_of[j]
        buf[start[b]] = Fimage[j]
        start[b] += 1
    for b in range(2, stols - 2):
        start[b] -= pixels_in[b]
    return buf, start


def _check(cfg):
    if not isinstance(cfg, AmorphousConfig):
        raise ArgumentError(f"amorphous() takes an AmorphousConfig, not {type(cfg).__name__}")
    if cfg.stol_file is None:
        raise UsageExit("no structure-factor table: name one with -stol FILE (or -4stol, -Q)")


def amorphous(config, log=None, threads=None, progress=False, writer=None, device="cpu"):
    """Run nonBragg.c's simulation: amorphous scattering from a table of F against sin(theta)/lambda.

    Parameters
    ----------
    config : AmorphousConfig
        What to simulate (``nanobragg_nb.AmorphousConfig``; the command line
        fills one from nonBragg.c's arguments).
    log : Log, optional
        Receives the C's stdout (a fresh one, kept in the result, by default).
    threads : int, optional
        CPU threads; the result does not depend on it.
    progress : bool
        Draw a progress bar on stderr.
    device : {"cpu", "cuda"}
        Render on CPU threads or on the GPU (numba-cuda); the bits are the same.
    writer : object, optional
        Writes the C's files as the C does, in its order (the command line's
        :class:`~nanobragg_nb.programs.nonbragg.command.FileWriter`); no file
        is written without one.

    Returns
    -------
    AmorphousResult

    Raises
    ------
    UsageExit
        No structure-factor table named.
    InputFileError, GeometryError, OutputError
        As the setup and the writer raise them.
    """
    _check(config)
    log = log if log is not None else Log()
    cfg = config
    s = setup.prepare(cfg, log)
    frame = cfg.img_frame
    if frame is not None and frame.width * frame.height != s.pixels:
        raise ArgumentError(f"the -img image has {frame.width} x {frame.height} pixels but the detector "
                            f"{s.fpixels} x {s.spixels} (nonBragg.c would read past the image)")
    record = frame is not None or cfg.printout
    t = amorphous_tables.build(s, record=record)
    with np.errstate(all="ignore"):
        loop = engine.render(s, t, threads=threads, progress=progress, device=device)
    floatimage = loop.floatimage
    roi = np.array([s.roi_xmin, s.roi_xmax, s.roi_ymin, s.roi_ymax], dtype=np.int64)
    _loop_log(s, cfg, loop, roi, log)
    # C L1618-1621: the solid angle of the detector
    log.write("\n")
    log.printf("solid angle subtended by detector = %g steradian ( %g%% sphere)\n",
               loop.omega_sum, 100 * loop.omega_sum / 4 / math.pi)

    max_I, max_I_x, max_I_y, total, sumsqr, n = loop_statistics(floatimage, s.fpixels, s.spixels, roi,
                                                                s.subpixel_size, s.oversample)
    stol_rows = []
    if frame is not None:
        with np.errstate(all="ignore"):
            stol_rows, n = _stol_table(s, cfg, frame, loop, roi, log, writer)

    # C L1683-1706: mean, rms, rmsd
    if n <= 0:
        n = 1
    avg = total / n
    if n <= 1:
        n = 2
    rms = math.sqrt(sumsqr / (n - 1))
    padded = np.zeros(s.pixels + 10, dtype=np.float32)
    padded[:s.pixels] = floatimage
    rmsd = shifted_rmsd(padded, s.fpixels, s.spixels, roi, avg)

    # C L1708-1716: the float image
    log.printf("writing %s as %d %lu-byte floats\n", cfg.floatfile, s.pixels, 4)
    if writer is not None:
        writer.float_image(cfg.floatfile, floatimage)

    # C L1718-1764: the integer image
    log.printf("max_I = %g  at %g %g\n", max_I, max_I_x, max_I_y)
    log.printf("mean= %g rms= %g rmsd= %g\n", avg, rms, rmsd)
    intfile_scale = images.intfile_scale(cfg.intfile_scale, max_I)
    log.printf("intfile_scale = %g\n", intfile_scale)
    intimage = images.int_image(floatimage, s.fpixels, s.spixels, roi, intfile_scale, cfg.adc_offset)
    log.printf("writing %s as %lu-byte integers\n", cfg.intfile, 2)
    header = smv_header(s, cfg)
    if writer is not None:
        writer.smv_image(cfg.intfile, header, intimage)

    # C L1766-1793: the comparison with -img prints only with outlier rejection, which is always off

    # C L1795-1831: the PGM image
    pgm_scale = images.pgm_scale(cfg.pgm_scale, intfile_scale, rmsd)
    log.printf("pgm_scale = %g\n", pgm_scale)
    pgmimage = images.pgm_image(floatimage, s.fpixels, s.spixels, roi, pgm_scale)
    log.printf("writing %s as %lu-byte integers\n", cfg.pgmfile, 1)
    if writer is not None:
        writer.pgm_image(cfg.pgmfile, s.fpixels, s.spixels, pgm_scale, pgmimage)

    # C L1833-1886: the noise image
    noiseimage, photons, overloads = None, 0.0, 0
    if cfg.calculate_noise:
        state = rng.RandomState()
        noiseimage, photons, overloads = rng.noise_image(
            floatimage, s.fpixels, s.spixels, s.roi_xmin, s.roi_xmax, s.roi_ymin, s.roi_ymax, cfg.adc_offset,
            rng.seed_array(s.seed), state.shuffle, state.gauss, state.poi)
        log.printf("%.0f photons on noise image (%d overloads)\n", photons, overloads)
        log.printf("writing %s as %lu-byte integers\n", cfg.noisefile, 2)
        if writer is not None:
            writer.smv_image(cfg.noisefile, header, noiseimage)

    shape = (s.spixels, s.fpixels)
    return AmorphousResult(
        floatimage=floatimage.reshape(shape), intimage=intimage.reshape(shape), pgmimage=pgmimage.reshape(shape),
        noiseimage=None if noiseimage is None else noiseimage.reshape(shape), stol_table=stol_rows,
        max_I=float(max_I), mean=float(avg), rms=float(rms), rmsd=float(rmsd), omega_sum=float(loop.omega_sum),
        photons=float(photons), overloads=int(overloads), intfile_scale=float(intfile_scale),
        pgm_scale=float(pgm_scale), log=log.text)


# C L1587-1617: -printout of a pixel, or the progress lines
def _loop_log(s, cfg, loop, roi, log):
    f = np.arange(s.fpixels)
    rows = np.arange(s.spixels)
    inside = (((f >= roi[0]) & (f <= roi[1]))[None, :] & ((rows >= roi[2]) & (rows <= roi[3]))[:, None]).ravel()
    if cfg.printout:
        last = loop.last
        for j in np.nonzero(inside)[0]:
            spixel, fpixel = divmod(int(j), s.fpixels)
            if not ((fpixel == cfg.printout_fpixel and spixel == cfg.printout_spixel) or cfg.printout_fpixel < 0):
                continue
            pos = last[j, AL_POS:AL_POS + 3]
            twotheta = math.atan2(math.sqrt(pos[1] * pos[1] + pos[2] * pos[2]), pos[0])
            test = math.sin(twotheta / 2.0) / (s.lambda0 * 1e10)
            log.printf("%4d %4d : stol = %g or %g\n", fpixel, spixel, last[j, AL_STOL], test)
            # F is never assigned in nonBragg.c; I holds the intensity of the last source listed
            log.printf(" F=%g    I = %g\n", 0.0, s.last_source_I)
            log.printf("I/steps %15.10g\n", s.last_source_I / s.steps)
            log.printf("polar   %15.10g\n", last[j, AL_POLAR])
            log.printf("omega   %15.10g\n", last[j, AL_OMEGA])
            log.printf("pixel   %15.10g\n", float(loop.floatimage[j]))
        return
    pp = s.progress_pixels
    if not cfg.progress_meter or pp // 100 <= 0:
        return
    count = int(inside.sum())
    p = np.arange(count, dtype=np.int64)
    shown = (p % (pp // 20) == 0) | (((10 * p < pp) | (10 * p > 9 * pp)) & (p % (pp // 100) == 0))
    log.write("".join(f"{int(q) * 100 // pp}% done\n" for q in p[shown]))


# C L1546-1577, L1622-1681: F against stol measured from the -img image, written to -stolout
def _stol_table(s, cfg, frame, loop, roi, log, writer):
    pixels = s.pixels
    last = loop.last
    image = frame.data.astype(np.float32)
    f = np.arange(s.fpixels)
    rows = np.arange(s.spixels)
    inside = (((f >= roi[0]) & (f <= roi[1]))[None, :] & ((rows >= roi[2]) & (rows <= roi[3]))[:, None]).ravel()
    invalid = (~inside).astype(np.int64)
    for value in cfg.ignore_values:
        invalid += (inside & (image == np.float32(value))).astype(np.int64)
    deviate = ((image.astype(np.float64) - cfg.adc_offset) / cfg.quantum_gain).astype(np.float32)
    sign = np.where(deviate < 0.0, np.float32(-1.0), np.float32(1.0))
    deviate = np.abs(deviate)
    pixel_F = (sign * np.sqrt(deviate.astype(np.float64) / last[:, AL_POLAR] / last[:, AL_OMEGA] / s.fluence
                              / s.r_e_sqr / s.molecules * s.steps)).astype(np.float32)
    Fimage = np.where(inside, pixel_F, np.float32(0.0)).astype(np.float32)
    nearest = last[:, AL_NEAREST].astype(np.int64)
    stol = last[:, AL_STOL]
    stol_of = s.stol_of
    bins = nearest + (stol > (stol_of[nearest] + stol_of[np.minimum(nearest + 1, len(stol_of) - 1)]) / 2.0)
    bin_of = np.where(inside & (invalid == 0), bins, 0).astype(np.int64)
    pixels_in = np.bincount(bin_of[inside], minlength=s.stols).astype(np.int64)[:s.stols]

    buf, start = fill_bins(Fimage, bin_of, pixels_in, s.stols, pixels)
    lines = []
    n = 0
    for b in range(2, s.stols - 2):
        stol_b = stol_of[b]
        n = int(pixels_in[b])
        median = mad = 0.0          # never computed: outlier rejection is always off
        avg_arej, rmsd_arej, n = fmean_with_rejection(buf[start[b]:], n, 1e99)
        if n > 100:
            lines.append((stol_b / s.stol_file_mult, float(avg_arej), float(rmsd_arej), median, mad, n))
        else:
            log.printf("WARNING: not enough pixels in bin= %d n=%d stol= %g median= %g avg_arej= %g\n",
                       b, n, stol_b / s.stol_file_mult, median, float(avg_arej))
    if writer is not None:
        writer.text(cfg.stolout_file, "".join(cprintf("%g %g %g   %g %g  %d\n", *row) for row in lines))
    log.printf("wrote %s as %d lines of text\n", cfg.stolout_file, len(lines))
    return lines, n


# C L1747-1762: the SMV header nonBragg.c writes before the integer and noise images
def smv_header(s, cfg):
    """The header bytes, padded with spaces to 512 (longer, unpadded, if the text is)."""
    text = (
        "{\nHEADER_BYTES=512;\nDIM=2;\nBYTE_ORDER=little_endian;\nTYPE=unsigned_short;\n"
        + cprintf("SIZE1=%d;\nSIZE2=%d;\nPIXEL_SIZE=%g;\nDISTANCE=%g;\n", s.fpixels, s.spixels,
                  s.pixel_size * 1000.0, s.distance * 1000.0)
        + cprintf("WAVELENGTH=%g;\n", s.lambda0 * 1e10)
        + cprintf("BEAM_CENTER_X=%g;\nBEAM_CENTER_Y=%g;\n", s.Xbeam * 1000.0, (s.detsize_y - s.Ybeam) * 1000)
        + cprintf("ORGX=%g;\nORGY=%g;\n", s.Xclose / s.pixel_size, s.Yclose / s.pixel_size)
        + cprintf("CLOSE_DISTANCE=%g;\n", s.close_distance * 1000.0)
        + cprintf("PHI=%g;\nOSC_START=%g;\nOSC_RANGE=%g;\n", s.phi0 * RTD, s.phi0 * RTD, s.osc * RTD)
        + cprintf("TWOTHETA=%g;\n", s.detector_twotheta * RTD)
        + "DETECTOR_SN=000;\nBEAMLINE=fake;\n}\f").encode("latin-1")
    return text + b" " * max(0, 512 - len(text))
