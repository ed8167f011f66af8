"""``nanobragg-nb series``: rotation sweeps and serial-crystallography stills from one setup.

Frame k of a series is, by definition, the single ``nanobragg-nb`` run with
the arguments :func:`.plan.frame_arguments` gives it; the structure factors are
read and the kernels compiled once, and each frame then only renders, adds
noise and is written (SMV, CBF or NeXus), in this process or on a Dask
cluster, with the ground truth beside the frames.
"""
