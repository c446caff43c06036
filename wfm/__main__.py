"""``python -m wfm ...`` is the ``wfm`` command."""
import sys

from .cli import main

sys.exit(main())
