"""Bit-exact tests of nanobragg_nb.core.rng against nanoBragg.c.

Every expected value below was derived from nanoBragg.c's own random-number
functions (ran1, gaussdev, poidev, gammln, mosaic_rotation_umat, umat2misset)
compiled with gcc -O2 on x86-64 (glibc 2.36) and printed as hex bit patterns:
float32 as 8 hex digits, float64 as 16.  Each "from C" block names the calls
that produced it; the noise-image values come from a small C loop that calls
poidev exactly as nanoBragg.c's noise loop does.
"""
import base64
import os
import subprocess
import sys
import zlib

import numpy as np
import pytest

from nanobragg_nb.core import rng


def _u32(text):
    return np.array([int(v, 16) for v in text.split()], dtype=np.uint32)


def _u64(text):
    return np.array([int(v, 16) for v in text.split()], dtype=np.uint64)


def _blob(text, dtype):
    return np.frombuffer(zlib.decompress(base64.b64decode("".join(text))), dtype=dtype)


def _bits32(values):
    return np.array(values, dtype=np.float32).view(np.uint32)


def _bits64(values):
    return np.array(values, dtype=np.float64).view(np.uint64)


def _hashed_uniform(n, salt):
    """Deterministic uniforms in [0, 1) from integer hashing (same on every platform)."""
    i = np.arange(n, dtype=np.uint64)
    h = (i * np.uint64(2654435761) + np.uint64(salt)) % np.uint64(2**32)
    return i, h.astype(np.float64) / 2.0**32


# from C: 50 x ran1(&seed) for each seed, then the final *idum
RAN1 = {
    -1: ("""
        3ed4fdde 3dbc5817 3f41a41e 3f079a6f 3f6e3116 3ec45a62 3f27673c 3d88e495 3f390046 3f2bd072
        3ec44f0e 3f21b2d0 3f627c2b 3f04f879 3f26c9ec 3e737b24 3e86603d 3f431f69 3f40dbee 3f68c1dd
        3d94dc56 3e8ba0a4 3f65cccd 3e8cc097 3f042bb6 3eb7f194 3e7cf7c3 3ef918ce 3f589e65 3f54ba25
        3d0d9b7c 3f7db4a0 3f2de65f 3f443900 3d78124d 3ec4ae48 3ef49942 3f72a0ae 3f6f4809 3f679758
        3ea35849 3f33813a 3bfc4111 3ebb0dac 3e884418 3f7c9494 3e8dddaa 3f2129c2 3e2a80dd 3f3c6fdd
    """, 1908194298),
    -777: ("""
        3f28fa9b 3f69f953 3f7b2a4d 3f5034e9 3f5ccec2 3f72ffb2 3e834442 3e69588c 3f6d0cc5 3f01d35d
        3f72fbea 3f47b99d 3f13b990 3f1f5571 3ec5f0b8 3dc2a108 3f0f671f 3f2285a1 3f6fb920 3dbbb963
        3f3b1f62 3ef75523 3ef17f3f 3e22ab15 3f6f8513 3d6f8b5a 3d13a7a8 3f4b5613 3f0a2927 3ef536ec
        3f637afb 3f16263f 3f1a44f9 3e187656 3d1b9f49 3effb922 3d4a64ec 3f5fd912 3ef4304f 3e10d17c
        3f1d1d13 3d14148f 3f6a4e2d 3f51e3ef 3e6b7372 3f6548f0 3ef4f745 3ee5da86 3ed8e9fd 3ee9d738
    """, 903253116),
    -12345678: ("""
        3f4417e0 3cc021e6 3f16f853 3f08fc6b 3f7b7385 3f316981 3ea802de 3e975e59 3f599438 3f179e78
        3f0ee1c8 3f08f0ee 3f0a86ce 3f1846de 3ed2021b 3f6db899 3e24e2a7 3f6dc0db 3f73baf8 3f05ad21
        3eba0a1c 3ddcf512 3d4ad647 3ee5417b 3c8b5dbd 3f1c7fde 3f404e1c 3ee7a1f2 3f50f356 3e13d121
        3d83da20 3e973c04 3edfc681 3e8fe0ad 3f11f7d7 3f37621e 3f57e279 3eabb5a0 3eaada44 3f5f939d
        3f308fe6 3f03b08f 3f479994 3dd56594 3eac9ae4 3ea81f77 3ea60cd4 3f4a1430 3e06c59e 3f1089c2
    """, 922379222),
}


@pytest.mark.parametrize("seed", sorted(RAN1))
def test_ran1_sequence(seed):
    expected, idum_after = RAN1[seed]
    state = rng.RandomState()
    idum = rng.seed_array(seed)
    got = [rng.ran1(idum, state.shuffle) for _ in range(50)]
    assert (_bits32(got) == _u32(expected)).all()
    assert idum[0] == idum_after


@pytest.mark.parametrize("seed", [0, 7])
def test_ran1_first_use_collapses_to_one(seed):
    # from C: ran1 with idum 0 or a positive idum on a fresh table gives the seed -1 stream
    state = rng.RandomState()
    idum = rng.seed_array(seed)
    got = [rng.ran1(idum, state.shuffle) for _ in range(50)]
    assert (_bits32(got) == _u32(RAN1[-1][0])).all()
    assert idum[0] == RAN1[-1][1]


# from C: long a=-5, b=-9, c=42; 10 x ran1(&a), 10 x ran1(&b), 10 x ran1(&a), 10 x ran1(&c);
# then a, b, c.  b re-seeds the shared table; a and c (positive) continue it.
SHARED = """
    3e31025b 3f2e2f50 3f6ac5a4 3f6ae1f6 3f444ba4 3f260429 3eab1dbb 3f018622 3f26f56e 3e21f842
    3e45844b 3edab76b 3f53e31a 3e9f4eec 3e64b5db 3eb96226 3f3e7668 3d25403b 3f6b59a3 3ee72d75
    3f3e0b3d 3f765d7f 3ed3109b 3f010273 3ebf738d 3f2f4951 3ee6c781 3f551d02 3f47bb5a 3f446de3
    3e9b0b70 3f5d194b 3ef5169c 3f1d918a 3f41e33f 39ac5660 3e937b08 3f064b57 3f4bdbf3 3ef659e9
"""
SHARED_IDUM = [650304515, 1992226272, 552121545]


def test_ran1_shared_table_across_streams():
    state = rng.RandomState()
    a, b, c = rng.seed_array(-5), rng.seed_array(-9), rng.seed_array(42)
    got = [rng.ran1(s, state.shuffle) for s in [a] * 10 + [b] * 10 + [a] * 10 + [c] * 10]
    assert (_bits32(got) == _u32(SHARED)).all()
    assert [a[0], b[0], c[0]] == SHARED_IDUM


def test_ran1_clamps_to_rnmx():
    # from C: (float)RNMX is 3f7ffffe; force the next shuffled value to IM-1
    state = rng.RandomState()
    state.shuffle[0] = 5
    state.shuffle[1] = 2147483646
    value = rng.ran1(rng.seed_array(9), state.shuffle)
    assert _bits32([value])[0] == 0x3F7FFFFE


