"""``python -m archive``: the newsarchive command line (same as the ``newsarchive`` script)."""
from archive.cli import main

main(prog_name="newsarchive")
