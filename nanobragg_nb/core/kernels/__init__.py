"""The pixel loop: one loop body (:mod:`.pixel`), its CPU and CUDA kernels, and the tables they read."""
