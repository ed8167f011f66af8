"""The flat parameter arrays of the kernels, declared once as tables of fields.

The kernels read their scalar parameters from small flat arrays (GPU
kernels take arrays, not structures). Each array's layout is declared here
as a table of (field, width) in order, with its dtype; the offsets, the
array size and the packing follow from it, so no offset is typed by hand.

For each layout ``X`` with prefix ``PFX`` the module holds, as plain ints
(Numba folds global ints into the compiled kernels):

- ``PFX_FIELD``: the offset of each field (its first element for vectors);
- ``N_PFX``: the size of the array;

and ``X.pack(field=value, ...)`` builds the array, checking that every
field is given exactly once, with its width.
"""
import numpy as np

#: the constant names this module defines, generated from the layouts below
__all__ = ["Layout", "PIXEL_PARAMS", "PIXEL_COUNTS", "PRINTOUT", "FAST_PARAMS", "FAST_COUNTS", "AMORPHOUS_PARAMS",
           "AMORPHOUS_COUNTS", "AMORPHOUS_LAST", "LAYOUTS", "SQUARE", "ROUND", "GAUSS", "TOPHAT", "SHAPES"]


class Layout:
    """The fields of one flat parameter array, in order.

    Parameters
    ----------
    prefix : str
        Prefix of the offset constants (``P`` gives ``P_PIXEL_SIZE`` and ``N_P``).
    dtype : numpy dtype
        The array's element type.
    fields : tuple of (str, int)
        Field names (lower case, as :meth:`pack` takes them) and widths.
    size_constant : str, optional
        The name of the size constant, ``N_<prefix>`` by default.
    """

    def __init__(self, prefix, dtype, fields, size_constant=None):
        self.prefix = prefix
        self.size_constant = size_constant or f"N_{prefix}"
        self.dtype = np.dtype(dtype)
        self.fields = tuple(fields)
        self.widths = dict(self.fields)
        if len(self.widths) != len(self.fields):
            raise ValueError(f"layout {prefix}: a field is declared twice")
        self.offsets = {}
        offset = 0
        for name, width in self.fields:
            if width < 1:
                raise ValueError(f"layout {prefix}: field {name!r} has width {width}")
            self.offsets[name] = offset
            offset += width
        self.size = offset

    def constant(self, field):
        """The name of the offset constant of ``field`` (``P_PIXEL_SIZE`` for ``pixel_size``)."""
        return f"{self.prefix}_{field.upper()}"

    def constants(self):
        """{constant name: value}: every field's offset and the size."""
        names = {self.constant(name): offset for name, offset in self.offsets.items()}
        names[self.size_constant] = self.size
        return names

    def zeros(self):
        """An array of this layout, all zero."""
        return np.zeros(self.size, dtype=self.dtype)

    def pack(self, **values):
        """The array holding ``values``, given by field name.

        Parameters
        ----------
        **values
            One value per field: a scalar for a field of width 1, a sequence
            of that many numbers otherwise.

        Returns
        -------
        ndarray
            Of this layout's dtype and size.

        Raises
        ------
        ValueError
            A field is missing or unknown, or a value does not have its
            field's width.
        """
        missing = [name for name, _ in self.fields if name not in values]
        unknown = sorted(name for name in values if name not in self.widths)
        if missing or unknown:
            raise ValueError(f"layout {self.prefix}: "
                             + "; ".join(part for part in (f"missing fields {missing}" if missing else "",
                                                           f"unknown fields {unknown}" if unknown else "") if part))
        out = self.zeros()
        for name, width in self.fields:
            value = np.asarray(values[name])
            if (width == 1 and value.ndim != 0) or (width > 1 and value.shape != (width,)):
                raise ValueError(f"layout {self.prefix}: field {name!r} takes "
                                 f"{'a scalar' if width == 1 else f'{width} values'}, got shape {value.shape}")
            offset = self.offsets[name]
            out[offset:offset + width] = value
        return out


#: float64 parameters of the pixel loop (array P)
PIXEL_PARAMS = Layout("P", np.float64, (
    ("pixel_size", 1), ("subpixel_size", 1), ("thickstep", 1), ("thick", 1), ("mu", 1), ("close_distance", 1),
    ("distance", 1), ("polarization", 1), ("dmin", 1), ("na", 1), ("nb", 1), ("nc", 1), ("fudge", 1),
    ("water_size", 1), ("default_f", 1), ("i_bg", 1), ("r_e_sqr", 1), ("fluence", 1), ("phi0", 1), ("phistep", 1),
    ("astar", 3), ("bstar", 3), ("cstar", 3), ("fdet", 3), ("sdet", 3), ("odet", 3), ("pix0", 3), ("beam", 3),
))

