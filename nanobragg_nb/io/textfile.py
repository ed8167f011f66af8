"""Multi-column text files (``-sourcefile``, ``-stol``) read as nanoBragg.c reads them.

The C reads lines with ``fgets`` into a 10240-byte buffer (a longer line is
cut into pieces that count as separate lines), skips "blank" lines (only
delimiters ``" \\t,;:!"`` before the newline), and for each other line
parses columns with ``atof``, advancing past number characters, then
non-delimiters, then delimiters.  Its loop gives these quirks, reproduced
here: a comment line becomes a row of zeros; on a last line without a
newline, or a line ending in CR LF, the missing columns are 0 instead of
NaN.
"""
import re

import numpy as np

from ..cnum import atof
from ..errors import InputFileError

#: ``fgets`` reads at most this many bytes per call (buffer size minus one).
FGETS_MAX = 10240 - 1

DELIMITERS = b" \t,;:!"
NUMBER_CHARS = b"0123456789-+.EGeg"


def _fgets_pieces(data):
    """Yield what successive ``fgets(text, 10240, file)`` calls return."""
    pos = 0
    n = len(data)
    while pos < n:
        newline = data.find(b"\n", pos, pos + FGETS_MAX)
        end = newline + 1 if newline >= 0 else min(pos + FGETS_MAX, n)
        yield data[pos:end]
        pos = end


def _c_string(piece):
    nul = piece.find(b"\0")
    return piece if nul < 0 else piece[:nul]


def _span(text, pos, chars):
    """``strspn`` from ``pos``: position after the run of bytes in ``chars``."""
    while pos < len(text) and text[pos] in chars:
        pos += 1
    return pos


def _cspan(text, pos, chars):
    """``strcspn`` from ``pos``: position of the first byte in ``chars``."""
    while pos < len(text) and text[pos] not in chars:
        pos += 1
    return pos


def _is_blank(text):
    return text[_span(text, 0, DELIMITERS):] == b"\n"


# C L3867-3967: read_text_file, columns of numbers into arrays
def read_text_file(path, ncols):
    """Read a whitespace/punctuation separated table of numbers as the C does.

    Parameters
    ----------
    path : str
        The text file.
    ncols : int
        Number of columns wanted (5 for ``-sourcefile``: X Y Z I lambda;
        2 for ``-stol``).

    Returns
    -------
    list of numpy.ndarray
        ``ncols`` float64 arrays, one entry per non-blank line; a column a
        line does not have is NaN (or 0, see the module notes).

    Raises
    ------
    InputFileError
        The file cannot be read (the C prints ``fopen(): ...`` and reads
        nothing).
    """
    if ncols < 1:
        raise ValueError("read_text_file needs at least one column")
    rows = _rows(_read(path))
    columns = [np.full(len(rows), np.nan, dtype=np.float64) for _ in range(ncols)]
    for line, text in enumerate(rows):
        pos = _span(text, 0, DELIMITERS)
        column = 0
        while True:
            columns[column][line] = atof(text[pos:].decode("latin-1"))
            column += 1
            pos = _span(text, pos, NUMBER_CHARS)
            if text[pos:] == b"\n":
                break
            pos = _cspan(text, pos, DELIMITERS)
            pos = _span(text, pos, DELIMITERS)
            if text[pos:] == b"\n" or column >= ncols:
                break
    return columns


def _read(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise InputFileError(f"cannot read text file {path}: {exc.strerror or exc}") from None


def _rows(data):
    """The lines the C parses: ``fgets`` pieces cut at a NUL, blank ones left out."""
    return [p for p in (_c_string(p) for p in _fgets_pieces(data)) if not _is_blank(p)]


_NUMBER_START = re.compile(rb"[+-]?(\d|\.\d|inf|nan)", re.IGNORECASE)


def rows_without_a_number(path):
    """The lines of a text file that the C reads as a row of zeros: their first column is no number.

    ``atof`` reads 0 from a word, so a line such as ``foo bar`` or a comment
    becomes a row of zeros (for ``-sourcefile``: a source at the origin
    with wavelength 0, which turns the image into NaN).

    Parameters
    ----------
    path : str
        The text file.

    Returns
    -------
    list of (int, str)
        The row number (1-based, blank lines not counted, as the C counts
        its rows) and the text of each such line.

    Raises
    ------
    InputFileError
        The file cannot be read.
    """
    found = []
    for number, text in enumerate(_rows(_read(path)), start=1):
        first = text[_span(text, 0, DELIMITERS):]
        if not _NUMBER_START.match(first):
            found.append((number, first.rstrip(b"\r\n").decode("latin-1")))
    return found
