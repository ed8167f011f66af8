"""noisify.c's SMV files: reading ``-header`` (GetFrame, ValueOf) and writing its two images.

noisify.c writes a shorter header than nanoBragg.c (no ADXV, MOSFLM, DENZO,
DIALS or XDS lines), and ``-bits 32`` writes ``unsigned int`` pixels. With
``-header`` the other file's header bytes are copied as they are.
"""
import numpy as np

from ...cnum import cprintf
from ...io.atomic import atomic_write
from ...io.smv import host_byte_order, read_smv


class HeaderFrame:
    """The ``-header`` image as noisify.c uses it.

    Attributes
    ----------
    raw : bytes
        The first ``HEADER_BYTES`` bytes of the file, copied into both outputs.
    frame : nanobragg_nb.io.smv.SMVFrame
        Its size and the header's values (``frame.value_of(KEY)``).
    """

    def __init__(self, raw, frame):
        self.raw = raw
        self.frame = frame
        self.width, self.height = frame.width, frame.height

    # C L1277-1304: ValueOf, the number after the last occurrence of a keyword (nanoBragg.c's)
    def value_of(self, keyword):
        """The header's value for ``keyword``; NaN when absent (see :meth:`nanobragg_nb.io.smv.SMVFrame.value_of`)."""
        return self.frame.value_of(keyword)


# C L1145-1168: get_byte_order, as nanoBragg.c's
def byte_order():
    """``"little_endian"`` or ``"big_endian"``: the host's."""
    return host_byte_order()


# C L1171-1274: GetFrame, the header and size of an SMV image
def read_header_frame(path, log):
    """Read the ``-header`` image: its header bytes, size and values.

    Parameters
    ----------
    path : str
    log : nanobragg_nb.core.log.Log
        Receives the C's ``reading FILE`` line.

    Returns
    -------
    HeaderFrame

    Raises
    ------
    InputFileError
        The file is missing, too short, or not an SMV image (the C then
        goes on with an undefined header size).
    """
    try:
        frame = read_smv(path)
    except Exception as err:
        log.write(getattr(err, "log", ""))
        raise
    log.printf("reading %s\n", path)
    with open(path, "rb") as handle:
        raw = handle.read(frame.header_size)
    return HeaderFrame(raw, frame)


# C L523-538: the SMV header noisify.c makes up (L643-658: the same for the noise image)
def smv_header(*, xpixels, ypixels, pixel_m, distance_m, lambda_A, Xbeam_m, Ybeam_m, detsize_y_m,
               phi0, osc, bits, order=None):
    """The header text noisify.c writes, padded with spaces to 512 bytes.

    Parameters
    ----------
    xpixels, ypixels : int
    pixel_m, distance_m, Xbeam_m, Ybeam_m, detsize_y_m : float
        In metres (printed in mm); BEAM_CENTER_Y is ``detsize_y - Ybeam``.
    lambda_A, phi0, osc : float
        Printed as given.
    bits : int
        16 (``unsigned_short``) or 32 (``long_integer``); any other value
        leaves out the first four lines, as the C does.
    order : str, optional
        BYTE_ORDER value; the host's by default.

    Returns
    -------
    bytes
    """
    order = order or byte_order()
    parts = []
    if bits == 16:
        parts.append(cprintf("{\nHEADER_BYTES=512;\nDIM=2;\nBYTE_ORDER=%s;\nTYPE=unsigned_short;\n", order))
    if bits == 32:
        parts.append(cprintf("{\nHEADER_BYTES=512;\nDIM=2;\nBYTE_ORDER=%s;\nTYPE=long_integer;\n", order))
    parts.append(cprintf("SIZE1=%d;\nSIZE2=%d;\nPIXEL_SIZE=%g;\nDISTANCE=%g;\n",
                         xpixels, ypixels, pixel_m * 1000.0, distance_m * 1000.0))
    parts.append(cprintf("WAVELENGTH=%g;\nBEAM_CENTER_X=%g;\nBEAM_CENTER_Y=%g;\n",
                         lambda_A, Xbeam_m * 1000.0, (detsize_y_m - Ybeam_m) * 1000))
    parts.append(cprintf("PHI=%g;\nOSC_START=%g;\nOSC_RANGE=%g;\n", phi0, phi0, osc))
    parts.append("DETECTOR_SN=000;\nBEAMLINE=fake;\n}\f")
    text = "".join(parts).encode("latin-1")
    return text + b" " * max(0, 512 - len(text))


# C L522-545: open the image, write the header, then the pixels of the chosen width
def write_image(path, header, pixels):
    """Write an SMV image: ``header`` then ``pixels`` (native ``uint16`` or ``uint32``, or None: none).

    Raises
    ------
    OutputError
        The file cannot be written.
    """
    with atomic_write(path, "wb") as handle:
        handle.write(header)
        if pixels is not None:
            data = np.ascontiguousarray(pixels)
            if data.dtype not in (np.uint16, np.uint32):
                raise TypeError(f"SMV pixels must be uint16 or uint32, not {data.dtype}")
            handle.write(memoryview(data.astype(data.dtype.newbyteorder("="), copy=False)).cast("B"))


# C L556-562: the PGM of the noiseless image, "scaled by" 1
def write_pgm_image(path, pgmimage):
    """Write the 8-bit PGM noisify.c writes (its comment line always says scale 1)."""
    from ...io.pgm import write_pgm
    data = np.asarray(pgmimage)
    height, width = data.shape if data.ndim == 2 else (None, None)
    if height is None:
        raise ValueError("write_pgm_image needs a 2-D image")
    write_pgm(path, width, height, 1.0, data.reshape(-1))
