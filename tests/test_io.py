"""Tests of nanobragg_nb.io: file formats read and written as nanoBragg.c does.

Expected values marked "from the C" were produced by the serial C reference
(or, for fscanf and read_text_file, by a harness compiled against glibc
2.36 outside this repository) and are embedded here as literals.
"""
import errno
import gzip
import math
import os
import re
import struct

import numpy as np
import pytest

from nanobragg_nb.errors import InputFileError, OutputError
from nanobragg_nb.io.atomic import atomic_write
from nanobragg_nb.io.fdump import read_fdump, write_fdump
from nanobragg_nb.cnum import double_to_int
from nanobragg_nb.io.hkl import _track_max, _track_min, read_hkl
from nanobragg_nb.io.matrix import read_mosflm_matrix
from nanobragg_nb.io.pgm import write_pgm
from nanobragg_nb.io.records import scan_records
from nanobragg_nb.io.rawfloat import write_float_image
from nanobragg_nb.io.scanf import EOF, fscanf
from nanobragg_nb.io.smv import RTD, read_smv, smv_header, write_smv
from nanobragg_nb.io.textfile import read_text_file

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = os.environ.get("NANOBRAGG_GOLDEN") or os.path.join(REPO, "..", "shared", "golden")


def golden(*parts):
    """Path inside the golden data, or skip the test when it is absent."""
    path = os.path.join(GOLDEN, *parts)
    if not os.path.exists(path):
        pytest.skip(f"golden data not found at {path} (set NANOBRAGG_GOLDEN or provide ../shared/golden)")
    return path


def gunzip(path):
    with gzip.open(path, "rb") as handle:
        return handle.read()


def write(path, content):
    with open(path, "wb") as handle:
        handle.write(content)
    return str(path)


# ---------------------------------------------------------------- scanf

# (input, fscanf return, values, position after the call), from glibc 2.36
SCAN_LG = [
    ("1e+x 2", 1, [1.0], 3),
    (" 1.5 infix", 1, [1.5], 10),
    ("nan(12) 3", 1, [math.nan], 3),
    ("0x 5", 0, [], 2),
    ("-", 0, [], 1),
    ("1 -", 1, [1.0], 3),
    ("0x.p1 5", 1, [0.0], 3),
    ("-0x 5", 0, [], 3),
    ("1e5 .", 1, [100000.0], 5),
    ("INFINITY -inf", 2, [math.inf, -math.inf], 13),
    ("0x1.8p1 -.5e-1", 2, [3.0, -0.05], 14),
    ("1.2.3", 2, [1.2, 0.3], 5),
    ("e5", 0, [], 0),
    ("  \n\t", EOF, [], 4),
    ("-nan 4", 2, [-math.nan, 4.0], 6),
]
SCAN_D = [
    ("+ 5", 0, [], 1),
    ("99999999999 -99999999999999999999999", 2, [1215752191, 0], 36),
    ("1.5 2", 1, [1], 1),
    ("-7 0x10", 2, [-7, 0], 4),
    ("  ", EOF, [], 2),
]


def _same(a, b):
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b) and math.copysign(1, a) == math.copysign(1, b)
    return a == b and type(a) is type(b)


@pytest.mark.parametrize("text,count,values,pos", SCAN_LG)
def test_scanf_lg_matches_glibc(text, count, values, pos):
    result = fscanf(text, 0, "%lg%lg")
    assert (result.count, result.pos, len(result.values)) == (count, pos, len(values))
    assert all(_same(a, b) for a, b in zip(values, result.values))


@pytest.mark.parametrize("text,count,values,pos", SCAN_D)
def test_scanf_d_matches_glibc(text, count, values, pos):
    result = fscanf(text, 0, "%d%d")
    assert (result.count, result.values, result.pos) == (count, values, pos)


