"""``python -m mcdm`` is the ``mcdm`` command."""
import sys

from mcdm.cli import main

sys.exit(main())
