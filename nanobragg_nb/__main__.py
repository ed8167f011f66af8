"""``python -m nanobragg_nb``: the same as the ``nanobragg-nb`` command."""
from .cli import console_main

console_main()