def test_scanf_whitespace_directive_skips_any_run():
    result = fscanf(b"3\n\f \t\x0b\r 7", 0, "%d\n\f")
    assert result.count == 1 and result.pos == 8
    assert fscanf(b"3\n\f \t\x0b\r 7", result.pos, "%d").values == [7]


# ---------------------------------------------------------------- atomic_write

def test_atomic_write_success(tmp_path):
    target = tmp_path / "out.bin"
    with atomic_write(target) as handle:
        handle.write(b"abc")
    assert target.read_bytes() == b"abc"
    assert os.listdir(tmp_path) == ["out.bin"]


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_atomic_write_leaves_nothing_on_exception(tmp_path, exc):
    target = tmp_path / "out.bin"
    with pytest.raises(exc):
        with atomic_write(target) as handle:
            handle.write(b"partial")
            raise exc()
    assert os.listdir(tmp_path) == []
    target.write_bytes(b"old")
    with pytest.raises(exc):
        with atomic_write(target) as handle:
            handle.write(b"new")
            raise exc()
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_atomic_write_missing_folder(tmp_path):
    target = tmp_path / "nope" / "out.bin"
    with pytest.raises(OutputError, match=re.escape(str(target)) + ".*does not exist"):
        with atomic_write(target) as handle:
            handle.write(b"x")


def test_atomic_write_onto_a_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    with pytest.raises(OutputError, match="is a folder"):
        with atomic_write(tmp_path / "sub") as handle:
            handle.write(b"x")
    assert sorted(os.listdir(tmp_path)) == ["sub"]


def test_atomic_write_read_only_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        try:
            (folder / "probe").write_bytes(b"")
        except PermissionError:
            pass
        else:
            pytest.skip("permissions are not enforced here (running as root?)")
        with pytest.raises(OutputError, match=re.escape(str(folder / "out.bin")) + ".*permission denied"):
            with atomic_write(folder / "out.bin") as handle:
                handle.write(b"x")
    finally:
        folder.chmod(0o755)


def test_atomic_write_permission_error_message(tmp_path, monkeypatch):
    def refuse(name, mode):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), name)
    monkeypatch.setattr("nanobragg_nb.io.atomic.open", refuse, raising=False)
    with pytest.raises(OutputError, match=re.escape(str(tmp_path / "out.bin")) + ": permission denied"):
        with atomic_write(tmp_path / "out.bin") as handle:
            handle.write(b"x")
    assert os.listdir(tmp_path) == []


def test_atomic_write_disk_full_is_output_error(tmp_path):
    target = tmp_path / "out.bin"
    with pytest.raises(OutputError, match="disk full"):
        with atomic_write(target) as handle:
            handle.write(b"x")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------- HKL

def _records_one_by_one(data, fmt):
    rows, pos = [], 0
    while True:
        result = fscanf(data, pos, fmt)
        if result.count != 4:
            return rows, result
        rows.append(result.values)
        pos = result.pos


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("fmt", ["%lg%lg%lg%lg", "%d%d%d%lg"])
def test_scan_records_fast_path_equals_exact_scanner(seed, fmt):
    rng = np.random.default_rng(seed)
    tokens = ["0", "1", "-1", "+2", "17", "007", "1.5", "-0.5", ".5", "3.", "1e2", "-2E-1", "0x1p3", "inf",
              "nan", "1e400", "99999999999", "--1", "1e+", "#", "x"]
    weights = np.array([8, 8, 8, 3, 3, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.3, 0.3, 0.2, 0.2])
    picks = rng.choice(len(tokens), size=rng.integers(0, 200), p=weights / weights.sum())
    seps = [" ", "\t", "\n", "\r\n", "  ", "\f"]
    data = "".join(tokens[i] + seps[rng.integers(len(seps))] for i in picks).encode()
    columns, last = scan_records(data, fmt)
    rows, expected_last = _records_one_by_one(data, fmt)
    assert (last.count, last.pos, last.stop) == (expected_last.count, expected_last.pos, expected_last.stop)
    assert all(len(c) == len(rows) for c in columns)
    for field in range(4):
        expected = np.array([r[field] for r in rows], dtype=columns[field].dtype)
        np.testing.assert_array_equal(columns[field], expected)
        if columns[field].dtype == np.float64:  # same bits, signed zeros and NaN signs included
            assert columns[field].tobytes() == expected.tobytes()


