"""``python -m wfm.cli ...`` is the ``wfm`` command."""
import sys

from . import main

sys.exit(main())