# from C: 51 x gaussdev(&seed) (the odd count ends on a fresh pair)
GAUSS = {
    -3: """
        3e0a6d3c 3f6c685f 3ef5cfe6 3fb81a44 bee7f1df 3ecfacbb 3f10aa2d bf04abbe 3e91c3bd beef91bb
        bf6cd7a0 bf800e4d 3f6c7e11 3f6ff5f2 be0f4d0a bfe1d15e bfa16164 3e15b560 3fbbc45f 3d8bef16
        be24d39b 3fa567f4 3f0e5915 3dca6434 3f2f395f 3ef67c2d bee9b4df bf563cd4 3f06c75a 3ef91a1e
        3e0c534a becdf353 bb15e752 bfb7484f c01f0e82 3d4a72fb bca4d9cd 3f0fbfe0 3f3e15e6 3fd48eb0
        3f62c092 bfccffc4 bf4f6d3b bf3833ba 3e979ccd 3e603586 bfd5dd68 beff0221 3f1e8d57 bfb3cc48
        beca2e2a
    """,
    -55555: """
        4004b8f1 c016a1fd bfb8c4f9 bf11dbd2 3fec1990 3f634599 bee31eb1 4005a9ab bf2eaf59 3e021efa
        3fc6169d bf7961c6 bdaa4d10 beb60454 bf10a57f c016ebe3 3e4ff2a5 bf392490 bf7385aa be265b1c
        bedaf0fa be961c4c bde90cb9 3f684379 bfcd3ed2 bf43d393 bec3ec4e 3f2644eb bdb48374 3f5cf288
        3f826b4d bf31a071 bf76e359 3fead193 3eb87535 3f5067ca 40057060 3fa0bf71 bf3b4882 40191816
        bde00966 be6a57de bfe6280c bfb08990 bf6698c5 bf772839 3f7ebb28 3f9a58a5 c018e5d2 3f35c055
        bd09a5b7
    """,
}


@pytest.mark.parametrize("seed", sorted(GAUSS))
def test_gaussdev_sequence(seed):
    state = rng.RandomState()
    idum = rng.seed_array(seed)
    got = [rng.gaussdev(idum, state.shuffle, state.gauss) for _ in range(51)]
    assert (_bits32(got) == _u32(GAUSS[seed])).all()


def test_gauss_spare_is_shared_across_streams():
    # from C: long a=-3, b=-8; gaussdev(&a); 4 x poidev(2.5e6, &b); then a, b.
    # The first poidev uses a's spare deviate without drawing from b.
    state = rng.RandomState()
    a, b = rng.seed_array(-3), rng.seed_array(-8)
    got = [rng.gaussdev(a, state.shuffle, state.gauss)]
    got += [rng.poidev(2.5e6, b, state.shuffle, state.gauss, state.poi) for _ in range(4)]
    assert (_bits32(got) == _u32("3e0a6d3c 4a18ad51 4a18bebd 4a188b4c 4a18727a")).all()
    assert [a[0], b[0]] == [2035064722, 166767199]


# from C: gammln(x) for each float32 x
GAMMLN_X = """
    3f800000 40000000 3f000000 40600000 41400000 41500000 415b3333 424e0000
    447a4000 49742410 48a2c2aa 3a83126f 4c8583b0 400ccccd 42c88000
"""
GAMMLN = """
    00000000 a6000000 3f128682 3f99b981 418c04ba 419fe5d1 41ae3279 431670f4
    45b8c107 4b438c9e 4a6e616c 40dd079c 4e8e64a6 3dc68c68 43b4246c
"""


def test_gammln():
    xs = _u32(GAMMLN_X).view(np.float32)
    assert (_bits32([rng.gammln(x) for x in xs]) == _u32(GAMMLN)).all()


# from C: long seed=-31; 30 x poidev((float)xm, &seed), then seed
POIDEV = {
    0: ("""
        00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
        00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
        00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
    """, 614655629),
    0.01: ("""
        00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
        00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
        00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
    """, 614655629),
    3.7: ("""
        40a00000 40800000 40800000 40000000 40000000 40a00000 00000000 40000000 40000000 40c00000
        40800000 41100000 40800000 40e00000 40e00000 40400000 40800000 40a00000 3f800000 40000000
        40c00000 40000000 40400000 40000000 40800000 00000000 40800000 40c00000 40000000 40800000
    """, 1793682465),
    11.9: ("""
        41700000 41100000 40a00000 41500000 41b80000 41600000 41400000 41500000 41000000 41600000
        41400000 41200000 41000000 41300000 41880000 41800000 41000000 41400000 41200000 41500000
        41880000 41400000 41600000 41100000 40e00000 41800000 41300000 41100000 41300000 41400000
    """, 249319494),
    12: ("""
        41500000 41400000 41200000 41600000 41000000 41400000 41200000 41400000 41100000 41000000
        41880000 41200000 41600000 41100000 41100000 41200000 41800000 40e00000 41200000 41900000
        41500000 41980000 41100000 40e00000 41300000 41800000 41500000 41100000 41500000 41000000
    """, 826666074),
    50.5: ("""
        42540000 42500000 423c0000 425c0000 42300000 42480000 42380000 424c0000 42340000 422c0000
        42740000 42380000 42600000 42340000 426c0000 42240000 423c0000 42680000 423c0000 42400000
        426c0000 42500000 426c0000 42700000 427c0000 42540000 423c0000 42300000 424c0000 42280000
    """, 645877988),
    1000: ("""
        447d8000 447c0000 44760000 447f0000 4472c000 447a0000 44754000 447b8000 44740000 44728000
        4482e000 4475c000 446f4000 44754000 4476c000 4476c000 4480a000 44758000 44768000 44818000
        44768000 44784000 4481e000 447c8000 44824000 4482a000 44844000 447cc000 44760000 4472c000
    """, 1922562378),
    2000000.0: ("""
        49f4476a 49f43f73 49f446f0 49f4323e 49f42e6a 49f3fee9 49f4282b 49f41bb6 49f3caf1 49f40dee
        49f3ecfa 49f45fa3 49f4211e 49f427c5 49f3df14 49f41cab 49f41abd 49f4199f 49f45f7f 49f41a26
        49f3e004 49f406fc 49f40790 49f42c84 49f3f96e 49f414dd 49f425ad 49f40970 49f4363e 49f450b2
    """, 1186706969),
}


@pytest.mark.parametrize("xm", sorted(POIDEV))
def test_poidev_sequence(xm):
    expected, idum_after = POIDEV[xm]
    state = rng.RandomState()
    idum = rng.seed_array(-31)
    got = [rng.poidev(np.float32(xm), idum, state.shuffle, state.gauss, state.poi) for _ in range(30)]
    assert (_bits32(got) == _u32(expected)).all()
    assert idum[0] == idum_after