@pytest.mark.parametrize("seed", range(10))
def test_range_tracking_equals_sequential_c_loop(seed):
    rng = np.random.default_rng(seed)
    values = np.round(rng.normal(0, 5, size=rng.integers(0, 50)), rng.integers(0, 3))
    if seed % 3 == 0:
        values = np.append(values, [3e9, -np.inf, np.nan][seed % 2::2])
    low, high = 1000000000, -1000000000
    for x in values.tolist():
        if low > x:
            low = double_to_int(x)
        if high < x:
            high = double_to_int(x)
    assert (_track_min(values, 1000000000), _track_max(values, -1000000000)) == (low, high)


def test_read_hkl_golden_p1():
    table = read_hkl(golden("inputs", "P1.hkl"), 0.0)
    assert (table.h_min, table.h_max, table.k_min, table.k_max, table.l_min, table.l_max) == \
        (-14, 14, -16, 16, -18, 18)
    assert (table.h_range, table.k_range, table.l_range, table.hkls) == (29, 33, 37, 35409)
    assert table.Fhkl.shape == (30, 34, 38)
    assert table.Fhkl[0, 0, 0] == 2.698 and table.Fhkl[0, 0, 1] == 1.723
    assert not table.Fhkl[29].any() and not table.Fhkl[:, 33].any() and not table.Fhkl[:, :, 37].any()


def test_read_hkl_fractional_indices_log_and_truncation(tmp_path, capsys):
    path = write(tmp_path / "frac.hkl", b"1.5 2 3 10\n-1.7 0 2 20\n0 0.6 0 5\n2 2 2 7\n")
    table = read_hkl(path, 3.0)
    # from the C (stdout of nanoBragg -hkl frac.hkl -default_F 3)
    assert table.log == (
        f"counting entries in {path}\n"
        "WARNING: non-integer value for h (1.5) at line 0\n"
        "WARNING: non-integer value for h (-1.7) at line 1\n"
        "WARNING: non-integer value for k (0.6) at line 2\n"
        "initializing to default_F = 3:\ndone initializing:\n"
        f"re-reading {path}\n")
    assert (table.h_min, table.h_max, table.k_min, table.k_max, table.l_min, table.l_max) == (-1, 2, 0, 2, 0, 3)
    # the integer pass stops at ".5" of the first record: only default_F remains
    assert (table.Fhkl[:4, :3, :4] == 3.0).all()
    assert not table.Fhkl[4].any() and not table.Fhkl[:, 3].any() and not table.Fhkl[:, :, 4].any()
    err = capsys.readouterr().err
    assert path in err and "line 1" in err and "'.5'" in err


def test_read_hkl_stops_at_non_numeric_token(tmp_path, capsys):
    path = write(tmp_path / "mid.hkl", b"1 2 3 10\n0 0 0 4\n# comment\n2 2 2 9\n")
    table = read_hkl(path, 0.0)
    assert table.hkls == 2 and (table.h_max, table.k_max, table.l_max) == (1, 2, 3)
    assert table.Fhkl[1, 2, 3] == 10 and table.Fhkl[0, 0, 0] == 4
    err = capsys.readouterr().err
    assert err.startswith("WARNING:") and path in err and "line 3" in err and "'#'" in err


def test_read_hkl_later_records_overwrite(tmp_path):
    table = read_hkl(write(tmp_path / "dup.hkl", b"1 1 1 10\n1 1 1 20\n0 0 0 1\n"), 0.0)
    assert table.Fhkl[1, 1, 1] == 20 and table.hkls == 3


