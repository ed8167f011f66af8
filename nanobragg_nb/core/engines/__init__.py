"""Drivers of the pixel loop: the serial-order settling, the CPU and GPU engines, progress."""
