"""Entry point for ``python -m tillcard``."""

import sys

from tillcard.cli import main

sys.exit(main())