def test_read_hkl_no_records_is_an_error_with_the_c_log(tmp_path, capsys):
    path = write(tmp_path / "header.hkl", b"h k l F\n1 2 3 10\n")
    with pytest.raises(InputFileError, match="not enough HKL indices") as info:
        read_hkl(path, 0.0)
    # from the C, which then exits 9
    assert info.value.log == (
        f"counting entries in {path}\n"
        "h: 1000000000 - -1000000000\nk: 1000000000 - -1000000000\nl: 1000000000 - -1000000000\n"
        f"ERROR: not enough HKL indices in {path}\n")
    assert "'h'" in capsys.readouterr().err


def test_read_hkl_missing_file(tmp_path):
    path = str(tmp_path / "nope.hkl")
    with pytest.raises(InputFileError, match=re.escape(path)) as info:
        read_hkl(path, 0.0)
    assert info.value.log == f"ERROR: unable to open {path}."


# ---------------------------------------------------------------- Fdump

def test_fdump_matches_golden_bytes(tmp_path):
    table = read_hkl(golden("inputs", "P1.hkl"), 0.0)
    expected = gunzip(golden("cases", "hkl_nearest", "Fdump.bin.gz"))
    out = tmp_path / "Fdump.bin"
    assert write_fdump(str(out), table) == f"writing dump file for next time: {out}\n"
    assert out.read_bytes() == expected
    back = read_fdump(str(out))
    assert np.array_equal(back.Fhkl, table.Fhkl)
    assert (back.h_min, back.l_max, back.hkls) == (-14, 18, 29 * 33 * 37)
    assert back.log == f"reading Fs from {out}\n"


def test_fdump_small_layout(tmp_path):
    table = read_hkl(write(tmp_path / "a.hkl", b"1 2 3 10\n-1 0 2 20\n0 0 0 5\n"), 0.0)
    out = tmp_path / "Fdump.bin"
    write_fdump(str(out), table)
    data = out.read_bytes()
    assert data.startswith(b"-1 1 0 2 0 3\n\f") and len(data) == 14 + 4 * 4 * 5 * 8


def test_fdump_whitespace_quirk_shifts_data(tmp_path, capsys):
    values = np.arange(1, 9, dtype=np.float64)
    raw = bytearray(values.tobytes())
    raw[0] = 0x20  # the first data byte is a space: the "\n\f" of the format swallows it
    path = write(tmp_path / "Fdump.bin", b"0 0 0 0 0 0\n\f" + bytes(raw))
    table = read_fdump(path)
    expected = np.frombuffer(bytes(raw[1:]) + b"\0", dtype=np.float64)
    assert np.array_equal(table.Fhkl.reshape(-1), expected)
    assert table.Fhkl.shape == (2, 2, 2) and table.hkls == 1
    assert "truncated" in capsys.readouterr().err


def test_fdump_truncated_leaves_zeros(tmp_path, capsys):
    path = write(tmp_path / "Fdump.bin", b"0 1 0 0 0 0\n\f" + np.full(5, 7.0).tobytes() + b"\x01\x02")
    table = read_fdump(path)
    flat = table.Fhkl.reshape(-1)
    assert (flat[:5] == 7.0).all() and flat[5] == struct.unpack("<d", b"\x01\x02" + bytes(6))[0]
    assert not flat[6:].any()
    err = capsys.readouterr().err
    assert path in err and "truncated" in err


def test_fdump_bad_header(tmp_path):
    with pytest.raises(InputFileError, match="3 of the 6"):
        read_fdump(write(tmp_path / "Fdump.bin", b"1 2 3 x"))
    with pytest.raises(InputFileError, match="Fdump"):
        read_fdump(str(tmp_path / "missing.bin"))


# ---------------------------------------------------------------- SMV