def test_poidev_zero_consumes_one_draw():
    state, ref = rng.RandomState(), rng.RandomState()
    idum, ref_idum = rng.seed_array(-4), rng.seed_array(-4)
    assert rng.poidev(0.0, idum, state.shuffle, state.gauss, state.poi) == 0.0
    rng.ran1(ref_idum, ref.shuffle)
    assert idum[0] == ref_idum[0]
    assert (state.shuffle == ref.shuffle).all()


def _rejection_means():
    i, u = _hashed_uniform(2000, 0)
    lo = np.array([12.0, 100.0, 1e4])[i % 3]
    hi = np.array([100.0, 1e4, 1e6])[i % 3]
    return (lo + u * (hi - lo)).astype(np.float32)


def _mixed_means():
    i, u = _hashed_uniform(1000, 12345)
    lo = np.array([0.0, 0.0, 12.0, 1e6, 0.0])[i % 5]
    hi = np.array([12.0, 1.0, 30.0, 1e8, 0.0])[i % 5]
    x = (lo + u * (hi - lo)).astype(np.float32)
    x[7::50] = 12.0
    x[8::50] = 1e6
    x[9::50] = x[10::50]
    return x


# from C: one stream, poidev(xm[i], &seed) for the means above, as zlib+base64 of the
# float32 results; seed -2024 for _rejection_means(), -99 for _mixed_means()
POIDEV_REJECTION = (
    "eNo1WXl4FMXTbiCEcC8QIMg1nAY5XDkkgOLsblfvhnMlURKIMCD3oYOgxu/n0WjECFEWEIhyDYgSBHW5wxUG5BIirIgYkGPk"
    "iIBBF4UQFOGrnRr/q2ef7Xqqq956660exnQPS9gH7MKUAGNhL1MXgozs9TP2iZdF0yB8Y1wqY+n4u8X1wT60s7xMnvXpMxS0"
    "3V62uZZQf7uLZ/M9LHwVZO9NaB/xsoS9oBZkor3KywrmAJuW77dtXYD15Sg8OwV9nuDmmr5od/cyNsoXbd8UbeZlufHCnP4H"
    "ns31sKQrYOasRfsr/P8WUA9wtDd7WWEOsG0j0edSL3P1AW1ZFp59wsusLdz1fQrayfifZsIsbYi2hX7ihPnKFTxreDB+0N5e"
    "Tn5cX4F62o32ei/Lngkstyb6lOjnYVCVoXg26GXmYh5a1Q1txcvKkgQ74UL7sIdV3Aflzhk86/Kw3B9BWfcR2le9LPlzMOOb"
    "or0cczgVmHuCsO+rNQGj3RA8yzGHs7i7tAv5Zw1E1KqJtulhq5mwLkTwrIY+I6CNeJ9iO7wG2N34WJ69LDwV1I065dCoC7J0"
    "ANoBjHMgZwUd0B6AOXcJ9+vxaIc9LHobjAkH8WzQw/RjYOa9RXcv+QRjK8X7fuRloQyIDpmcasds3uPudX7yyRry4FttKbcp"
    "tYT2VKVUO4fhKBj1dqGfjVjTb0DOnIz2F3h2EchBO/12nCwNIivGpto1Mi5zbYMX7U74+08+K70l2rXQZw2hLroTsO/uvg5s"
    "5gaKTW4Fpg11avQ+sHoLCJPKU+Au01LtGplHuPr+k5RPBj6j+UPkszheyB9v4FmJObwAatoaymFwA6ijPGifwPu+C2zyM+hz"
    "NuazJ1j7hlNs2hfceDrFuW8ToR1NRLvEwwJxgl24RJhUT4NsugztQsTqVyDrdEH7c/SP+KlcyW/3SPBhMNOepfpaSznrF8NP"
    "hYflJQl5si7abTEnlYTy1mk8q3iYVgLy3/l0X1YA6s0kqrXyKrCsnoifWRhbI3CveRrPhrAX/seDxZ2pd2bUE+67NVLt2A4/"
    "AGYdI/xkfwfGI7loF+BdVoLaII760XweXH++EPs/xlYTtIkDKE41wLXKMfwk4O8uoe+vinYh8sNtMFMOEM4TDoH6yOuE7chi"
    "YHPP+23bygRX3iTiCu0BD9aO4UfFu9Tn1jdt6O736gj3YhaL38Pyy4Ct2oF+ziO2i0AtG4/2QS8LLAK2fyv63IV1GQBq1Rh+"
    "dPR/kcvrHrTHoM+9PuvzFlSXAYifseXU1xW/gjIzjPZqL5uwDcxRaXRfYzawKx/47RwGVWCBGH4m4O+HePiHJxxMdveZ7zVB"
    "24X3qiq06WV4NuJhExA/tz5D+yL+ZzOwW30pnxHEZGs/+nwb8/Y4WNOHUT9qG7nrak+0U7zsMtY6PYafOC9LjBNG+S8Bmzei"
    "Z8H8ewnV+uqXoH7ZIWDHpmcDS7qGtc5A/LcG96JnUm3bNLjetCthUk8U1t91iNNymFDf+wnPqh7MBbCD89AuwX75AtjZhnT3"
    "6CugVp5BmNEbg3khSLGZL3E1uzP1eKCB0L6ojnYU+eE2yM3f4VmcC8lHQR6YRXWpWAKshKG9CGsxDowrLzjcWAOCo/pTD5pe"
    "roxPpvumNxDh2lWJJ41yUIxvCD/Zh4FdfS1gYy8Za514mvhWGwbRDRPx/6/j3R9ws6UgHKq1uN62DfW1WVMYOx5QDvN/A6Oo"
    "EO1TGP8eUPuPQbsY7QUgM7/22/2opIH6zhg8m43+r/Pwcx7KoVzjM9Nj+LmK/VJNGHG3aX6FfgHrwVdo/+5l+VtBvTOYeCOQ"
    "B+zFWcSTam+IvjuSfCrfcveIJ6hGrLpPm5dE+EmOF9aK6wG7RhUXQOGr0T6D+Uf+WfME9U44F/PZG33Ox9jcoE+N4UdD/1/y"
    "YN7jaDdDfCYJ964GFOdHVYS8fIHqUngazJc/Ib61CsA82Z4wmSSBbf1e2JiUCpj701Ntm+Vxc91jNK+LG4vI0DpU64x/QWl9"
    "Cs+6MZ/FoETnkh8N51fV+jFO9jK3DqzDdOe+jcGoFnT6+mUeyexEPJZTT0Rnx/BT4GEm1rp5ccDmDf04GDnvkh7IXQ5yyT9+"
    "u5ddo0H+OTWV7l4V1BP9aLaqj/Pon+2p1iV1RPifKjS/wn+CUXkfcZp1CGTolYB9L3MhsIk/0FzA+aVfn4D//xBju8vNMqC6"
    "yHKfOa415XNMHaH882/AjrOiDIzibc5c2AUyPCpg1zf8AbA9ax1M9gf9jecJ28oFLktVipMZPv1iM6p1enWhdbxF8yt6CdQa"
    "X6K9A8/uBLl0IN096QOQLkn843oCrIsjKDZtN9fVPqRVkF8iNxujnYQ5ryrMXtdofhWcBWvQp2gXIR7CiPNepIWScX7N6II+"
    "Z2BsbohuzHRqXcCNyY8TzouTRHhbfeJeq5Jg687T/Mo4A+amfIozZS1IrU3AroWBs2ZzobBnImsJkSXpDiYl1x9+jLQZayiM"
    "7NqpNjcm3AOt+49U65RjoBz6gGai9imwlq6AzYeWDsFvX6K6uKuDbDGY+FadzPVVHQnb9+oJ9moCcUXyHeyRI4TJ0BGwmuaQ"
    "z+gSkKzcb9crPBJMiOEnB2tXA9zV+jlapRMPftyeeGNzXRFZ6uAn5RYoE03Kp7Ef2KLp1DuRj0FOLEafBvrJBGPzeIfDr/FQ"
    "KyCeZOU+fUcr8lmWINScewHbZyHOr4KtxDkR1LpXRgTsvKkfgjz3qd/mWyUVQjmjaWapJdxc8hT1jvzQ5/Y0oxyuri7k9ZsB"
    "eyYWXAE5ej1pqtBOMFf1oxrlIv8sfYX0s9YHlCXPOTxZxKPje1M+XU2Eub4xxZlfVcjhV6nWugVa15VoX8b84/za0wPtrTh3"
    "3gZ2rTVpFasTaK9npNrxa8u4vr4HYV57SFhJ9SmHbRE/P54jn9pJMGAxxRZeCyZvRXOB4fwqXCns+cvaQGRsGs0I7QPOst3E"
    "Fd0bCu1gLZpfuffBGPcDcVrgOJieGH4O4/8/A3NKbcK5MQmik6eR3ovUB23KIEcDjOehtzoSJrPritD2aoSfcDmofb8lrWsd"
    "BWvl246eXAqyLOrw7XBQFkwhXSHjQT0YoLqb7bl1qR31+GXknz8rp9Je8weoHxTF+FyNaV21qk6YTEH9c+6Qo0ufgfDy8YRz"
    "eYuHenJHV/ziiwxTiCvMGsK8+zfhx/oN5Cub0T6Js3U7sF+yaM5qIZDzlqHPPPTzFGj3Rzm1LuHBxKccTE73aQObEldkJAjt"
    "ZJRyGLwEyrLYrrQP8bYN2DE/9XUS6p92E/12v7h6QfSPLNJ+5i4enNSL6p7VUkQvN6IZoVURZtKvjs9zwPauIP5J+hpko67k"
    "P7YrnW9EPBnqCPqCoaT9jBU80rM7cVoIMdm5Hs2aMibkpZ+Jw2UE5EOLCIcZa8D8qXnA7kH1NWBdZgvbT7g5KL8PceZ+Dle7"
    "P0r3bdtQWH1qkYaU90Ap+p74PKUYjCpzyI97Fagjqjt8PgHM87FdCW2zEah9BtJ+JLN4+I+Y1k3EWqPWXR9P+HGVg3X5EGmV"
    "/G/BqjzTuftyYGeuUQ9aWaB9P5kwqVcC480A+WGPcC2xHd03yyW0m5UoTgU1lW835S0F58JnU4k3ED9yjum3a6EPAfd746hf"
    "jBs8mvXfrv2jzyp3diWrumAytmsjZ7LrII9vJK6I7gA5ILZrI2YU5J+7i0n/yP4QXjmKtJ/yE9ca9aW7s0yfcfEhmgtGNSHH"
    "/UGYLCgF82gB9aDcDupgIE6TqHXHZdGs0Xug9shy9tb1XI3vRbMm0EToKxqSJu+Ou/bey8QVkRKw3lxOmqdwPajD3ITJ8JvA"
    "4moS/xjtIPTHs6TJ5cfc2t6NuCLcWGh5LtKTybgXq2fIp+sUaPU+ot1BRa6o0ZSw5MJd++xoQbtJEoSOPu28CUhuyC60K+Ul"
    "CvW6s2vrf4MZjThccQiMA++Tfo6uBDklnjRqaApYd15Mte8erYs6ZKDDP4O4dHeg+05oIPSieLLzK5CjDhKfqwfBvPIW9bWF"
    "td55yW/zg/IcKHcmEVeY5dy1ze+8sTTj4cFtCee7agvd5+DH+B20OzuIb5P3guw6kbRZdgjY9h1+W5uFBoLxW2xXQgwYp3m4"
    "yOu8q5zxRdwtyS6rJYzMCtqV1Esgd20gvaduAbbxWaq7NRfk7nl+m8PNp8DYrzn9cpKbrz7paN2hPlezh2jWFFcV1tobtCvl"
    "nwVjxBryU7gRJMR2beTGZJw1TwZJ+6k9QM4eTvlUtnJZPYVwPqOJiOxzdu2zVYTy9CWqS+EZsLYtDdgcePhrMNM7U8xXUeu2"
    "vidsfWK1BaPzs+RTy+fuQ10Jn65GQtlZl+ZsSiVhvnGa+jrpJO4F8ymHIeSf2Uk0ayKodU8+KmyuYI1B6/e0w+evY+90IUzq"
    "9YV7Yw3qcZUJo91x2t+tCKg9cqnW+StAPqhCMzH8PET6xvCD2o/VBq35AMqhKriyMZl6UEP9U+rs2mo5mCv2k/4JHwDzzv/Q"
    "Pob7bD7IxeeIf9RMsFpNIk0u/+Ghx/1OPyZxfVEb4l6ltlDqMPIZ+B2sOTtIA2TvQy0xnnbkCO5KP23yU+8AqLfHUK2VUh6+"
    "4SHtx4769LwW5NOoIaz95aR1FcTP07FdO4I53wNm7yGUQ/dcYPfn+O27R3zgKhpJcxZ3JXPtf7t2Cx/Wm/ATjhPWS2WEyQIL"
    "lB6fk5+Uzchjfeld5WoOsPeA5mzYDeZzwwgzxjpuvtWT7l4LueKZRJrd6bgr1b1IPZjyM8iVS5z3va+ALelAmKzA+fVIqbDf"
    "piK4a097hvwoC7jc1JV0WkEjEaxfl7SKfh9Y+xKaifppYH3mEc6Da0AdlehgaRpEu08nXWo1AuXhoKMrXuWG2tnR9i4R7Obg"
    "J6afO35H+7tyBOSg95z3H9TPJx4QV6hjwTXhBecNpBaEd/enHjc9XEtzdu24ukKNxtG7XOAvMCd9Q70TxF1Jzw7Q+xvyT6sS"
    "mjWhocAyJ1Kc5j0u3xNOnDV4+Hhr0gBLkStSHtBszf4d2MFCmjUZRYjzsfRWrMwHdvwr0lSuVFCajXHiPMutth6qEdvti+xu"
    "TjjcVV0YT94m/FiIn+dju/Yu7JftYO4YRH19GLVum1l0d7cXInIk9aBazJXh/+Gnks/9RhLtDmXIPwuvU13YJcTJaprXyRuB"
    "DetDOk2dBWxkL7q71hWUikznDe0L7v77cerrXQ+JaMsGVOuzlYX0WPQmoJwGee1jwrm+Dud4e8pnCvLPvqPCxrnSEmSC81aj"
    "zOWhWY/RPpLXUJiv1SFOU1DrrjtFceb/AIY2l/RA/iowb9Wjtz7rJbD+eYnmS7AxhPsEHe59kSvTOtEOm9JQRH9LoLtHKoBt"
    "Okr8k38EtD051C9u5J9GsV0b54UcDValF6iXowmgHe3ncEUfrmc87Lxt1hWsWxzxpFUG6oK9xD8pe4H9/jLpKDUfWMMT9K4r"
    "04DFT6TZyv7iarqza7PKPHS/FWHycg2h5d4nHJrXQbsS25X2I35MYA1Gk09lHrAtBX7aMVPBTH7e4clTXM5WnZ1uoc+63Yzm"
    "dVyCMNP+Iq5I+RWM+etpjyvcBuaZAWQnzcEef5N2ukgfiAx2dm2liLt/7O1gssir/9KYMJkdJ7R614gr9J9BKV5FOM//Enms"
    "J/FG7jvARnT22/rEfASYP5Nwbi7hSnkP4goTte7M+g7folZZcN7Ruj+AFXJ27SDu2jPaOHvT/wHjWwTpsRag/ZZG+VRDXP7s"
    "JjuSKFyratPuoFcS6pCTpH/yj4Ha/UPKp7oa2KS6AVuLKtNA7/uSo0trg/v2IJqJ5lgendqROJw3ENb8BMqnWQFKiyOEyfBR"
    "nAXvUD9quCtVv+28l44C6xdnV4pUg1CTfqRV2GPcPbm9o/PrC61HFdqVkv8Ctb9JPpU9yD/Tic/1j4DtPkJ9HQ2Cumw8YVu7"
    "zo17nDiHPfBZgVbUj6GaQja4R1xRcQO0BVvo3f7wbpBvjCCfEvmnySrSFWEfuI3Rjoa8wJX5/+3aK33qC82od/IRPyU3nX2h"
    "FLQW66ivLdQqTftRrXXclZZPp1prvbBnY7s2zlxlB9e39qZadGouXGMbUw+6qwittJS4IuEcqKtXks/wBlBH9yBOC+H8OtWK"
    "Zne0PUROZzjfL1ZzNqQH5fCJRBHcVY9mhMWEKc9RnIESME4sIh5zr8X9SAnY3BXEXTuyTNjcG2oDagtn17be52pHN+m9zYki"
    "3Lk21dq4B1bWD9Q74QgYt/Ko1nIFmNdqEafJsRDqFtu119v4MTMGOW9TI7ler6Ojn12CLapGe7d1F5TXDuNZ5mHRYlC6vu18"
    "Q1yGGuMmaUhrBKhdptA3oHA8RHIDxEXmozx6sx1xRWFtoc6rTFxUUAba4CLC+QTUum/o9IaWvRB37QOkAdgzEGwwnuaXcoMb"
    "r/ict76rPmO7QrWO1BJsU2zXRn1VcB2s7ptpXpd8A7LlcGdefwjs8FJH6/aHYN/RzneQ09zc0pd2OjnXF9rYlPavjGpCKYnS"
    "u27oPGjH1lKtM2LfBQTxRgBnTfp4Z0/sAdYOZ1cyCrl2phft77KpcA9q5HwTSRDsyhXin6vokxukIRlq3cyuzrdOnDXXGvpt"
    "LLk7QOjroTQjjGVcC3Sn3sloKCLT6tFbTQTn186fnbe+EjC7LXR0+DowTzen7wLh6cDK3hW2ltCagVo7jXqH5XCl66MUZzri"
    "51ZNmonsX5CZ31OcxnEwh84hnykGyFMJzhvLWAiv16ku4VoQWjHQwU861yIdqHcy6gvjRDxpFdc9nNGHaNYUHMH9fabDjUtA"
    "pl2j93Y5EsxVk+mtOFQFwv/8p3UVzs62pbq4UFOVVqK7s5ugNt5N32uykX8+mUJzIaafD5rEP8YACE0dR/dVb3LXkz7Kp7zo"
    "kzUU0qVGdWFeraC+1q4Bq9hI8zq0DVhSBtU6ZS78P1PEakQ="
)
POIDEV_MIXED = (
    "eNplV3tsU3UULsrGwDkqbJJtPMpQhrLYAUMRkN3vIpD2XrEEeSivRp6ibIVNeUi2jvAog8Uiwupws8vIGK+tLIAThzT4BwV0"
    "q4nGCjMpBOIIEbpIZMCc7td773rvuTdp2p2dX3/nO+c73zk1GJTHiaTMGlH+g5PebDD+W2Dp+V+u9GJPExZ+tdMqu8l+bqzf"
    "JQjSZz8nnfcj6fpR2eaV/YI4a7gn24yQ/TEnIVW+Nyz7GfhzGVNE7dks/snLS0TtWTduv1qsxCzbXFjqdattPeezETYVWmSc"
    "uQq27042iiobx2yuxMUyNqd8rwfmnFwhZmO+fhiP1whav07M/OlPQZuXdpTcT5HvMMnxhVAYN0mFjX1fCNWD3iPYHMhJ3Srb"
    "OEh+dhiXR3GAYZJsXqSZvKRuDlwccUpUxcKxvNwaMlaNjWP3zm8ZL2j9gnhSWilocxrAinM3CN4wXLcGkbol8ou6c1R4WXwB"
    "vBa3QI2NYzjsQxgOhsEFJb4fy8tkv2wonNxwsEqFTcpBW1WDqK2lF2s3/G3R5t6BFN9oUg8Dvzm/XIjllD0+XNl2XdDe68ey"
    "XwYSXoWRHB6nio/dzcG7keFguIy9MS+OfKw6y+52wJy0l2ALcwMTKgkODt8Y61W26AsNT+2zaHMQwIVVaYL2rAdd/D5d3Q7b"
    "f9X14OnvE0VtLU0IVyg4FFsErTdsotIr0rsd9R0bROWzdLcDV7aUquor5eXalkOiIaYtuSx/qSUnCF4XQhXnCXebkDk4SdD2"
    "ZRCPhu8RaB/tfKOVcDIbtnkMR5SPciwuPPPDWNJbAVwNvEV4akfLb/miSsOi+pLV4VLhlfLc9s+XBIcbHV3HdDha4ptJnu1I"
    "DfRRcZKdb4elezvlKWxTlf5QYgkhqzyeaEkTBtSO0fXbKJ+V9GU7vr70kcrG/OqQsG6XEh8U/vVxeEjdHLhadJRgq0Od85yo"
    "jbkOY166a9VqSY9eTWY4GH5vbw8Oe3xR0H6fgS8tfpr0RydOHXxR1UdSzH98MYtwzcCfPfOBrrfM13YoGturOek3D6qwSXXL"
    "uXuE2ByIf9BE6taESHxUd7lY3ZyY+Ol6Ujc/ToSaBTo/zhcZRGpb684g2DpRXP0m0RwjP7x2lYqT0r2j5m4nfckhZ9kBUjcn"
    "PlxWK2q5ZkIkQamHwl0nXun41qrlczviU1YS3QhhfPNZQZsrH/IvPBa0XAtgTd4IgjeIy8UgMy+R7797OcmBCXsvbyNz34EZ"
    "1/eTGhkRzCy0xOKVemt72xlRO6d9KM6rJvPchf2BhWRXqUPXHp9uvpX4HpBdxcA3LxlK+i2Zz8ubppvxO0rspAfDXPKsErWW"
    "MC4hmKHsJUqdHJg7v4bgteHhnNM6fXm/1WXVzgUf1pSJpLd69oPVxwhPjfyibfdIfRP4dCFVpLZJC6cQvfejspDuYRwirWxP"
    "5BDjqR3ll9yEuw5MvVqt663nWhrJzDNhc6ndquILx3p1y1KOxOzB6bcP63jqXN0uUB0/OfV5gi2CTsskqiXwprN6mFS6a8Sm"
    "/K1EX2yozf1MVPik4H2X84q0liunnyJ43Wgfa7Zq6+vF7ScTBKp1F0ZUkXnuQ8fEm2QOunEvazCZW05ws5V53ss/+Gcu0O3P"
    "mL9Z1O5DHow8WabSFwnb4zNVhJPZ6HOR7mFOFF3qsmh70I38QCbhpA8zBnh0Neoc2iZQXrn7KvuuYuvLDzGPF+lviMRx7xDt"
    "5NAx+RPVfGP18OBuxl6C14l5EyoJNjv6Tagn882G/kkVZA/z4FFBOsERQve1fUQT/Zx3JMPBuKfEHMHouGd1O2b3ADPRkiDW"
    "Dp1D/EzYmFZAZoAXyVWldH7gr5pDBJsLTTV0D6vDkcbz6h6M7uP13ECiiQ7Y7xfIOGK//Rp+byX7cxB3uvqTfaMJr/fLIn2U"
    "zDemzSY9mI1Rwxy6uVCdspv0kQ3ThlcQHA4UvXCc6KQfd8zN6hxEeeCM7lfKniLZVpTtIP0WQkP9ZYHuUotux5M7kvmfH47R"
    "zYBN/1lJH2Xxn8etI3mxI2/3Lp2ebj0g7WH/Axj3kqM="
)


