"""Scalar physics shared by the setup phase, the CPU kernel and the CUDA kernel.

Each function is written once with ``numba.extending.register_jitable``: it is
an ordinary Python function (the setup phase and ``--trace-pixel`` call it
directly) that Numba compiles into whichever kernel calls it, ``@njit`` on the
CPU or ``@cuda.jit`` on the GPU. Vectors are passed as x, y, z scalars and
returned as tuples, so no function allocates. Every expression keeps the
operation order of nanoBragg.c, so the results carry the C's bits.
"""
import math

from numba.extending import intrinsic, overload, register_jitable


def negated(x):
    """``-x``, the sign bit flipped even when ``x`` is a NaN, as the C's negation does.

    LLVM treats the sign of a NaN from arithmetic as unspecified, so it folds a
    negation into the product or quotient it negates (``-(r / 0.63 * fudge)``
    becomes ``r / 0.63 * -fudge``); gcc negates the result, and a NaN then
    changes sign (-nan in, +nan out). The CPU lowering fences the operand so
    that the negation stays last; the GPU's (registered by
    :mod:`nanobragg_nb.core.kernels.cuda`) is a plain ``-x``, since its NaNs
    are canonical and carry no x86 sign anyway.
    """
    return -x


@intrinsic
def _fenced_negation(typingctx, x):
    def codegen(context, builder, signature, args):
        fence = builder.module.declare_intrinsic("llvm.arithmetic.fence", [args[0].type])
        return builder.fneg(builder.call(fence, args))
    return x(x), codegen


@overload(negated, target="cpu")
def _negated_cpu(x):
    return lambda x: _fenced_negation(x)


def c_product(a, b):
    """``a * b`` as x86's ``mulsd a, b`` computes it: when both are NaN, ``a``'s NaN (its sign included).

    Which NaN a product of two NaNs carries is, on x86, the first operand's;
    gcc keeps the C's left operand first (``test *= polar``), while LLVM may
    swap a product's operands. Where both are NaN this returns ``a``; every
    other result is the product's own bits.
    """
    product = a * b
    if a != a:
        return a
    return product


@overload(c_product, target="cpu")
def _c_product_cpu(a, b):
    def impl(a, b):
        product = a * b
        if a != a:
            return _fenced(a)
        return product
    return impl


@intrinsic
def _fenced(typingctx, x):
    def codegen(context, builder, signature, args):
        fence = builder.module.declare_intrinsic("llvm.arithmetic.fence", [args[0].type])
        return builder.call(fence, args)
    return x(x), codegen


# C L3291-3295: sincg, Fourier transform of a grating
@register_jitable
def sincg(x, N):
    if x == 0.0:
        return N
    return math.sin(x * N) / math.sin(x)


@register_jitable
def sincg_of(x, sin_x, sin_xN, N):
    """sincg(x, N) from ``sin(x)`` and ``sin(x * N)`` evaluated beforehand (the batched sine)."""
    if x == 0.0:
        return N
    return sin_xN / sin_x


# C L3298-3302: sinc3, Fourier transform of a sphere
@register_jitable
def sinc3(x):
    if x == 0.0:
        return 1.0
    return 3.0 * (math.sin(x) / x - math.cos(x)) / (x * x)


# C L3311-3361: rotate, about x then y then z, skipping zero angles
@register_jitable
def rotate(vx, vy, vz, phix, phiy, phiz):
    new_x = vx
    new_y = vy
    new_z = vz
    if phix != 0:
        ryy = math.cos(phix)
        ryz = -math.sin(phix)
        rzy = math.sin(phix)
        rzz = math.cos(phix)
        rotated_x = new_x
        rotated_y = new_y * ryy + new_z * ryz
        rotated_z = new_y * rzy + new_z * rzz
        new_x = rotated_x
        new_y = rotated_y
        new_z = rotated_z
    if phiy != 0:
        rxx = math.cos(phiy)
        rxy = 0.0
        rxz = math.sin(phiy)
        rzx = -math.sin(phiy)
        rzy = 0.0
        rzz = math.cos(phiy)
        rotated_x = new_x * rxx + new_y * rxy + new_z * rxz
        rotated_y = new_y
        rotated_z = new_x * rzx + new_y * rzy + new_z * rzz
        new_x = rotated_x
        new_y = rotated_y
        new_z = rotated_z
    if phiz != 0:
        rxx = math.cos(phiz)
        rxy = -math.sin(phiz)
        ryx = math.sin(phiz)
        ryy = math.cos(phiz)
        rotated_x = new_x * rxx + new_y * rxy
        rotated_y = new_x * ryx + new_y * ryy
        rotated_z = new_z
        new_x = rotated_x
        new_y = rotated_y
        new_z = rotated_z
    return new_x, new_y, new_z


