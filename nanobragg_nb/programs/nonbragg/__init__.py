"""nonBragg.c, the amorphous-scattering renderer: ``nanobragg-nb nonbragg`` and :func:`amorphous`."""
