"""python -m tests.mocksite: run the mock news site (see server.py for the options)."""
import sys

from .server import main

sys.exit(main())
