"""The usage text nanoBragg.c prints (C L1288-1367) before it exits with status 9."""
from ...cnum import cprintf

_TEMPLATE = """\
usage: nanoBragg -mat auto.mat -hkl Fs.hkl
options:
\t-mat filename.mat\tmosflm-style matrix file containing three reciprocal unit cell vectors
\t-hkl filename.hkl\ttext file containing h, k, l and F for P1 unit cell
\t-misset 10 20 30 \talternative to mat file: crystal rotations about x,y,z axes (degrees)
\t-misset random   \talternative to mat file: random orientation
\t-cell a b c al be ga\talternative to mat file: specify crystal unit cell (Angstroms and degrees)
\t-default_F       \talternative to -hkl: assign all unspecified structure factors (default: 0)
\t-distance        \tdistance from origin to detector center in mm
\t-detsize         \tdetector size in mm.  may also use -detsize_f -detsize_s
\t-detpixels       \tdetector size in pixels.  may also use -detpixels_x -detpixels_y
\t-pixel           \tdetector pixel size in mm.
\t-img header.img  \tattempt to initialize camera parameters from an ADSC img header
\t-mask mask.img   \tuse ADSC img file full of 0 or non-0 values as a mask
\t-detector_absorb \tdetector sensor material attenuation depth (um) (default: "inf" to save time)
\t-detector_thick  \tdetector sensor thickness (um)
\t-detector_thicksteps\tnumber of layers of detector sensor material. Default: 1
\t-Xbeam           \timage fast coordinate of direct-beam spot (mm). (default: center)
\t-Ybeam           \timage slow coordinate of direct-beam spot (mm). (default: center)
\t-mosflm          \tuse MOSFLM's direct-beam convention, same as -denzo. (default: adxv)
\t-xds             \tuse XDS detector origin convention. (default: adxv)
\t-ORGX  -ORGY     \tXDS-convention beam center
\t-twotheta        \trotation of detector about spindle axis (deg). (default: 0)
\t-N               \tnumber of unit cells in all directions. may also use -Na -Nb or -Nc
\t-xtalsize        \talternative to -N: specify crystal full width (mm)
\t-square_xtal     \tspecify parallelpiped crystal shape (default)
\t-round_xtal      \tspecify ellipsoidal crystal shape (sort of)
\t-gauss_xtal      \tGaussian-shaped spots: no inter-Bragg maxima
\t-tophat_spots    \tclip lattice transform at fwhm: no inter-Bragg maxima
\t-oversample      \tnumber of sub-pixels per pixel. use this if xtalsize/lambda > distance/pixel
\t-oversample_thick \tre-calculate thickness effect for sub-pixels (not the default)
\t-oversample_polar \tre-calculate polarization effect for sub-pixels (not the default)
\t-oversample_omega \tre-calculate solid-angle effect for sub-pixels (not the default)
\t-lambda          \tincident x-ray wavelength in Angstrom. may also use -energy in eV
\t-mosaic          \tisotropic mosaic spread in degrees (use 90 for powder)
\t-mosaic_domains  \tnumber of randomly-oriented mosaic domains to render
\t-dispersion      \tspectral dispersion: delta-lambda/lambda in percent
\t-dispsteps       \tnumber of wavelengths in above range
\t-hdivrange       \thorizontal angular spread of source points in mrad
\t-vdivrange       \tvertical angular spread of source points in mrad
\t-hdivstep        \tnumber of source points in the horizontal
\t-vdivstep        \tnumber of source points in the vertical
\t-square_div      \tfull divergence grid (default: round off corners)
\t-phi             \tstarting rotation value about spindle axis in degrees
\t-osc             \trotation range about spindle axis in degrees
\t-phisteps        \tnumber of rotation steps to render
\t-water           \tadd contribution of x microns of water surrounding crystal
\t-floatfile       \tname of binary output file (4-byte floats)
\t-intfile         \tname of noiseless smv-formatted output file (not on absolute scale by default)
\t-scale           \tscale factor to apply to intfile (default: autoscale)
\t-adc             \toffset to apply to output img file pixels (default: {adc})
\t-polar           \tspecify Kahn polarization factor (default: {polar})
\t-noisefile       \tname of photon-scale smv-formatted output file (with Poisson noise)
\t-pgmfile         \tname of 8-bit portable greymap format output file
\t-pgmscale        \trelative scale of pgm file (default: auto)
\t-nopgm           \tdo not write pgm file
\t-roi             \tonly render part of the image: xmin xmax ymin ymax
\t-printout        \tprint pixel values out to the screen
\t-seed            \tspecify random-number seed for noisefile (default, initialize with time)
\t-mosaic_seed     \tspecify random-number seed for mosaic domain generation (default: 1234567)
\t-misset_seed     \tspecify random-number seed for crystal orentaiton when -misset random (default, same as -seed)
\t-fluence         \tincident beam intensity for photon-counting statistics (photons/m^2)
\t-flux            \talternative to -fluence, specify flux, along with -beamsize and -exposure (photons/s)
\t-beamsize        \talternative to -fluence, specify beam size, along with -flux and -exposure (default: {beamsize} mm)
\t-exposure        \talternative to -fluence, specify flux, along with -flux and -beamsize (default: {exposure} s)
\t-nonoise         \tdisable generating the noisefile
\t-noprogress      \tturn off the progress meter
\t-nopolar         \tturn off the polarization correction
\t-nointerpolate   \tdisable inter-Bragg peak structure factor interpolation
\t-interpolate     \tforce inter-Bragg peak structure factor interpolation (default: on if < 3 cells wide)
\t-point_pixel     \tturn off the pixel solid angle correction
\t-curved_det      \tall pixels same distance from crystal
\t-fdet_vector     \tunit vector of increasing fast-axis detector pixel coordinate (default: {f[1]} {f[2]} {f[3]})
\t-sdet_vector     \tunit vector of increasing slow-axis detector pixel coordinate (default: {s[1]} {s[2]} {s[3]})
\t-odet_vector     \tunit vector of increasing detector distance (default: {o[1]} {o[2]} {o[3]})
\t-beam_vector     \tunit vector of x-ray beam direction (default: {b[1]} {b[2]} {b[3]})
\t-polar_vector    \tunit vector of x-ray E-vector polarization (default: {p[1]} {p[2]} {p[3]})
\t-spindle_axis    \tunit vector of right-handed phi rotation axis (default: {sp[1]} {sp[2]} {sp[3]})
\t-pix0_vector     \tvector from crystal to first pixel in image (default: beam centered on detector)
"""


def usage_text(adc_offset, polar, beamsize_m, exposure_s, vectors):
    """The usage text with the values the C substitutes.

    Parameters
    ----------
    adc_offset, polar, beamsize_m, exposure_s : float
        Values printed with %g (the C prints the variable ``polar``, 1 at this
        point, as the "-polar" default).
    vectors : dict
        ``f, s, o, b, p, sp``: the fdet, sdet, odet, beam, polar and spindle
        vectors as ``[mag, x, y, z]`` lists.
    """
    def g(x):
        return cprintf("%g", x)
    formatted = {k: [g(x) for x in v] for k, v in vectors.items()}
    return _TEMPLATE.format(adc=g(adc_offset), polar=g(polar), beamsize=g(beamsize_m * 1000),
                            exposure=g(exposure_s), **formatted)
