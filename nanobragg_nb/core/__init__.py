"""The simulator core, shared by the programs and the drivers.

- :mod:`.config`: what to simulate (plain dataclasses);
- :mod:`.setup`: nanoBragg.c's setup phase, a configuration in, a
  :class:`~.setup.Setup` out;
- :mod:`.kernels`: the pixel loop, written once and compiled for CPU threads
  and NVIDIA GPUs, and the tables it reads;
- :mod:`.engines`: the drivers that walk the detector with a kernel so that
  the result is the serial C's;
- :mod:`.physics`, :mod:`.physics_fast`, :mod:`.rng`, :mod:`.images`,
  :mod:`.log`: the scalar physics, the C's random numbers, the integer
  images and the C's log.
"""