@pytest.mark.parametrize("means, seed, blob, idum_after", [
    (_rejection_means, -2024, POIDEV_REJECTION, 1724019691),
    (_mixed_means, -99, POIDEV_MIXED, 1323985484),
], ids=["rejection", "mixed"])
def test_poidev_many_means(means, seed, blob, idum_after):
    state = rng.RandomState()
    idum = rng.seed_array(seed)
    got = _bits32([rng.poidev(x, idum, state.shuffle, state.gauss, state.poi) for x in means()])
    expected = _blob(blob, np.uint32)
    assert got.size == expected.size
    assert (got == expected).all(), np.flatnonzero(got != expected)[:10]
    assert idum[0] == idum_after


# from C: for each domain mosaic_rotation_umat((float)spread, umat, &seed) then
# umat2misset(umat, missets): 9 umat values then rotx, roty, rotz (float64 hex)
UMAT = {
    (-987, 90.0): """
        3fbac641202e4af0 3fcf98a1d30da710 bfeed42077b09468 bfef0fc1a65a612a
        bfc7be9fd803efae bfc39283d7a8cab6 bfcbb4ef7e44f652 3fee6fafdef4c86a
        3fcc2fabcf2cff6c 3ff57e19ecc454f7 3fcbed86c638aae6 bff76a5818b2d799
        3fd994d99c850d38 3fe74a0f71462321 3fe1d52d53147882 bfed54f45f3abdfb
        3fd40bca0f3fd612 3fcfcb6f46dabf75 3f79862b196bef40 bfe385e359f1fb9b
        3fe95a8f6e51220f bfe4ff8a4a976733 bf798635ecdfb703 bff28dab6d9743fa
        3fe38bba66e17a46 3fe2a67ad8ad3a97 bfe1266f1b03fcda bfe953abb52016e3
        3fddfcc977d3757c bfd91e6e895d02d8 3f96e82dc4acb610 3fe53ebe9569b098
        3fe7eb58071b3916 3fe73d7e4ac578fa bf96e8ab0106513d bfed3b972f3e9204
        3fcd130bdfe4f5b4 bfd91fc08b055b18 3fec84ff7b5992ec 3fbd099ddcb67c26
        bfecbe9253f41f85 bfdb2c1c8767ad7b 3feef392c383d030 3fc9489fe0e6270a
        bfc46abb96498ca0 400200357b9b15b5 bff50689d1edbb1b 3fdda418f1ffb9cb
    """,
    (-4321, 0.8 / 57.29577951308232): """
        3fefffce18f77cf6 3f6982891930ad87 bf7936c2d32a0bfd bf6a1ccfdc5d7c35
        3fefff5eeb7c0f62 bf8887766d850836 3f790f281f9fc7ff 3f889199c5fe3ff8
        3fefff41d6760f3a 3f8891de8866d32c bf790f325e61763e bf6a1cf2c9646993
        3fefff6cb3e57f67 bf86d3e4a991cbaa 3f70800d586f2dcd 3f86d659cd97fe52
        3fefff7c3d7ef124 bf52ba3871095027 bf70726d5f69c055 3f53764b3a4f7a9f
        3fefffed9d27cb67 3f537655cf69364c 3f70727044e97775 3f86d684e37832d1
        3fefff35211553e4 bf6d418e1fff09e9 bf8b87e7467e8993 3f6d53f63faa8677
        3feffff2254b7007 3f449ba8aafa7b56 3f8b86ade69656b1 bf462edc64075bc2
        3fefff4216e490cd bf462f5fd494033f bf8b86e437cd1508 3f6d54a7fbd54574
        3fefffe5ca6b5392 bf59a2bccc3bcf9d bf7372ff9c2fd54e 3f592f1909d2143d
        3fefffda318fe9b9 bf77c66fb33687ff 3f737c6e99cf6106 3f77beb4fe440637
        3fefffc50751d94b 3f77becf51d516a7 bf737c736afcb830 3f592f2c5d8c9797
        3fefff768d1a0fcf 3f55bd6c8b50df51 bf874a10fc0a4b0b bf54a5d9cc941c29
        3fefffda3ea3a0e2 3f7807a452d042fb 3f874e0a524b8997 bf77f8361cc89ad7
        3fefff544e23fda5 bf77f8a4cb8d9e41 bf874e2b48f0981f bf54a631c6d2dae0
        3fefff3ce2e2d6b4 3f7a0614449e5957 bf88b87b79e6f63f bf79e25f0f1e2c31
        3fefffcd90729161 3f67681713046f64 3f88c1d906045c6b bf66c79054f6fc9e
        3fefff5ea7e93a1d bf66c7ff58b9fad7 bf88c2008acf0e88 bf79e2e64fa034ab
        3fefff997001dbe6 bf68eb1c34d2ff1a 3f8345c7200dbbe8 3f6844ca4d8646ec
        3fefffac46ddb2ef 3f8143cddaad2149 bf835306671cc4e8 bf8134f8c1668285
        3fefff589dd231be bf8135383a594bb7 3f8353193225dced 3f6845136fac5280
        3fefffa4b164291f bf82e3b72be0162b bf5731fe37fa4338 3f82dbf255497b11
        3fefff3b490b1fbc bf84c3a52f4dcc81 3f58b9a9955de042 3f84bc9429887405
        3fefff921b68bf9c 3f84bcacee99d924 bf58b9aa32d1d8a7 3f82dc0535806108
        3fefff34aeb05640 bf8239d4802b5843 bf85eecbecf106e8 3f823c1a176352b1
        3fefffacbceb4b08 3f37658f5b9e342c 3f85ece86e78be1a bf3da4bcdebe1564
        3fefff8799d9d3dc bf3da52c46da061d bf85ed03e18da73f 3f823c6e5fa68cf1
        3fefff7bd19718df 3f86adb95c57a289 bf5e58afc970313d bf86a609f14554e3
        3fefff40d87fdb10 3f7fb9ada2dbb6a8 3f5fbfb8b21c5c07 bf7fa3b028946b70
        3fefffbd7ee75a69 bf7fa3c8ac2bc97f bf5fbfb9ff790577 bf86a62afc5c6767
        3fefff97a6b63e87 bf75028cbebbd09c 3f8185b3d7e011c7 3f74b9e7fc32cdf0
        3fefffa05d1fc06c 3f809660fb693590 bf819b477dc22649 bf807f782b99bd50
        3fefff6e73a9eeab bf807fabd29fe66f 3f819b55b4764ad5 3f74ba1ffade52b9
        3fefffb8bc1858a6 3f71f63e9271b1f9 bf7c97f77bfc01c8 bf71e7ed2f27a679
        3fefffe7e425438b 3f60238815d41de2 3f7ca0f1021f2be4 bf5fc6c8861da404
        3fefffc8d4731bfb bf5fc6fcb2e0556b bf7ca10048e4042e bf71e80d9638bdf7
    """,
    (-12345678, 0.0): """
        3ff0000000000000 0000000000000000 8000000000000000 8000000000000000
        3ff0000000000000 0000000000000000 0000000000000000 0000000000000000
        3ff0000000000000 0000000000000000 8000000000000000 8000000000000000
        3ff0000000000000 0000000000000000 0000000000000000 0000000000000000
        3ff0000000000000 0000000000000000 0000000000000000 0000000000000000
        3ff0000000000000 0000000000000000 8000000000000000 0000000000000000
    """,
    (-5, 1.5 / 57.29577951308232): """
        3fefff984deb00f9 bf79cad5f6921eec bf7f867a7f00e4ab 3f7a3f652f72f3e2
        3feffef853fea82c 3f8db47a79bfbb88 3f7f25b196043955 bf8dcdf5ef7da8f8
        3feffee544db063b bf8dce735f394362 bf7f25c542666c66 3f7a3fa2b23be956
        3feffdd2e48dd42f bf8bf0c5bbf4251e bf9305d310c8216f 3f8b88c4754d7dfc
        3feffec8ffe6e4d2 bf860a509c6634a3 3f932b974340e973 3f8585df28eef8e5
        3feffe1ca2b59f31 3f8586f0618ec3c3 bf932be0a910467c 3f8b8a3726117f87
        3fefff5450890b8d bf3cf1ba6524cc7a 3f8a3089edd1a2ba 3f2534fa593d6c75
        3feffe0a0b1406e4 3f96670624202faf bf8a33fff55fd30c bf966603190e6a6d
        3feffd5e8c7f42c0 bf9666f05e216ade 3f8a342ed05dd2f0 3f25356c1fe74961
    """,
}


