"""Marker comments: which lines of nanoBragg.c each block of the port mirrors.

The format, checked by :func:`parse_file` and documented in docs/audit.md::

    # C L2689-2706: sub-pixels, slow axis outer; the sub-pixel position in space
    # C L3040: a single line
    # C L3041-3049, L3095-3119: several ranges, ascending
    # C L3291-3295 (fast): a variant of the block, tagged

A marker is a comment line of its own. ``# C`` and one space, then one or
more line ranges ``L<start>[-<end>]`` separated by ``", "``, optionally a
space and a tag in parentheses naming a variant that is not the faithful
code (``(fast)``), then a colon, a space and a description. Line numbers refer to the pinned nanoBragg.c of
``c_ref/reference.json``. The Python block a marker heads runs from the
marker to the line before the next marker, or to the end of the top-level
definition it belongs to.
"""
import ast
import io
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

#: a well-formed marker line
MARKER_RE = re.compile(r"^(?P<indent>[ \t]*)# C (?P<ranges>L\d+(?:-\d+)?(?:, L\d+(?:-\d+)?)*)"
                       r"(?: \((?P<tag>[A-Za-z0-9_-]+)\))?: (?P<desc>\S.*)$")
#: anything that looks like an attempt at a marker (checked against MARKER_RE)
LOOSE_RE = re.compile(r"^[ \t]*#\s*[Cc]\s*[Ll]\s*\d")
_RANGE_RE = re.compile(r"L(\d+)(?:-(\d+))?")


@dataclass
class Marker:
    """One marker comment and the Python block it heads.

    Attributes
    ----------
    path : str
        File, relative to the source root (``nanobragg_nb/core/kernels/pixel.py``).
    line : int
        Line of the marker comment (1-based).
    ranges : list of (int, int)
        The C line ranges, inclusive.
    description : str
    tag : str
        The variant tag (``fast``), empty for the faithful code.
    end : int
        Last line of the Python block.
    scope : str
        The top-level definition holding the block (``render_pixels``), or
        ``<module>``; markers are ordered within a scope.
    """

    path: str
    line: int
    ranges: list
    description: str
    tag: str = ""
    end: int = 0
    scope: str = "<module>"

    @property
    def first(self):
        """First C line of the marker."""
        return self.ranges[0][0]

    @property
    def label(self):
        """The ranges as written, ``L2689-2706``."""
        return ", ".join(f"L{a}" if a == b else f"L{a}-{b}" for a, b in self.ranges) + \
            (f" ({self.tag})" if self.tag else "")

    @property
    def where(self):
        """``path:line-end`` of the Python block."""
        return f"{self.path}:{self.line}-{self.end}"


@dataclass
class FileMarkers:
    """The markers of one file and the format problems found in it."""

    path: str
    markers: list = field(default_factory=list)
    problems: list = field(default_factory=list)


def parse_ranges(text):
    """``"L10-12, L20"`` -> ``[(10, 12), (20, 20)]``."""
    out = []
    for m in _RANGE_RE.finditer(text):
        a = int(m.group(1))
        out.append((a, int(m.group(2)) if m.group(2) else a))
    return out


def _top_level_spans(source):
    """(start, end, name) of each top-level statement; decorators count as the start.

    ``name`` is the name of a function or class, else None.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    spans = []
    for node in tree.body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        spans.append((start, node.end_lineno, getattr(node, "name", None)))
    return spans


def _comment_lines(source):
    """Line numbers of the lines that hold nothing but a comment (not text inside strings)."""
    out = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT and not tok.line[:tok.start[1]].strip():
                out.add(tok.start[0])
    except (tokenize.TokenError, SyntaxError):
        pass
    return out


def parse_source(path, source, max_line=None):
    """Markers of one Python source text.

    Parameters
    ----------
    path : str
        Name to report.
    source : str
        The file's text.
    max_line : int, optional
        Lines of the reference C: a range beyond it is a problem.

    Returns
    -------
    FileMarkers
    """
    lines = source.splitlines()
    found = FileMarkers(path)
    comments = _comment_lines(source)
    for number, text in enumerate(lines, 1):
        if number not in comments:
            continue
        m = MARKER_RE.match(text)
        if not m:
            if LOOSE_RE.match(text):
                found.problems.append(f"{path}:{number}: malformed marker {text.strip()!r} "
                                      "(format: '# C L<start>-<end>: <description>')")
            continue
        ranges = parse_ranges(m.group("ranges"))
        bad = [f"L{a}-{b}" for a, b in ranges if a > b or a < 1 or (max_line and b > max_line)]
        if bad:
            found.problems.append(f"{path}:{number}: impossible range {', '.join(bad)}")
            continue
        if any(ranges[i][0] <= ranges[i - 1][1] for i in range(1, len(ranges))):
            found.problems.append(f"{path}:{number}: ranges of one marker must ascend without overlap")
            continue
        found.markers.append(Marker(path, number, ranges, m.group("desc").strip(), m.group("tag") or ""))
    _assign_blocks(found.markers, lines, _top_level_spans(source))
    return found


def _assign_blocks(markers, lines, spans):
    """Set the end and scope of each marker's Python block.

    A marker inside a definition heads the lines down to the next marker or
    the end of that definition. A marker between definitions heads the
    definition that follows it, or, when plain statements follow, those
    statements down to the next definition.
    """
    for i, mk in enumerate(markers):
        inside = next((s for s in spans if s[0] <= mk.line <= s[1]), None)
        after = [s for s in spans if s[0] > mk.line]
        if inside:
            limit, mk.scope = inside[1], inside[2] or "<module>"
        elif after and after[0][2]:
            limit, mk.scope = after[0][1], after[0][2]
        else:
            plain = []
            for s in after:
                if s[2]:
                    break
                plain.append(s)
            limit = plain[-1][1] if plain else mk.line
            mk.scope = "<module>"
        if i + 1 < len(markers):
            limit = min(limit, markers[i + 1].line - 1)
        while limit > mk.line and not lines[limit - 1].strip():
            limit -= 1
        mk.end = limit


def parse_file(root, relpath, max_line=None):
    """Markers of ``root/relpath`` (see :func:`parse_source`)."""
    text = (Path(root) / relpath).read_text()
    return parse_source(relpath, text, max_line)


def expand(root, patterns):
    """Files matching the glob ``patterns`` under ``root``, as sorted relative paths."""
    root = Path(root)
    out = []
    for pattern in patterns:
        for p in sorted(root.glob(pattern)):
            rel = p.relative_to(root).as_posix()
            if p.is_file() and rel not in out:
                out.append(rel)
    return out
