"""SMV (ADSC) images: the header nanoBragg.c writes, and GetFrame/ValueOf reading.

The C writes a text header padded with spaces to 512 bytes (never
truncated: a longer header simply pushes the pixels later), followed by
native ``unsigned short`` pixels.  It reads ``-img`` and ``-mask`` files
with GetFrame, which takes numbers from the header with ValueOf: the value
after the ``=`` that follows the *last* occurrence of the keyword as a
substring, so ``DISTANCE`` also matches ``CLOSE_DISTANCE``.
"""
import math
import sys

import numpy as np

from ..cnum import atof, cprintf
from ..errors import InputFileError
from ._warn import warn
from .atomic import atomic_write
from ..cnum import INT_MAX, double_to_int

#: ``M_1_PI`` from <math.h>, and the C's ``RTD = 180.0*M_1_PI``.
M_1_PI = 0.31830988618379067154
RTD = 180.0 * M_1_PI

#: The C's header check compares only this many bytes.
SMV_MAGIC = b"{\nHEADER_BYT"

#: Stand-in for the pointer the C prints in "mmap(%s) = %p".
FAKE_ADDRESS = 0x55D0C0DE0000

#: Largest image (in pixels) we agree to read.
MAX_PIXELS = 2**31


# C L4098-4121: get_byte_order, the host's byte order as an SMV keyword value
def host_byte_order():
    """``"little_endian"`` or ``"big_endian"``, as the C's ``get_byte_order``."""
    return "little_endian" if sys.byteorder == "little" else "big_endian"


# C L3167-3182: SMV header of the int image (L3266-3281: the same for the noise image)
def smv_header(*, fpixels, spixels, pixel_size, distance, lambda0, Xbeam, Ybeam, Fbeam, Sbeam,
               detsize_s, dials_origin, ORGX, ORGY, close_distance, phi0, osc,
               detector_twotheta, byte_order=None, noise_form=False):
    """Build the exact header bytes the C writes before an SMV image.

    Parameters
    ----------
    fpixels, spixels : int
        Image size (fast, slow).
    pixel_size, distance, lambda0, Xbeam, Ybeam, Fbeam, Sbeam, detsize_s, close_distance : float
        In metres, as the C holds them.
    dials_origin : sequence of 3 float
        Already in mm.
    ORGX, ORGY : float
        XDS origin in pixels.
    phi0, osc, detector_twotheta : float
        In radians (printed as ``value*RTD``).
    byte_order : str, optional
        Defaults to the host's (:func:`host_byte_order`).
    noise_form : bool
        False for the int image, whose DENZO lines compute
        ``(Sbeam-0.0*pixel_size)``; True for the noise image, which computes
        ``(Sbeam+0.0*pixel_size)`` (they differ only for a -0.0 beam centre).

    Returns
    -------
    bytes
        The header, padded with spaces to 512 bytes, or longer (unpadded)
        when the text itself exceeds 512 bytes.
    """
    if byte_order is None:
        byte_order = host_byte_order()
    if noise_form:
        denzo_x = (Sbeam + 0.0 * pixel_size) * 1000.0
        denzo_y = (Fbeam + 0.0 * pixel_size) * 1000
    else:
        denzo_x = (Sbeam - 0.0 * pixel_size) * 1000.0
        denzo_y = (Fbeam - 0.0 * pixel_size) * 1000
    parts = [
        cprintf("{\nHEADER_BYTES=512;\nDIM=2;\nBYTE_ORDER=%s;\nTYPE=unsigned_short;\n", byte_order),
        cprintf("SIZE1=%d;\nSIZE2=%d;\nPIXEL_SIZE=%g;\nDISTANCE=%g;\n",
                fpixels, spixels, pixel_size * 1000.0, distance * 1000.0),
        cprintf("WAVELENGTH=%g;\n", lambda0 * 1e10),
        cprintf("BEAM_CENTER_X=%g;\nBEAM_CENTER_Y=%g;\n", Xbeam * 1000.0, Ybeam * 1000),
        cprintf("ADXV_CENTER_X=%g;\nADXV_CENTER_Y=%g;\n", Fbeam * 1000.0, (detsize_s - Sbeam) * 1000),
        cprintf("MOSFLM_CENTER_X=%g;\nMOSFLM_CENTER_Y=%g;\n",
                (Sbeam - 0.5 * pixel_size) * 1000.0, (Fbeam - 0.5 * pixel_size) * 1000),
        cprintf("DENZO_X_BEAM=%g;\nDENZO_Y_BEAM=%g;\n", denzo_x, denzo_y),
        cprintf("DIALS_ORIGIN=%g,%g,%g\n", dials_origin[0], dials_origin[1], dials_origin[2]),
        cprintf("XDS_ORGX=%g;\nXDS_ORGY=%g;\n", ORGX, ORGY),
        cprintf("CLOSE_DISTANCE=%g;\n", close_distance * 1000.0),
        cprintf("PHI=%g;\nOSC_START=%g;\nOSC_RANGE=%g;\n", phi0 * RTD, phi0 * RTD, osc * RTD),
        cprintf("TWOTHETA=%g;\n", detector_twotheta * RTD),
        "DETECTOR_SN=000;\n",
        "BEAMLINE=fake;\n",
        "}\f",
    ]
    text = "".join(parts).encode("latin-1")
    return text + b" " * max(0, 512 - len(text))


