"""``python -m nanobragg_nb``: the same as the ``nanobragg-nb`` command."""
import sys

from .cli import main

sys.exit(main())
