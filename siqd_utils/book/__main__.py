"""``python -m siqd_utils.book``: the command line (:mod:`siqd_utils.book.cli`)."""

import sys

from .cli import main

sys.exit(main())
