"""``python -m cutover.config.schema`` (``make schema``): regenerate what the schema declares."""

import sys

from cutover.config.schema.generate import main

sys.exit(main())
