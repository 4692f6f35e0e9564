"""`python -m policybot` does what the `policybot` command does."""

import sys

from .cli import main

sys.exit(main())