MOSFLM_DEFAULT = dict(fpixels=128, spixels=128, pixel_size=0.0001, distance=0.1, lambda0=6.2e-10,
                      Xbeam=0.00645, Ybeam=0.00645, Fbeam=0.0065, Sbeam=0.0065, detsize_s=0.0128,
                      dials_origin=(-6.5, 6.5, -100.0), ORGX=65.5, ORGY=65.5, close_distance=0.1,
                      phi0=0.0, osc=0.0, detector_twotheta=0.0, byte_order="little_endian")


@pytest.mark.parametrize("name,noise_form", [("intimage.img.gz", False), ("noiseimage.img.gz", True)])
def test_smv_header_matches_golden(name, noise_form):
    image = gunzip(golden("cases", "geo_mosflm_default", name))
    header = smv_header(noise_form=noise_form, **MOSFLM_DEFAULT)
    assert len(header) == 512
    assert header == image[:512]


def test_smv_header_denzo_sign_forms_and_long_text():
    geometry = dict(MOSFLM_DEFAULT, Sbeam=-0.0, Fbeam=-0.0)
    assert b"DENZO_X_BEAM=-0;\nDENZO_Y_BEAM=-0;" in smv_header(noise_form=False, **geometry)
    assert b"DENZO_X_BEAM=0;\nDENZO_Y_BEAM=0;" in smv_header(noise_form=True, **geometry)
    odd = dict(MOSFLM_DEFAULT, pixel_size=0.000123457, distance=0.123456789, Xbeam=0.0123456, Ybeam=0.0123456,
               Fbeam=0.01234567, Sbeam=0.01234567, detsize_s=0.1234567, dials_origin=(-12.3456, 12.3456, -123.456),
               ORGX=-12345.6, ORGY=12345.6, close_distance=0.1111111, phi0=0.123456, osc=0.0123456,
               detector_twotheta=0.3456789)
    header = smv_header(**odd)
    assert len(header) > 512 and header.endswith(b"BEAMLINE=fake;\n}\f")
    assert b"TWOTHETA=" + ("%g" % (0.3456789 * RTD)).encode() + b";" in header
    assert RTD == 180.0 / math.pi


def test_smv_round_trip(tmp_path):
    data = np.arange(6 * 4, dtype=np.uint16) * 1000
    header = smv_header(**dict(MOSFLM_DEFAULT, fpixels=6, spixels=4))
    path = tmp_path / "x.img"
    write_smv(str(path), header, data)
    assert path.read_bytes() == header + data.tobytes()
    frame = read_smv(str(path))
    assert (frame.width, frame.height, frame.header_size, frame.swap_bytes) == (6, 4, 512, False)
    assert np.array_equal(frame.data, data)
    assert frame.value_of("WAVELENGTH") == 6.2
    assert frame.log == f"reading {path}\nmmap({path}) = 0x55d0c0de0000\n"


@pytest.mark.parametrize("name,distance", [("mask.img", 100.0), ("header.img", 120.0)])
def test_read_smv_golden_inputs(name, distance):
    frame = read_smv(golden("inputs", name))
    assert (frame.width, frame.height, frame.header_size) == (128, 128, 512)
    assert frame.data.dtype == np.uint16 and frame.data.size == 128 * 128
    assert frame.value_of("DISTANCE") == frame.value_of("CLOSE_DISTANCE") == distance
    assert frame.value_of("BEAM_CENTER_Y") == 6.45 and frame.value_of("PIXEL_SIZE") == 0.1
    assert frame.value_of("ORGX") == 65.5
    assert math.isnan(frame.value_of("NO_SUCH_KEY"))
    raw = open(golden("inputs", name), "rb").read()
    assert np.array_equal(frame.data, np.frombuffer(raw[512:512 + 2 * 128 * 128], dtype=np.uint16))
    if name == "mask.img":
        assert (frame.data == 0).any() and (frame.data == 1).any()


