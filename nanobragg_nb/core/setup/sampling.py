"""Sampling set-up: phi steps, detector layers, mosaic domain count."""

from ..config import RTD
from ...cnum import ceil_to_int


# C L1381-1429: phi steps, with osc, phistep and phisteps at -1 when unset
def phi_steps(s, cr):
    phisteps, osc, phistep = cr.phisteps, cr.osc_rad, cr.phistep_rad
    if phisteps < 0:
        if osc < 0.0:
            if phistep <= 0.0:
                phisteps, osc, phistep = 1, 0.0, 0.0
            else:
                osc = phistep
                phisteps = 2
        else:
            if phistep <= 0.0:
                phisteps = 2
                phistep = osc / 2.0
            else:
                phisteps = ceil_to_int(osc / phistep)    # an int in the C
    else:
        if phisteps == 0:
            phisteps = 1
        if osc < 0.0:
            if phistep <= 0.0:
                osc = 1.0 / RTD
                phistep = osc / phisteps
            else:
                osc = phistep
                phisteps = 2
        else:
            if phistep < 0.0:
                phistep = osc / phisteps
    s.phi0, s.osc, s.phistep, s.phisteps = cr.phi0_rad, osc, phistep, phisteps


# C L1583-1637: detector layers; mu defaults to 1/thickness
def thickness(s, det, log):
    thicksteps, thick, thickstep = det.thicksteps, det.thick_m, -1.0
    if thicksteps <= 0:
        if thick < 0.0:
            thicksteps, thick, thickstep = 1, 0.0, 0.0
        else:
            thicksteps = 2
            thickstep = thick / thicksteps
    else:
        if thick < 0.0:
            thick = 0.5e-6
            thickstep = thick / thicksteps
        else:
            if thicksteps <= 1:
                thicksteps = 2
            thickstep = thick / (thicksteps - 1)
    s.detector_mu = det.mu_per_m
    if thick > 0.0 and s.detector_mu < 0.0:
        s.detector_mu = 1.0 / thick
        log.printf("WARNING: setting detector attenuation depth to %g m\n", s.detector_mu)
    s.detector_thick, s.detector_thickstep, s.detector_thicksteps = thick, thickstep, thicksteps


# C L1639-1673: mosaic domains and spread
def mosaic_counts(s, cr, log):
    domains, spread = cr.mosaic_domains, cr.mosaic_spread_rad
    if domains <= 0:
        if spread < 0.0:
            domains, spread = 1, 0.0
        elif spread == 0.0:
            domains = 1
        else:
            log.printf("WARNING: finite mosaicity with only one domain! upping to 10 mosaic domains\n")
            domains = 10
    else:
        if spread < 0.0:
            log.printf("WARNING: no mosaic spread specified.  setting mosaic_domains = 1\n")
            spread, domains = 0.0, 1
        elif spread == 0.0:
            log.printf("WARNING: zero mosaic spread specified.  setting mosaic_domains = 1\n")
            domains = 1
    s.mosaic_domains, s.mosaic_spread = domains, spread


# C L1690-1695: sanity reset of the detector layers
def thickness_sanity(s):
    if s.detector_thick <= 0.0 or s.detector_thickstep <= 0.0 or s.detector_thicksteps <= 0:
        s.detector_thicksteps, s.detector_thick, s.detector_thickstep = 1, 0.0, 0.0