# C L3366-3379: rotate_axis, Rodrigues rotation about a unit axis
@register_jitable
def rotate_axis(vx, vy, vz, ax, ay, az, phi):
    sinphi = math.sin(phi)
    cosphi = math.cos(phi)
    dot = (ax * vx + ay * vy + az * vz) * (1.0 - cosphi)
    return (ax * dot + vx * cosphi + (-az * vy + ay * vz) * sinphi,
            ay * dot + vy * cosphi + (+az * vx - ax * vz) * sinphi,
            az * dot + vz * cosphi + (-ay * vx + ax * vy) * sinphi)


# C L3384-3405: rotate_umat, new = U v with U row-major at umat[k:k+9]
@register_jitable
def rotate_umat(vx, vy, vz, umat, k):
    return (umat[k + 0] * vx + umat[k + 1] * vy + umat[k + 2] * vz,
            umat[k + 3] * vx + umat[k + 4] * vy + umat[k + 5] * vz,
            umat[k + 6] * vx + umat[k + 7] * vy + umat[k + 8] * vz)


# C L3972-3978: magnitude
@register_jitable
def magnitude(x, y, z):
    return math.sqrt(x * x + y * y + z * z)


# C L3981-4002: unitize, returning (magnitude, unit vector); a zero vector stays zero
@register_jitable
def unitize(x, y, z):
    mag = math.sqrt(x * x + y * y + z * z)
    if mag != 0.0:
        return mag, x / mag, y / mag, z / mag
    return mag, 0.0, 0.0, 0.0


# C L4038-4045: cross_product
@register_jitable
def cross(x1, y1, z1, x2, y2, z2):
    return y1 * z2 - z1 * y2, z1 * x2 - x1 * z2, x1 * y2 - y1 * x2


# C L4047-4049: dot_product
@register_jitable
def dot(x1, y1, z1, x2, y2, z2):
    return x1 * x2 + y1 * y2 + z1 * z2


# C L4053-4095: polarization_factor; it unitizes its vector arguments in place,
# so the unitized incident, diffracted and axis are returned with the factor
@register_jitable
def polarization_factor(kahn_factor, ix, iy, iz, dx, dy, dz, ax, ay, az):
    _, ix, iy, iz = unitize(ix, iy, iz)
    _, dx, dy, dz = unitize(dx, dy, dz)
    _, ax, ay, az = unitize(ax, ay, az)
    cos2theta = dot(ix, iy, iz, dx, dy, dz)
    cos2theta_sqr = cos2theta * cos2theta
    sin2theta_sqr = 1 - cos2theta_sqr
    psi = 0.0
    if kahn_factor != 0.0:
        bx, by, bz = cross(ax, ay, az, ix, iy, iz)
        _, bx, by, bz = unitize(bx, by, bz)
        ex, ey, ez = cross(ix, iy, iz, bx, by, bz)
        _, ex, ey, ez = unitize(ex, ey, ez)
        E_out = dot(dx, dy, dz, ex, ey, ez)
        B_out = dot(dx, dy, dz, bx, by, bz)
        psi = -math.atan2(B_out, E_out)
    polar = 0.5 * (1.0 + cos2theta_sqr - kahn_factor * math.cos(2 * psi) * sin2theta_sqr)
    return polar, ix, iy, iz, dx, dy, dz, ax, ay, az