@pytest.mark.parametrize("seed, spread", sorted(UMAT))
def test_mosaic_rotation_umat_and_misset(seed, spread):
    expected = _u64(UMAT[(seed, spread)]).reshape(-1, 12)
    state = rng.RandomState()
    idum = rng.seed_array(seed)
    into_state = rng.RandomState()
    into_idum = rng.seed_array(seed)
    out = np.zeros(9)
    for row in expected:
        umat = rng.mosaic_rotation_umat(spread, idum, state.shuffle)
        assert (_bits64(umat) == row[:9]).all()
        assert (_bits64(rng.umat2misset(umat)) == row[9:]).all()
        rng.mosaic_rotation_umat_into(spread, into_idum, into_state.shuffle, out)
        assert (_bits64(out) == row[:9]).all()


SPECIAL_MATS = np.array([
    [1, 0, 0, 0, 1, 0, 0, 0, 1],
    [0, 0, 1, 0, 1, 0, -1, 0, 0],
    [0, 0, -1, 0, 1, 0, 1, 0, 0],
    [0, 0, 0, 0, 1, 0, 0, 0, 1],
    [1, 0, 0, 0, 0, 0, 0, 0, 1],
    [1, 0, 0, 0, 1, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 0, 0, 0, 2],
    [0, 0, 0, 0, 0, 0, 0, 0, 0],
    [2, 0.1, 0, 0.1, 3, 0, 0.3, 0.2, 0.5],
    [0, 1, 0, 0, 0, 1, 1, 0, 0],
], dtype=np.float64)

