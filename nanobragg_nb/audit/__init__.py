"""Tools that set the port beside nanoBragg.c: the line-level audit (``nanobragg-nb audit``), the
side-by-side run (``nanobragg-nb compare``) and the trace of one pixel (``--trace-pixel``)."""
