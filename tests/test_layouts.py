"""The kernels' parameter layouts: offsets from the tables, checked packing, every field read by name."""
import ast
from pathlib import Path

import numpy as np
import pytest

from nanobragg_nb.core.kernels import layouts
from nanobragg_nb.core.kernels.layouts import LAYOUTS, PIXEL_PARAMS

PACKAGE = Path(layouts.__file__).resolve().parents[2]


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.prefix)
def test_offsets_are_contiguous_and_the_size_is_the_sum_of_the_widths(layout):
    offset = 0
    for name, width in layout.fields:
        assert layout.offsets[name] == offset
        assert getattr(layouts, layout.constant(name)) == offset
        offset += width
    assert layout.size == offset == sum(width for _, width in layout.fields)
    assert getattr(layouts, layout.size_constant) == layout.size
    assert layout.zeros().shape == (layout.size,) and layout.zeros().dtype == layout.dtype


def test_constants_are_importable_by_name_and_listed():
    from nanobragg_nb.core.kernels.layouts import (FQ_NLOOP, N_FP, N_P, N_Q, N_REC, P_BEAM, P_PIXEL_SIZE, Q_FPIXELS,
                                                   R_STOL)
    assert (P_PIXEL_SIZE, Q_FPIXELS, R_STOL, FQ_NLOOP) == (0, 0, 0, 0)
    assert (P_BEAM, N_P, N_REC, N_FP) == (41, 44, 27, 20)
    assert N_Q == len(layouts.PIXEL_COUNTS.fields)
    names = {layout.constant(name) for layout in LAYOUTS for name, _ in layout.fields}
    names |= {layout.size_constant for layout in LAYOUTS}
    assert names <= set(layouts.__all__)
    # no two constants of the package's layouts share a name
    assert len(names) == sum(len(layout.fields) + 1 for layout in LAYOUTS)


def _values(layout):
    return {name: (float(i + 1) if width == 1 else [10.0 * (i + 1) + j for j in range(width)])
            for i, (name, width) in enumerate(layout.fields)}


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.prefix)
def test_pack_puts_each_value_at_its_offset(layout):
    values = _values(layout)
    packed = layout.pack(**values)
    assert packed.dtype == layout.dtype and packed.shape == (layout.size,)
    for name, width in layout.fields:
        offset = layout.offsets[name]
        expected = np.atleast_1d(np.asarray(values[name], dtype=layout.dtype))
        assert np.array_equal(packed[offset:offset + width], expected)


def test_pack_rejects_a_missing_field():
    values = _values(PIXEL_PARAMS)
    del values["fluence"]
    with pytest.raises(ValueError, match=r"missing fields \['fluence'\]"):
        PIXEL_PARAMS.pack(**values)


def test_pack_rejects_an_unknown_field():
    values = _values(PIXEL_PARAMS)
    values["fluense"] = 1.0
    with pytest.raises(ValueError, match=r"unknown fields \['fluense'\]"):
        PIXEL_PARAMS.pack(**values)


@pytest.mark.parametrize("name, value", [("beam", [1.0, 2.0]), ("beam", 1.0), ("beam", [1.0, 2.0, 3.0, 4.0]),
                                         ("fluence", [1.0, 2.0, 3.0]), ("fluence", [1.0])])
def test_pack_rejects_a_value_of_the_wrong_width(name, value):
    values = _values(PIXEL_PARAMS)
    values[name] = value
    with pytest.raises(ValueError, match=f"field '{name}' takes"):
        PIXEL_PARAMS.pack(**values)


def test_a_layout_declaring_a_field_twice_is_refused():
    with pytest.raises(ValueError, match="declared twice"):
        layouts.Layout("X", np.float64, (("a", 1), ("b", 3), ("a", 1)))


def _names_read(path):
    """The names a module reads: loaded variables and attributes (imports alone do not count)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
    return names


def test_every_field_packed_is_read_by_its_name():
    read = set()
    for path in PACKAGE.rglob("*.py"):
        if path.name != "layouts.py":
            read |= _names_read(path)
    unread = [layout.constant(name) for layout in LAYOUTS for name, _ in layout.fields
              if layout.constant(name) not in read]
    assert unread == []

