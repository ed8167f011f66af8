"""The programs of the toolkit, each with its C-compatible command line and its Python entry point."""