# from C: umat2misset(m, missets) for each row of SPECIAL_MATS: rotx, roty, rotz
SPECIAL_MISSETS = """
    0000000000000000 8000000000000000 0000000000000000
    400921fb54442d18 3ff921fb54442d18 400921fb54442d18
    400921fb54442d18 3ff921fb54442d18 400921fb54442d18
    0000000000000000 8000000000000000 0000000000000000
    0000000000000000 8000000000000000 0000000000000000
    0000000000000000 8000000000000000 0000000000000000
    0000000000000000 8000000000000000 0000000000000000
    0000000000000000 8000000000000000 0000000000000000
    3fd85a376b677dc0 bfe043b9abfde06f 3fa11279d2296fe4
    400921fb54442d18 3ff921fb54442d18 3ff921fb54442d18
"""


def test_umat2misset_degenerate_and_unnormalised():
    expected = _u64(SPECIAL_MISSETS).reshape(-1, 3)
    for mat, row in zip(SPECIAL_MATS, expected):
        assert (_bits64(rng.umat2misset(mat)) == row).all()


FP, SP = 24, 16


def _noise_input():
    i, u = _hashed_uniform(FP * SP, 777)
    img = (u * np.array([0.0, 1.0, 12.0, 30.0, 500.0, 7e4])[i % 6]).astype(np.float32)
    img[5] = 2e6
    img[17] = 65500
    img[30] = 12.0
    return img


