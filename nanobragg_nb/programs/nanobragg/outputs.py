"""Writes the C's output files at the points where the C writes them, with its log lines."""
import sys

import numpy as np

from ...io.pgm import write_pgm
from ...io.rawfloat import write_float_image
from ...io.smv import smv_header, write_smv


def byte_order():
    """The C's get_byte_order(): the host's byte order as SMV spells it."""
    return "little_endian" if sys.byteorder == "little" else "big_endian"


def header(s, noise_form):
    """The SMV header bytes the C writes for this simulation."""
    return smv_header(fpixels=s.fpixels, spixels=s.spixels, pixel_size=s.pixel_size, distance=s.distance,
                      lambda0=s.lambda0, Xbeam=s.Xbeam, Ybeam=s.Ybeam, Fbeam=s.Fbeam, Sbeam=s.Sbeam,
                      detsize_s=s.detsize_s, dials_origin=s.dials_origin, ORGX=s.ORGX, ORGY=s.ORGY,
                      close_distance=s.close_distance, phi0=s.phi0, osc=s.osc,
                      detector_twotheta=s.detector_twotheta, byte_order=byte_order(), noise_form=noise_form)


class FileWriter:
    """Writes floatimage.bin, intimage.img, image.pgm and noiseimage.img as the C names them.

    Each file is written to a temporary name and renamed, so an interrupted
    run never leaves a truncated file under the final name. With
    ``keep_images=False`` the integer and PGM images are dropped from the
    result once written, so that they do not add to the noise image at the
    peak of memory (the command line, when nothing reads them afterwards).
    ``setup_check(setup)``, when given, runs before the pixel loop.
    """

    def __init__(self, output, keep_images=True, setup_check=None):
        self.out = output
        self.keep_images = keep_images
        self.setup_check = setup_check

    def setup_ready(self, setup):
        """Called once the setup is prepared, before the pixel loop: the checks that need the detector's size."""
        if self.setup_check is not None:
            self.setup_check(setup)

    # C L3121-3129: write the float image
    def float_image(self, result, log):
        s = result.setup
        log.printf("writing %s as %d %lu-byte floats\n", self.out.floatfile, s.pixels, 4)
        write_float_image(self.out.floatfile, np.ascontiguousarray(result.floatimage).ravel())

    # C L3160-3184: write the int image, SMV header then pixels
    def int_image(self, result, log):
        log.printf("writing %s as %lu-byte integers\n", self.out.intfile, 2)
        write_smv(self.out.intfile, header(result.setup, False), result.intimage.ravel())
        if not self.keep_images:
            result.intimage = None

    # C L3213-3224: write the PGM
    def pgm_image(self, result, log):
        s = result.setup
        log.printf("writing %s as %lu-byte integers\n", self.out.pgmfile, 1)
        write_pgm(self.out.pgmfile, s.fpixels, s.spixels, result.stats["pgm_scale"], result.pgmimage.ravel())
        if not self.keep_images:
            result.pgmimage = None

    # C L3259-3283: write the noise image, SMV header then pixels
    def noise_image(self, result, log):
        log.printf("writing %s as %lu-byte integers\n", self.out.noisefile, 2)
        write_smv(self.out.noisefile, header(result.setup, True), result.noiseimage.ravel())
