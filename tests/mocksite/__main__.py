"""python -m tests.mocksite [--layout wordpress|cms|bulk]: run the mock news site (see server.py, cms.py, bulk.py for the options)."""
import sys

argv = sys.argv[1:]
layout = "wordpress"
for i, arg in enumerate(argv):
    if arg == "--layout" and i + 1 < len(argv):
        layout = argv[i + 1]
        del argv[i:i + 2]
        break
    if arg.startswith("--layout="):
        layout = arg.split("=", 1)[1]
        del argv[i]
        break
if layout == "cms":
    from .cms import main
elif layout == "bulk":
    from .bulk import main
elif layout == "wordpress":
    from .server import main
else:
    sys.exit(f"unknown --layout {layout!r} (wordpress, cms or bulk)")

sys.exit(main(argv))
