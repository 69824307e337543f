"""``python -m tinynet ...``: the same command line as the ``tinynet`` script (see tinynet.cli)."""

import sys

from tinynet.cli import run

sys.exit(run())
