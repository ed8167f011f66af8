"""The files of one frame: SMV or CBF with the frame's header, and the optional float image.

The pixels are the single run's (the C's ``noiseimage.img``, or
``intimage.img`` with ``-nonoise``); the header is the C's with what a
dataset needs added: ``ADC_OFFSET`` (the offset the pixels carry), ``DATE``
(series start plus the frames' exposures before this one) and a
``BEAM_CENTER_X/Y`` in the convention dxtbx reads (the corner of the first
pixel at its origin; the C writes its own convention, which imports half a
pixel off). ``PHI``, ``OSC_START`` and ``OSC_RANGE`` are the frame's.
"""
import hashlib
import math
import re
import time

import numpy as np

from ...errors import ArgumentError
from ...io.atomic import atomic_write
from ...io.rawfloat import write_float_image
from ..nanobragg.outputs import header as c_header

FORMATS = ("smv", "cbf", "nexus")
EXTENSIONS = {"smv": ".img", "cbf": ".cbf", "nexus": ".h5"}
CBF_NEEDS = '--format cbf needs fabio: pip install "nanobragg-nb[cbf]"'


def frame_date(start_epoch, k, exposure_s):
    """The DATE of frame ``k``: the series' start plus the exposures of the frames before it, UTC."""
    epoch = start_epoch + (k - 1) * exposure_s
    return time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(math.floor(epoch)))


def dxtbx_beam_centre(geometry):
    """BEAM_CENTER_X, BEAM_CENTER_Y (mm) from which dxtbx's SMV reader rebuilds the panel's origin.

    dxtbx takes them as ADXV's (x from the first pixel's outer edge less
    one pixel, y from the far edge plus one pixel) and puts the origin at
    ``-(x * fast + y * slow) - distance * z`` for fast = +x, slow = -y.
    """
    px = geometry.pixel_mm
    fast_mm, slow_mm = -geometry.origin_mm[0], geometry.origin_mm[1]
    height = px * geometry.image_size[1]
    return fast_mm - px, height - slow_mm + px


def smv_representable(geometry, tol=1e-9):
    """Whether an SMV header can carry this geometry: the untilted detector, axes as dxtbx assumes."""
    expected = ((geometry.fast_axis, (1, 0, 0)), (geometry.slow_axis, (0, -1, 0)),
                (geometry.beam_direction, (0, 0, 1)), (geometry.rotation_axis, (1, 0, 0)))
    return all(np.allclose(v, e, atol=tol) for v, e in expected)


def smv_header(setup, geometry, adc_offset, date, noise_form):
    """The header of a series frame: the C's, with ADC_OFFSET, DATE and dxtbx's beam centre.

    Returns
    -------
    bytes
        Padded with spaces to a multiple of 512 bytes, HEADER_BYTES saying so.
    """
    text = c_header(setup, noise_form).rstrip(b" ").decode("latin-1")
    x, y = dxtbx_beam_centre(geometry)
    text = re.sub(r"BEAM_CENTER_X=[^;]*;\nBEAM_CENTER_Y=[^;]*;\n",
                  f"BEAM_CENTER_X={x:.9g};\nBEAM_CENTER_Y={y:.9g};\n", text, count=1)
    text = text.replace("DETECTOR_SN=", f"ADC_OFFSET={adc_offset:g};\nDATE={date};\nDETECTOR_SN=", 1)
    size = 512
    while len(text) > size:
        size += 512
    text = text.replace("HEADER_BYTES=512;", f"HEADER_BYTES={size:d};", 1)
    if len(text) > size:         # HEADER_BYTES grew by a digit
        size += 512
        text = re.sub(r"HEADER_BYTES=\d+;", f"HEADER_BYTES={size:d};", text, count=1)
    return text.encode("latin-1") + b" " * (size - len(text))


def write_smv_frame(path, frame, geometry, date):
    """Write ``frame`` as an SMV image; returns the SHA-256 of the file's bytes."""
    head = smv_header(frame.setup, geometry, frame.adc_offset, date, frame.setup.calculate_noise)
    body = memoryview(np.ascontiguousarray(frame.pixels, dtype=np.dtype("=u2"))).cast("B")
    with atomic_write(path, "wb") as handle:
        handle.write(head)
        handle.write(body)
    return hashlib.sha256(head + body).hexdigest()


def cbf_header(setup, geometry, adc_offset, date):
    """Pilatus-style mini-CBF header lines of a series frame (as dxtbx's mini-CBF reader takes them)."""
    px = geometry.pixel_mm
    beam_fast, beam_slow = geometry.beam_centre_mm()
    distance = float(np.dot(geometry.origin_mm, geometry.normal))
    # dxtbx models a sensor of no thickness only without a sensor line
    sensor = [f"# Silicon sensor, thickness {geometry.thickness_mm * 1e-3:.6g} m"] if geometry.thickness_mm > 0 else []
    return [
        "# Detector: nanobragg-nb simulated detector, S/N 0-000",
        f"# {_iso(date)}",
        f"# Pixel_size {px * 1e-3:.9g} m x {px * 1e-3:.9g} m",
        *sensor,
        f"# Exposure_time {setup.exposure:.6g} s",
        f"# Exposure_period {setup.exposure:.6g} s",
        f"# Count_cutoff {int(65535 - adc_offset)} counts",
        f"# Wavelength {geometry.wavelength_A:.9g} A",
        f"# Detector_distance {abs(distance) * 1e-3:.9g} m",
        f"# Beam_xy ({beam_fast / px:.6f}, {beam_slow / px:.6f}) pixels",
        f"# Start_angle {geometry.phi0_deg:.6f} deg.",
        f"# Angle_increment {geometry.osc_deg:.6f} deg.",
        f"# Phi {geometry.phi0_deg:.6f} deg.",
        f"# ADC_offset {adc_offset:g} counts",
    ]


def _iso(date):
    """An SMV DATE as the ISO time stamp of a Pilatus-style header."""
    return time.strftime("%Y-%m-%dT%H:%M:%S.000", time.strptime(date, "%a %b %d %H:%M:%S %Y"))


def check_cbf_support():
    """Raise :class:`ArgumentError` when fabio, which writes CBF, is missing."""
    try:
        import fabio.cbfimage  # noqa: F401
    except ImportError:
        raise ArgumentError(CBF_NEEDS) from None


def write_cbf_frame(path, frame, geometry, date):
    """Write ``frame`` as a mini-CBF (int32, byte-offset compressed); returns the file's SHA-256."""
    from fabio.cbfimage import CbfImage
    image = CbfImage(data=np.ascontiguousarray(frame.pixels, dtype=np.int32))
    # dxtbx's convention for simulated detectors of any size (PILATUS would impose its module gaps)
    image.header["_array_data.header_convention"] = "GENERIC_MINI"
    image.header["_array_data.header_contents"] = "\r\n".join(
        cbf_header(frame.setup, geometry, frame.adc_offset, date))
    with atomic_write(path, "wb") as handle:
        image.write(handle.name)
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def write_float_frame(path, frame):
    """Write the frame's float image (the C's floatimage.bin); returns its SHA-256."""
    data = np.ascontiguousarray(frame.floatimage, dtype=np.float32).ravel()
    write_float_image(path, data)
    return hashlib.sha256(memoryview(data).cast("B")).hexdigest()


def pixels_sha256(pixels):
    """SHA-256 of a frame's pixels as native uint16 (what a NeXus frame's manifest entry holds)."""
    return hashlib.sha256(memoryview(np.ascontiguousarray(pixels, dtype=np.dtype("=u2"))).cast("B")).hexdigest()
