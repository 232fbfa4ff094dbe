"""``python -m archive``: the newsarchive command line (same as the ``newsarchive`` script)."""
from archive.cli import run

run()
