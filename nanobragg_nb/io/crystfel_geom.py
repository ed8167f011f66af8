"""CrystFEL geometry files (``.geom``): the panels read, and written for our multi-panel HDF5.

CrystFEL's laboratory frame has +z along the beam (away from the source), +y
up, +x completing a right-handed frame. A panel is a rectangle of the data
array (``min_fs``..``max_fs``, ``min_ss``..``max_ss``, inclusive) whose pixel
(min_fs, min_ss) has its outer corner at (``corner_x``, ``corner_y``) pixels
and ``clen + coffset`` metres; ``fs`` and ``ss`` give the directions of
increasing fast and slow index (``fs = +1.0x -0.0y``), ``res`` the pixels per
metre. Values set outside a panel (``res = 10000``) apply to the panels after
them; rigid groups, bad regions and the other keywords are ignored.
"""
import re

from ..errors import InputFileError

_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_TERM = re.compile(rf"\s*([+-]?\s*(?:\d+\.?\d*|\.\d+)?(?:[eE][+-]?\d+)?)\s*([xyz])")
_PANEL_KEYS = ("min_fs", "max_fs", "min_ss", "max_ss", "corner_x", "corner_y", "fs", "ss", "res", "clen",
               "coffset")


def parse_direction(text):
    """``+0.5x -0.866y`` -> (0.5, -0.866, 0.0); None when it is not such a sum."""
    out = {"x": 0.0, "y": 0.0, "z": 0.0}
    rest = text.strip()
    if not rest:
        return None
    pos = 0
    while pos < len(rest):
        m = _TERM.match(rest, pos)
        if not m or m.end() == pos:
            return None
        coef = m.group(1).replace(" ", "")
        out[m.group(2)] += float(coef + "1" if coef in ("", "+", "-") else coef)
        pos = m.end()
    return out["x"], out["y"], out["z"]


def read_panels(path):
    """The panels of a CrystFEL geometry file.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    list of dict
        ``name``, ``corner_m`` (x, y, z of the corner in CrystFEL's frame,
        metres), ``fs``, ``ss`` (directions), ``pixel_m``, ``image_size``
        (fast, slow), ``data_block`` (min_fs, min_ss), in file order.

    Raises
    ------
    InputFileError
        Unreadable, a malformed line, a panel lacking a field, or ``clen``
        given as a path into the data file (a number is needed).
    """
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError as err:
        raise InputFileError(f"cannot read geometry file {path}: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise InputFileError(f"geometry file {path} is not text") from None
    defaults, panels, order = {"coffset": "0"}, {}, []
    for number, line in enumerate(lines, 1):
        line = line.split(";", 1)[0].strip()
        if not line:
            continue
        key, eq, value = line.partition("=")
        if not eq:
            raise InputFileError(f"geometry file {path} line {number}: expected 'name = value', got '{line}'")
        key, value = key.strip(), value.strip()
        if "/" in key:
            name, field = key.split("/", 1)
            if name.startswith("bad") or field not in _PANEL_KEYS:
                continue
            if name not in panels:
                panels[name] = dict(defaults)
                order.append(name)
            panels[name][field] = (value, number)
        elif key in _PANEL_KEYS:
            defaults[key] = value        # for the panels named after this line
    if not order:
        raise InputFileError(f"geometry file {path}: no panels (name/min_fs = ... lines)")
    return [_panel(path, name, panels[name]) for name in order]


def _panel(path, name, fields):
    def get(key, kind):
        if key not in fields:
            raise InputFileError(f"geometry file {path}: panel {name} has no {key}")
        value = fields[key]
        text, where = (value, "") if isinstance(value, str) else (value[0], f" (line {value[1]})")
        if kind == "direction":
            d = parse_direction(text)
            if d is None or not any(d):
                raise InputFileError(f"geometry file {path}: panel {name} {key}{where}: "
                                     f"expected a direction like '+1.0x -0.0y', got '{text}'")
            return d
        if not re.fullmatch(_NUMBER, text):
            hint = " (a path into the data file: give the number)" if key == "clen" else ""
            raise InputFileError(f"geometry file {path}: panel {name} {key}{where}: expected a number, "
                                 f"got '{text}'{hint}")
        return int(text) if kind is int else float(text)
    min_fs, max_fs = get("min_fs", int), get("max_fs", int)
    min_ss, max_ss = get("min_ss", int), get("max_ss", int)
    res, clen, coffset = get("res", float), get("clen", float), get("coffset", float)
    if max_fs < min_fs or max_ss < min_ss or min_fs < 0 or min_ss < 0 or not res > 0:
        raise InputFileError(f"geometry file {path}: panel {name}: needs 0 <= min_fs <= max_fs, "
                             f"0 <= min_ss <= max_ss and res > 0")
    cx, cy = get("corner_x", float), get("corner_y", float)
    return dict(name=name, corner_m=(cx / res, cy / res, clen + coffset), fs=get("fs", "direction"),
                ss=get("ss", "direction"), pixel_m=1.0 / res, image_size=(max_fs - min_fs + 1, max_ss - min_ss + 1),
                data_block=(min_fs, min_ss))


def _direction(v):
    return " ".join(f"{c:+.10g}{axis}" for c, axis in zip(v, "xyz"))


def geom_text(panels, data_path="/data/data"):
    """A CrystFEL geometry file for ``panels`` in a data array of one frame per index of dimension 0.

    Parameters
    ----------
    panels : list of dict
        ``name``, ``corner_m`` (CrystFEL frame), ``fs``, ``ss``, ``pixel_m``,
        ``image_size``, ``data_block`` (min_fs, min_ss).
    data_path : str
        The HDF5 dataset holding the frames.

    Returns
    -------
    str
    """
    lines = ["; CrystFEL geometry of a multi-panel detector written by nanobragg-nb",
             f"data = {data_path}", "dim0 = %", "dim1 = ss", "dim2 = fs", "adu_per_photon = 1", ""]
    for p in panels:
        res = 1.0 / float(p["pixel_m"])
        corner = [float(x) for x in p["corner_m"]]
        (f0, s0), (nf, ns) = p["data_block"], p["image_size"]
        n = p["name"]
        lines += [f"{n}/min_fs = {f0}", f"{n}/max_fs = {f0 + nf - 1}", f"{n}/min_ss = {s0}",
                  f"{n}/max_ss = {s0 + ns - 1}", f"{n}/res = {res!r}", f"{n}/clen = {corner[2]!r}",
                  f"{n}/coffset = 0.0", f"{n}/corner_x = {corner[0] * res!r}",
                  f"{n}/corner_y = {corner[1] * res!r}", f"{n}/fs = {_direction(p['fs'])}",
                  f"{n}/ss = {_direction(p['ss'])}", ""]
    return "\n".join(lines)
