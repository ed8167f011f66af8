"""A nanoBragg.c that a user points the audit at: its identity and its anchors.

The markers of the port name lines of the pinned nanoBragg.c
(``c_ref/reference.json``). A user's copy that differs (another commit, a
local patch) has its lines elsewhere; :func:`place` finds them again from
short anchors: for a pinned line, a few identifiers that appear, in that
order, on a line near it (``c_ref/anchors.json``, written by
:func:`make_anchors` from the pinned file). Only identifiers are stored,
never the C's text, and comments and string literals are left out.
"""
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputFileError

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: how far from its expected line an anchor that is not unique may be found
WINDOW = 400
#: how far from the line it anchors an anchor may be taken
REACH = 6
#: longest identifier sequence in an anchor
MAX_TOKENS = 3


@dataclass
class CSource:
    """The text of a C file, its sha256 and its lines reduced to identifiers."""

    path: str
    text: str
    sha256: str
    lines: list                 #: the lines as written (index 0 is line 1)
    idents: list = field(default_factory=list)   #: identifiers of each line, outside comments and strings


def read(path):
    """Read a C file.

    Raises
    ------
    InputFileError
        When the file is missing or unreadable.
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as err:
        raise InputFileError(f"cannot read the C source {path}: {err.strerror or err}") from None
    text = raw.decode("latin-1")
    lines = text.splitlines()
    return CSource(str(path), text, hashlib.sha256(raw).hexdigest(), lines,
                   [IDENT.findall(code) for code in code_lines(text)])


def code_lines(text):
    """The lines of C ``text`` with comments and the contents of literals blanked, one per line."""
    out, cur = [], []
    state = "code"              # code, block (comment), str, chr
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        nxt = text[i + 1] if i + 1 < n else ""
        if ch == "\n":
            out.append("".join(cur))
            cur = []
            if state in ("str", "chr"):
                state = "code"
            i += 1
            continue
        if state == "code":
            if ch == "/" and nxt == "*":
                state = "block"
                i += 2
                cur.append(" ")
                continue
            if ch == "/" and nxt == "/":
                while i < n and text[i] != "\n":
                    i += 1
                continue
            if ch in "\"'":
                state = "str" if ch == '"' else "chr"
                cur.append(" ")
            else:
                cur.append(ch)
        elif state == "block":
            if ch == "*" and nxt == "/":
                state = "code"
                i += 2
                continue
        else:
            if ch == "\\":
                i += 2
                continue
            if (ch == '"' and state == "str") or (ch == "'" and state == "chr"):
                state = "code"
        i += 1
    out.append("".join(cur))
    if text.endswith("\n"):
        out.pop()
    return out


def _matches(idents, tokens):
    k = len(tokens)
    return any(idents[j:j + k] == tokens for j in range(len(idents) - k + 1))


def _ngram_counts(src):
    """How many lines hold each run of 1..MAX_TOKENS identifiers."""
    counts = {}
    for ids in src.idents:
        seen = {tuple(ids[j:j + k]) for k in range(1, MAX_TOKENS + 1) for j in range(len(ids) - k + 1)}
        for gram in seen:
            counts[gram] = counts.get(gram, 0) + 1
    return counts


def anchor_for(src, line, counts=None):
    """An anchor for ``line`` of the pinned file: ``{"at": A, "tokens": [...]}``, or None.

    The tokens are the shortest run of identifiers, on the nearest line
    within :data:`REACH`, that is unique in the file; failing that, the
    rarest run on the nearest line that has identifiers.
    """
    counts = counts if counts is not None else _ngram_counts(src)
    best = None
    for dist in range(REACH + 1):
        for at in ((line, ) if dist == 0 else (line + dist, line - dist)):
            if not 1 <= at <= len(src.idents) or not src.idents[at - 1]:
                continue
            ids = src.idents[at - 1]
            for k in range(1, MAX_TOKENS + 1):
                for j in range(len(ids) - k + 1):
                    tokens = ids[j:j + k]
                    count = counts[tuple(tokens)]
                    if count == 1:
                        return {"at": at, "tokens": tokens}
                    if best is None or count < best[0]:
                        best = (count, {"at": at, "tokens": tokens})
    return best[1] if best else None


def make_anchors(src, lines):
    """Anchors of the pinned file for every line in ``lines`` (a mapping ``str(line) -> anchor``)."""
    out = {}
    counts = _ngram_counts(src)
    for line in sorted(set(lines)):
        anchor = anchor_for(src, line, counts)
        if anchor is not None:
            out[str(line)] = anchor
    return out


@dataclass
class Placement:
    """Where the pinned lines are in a user's C file.

    Attributes
    ----------
    lines : dict
        pinned line -> line in the user's file, for every line placed.
    unplaced : list
        Pinned lines whose anchor was not found.
    by_neighbour : list
        Pinned lines without an anchor of their own, placed by the shift of
        the nearest anchored line before them.
    """

    lines: dict = field(default_factory=dict)
    unplaced: list = field(default_factory=list)
    by_neighbour: list = field(default_factory=list)


def place(src, anchors, wanted):
    """Find the pinned lines ``wanted`` in the C file ``src``.

    Anchors are taken in the pinned order; each is looked for nearest to
    where the shift of the previous one puts it, within :data:`WINDOW` lines
    unless it is unique in the file.

    Parameters
    ----------
    src : CSource
    anchors : dict
        ``str(pinned line) -> {"at": line, "tokens": [...]}``.
    wanted : iterable of int

    Returns
    -------
    Placement
    """
    found = Placement()
    shifts = []                 # (pinned line, shift) of anchors found, ascending
    shift = 0
    for key in sorted(anchors, key=int):
        line = int(key)
        at, tokens = anchors[key]["at"], anchors[key]["tokens"]
        hits = [i + 1 for i, ids in enumerate(src.idents) if _matches(ids, tokens)]
        expected = at + shift
        hit = min(hits, key=lambda i: (abs(i - expected), i)) if hits else None
        if hit is None or (len(hits) > 1 and abs(hit - expected) > WINDOW):
            continue
        shift = hit - at
        shifts.append((line, shift))
        found.lines[line] = line + shift
    anchored = {int(k) for k in anchors}
    for line in sorted(set(wanted)):
        if line in found.lines:
            continue
        if line in anchored:
            found.unplaced.append(line)
            continue
        before = [s for pinned, s in shifts if pinned <= line]
        if not before:
            found.unplaced.append(line)
            continue
        found.lines[line] = line + before[-1]
        found.by_neighbour.append(line)
    for line in list(found.lines):
        if not 1 <= found.lines[line] <= len(src.lines):
            del found.lines[line]
            found.unplaced.append(line)
    found.unplaced.sort()
    return found