def _smv_text(body, size=512, padded_to=None):
    text = b"{\nHEADER_BYTES=%d;\n" % size + body + b"}\f"
    return text + b" " * max(0, (padded_to or size) - len(text))


def test_read_smv_quirks(tmp_path, capsys):
    # a keyword with no '=' after it gives 0.0; DETECTOR_DIMENSIONS is the fallback when SIZE1 is 0
    path = write(tmp_path / "a.img", _smv_text(b"BYTE_ORDER=big_endian;\nSIZE1=0;\nDETECTOR_DIMENSIONS=2;\n"
                                               b"LAST") + bytes(range(8)))
    frame = read_smv(path)
    assert (frame.width, frame.height, frame.swap_bytes) == (2, 2, True)
    assert frame.value_of("LAST") == 0.0
    assert list(frame.data) == list(np.frombuffer(bytes(range(8)), dtype=np.uint16))
    # HEADER_BYTES other than 512 re-reads; an odd size starts the data one byte early
    body = b"BYTE_ORDER=little_endian;\nSIZE1=2;\nSIZE2=1;\n"
    path = write(tmp_path / "b.img", _smv_text(body, 601) + b"\x01\x02\x03\x04\x05")
    frame = read_smv(path)
    assert frame.header_size == 601 and len(frame.header) == 601
    assert list(frame.data) == [0x0120, 0x0302]
    # a short file leaves zeros and warns
    path = write(tmp_path / "c.img", _smv_text(body) + b"\x05\x00")
    assert list(read_smv(path).data) == [5, 0]
    assert "truncated" in capsys.readouterr().err


@pytest.mark.parametrize("content,message", [
    (b"{\nHEADER_BYTES=512;\n", "too short"),
    (b"P5\n" + b" " * 600, "does not look like an ADSC"),
    (_smv_text(b"BYTE_ORDER=little_endian;\nSIZE1=0;\nSIZE2=5;\n"), "unusable image size"),
    (_smv_text(b"BYTE_ORDER=little_endian;\nSIZE1=-3;\nSIZE2=5;\n"), "image size"),
    (_smv_text(b"BYTE_ORDER=little_endian;\nSIZE1=100000;\nSIZE2=100000;\n"), "too large"),
    (_smv_text(b"SIZE1=1;\nSIZE2=1;\n"), "BYTE_ORDER"),
    (_smv_text(b"BYTE_ORDER=little_endian;\n", 4096, 600), "shorter than its HEADER_BYTES"),
    (_smv_text(b"BYTE_ORDER=little_endian;\n", 0, 512), "unusable header size"),
])
def test_read_smv_refuses(tmp_path, content, message):
    path = write(tmp_path / "bad.img", content)
    with pytest.raises(InputFileError, match=re.escape(path) + ".*" + message):
        read_smv(path)


def test_read_smv_missing(tmp_path):
    with pytest.raises(InputFileError, match="missing.img"):
        read_smv(str(tmp_path / "missing.img"))


# ---------------------------------------------------------------- text files

NAN = math.nan

# (file content, rows for 5 columns), from the C's read_text_file
TEXT_CASES = [
    (b"# X Y Z I lambda\n1 2 3 4 5e-10\n\n  \t,;\n! note\n6,7;8:9!1e-10\n",
     [[0, 0, 0, 0, 0], [1, 2, 3, 4, 5e-10], [0, 0, 0, 0, 0], [6, 7, 8, 9, 1e-10]]),
    (b"1 2\r\n3 4 5 6 7\r\n", [[1, 2, 0, 0, 0], [3, 4, 5, 6, 7]]),
    (b"1 2 3\n4 5", [[1, 2, 3, NAN, NAN], [4, 5, 0, 0, 0]]),
    (b"1-2 3\n1x5 6\n-.e 7\nabc def 9\n1.2.3 4\n0x10 5\ninf nan 3\n  \n\t\n,\n\x0b5 6\n",
     [[1, 3, NAN, NAN, NAN], [1, 6, NAN, NAN, NAN], [0, 7, NAN, NAN, NAN], [0, 0, 9, NAN, NAN],
      [1.2, 4, NAN, NAN, NAN], [16, 5, NAN, NAN, NAN], [math.inf, NAN, 3, NAN, NAN], [5, 6, NAN, NAN, NAN]]),
    (b"1 " * 6000 + b"\n2 3\n", [[1, 1, 1, 1, 1], [1, 1, 1, 1, 1], [2, 3, NAN, NAN, NAN]]),
    (b"", []),
]