# from C: the noise loop of nanoBragg.c over _noise_input() with seed -4242: the uint16
# image (zlib+base64), the photon sum (float64 hex), overloads and the final seed
NOISE = {
    ((0, 23, 0, 15), 40.0): ((
        "eNo1kjtok3EUxX9XRQUVwcVJRRvw+2zSPJqkNmls0ySiFtTJDq0i1BcKDnWwQwJOtdqADyztJBYUh1qo+AJR8YGLihVBUTpp"
        "szhIq4KgVuL/9kY+Aod7D+eec/L38GlgGyulWvXwaCbDIEs+Kg65zVxtvok8e2U6pdinhfuU5xIOJ4i7Xf+4TiMOjciibmV7"
        "pPnMyRXKb3LfCXom/3MmZc0pndeTY4McCCv23N2btM56Nc2fsu+K6oQcq0ce7ba77XyiLIrjzmknF5948/6DTMiRXvOcJSbH"
        "AoqTjnOesxXlRN2mKv6QZfHYIecK6kDvTqMZfafZxE6G7ikn7HZlmT2s8yAdrJP3q62fKP0snbJ5mB9y+4zOg7QRkcW1frI8"
        "4Nof85l2l1+MmTefQRnuVobPFr5zernlbaFI4bXiiGPdkpcl028nIMUG6yfFVeq+WZYoqxakR9W/9jMgb3eZZs51PoppJthD"
        "8pnOw+57KId6rfMMa6WrzvpJMszvivmM8UVSlxTH3K9dcgXrKs5z7A1oP1uZvmMefK7LxoOWy7Uimfl+NrtcfeQ/WIeN7n+Z"
        "GrC7WZJSabZ+8jxm4pd5i7jdmzF7bfVckECXZd/OQhlZpvworRzn7yt10+g2d+VdyTQ7WC+dIesnyQ2OztjdMF+l77LqaD8l"
        "Ga/108ZMLYu+sf0Un/4DFimUFg=="
    ), 0x415031d538000000, 5, 163302792),
    ((3, 17, 2, 12), 10.0): ((
        "eNrNkD8oRWEYh5+X7Zzr3utwHCLkIAPdUja5y91Mt0ii2EwGfxaDP9vNdO/OrasYZVHExGLCpJCUTAaTlE7p+l5n/O4s37f8"
        "huf9fd/7wF+cNsaZv3Vw8Qm4ksqmg0OafkLZzdi8x7ts7SmfMtykjOSVTzDAMQWx+TRleVtRPs0w35RCzQGdLPHyavMOOXnO"
        "aWcDvZxTrWpOmYlB1k9tPuSJj0AZjw6muXnQ3GS2uZSvbZv3KVGM4h190ztzqP9JmrsqmdlafJ7Fa+WbzQv7MrGhOUkfvnwO"
        "2XxAJNmKMo3GypSM5rXfpZtHytTyeSYLy2owYfaNqAt1NjD8Ggc1/Lhk5ejXj0u7aYz9eGYiZOzE5nuol9Ygdt7FHDv3sZ8W"
        "LuSuwD8+P4TkOtI="
    ), 0x4130ef7c00000000, 2, 1465102902),
}


