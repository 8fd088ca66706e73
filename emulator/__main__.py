"""`python -m emulator`: the same as `convai-lake emulator`."""

import sys

from emulator.cli import main

sys.exit(main())