#: int64 counts, switches and ranges of the pixel loop (array Q)
PIXEL_COUNTS = Layout("Q", np.int64, (
    ("fpixels", 1), ("oversample", 1), ("thicksteps", 1), ("sources", 1), ("phisteps", 1),
    ("mosaic_domains", 1), ("shape", 1), ("curved", 1), ("point_pixel", 1), ("oversample_thick", 1),
    ("oversample_polar", 1), ("oversample_omega", 1), ("nopolar", 1), ("hkls", 1), ("h_min", 1), ("h_max", 1),
    ("k_min", 1), ("k_max", 1), ("l_min", 1), ("l_max", 1), ("h_range", 1), ("k_range", 1), ("l_range", 1),
    ("steps", 1), ("roi_xmin", 1), ("roi_xmax", 1), ("roi_ymin", 1), ("roi_ymax", 1), ("has_mask", 1),
    ("omega_terms", 1), ("fix_oversample", 1), ("f_offset", 1), ("s_offset", 1),
))

#: the values of Q's shape field: the crystal shapes
SQUARE, ROUND, GAUSS, TOPHAT = 0, 1, 2, 3
SHAPES = {"square": SQUARE, "round": ROUND, "gauss": GAUSS, "tophat": TOPHAT}

#: what -printout shows: the last value of each of the C's variables (float64 array rec)
PRINTOUT = Layout("R", np.float64, (
    ("stol", 1), ("pos", 3), ("h", 1), ("k", 1), ("l", 1), ("h0", 1), ("k0", 1), ("l0", 1), ("f_cell", 1),
    ("f_latt", 1), ("i", 1), ("polar", 1), ("omega", 1), ("capture", 1), ("a", 3), ("b", 3), ("c", 3),
    ("fdet", 1), ("sdet", 1),
), size_constant="N_REC")

#: float32 parameters of the fast mode's flat loop (array FP)
FAST_PARAMS = Layout("FP", np.float32, (
    ("na", 1), ("nb", 1), ("nc", 1), ("fudge", 1), ("default_f", 1), ("astar", 3), ("bstar", 3), ("cstar", 3),
    ("h_min", 1), ("h_max", 1), ("k_min", 1), ("k_max", 1), ("l_min", 1), ("l_max", 1),
))

#: int64 switches of the fast mode (array FQ)
FAST_COUNTS = Layout("FQ", np.int64, (
    ("nloop", 1), ("nearest", 1), ("exact", 1), ("kdim", 1), ("ldim", 1),
))

#: nonBragg's float64 parameters beyond the detector fields it shares with P (array AP)
AMORPHOUS_PARAMS = Layout("AP", np.float64, (
    ("molecules", 1),
))

#: nonBragg's int64 counts and switches beyond those it shares with Q (array AQ)
AMORPHOUS_COUNTS = Layout("AQ", np.int64, (
    ("stols", 1), ("fmap_pixel", 1), ("record", 1),
))

#: what nonBragg's -img and -printout read after each pixel: the last value of each (float64, per pixel)
AMORPHOUS_LAST = Layout("AL", np.float64, (
    ("stol", 1), ("polar", 1), ("omega", 1), ("nearest", 1), ("pos", 3),
), size_constant="N_AL")

LAYOUTS = (PIXEL_PARAMS, PIXEL_COUNTS, PRINTOUT, FAST_PARAMS, FAST_COUNTS, AMORPHOUS_PARAMS, AMORPHOUS_COUNTS,
           AMORPHOUS_LAST)

# Generated: P_PIXEL_SIZE ... N_P, Q_FPIXELS ... N_Q, R_STOL ... N_REC, FP_NA ... N_FP, FQ_NLOOP ... N_FQ,
# AP_MOLECULES ... N_AP, AQ_STOLS ... N_AQ, AL_STOL ... N_AL,
# one module-level int per field offset and array size, importable by name.
for _layout in LAYOUTS:
    _names = _layout.constants()
    globals().update(_names)
    __all__ += list(_names)
del _layout, _names
