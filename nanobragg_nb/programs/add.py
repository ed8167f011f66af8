"""``nanobragg-nb add A.bin B.bin ... -o SUM.bin``: the sum of raw float32 images.

As float_add (bl831/bin_stuff) adds two images: each pixel in double, then
rounded to float. More than two images are added one after another, as
chained float_add runs would, so ``add A B C`` is ``add (add A B) C`` to the
bit. The images must have the same size. Exit statuses as for every
subcommand: 2 bad arguments, 3 an input that is missing, unreadable or of
another size, 6 an output that cannot be written.
"""
import os
import sys

import numpy as np
from numba import njit, prange

from ..errors import ArgumentError, InputFileError
from ..io.rawfloat import write_float_image

USAGE = "usage: nanobragg-nb add A.bin B.bin [C.bin ...] -o SUM.bin"


@njit(cache=True, parallel=True)
def _accumulate(total, image):
    for i in prange(total.size):
        total[i] = np.float32(np.float64(total[i]) + np.float64(image[i]))


def add(*images):
    """Sum float images pixel by pixel, as chained float_add runs do.

    Parameters
    ----------
    *images : array_like
        Two or more images of one shape (converted to float32).

    Returns
    -------
    numpy.ndarray
        float32, of the images' shape: each pair added in double, then
        rounded to float, in the order given.

    Raises
    ------
    ArgumentError
        No image, or images of different shapes.
    """
    if not images:
        raise ArgumentError("add needs at least one image")
    arrays = [np.asarray(im, dtype=np.float32) for im in images]
    shape = arrays[0].shape
    for n, arr in enumerate(arrays[1:], 2):
        if arr.shape != shape:
            raise ArgumentError(f"add: image {n} has shape {arr.shape}, image 1 has {shape}")
    total = np.ascontiguousarray(arrays[0]).reshape(-1).copy()
    for arr in arrays[1:]:
        _accumulate(total, np.ascontiguousarray(arr).reshape(-1))
    return total.reshape(shape)


def _read(path):
    try:
        if os.path.isdir(path):
            raise IsADirectoryError(21, "it is a folder")
        raw = np.fromfile(path, dtype=np.dtype("=f4"))
        size = os.path.getsize(path)
    except OSError as err:
        raise InputFileError(f"cannot read float image {path}: {err.strerror or err}") from None
    if size % 4:
        raise InputFileError(f"float image {path} is {size} bytes, not a whole number of float32 pixels")
    return raw


def main(argv):
    """Run ``nanobragg-nb add``; returns the exit status."""
    argv = list(argv)
    if not argv or "--help" in argv or "-h" in argv:
        print(__doc__.strip() + "\n\n" + USAGE)
        return 0 if argv else 2
    output, inputs = None, []
    i = 0
    while i < len(argv):
        tok = argv[i]
        if tok in ("-o", "--output", "-outfile"):
            if i + 1 >= len(argv):
                raise ArgumentError(f"{tok} needs a file name")
            output = argv[i + 1]
            i += 2
            continue
        if tok.startswith("-"):
            raise ArgumentError(f"add: unknown option '{tok}' ({USAGE})")
        inputs.append(tok)
        i += 1
    if output is None:
        raise ArgumentError(f"add: name the output with -o FILE ({USAGE})")
    if not inputs:
        raise ArgumentError(f"add: no input images ({USAGE})")
    images = [_read(path) for path in inputs]
    for path, image in zip(inputs[1:], images[1:]):
        if image.size != images[0].size:
            raise InputFileError(f"add: {path} has {image.size} pixels, {inputs[0]} has {images[0].size}: "
                                 "the images must be the same size")
    total = add(*images)
    write_float_image(output, total)
    print(f"added {len(inputs)} images of {total.size} pixels into {output}", file=sys.stdout)
    return 0