# C L3161-3184: open the image, write the header, then fwrite the unsigned short pixels
def write_smv(path, header_bytes, data_uint16):
    """Write an SMV image: the header bytes, then native ``uint16`` pixels.

    Parameters
    ----------
    path : str
        Output file.
    header_bytes : bytes
        From :func:`smv_header`.
    data_uint16 : numpy.ndarray
        Pixels, row-major (slow, fast), dtype ``uint16``.

    Raises
    ------
    OutputError
        The file cannot be written.
    """
    data = np.asarray(data_uint16)
    if data.dtype != np.uint16:
        raise TypeError(f"SMV pixels must be uint16, not {data.dtype}")
    with atomic_write(path, "wb") as handle:
        handle.write(header_bytes)
        # the array's own buffer, not a copy of it
        handle.write(memoryview(np.ascontiguousarray(data, dtype=np.dtype("=u2"))).cast("B"))


def _c_string(raw):
    """The bytes as C string functions see them: up to the first NUL."""
    nul = raw.find(b"\0")
    return (raw if nul < 0 else raw[:nul]).decode("latin-1")


class SMVFrame:
    """An SMV image as GetFrame leaves it.

    Attributes
    ----------
    filename : str
    header : str
        The header as the C's string functions see it: ``header_size``
        bytes, decoded as latin-1, up to the first NUL.
    header_size : int
        ``HEADER_BYTES``.
    width, height : int
        From ``SIZE1``/``SIZE2`` (or ``DETECTOR_DIMENSIONS`` when SIZE1 is 0).
    swap_bytes : bool
        The header's BYTE_ORDER differs from the host's (recorded, never
        applied, as in the C).
    data : numpy.ndarray
        ``width*height`` native ``uint16`` pixels, flat.
    log : str
        What the C prints while reading.
    """

    def __init__(self, filename, header, header_size, width, height, swap_bytes, data, log):
        self.filename = filename
        self.header = header
        self.header_size = header_size
        self.width = width
        self.height = height
        self.swap_bytes = swap_bytes
        self.data = data
        self.log = log

    # C L4236-4263: ValueOf, a number after the last occurrence of a keyword
    def value_of(self, keyword):
        """Number after the ``=`` that follows the last occurrence of ``keyword``.

        Parameters
        ----------
        keyword : str
            Matched as a plain substring (``"DISTANCE"`` also matches
            ``"CLOSE_DISTANCE"``).

        Returns
        -------
        float
            ``atof`` of the text after that ``=``; NaN when the keyword is
            absent; 0.0 when no ``=`` follows it.
        """
        if not keyword:
            raise ValueError("value_of needs a non-empty keyword")
        header = self.header
        pos = 0
        found = header.find(keyword, pos)
        while found >= 0:
            pos = found + len(keyword)
            found = header.find(keyword, pos)
        if pos == 0:
            return math.nan
        equals = header.find("=", pos)
        if equals < 0:
            return 0.0
        return atof(header[equals + 1:])