# C L3807-3815: polint, 4-point Lagrange interpolation
@register_jitable
def polint(xa0, xa1, xa2, xa3, ya0, ya1, ya2, ya3, x):
    x0 = (x - xa1) * (x - xa2) * (x - xa3) * ya0 / ((xa0 - xa1) * (xa0 - xa2) * (xa0 - xa3))
    x1 = (x - xa0) * (x - xa2) * (x - xa3) * ya1 / ((xa1 - xa0) * (xa1 - xa2) * (xa1 - xa3))
    x2 = (x - xa0) * (x - xa1) * (x - xa3) * ya2 / ((xa2 - xa0) * (xa2 - xa1) * (xa2 - xa3))
    x3 = (x - xa0) * (x - xa1) * (x - xa2) * ya3 / ((xa3 - xa0) * (xa3 - xa1) * (xa3 - xa2))
    return x0 + x1 + x2 + x3


# C L3819-3828: polin2 over the 4x4 (k, l) plane Fhkl[i, j0:j0+4, k0:k0+4]
@register_jitable
def polin2(x1a0, x1a1, x1a2, x1a3, x2a0, x2a1, x2a2, x2a3, Fhkl, i, j0, k0, x1, x2):
    y0 = polint(x2a0, x2a1, x2a2, x2a3,
                Fhkl[i, j0, k0], Fhkl[i, j0, k0 + 1], Fhkl[i, j0, k0 + 2], Fhkl[i, j0, k0 + 3], x2)
    y1 = polint(x2a0, x2a1, x2a2, x2a3,
                Fhkl[i, j0 + 1, k0], Fhkl[i, j0 + 1, k0 + 1], Fhkl[i, j0 + 1, k0 + 2], Fhkl[i, j0 + 1, k0 + 3], x2)
    y2 = polint(x2a0, x2a1, x2a2, x2a3,
                Fhkl[i, j0 + 2, k0], Fhkl[i, j0 + 2, k0 + 1], Fhkl[i, j0 + 2, k0 + 2], Fhkl[i, j0 + 2, k0 + 3], x2)
    y3 = polint(x2a0, x2a1, x2a2, x2a3,
                Fhkl[i, j0 + 3, k0], Fhkl[i, j0 + 3, k0 + 1], Fhkl[i, j0 + 3, k0 + 2], Fhkl[i, j0 + 3, k0 + 3], x2)
    return polint(x1a0, x1a1, x1a2, x1a3, y0, y1, y2, y3, x1)


# C L3831-3844: polin3, tricubic Lagrange interpolation on the 4x4x4 block of Fhkl
# starting at index (i0, j0, k0), whose grid coordinates are h0-1..h0+2 etc.
@register_jitable
def polin3(h_flr, k_flr, l_flr, Fhkl, i0, j0, k0, h, k, l):
    ha0 = float(h_flr - 1)
    ha1 = float(h_flr)
    ha2 = float(h_flr + 1)
    ha3 = float(h_flr + 2)
    ka0 = float(k_flr - 1)
    ka1 = float(k_flr)
    ka2 = float(k_flr + 1)
    ka3 = float(k_flr + 2)
    la0 = float(l_flr - 1)
    la1 = float(l_flr)
    la2 = float(l_flr + 1)
    la3 = float(l_flr + 2)
    y0 = polin2(ka0, ka1, ka2, ka3, la0, la1, la2, la3, Fhkl, i0, j0, k0, k, l)
    y1 = polin2(ka0, ka1, ka2, ka3, la0, la1, la2, la3, Fhkl, i0 + 1, j0, k0, k, l)
    y2 = polin2(ka0, ka1, ka2, ka3, la0, la1, la2, la3, Fhkl, i0 + 2, j0, k0, k, l)
    y3 = polin2(ka0, ka1, ka2, ka3, la0, la1, la2, la3, Fhkl, i0 + 3, j0, k0, k, l)
    return polint(ha0, ha1, ha2, ha3, y0, y1, y2, y3, h)
