"""``python -m crawler.schedule DATA OUTCOME SITE [CRAWL OPTIONS]...``: one scheduled run's
crawl (:func:`crawler.schedule.child.main`), started by the scheduler."""
from __future__ import annotations

import sys

from crawler.schedule.child import main

sys.exit(main())
