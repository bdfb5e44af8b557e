"""``python -m talkwire.cli``: the same as the ``talkwire`` console script."""

import sys

from talkwire.cli import main

sys.exit(main())
