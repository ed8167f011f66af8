"""noisify.c: a float image made into a detector's SMV images (photon, read-out, flicker and
calibration noise, gain, offset, bit depth, a Gaussian or fibre-optic point-spread function)."""