@pytest.mark.parametrize("roi, adc", sorted(NOISE))
def test_noise_image(roi, adc):
    blob, photons, overloads, idum_after = NOISE[(roi, adc)]
    state = rng.RandomState()
    idum = rng.seed_array(-4242)
    img, total, over = rng.noise_image(_noise_input(), FP, SP, *roi, adc, idum,
                                       state.shuffle, state.gauss, state.poi)
    assert img.dtype == np.uint16
    assert (img == _blob(blob, np.uint16)).all()
    assert _bits64([total])[0] == photons
    assert over == overloads
    assert idum[0] == idum_after
    xmin, xmax, ymin, ymax = roi
    outside = np.ones((SP, FP), bool)
    outside[ymin:ymax + 1, xmin:xmax + 1] = False
    assert (img.reshape(SP, FP)[outside] == 0).all()


def test_noise_image_negative_wraps_like_gcc():
    # nanoBragg.c built with gcc on x86-64 writes 65436 for -adc -100 on a dark pixel
    state = rng.RandomState()
    img, total, over = rng.noise_image(np.zeros(6, np.float32), 3, 2, 0, 2, 0, 1, -100.0,
                                       rng.seed_array(-1), state.shuffle, state.gauss, state.poi)
    assert (img == 65436).all() and total == 0.0 and over == 0


def test_functions_are_cached():
    code = ("from nanobragg_nb.core import rng; import numpy as np; s = rng.RandomState();"
            "rng.ran1(rng.seed_array(-1), s.shuffle);"
            "print(sum(rng.ran1.stats.cache_hits.values()))")
    rng.ran1(rng.seed_array(-1), rng.RandomState().shuffle)
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(rng.__file__))))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert int(out.stdout.split()[-1]) >= 1


def test_mosaic_domains_compiled_loop_gives_the_same_bits():
    from nanobragg_nb.core import rng as r
    count = 500
    one_by_one = np.zeros((count, 9))
    state_a, shuffle_a = r.seed_array(-12345678), np.zeros(33, dtype=np.int64)
    for row in range(count):
        r.mosaic_rotation_umat_into(np.float32(0.01), state_a, shuffle_a, one_by_one[row])
    batch = np.zeros((count, 9))
    state_b, shuffle_b = r.seed_array(-12345678), np.zeros(33, dtype=np.int64)
    r.mosaic_rotation_umats_into(np.float32(0.01), state_b, shuffle_b, batch)
    assert one_by_one.tobytes() == batch.tobytes()
    assert np.array_equal(state_a, state_b) and np.array_equal(shuffle_a, shuffle_b)


def test_rotate_by_domains_matches_the_scalar_rotation_bit_for_bit():
    from nanobragg_nb.core import physics
    gen = np.random.default_rng(3)
    vectors = gen.normal(size=(3, 3)) * 1e-9
    umats = np.zeros((200, 9))
    rng.mosaic_rotation_umats_into(np.float32(0.05), rng.seed_array(-7), np.zeros(33, dtype=np.int64), umats)
    out = np.zeros((200, 9))
    rng.rotate_by_domains_into(vectors, umats, out)
    expected = np.array([[c for j in range(3) for c in physics.rotate_umat(*vectors[j], umats[m], 0)]
                         for m in range(200)])
    assert out.tobytes() == expected.tobytes()