@pytest.mark.parametrize("content,rows", TEXT_CASES)
def test_read_text_file_matches_c(tmp_path, content, rows):
    columns = read_text_file(write(tmp_path / "t.txt", content), 5)
    assert len(columns) == 5 and all(c.dtype == np.float64 and len(c) == len(rows) for c in columns)
    got = np.array(columns).T.reshape(len(rows), 5)
    np.testing.assert_array_equal(got, np.array(rows, dtype=np.float64).reshape(len(rows), 5))


def test_read_text_file_golden_sources():
    X, Y, Z, I, lam = read_text_file(golden("inputs", "sources.txt"), 5)
    assert list(X) == [-10, -10, -10, -10]
    assert list(Y) == [0, 0.001, 0, -0.001] and list(Z) == [0, 0, 0.0015, -0.001]
    assert list(I) == [1, 1, 0.5, 2] and list(lam) == [1e-10, 1.01e-10, 9.9e-11, 1e-10]


def test_read_text_file_two_columns_and_missing(tmp_path):
    stol, F = read_text_file(write(tmp_path / "s.txt", b"0.0 100\n0.1 80\n0.2\n0.3 50 60\n"), 2)
    np.testing.assert_array_equal(stol, [0.0, 0.1, 0.2, 0.3])
    np.testing.assert_array_equal(F, [100, 80, NAN, 50])
    with pytest.raises(InputFileError, match="none.txt"):
        read_text_file(str(tmp_path / "none.txt"), 2)


# ---------------------------------------------------------------- PGM, float image, matrix

def test_write_pgm_matches_golden(tmp_path):
    case = golden("cases", "geo_mosflm_default")
    expected = gunzip(os.path.join(case, "image.pgm.gz"))
    stdout = open(os.path.join(case, "stdout.txt")).read()
    pgm_scale = float(re.search(r"^pgm_scale = (\S+)$", stdout, re.M).group(1))
    pixels = np.frombuffer(expected[-128 * 128:], dtype=np.uint8)
    out = tmp_path / "image.pgm"
    write_pgm(str(out), 128, 128, pgm_scale, pixels)
    assert out.read_bytes() == expected


def test_write_pgm_header(tmp_path):
    out = tmp_path / "p.pgm"
    write_pgm(str(out), 3, 2, 0.5, np.arange(6, dtype=np.uint8))
    assert out.read_bytes() == b"P5\n3 2\n# pixels scaled by 0.5\n255\n" + bytes(range(6))


def test_write_float_image(tmp_path):
    data = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    out = tmp_path / "f.bin"
    write_float_image(str(out), data)
    assert out.read_bytes() == data.tobytes()
    with pytest.raises(TypeError):
        write_float_image(str(out), data.astype(np.float64))


def test_write_float_image_golden(tmp_path):
    out = tmp_path / "floatimage.bin"
    expected = gunzip(golden("cases", "geo_mosflm_default", "floatimage.bin.gz"))
    write_float_image(str(out), np.frombuffer(expected, dtype=np.float32))
    assert out.read_bytes() == expected


def test_read_mosflm_matrix_golden():
    path = golden("inputs", "A.mat")
    result = read_mosflm_matrix(path)
    np.testing.assert_array_equal(result.a_star, [0.00625702, -0.01896853, 0.01104150])
    np.testing.assert_array_equal(result.b_star, [0.01074401, 0.01153846, 0.01117276])
    np.testing.assert_array_equal(result.c_star, [-0.01311475, -0.0, 0.00983607])
    assert result.log == f"reading {path}\n"


