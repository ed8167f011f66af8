"""nanoBragg: the crystal's diffraction image (``nanobragg-nb ARGS`` and :func:`.api.simulate`)."""