def _refuse(path, problem):
    return InputFileError(f"{path}: {problem}")


# C L4124-4233: GetFrame, read an SMV image
def read_smv(path):
    """Read an SMV image as the C's GetFrame does.

    Parameters
    ----------
    path : str
        The image (``-img`` or ``-mask``).

    Returns
    -------
    SMVFrame

    Raises
    ------
    InputFileError
        The file cannot be opened (the C only prints the error and ignores
        the file), is shorter than 512 bytes or than its HEADER_BYTES (the C
        exits 9), does not start with ``"{\\nHEADER_BYT"`` (the C goes on
        with an uninitialised header size), has no BYTE_ORDER (the C
        crashes), or has zero, negative or absurdly large dimensions.
    """
    try:
        with open(path, "rb") as handle:
            first = handle.read(512)
            if len(first) < 512:
                raise _refuse(path, f"only {len(first)} bytes, too short for an SMV header (512 bytes)")
            if first[:12] != SMV_MAGIC:
                err = _refuse(path, "does not look like an ADSC (SMV) frame: it does not start "
                                    "with '{' and HEADER_BYTES")
                err.log = cprintf("ERROR: %s does not look like an ADSC frame!\n", path)
                raise err
            header = _c_string(first)
            frame = SMVFrame(path, header, 0, 0, 0, False, None, "")
            header_size = double_to_int(frame.value_of("HEADER_BYTES"))
            if header_size <= 0:
                raise _refuse(path, f"HEADER_BYTES gives an unusable header size ({header_size})")
            if header_size != 512:
                handle.seek(0)
                raw = handle.read(header_size)
                if len(raw) < header_size:
                    raise _refuse(path, f"the file ({len(raw)} bytes) is shorter than its "
                                        f"HEADER_BYTES={header_size}")
                frame.header = header = _c_string(raw)
            frame.header_size = header_size

            # the BYTE_ORDER value after its last occurrence
            at = header.find("BYTE_ORDER=")
            if at < 0:
                raise _refuse(path, "the SMV header has no BYTE_ORDER")
            while at >= 0:
                value_at = at + 11
                at = header.find("BYTE_ORDER=", value_at)
            frame.swap_bytes = header[value_at:value_at + 10] != host_byte_order()[:10]

            width = double_to_int(frame.value_of("SIZE1"))
            height = double_to_int(frame.value_of("SIZE2"))
            if width == 0:
                width = height = double_to_int(frame.value_of("DETECTOR_DIMENSIONS"))
            if width <= 0 or height <= 0:
                raise _refuse(path, f"the SMV header gives an unusable image size {width} x {height}")
            pixels = width * height
            if pixels > MAX_PIXELS or 2 * pixels + header_size > INT_MAX:
                raise _refuse(path, f"image size {width} x {height} is too large to read")
            frame.width, frame.height = width, height

            handle.seek(0)
            raw = handle.read(2 * pixels + header_size)
    except OSError as exc:
        raise InputFileError(f"cannot read SMV image {path}: {exc.strerror or exc}") from None

    # pixels start at the unsigned short that holds byte header_size
    start = 2 * (header_size // 2)
    body = raw[start:start + 2 * pixels]
    if len(body) < 2 * pixels:
        warn(f"SMV image {path} is truncated: {len(body) // 2} of {pixels} pixels present; "
             f"the rest are left 0")
        body = body + bytes(2 * pixels - len(body))
    frame.data = np.frombuffer(body, dtype=np.dtype("=u2")).copy()
    frame.log = cprintf("reading %s\n", path) + cprintf("mmap(%s) = %p\n", path, FAKE_ADDRESS)
    return frame
