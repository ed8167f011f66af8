"""The C's ``double v[4]`` vectors for the setup phase: [magnitude, x, y, z].

nanoBragg.c caches a magnitude in element 0 of each vector (``magnitude``,
``unitize``, ``vector_scale`` and ``vector_rescale`` set it) and later reads
it as a cell length. These wrappers keep that convention on 4-element lists
and do the arithmetic with the shared scalar functions of :mod:`physics`.
"""

from ...cnum import angle
from .. import physics


def vec(x=0.0, y=0.0, z=0.0, mag=0.0):
    """A new C-style vector."""
    return [mag, float(x), float(y), float(z)]


# C L3972-3978: magnitude, stored in v[0]
def magnitude(v):
    v[0] = physics.magnitude(v[1], v[2], v[3])
    return v[0]


# C L3981-4002: unitize, in place when dst is src
def unitize(src, dst):
    mag = magnitude(src)
    if mag != 0.0:
        dst[1], dst[2], dst[3] = src[1] / mag, src[2] / mag, src[3] / mag
    else:
        dst[0] = dst[1] = dst[2] = dst[3] = 0.0
    return mag


# C L4005-4012: vector_scale
def scale(src, dst, s):
    dst[1], dst[2], dst[3] = s * src[1], s * src[2], s * src[3]
    return magnitude(dst)


# C L4015-4025: vector_rescale; a non-positive old magnitude counts as 1
def rescale(src, dst, new_magnitude):
    oldmag = magnitude(src)
    if oldmag <= 0.0:
        oldmag = 1.0
    dst[1] = new_magnitude / oldmag * src[1]
    dst[2] = new_magnitude / oldmag * src[2]
    dst[3] = new_magnitude / oldmag * src[3]
    return magnitude(dst)


# C L4038-4045: cross_product, which zeroes z[0]
def cross(x, y, z):
    z[1], z[2], z[3] = physics.cross(x[1], x[2], x[3], y[1], y[2], y[3])
    z[0] = 0.0
    return z


# C L4047-4049: dot_product
def dot(x, y):
    return physics.dot(x[1], x[2], x[3], y[1], y[2], y[3])


# C L3311-3361: rotate
def rotate(src, dst, phix, phiy, phiz):
    dst[1], dst[2], dst[3] = physics.rotate(src[1], src[2], src[3], angle(phix), angle(phiy), angle(phiz))
    return dst


# C L3366-3379: rotate_axis
def rotate_axis(src, dst, axis, phi):
    dst[1], dst[2], dst[3] = physics.rotate_axis(src[1], src[2], src[3], axis[1], axis[2], axis[3], angle(phi))
    return dst