def test_read_mosflm_matrix_layout_and_errors(tmp_path):
    result = read_mosflm_matrix(write(tmp_path / "one.mat", b"1 2 3 4 5 6 7 8 9 junk"))
    assert list(result.a_star) == [1, 4, 7] and list(result.c_star) == [3, 6, 9]
    path = write(tmp_path / "short.mat", b"1 2 3\n4 5 6\n7 8\n")
    with pytest.raises(InputFileError, match=re.escape(path) + ".*only 8"):
        read_mosflm_matrix(path)
    with pytest.raises(InputFileError, match="nope.mat"):
        read_mosflm_matrix(str(tmp_path / "nope.mat"))


def test_writers_report_output_errors(tmp_path):
    missing = str(tmp_path / "no" / "f")
    with pytest.raises(OutputError):
        write_float_image(missing, np.zeros(2, np.float32))
    with pytest.raises(OutputError):
        write_pgm(missing, 1, 1, 1.0, np.zeros(1, np.uint8))
    with pytest.raises(OutputError):
        write_smv(missing, b"", np.zeros(1, np.uint16))


def test_atomic_write_into_a_fifo_writes_in_place(tmp_path):
    import stat
    import threading
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    with atomic_write(fifo) as handle:
        handle.write(b"through")
    reader.join(10)
    assert received == [b"through"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and os.listdir(tmp_path) == ["fifo"]


def test_atomic_write_follows_links_to_their_target(tmp_path):
    (tmp_path / "real").write_bytes(b"old")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "link").symlink_to("../real")
    with atomic_write(tmp_path / "sub" / "link") as handle:
        handle.write(b"new")
    assert os.readlink(tmp_path / "sub" / "link") == "../real"
    assert (tmp_path / "real").read_bytes() == b"new"


def test_resolve_output(tmp_path):
    from nanobragg_nb.io.atomic import resolve_output
    (tmp_path / "loop").symlink_to("loop")
    (tmp_path / "link").symlink_to("target")
    assert resolve_output(os.devnull) == (os.devnull, True)
    assert resolve_output(str(tmp_path / "link")) == (os.path.realpath(tmp_path / "target"), False)
    assert resolve_output(str(tmp_path / "new")) == (str(tmp_path / "new"), False)
    for bad, words in (("", "empty"), (str(tmp_path / "loop"), "loop"), (str(tmp_path), "folder"),
                       (str(tmp_path / ("x" * 300)), "too long")):
        with pytest.raises(OutputError, match=words):
            resolve_output(bad)


def test_temporary_name_fits_the_file_system(tmp_path):
    from nanobragg_nb.io.atomic import temporary_name
    for length in (1, 200, 243, 244, 255):
        tmp = temporary_name(str(tmp_path / ("n" * length)))
        assert os.path.dirname(tmp) == str(tmp_path)
        assert len(os.path.basename(tmp)) <= 255 and tmp.endswith(f".{os.getpid()}.tmp")
        open(tmp, "wb").close()
        os.unlink(tmp)


def test_c_atan2_returns_the_nan_argument_as_glibc_does():
    # glibc's atan2(+nan, -nan) is -nan and atan2(-nan, +nan) is +nan (x's NaN, then y's)
    from nanobragg_nb.cnum import c_atan2
    plus, minus = math.nan, -math.nan
    signs = [math.copysign(1.0, c_atan2(y, x)) for y, x in
             ((plus, minus), (minus, plus), (minus, 1.0), (1.0, minus), (plus, 1.0), (1.0, plus))]
    assert signs == [-1.0, 1.0, -1.0, -1.0, 1.0, 1.0]
    assert c_atan2(1.0, -2.0) == math.atan2(1.0, -2.0)
