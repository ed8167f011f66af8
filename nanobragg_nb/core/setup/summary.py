"""The parameter printout before the pixel loop (C L2306-2314 and L2465-2510)."""
from ..config import RTD
from .vec import cross, vec

SHAPE_NAMES = {"round": "ellipsoidal", "square": "parallelpiped", "gauss": "gaussian", "tophat": "tophat-spot"}


# C L2306-2314: detector layers and phi steps
def layers_and_phi(s, log):
    for thick_tic in range(s.detector_thicksteps):
        log.printf("thick%d = %g um\n", thick_tic, s.detector_thickstep * thick_tic * 1e6)
    for phi_tic in range(s.phisteps):
        phi = s.phi0 + s.phistep * phi_tic
        log.printf("phi%d = %g\n", phi_tic, phi * RTD)


# C L2465-2510: the parameter summary
def parameters(s, cfg, log):
    p = log.printf
    p("  %d initialized hkls (all others =%g)\n", s.hkl.hkls, s.default_F)
    p("  ")
    p(SHAPE_NAMES[s.xtal_shape])
    p(" xtal: %.0fx%.0fx%.0f cells\n", s.Na, s.Nb, s.Nc)
    wavelength_and_switches(s, log)
    p("  incident fluence: %lg photons/m^2\n", s.fluence)
    p("  distance=%lg detsize=%lgx%lg  pixel=%lg meters (%dx%d pixels)\n", s.distance, s.detsize_f, s.detsize_s,
      s.pixel_size, s.fpixels, s.spixels)
    p("  sensor is %lg m thick in %d layers with mu= %lg\n", s.detector_thick, s.detector_thicksteps, s.detector_mu)
    p("  Xbeam=%lg Ybeam=%lg\n", s.Xbeam, s.Ybeam)
    p("  Fbeam=%lg Sbeam=%lg\n", s.Fbeam, s.Sbeam)
    p("  Xclose=%lg Yclose=%lg\n", s.Xclose, s.Yclose)
    p("  Fclose=%lg Sclose=%lg\n", s.Fclose, s.Sclose)
    for label, v in (("X", s.fdet_vector), ("Y", s.sdet_vector), ("Z", s.odet_vector)):
        p("  DIRECTION_OF_DETECTOR_" + label + "-AXIS= %g %g %g\n", v[1], v[2], v[3])
    p("  INCIDENT_BEAM_DIRECTION= %g %g %g\n", *s.beam_vector[1:])
    p("  spindle ROTATION_AXIS= %g %g %g\n", *s.spindle_vector[1:])
    normal = cross(s.beam_vector, s.polar_vector, vec())
    p("  POLARIZATION_PLANE_NORMAL= %g %g %g\n", *normal[1:])
    p("  dials origin= %g %g %g\n", *s.dials_origin)
    p("  roi: %d < x < %d && %d < y < %d\n", s.roi_xmin, s.roi_xmax, s.roi_ymin, s.roi_ymax)
    p("  hdivrange=%g hdivstep=%g  radians\n", s.hdivrange, s.hdivstep)
    p("  vdivrange=%g vdivstep=%g  radians\n", s.vdivrange, s.vdivstep)
    p("  %d divergence steps\n", s.divsteps)
    p("  %d sources\n", s.sources)
    p("  %d mosaic domains over mosaic spread of %g degrees\n", s.mosaic_domains, s.mosaic_spread * RTD)
    p("  %d phi steps from %g to %g degrees\n", s.phisteps, s.phi0 * RTD, (s.phi0 + s.osc) * RTD)
    p("  %dx%d pixel oversample steps", s.oversample, s.oversample)
    if s.oversample_thick:
        p(" +thick")
    if s.oversample_polar:
        p(" +polar")
    if s.oversample_omega:
        p(" +omega")
    p("\n")
    if s.maskimage is not None:
        p("  skipping zero-flagged pixels in %s\n", s.mask_file)
    if s.calculate_noise:
        p("\n  noise image paramters:\n")
        p("  seed: %ld\n", s.seed)
        p("  water droplet size: %g m\n", s.water_size)


def wavelength_and_switches(s, log):
    """Print the wavelength line and the polarization, curved-detector and obliquity lines.

    nanoBragg.c (L2473-2477) and nonBragg.c (L1380-1384) print these five
    lines alike in their parameter summaries.

    Parameters
    ----------
    s : Setup or AmorphousSetup
        With ``lambda0``, ``dispersion``, ``dispsteps``, ``nopolar``,
        ``polarization``, ``curved_detector`` and ``point_pixel``.
    log : Log
        Receives the lines.
    """
    p = log.printf
    p("  wave=%g meters +/- %g%% in %d steps\n", s.lambda0, s.dispersion * 100, s.dispsteps)
    if s.nopolar:
        p("  polarization effect disabled\n")
    else:
        p("  Kahn polarization factor: %f\n", s.polarization)
    if s.curved_detector:
        p("  curved detector: all pixels same distance from origin\n")
    if s.point_pixel:
        p("  pixel obliquity effect disabled\n")
