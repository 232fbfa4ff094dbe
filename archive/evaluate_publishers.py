"""Per-publisher figures, the leave-one-publisher-out aggregate, and run-to-run comparison
for ``newsarchive eval`` (see :mod:`archive.evaluate` for the per-page rows they read).

Leave-one-publisher-out (LOPO) evaluation tunes on every publisher but one, scores the one
left out, and repeats for each. The extraction rules here are written by hand and have no
parameters fitted to the corpus, so there is nothing to re-fit per fold: a rule that names
no publisher scores a publisher the same whether or not that publisher was "in training".
What LOPO then measures is:

* the **LOPO aggregate**: the mean over publishers of each publisher's own figure (every
  publisher one fold, weighed the same whatever its page count, so a publisher with many
  pages cannot carry the figure), and
* the **rule check**: whether any extraction rule names a publisher of the corpus (its
  domain, or a publisher name of two words or more, found in ``archive/extract/*.py``). A
  rule that does is tuned to the publisher it names, and its figure is no held-out figure;
  such publishers are listed.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

#: Per-page score fields, by figure name.
SCORES = {"title": "title_ok", "authors": "authors_f1", "date": "date_ok", "body_f1": "body_f1"}
#: The extracted value shown for a changed page, by figure name.
VALUES = {"title": "title", "authors": "authors", "date": "published", "body_f1": "chars"}
#: The modules that hold the extraction rules.
RULE_SOURCES = tuple((Path(__file__).resolve().parent / "extract").glob("*.py"))


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def by_publisher(rows: Iterable[dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Figures per publisher and the leave-one-publisher-out aggregate.

    Args:
        rows: Per-page rows of :func:`archive.evaluate.score_pages`.

    Returns:
        ``(per_publisher, lopo)``: ``per_publisher`` maps a publisher to ``pages`` and each
        figure of :data:`SCORES` (None when none of its pages has that truth field);
        ``lopo`` maps ``publishers`` to their count and each figure to the mean of the
        publishers' figures (4 places).
    """
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row["publisher"]].append(row)
    per: dict[str, dict[str, Any]] = {}
    for publisher in sorted(groups, key=str.casefold):
        pages = groups[publisher]
        per[publisher] = {"pages": len(pages)}
        for figure, field in SCORES.items():
            per[publisher][figure] = _mean([float(r[field]) for r in pages if r[field] is not None])
    lopo: dict[str, Any] = {"publishers": len(per)}
    for figure in SCORES:
        lopo[figure] = _mean([p[figure] for p in per.values() if p[figure] is not None])
    return per, lopo


def publisher_keys(rows: Iterable[dict[str, Any]]) -> dict[str, set[str]]:
    """What would name each publisher in a rule: its domain (``www.`` dropped) and, when it
    has two words or more, its name (one-word names such as "Kicker" or "Focus" are also
    ordinary words, and are checked by domain only)."""
    keys: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        host = (urlsplit(row.get("url") or "").hostname or "").casefold()
        host = host[4:] if host.startswith("www.") else host
        if "." in host and host not in ("localhost",):
            keys[row["publisher"]].add(host)
        name = str(row["publisher"]).casefold().strip()
        if len(name.split()) >= 2:
            keys[row["publisher"]].add(name)
    return keys


def rule_check(rows: Iterable[dict[str, Any]], sources: Iterable[Path] | None = None) -> dict[str, list[str]]:
    """Publishers that an extraction rule names, with where (``file:line``).

    Args:
        rows: Per-page rows (for the publishers, their names and URLs).
        sources: The rule modules to search (default: ``archive/extract/*.py``).

    Returns:
        ``{publisher: ["titles.py:123", ...]}`` for each publisher named; empty when none is.
    """
    lines = []
    for path in sorted(sources if sources is not None else RULE_SOURCES):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            lines.append((f"{path.name}:{number}", line.casefold()))
    found: dict[str, list[str]] = {}
    for publisher, keys in publisher_keys(rows).items():
        patterns = [re.compile(r"(?<![\w.-])" + re.escape(key) + r"(?![\w-])") for key in keys]
        hits = [where for where, line in lines if any(p.search(line) for p in patterns)]
        if hits:
            found[publisher] = hits
    return found


def format_by_publisher(per: dict[str, dict[str, Any]], lopo: dict[str, Any], named: dict[str, list[str]]) -> str:
    """The per-publisher table, the LOPO aggregate and the rule check, as text."""
    width = max([len("publisher"), *(len(p) for p in per)])
    head = f"{'publisher':<{width}}  pages  " + "  ".join(f"{f:>7}" for f in SCORES)

    def cell(value: Any) -> str:
        return f"{value:>7.4f}" if isinstance(value, float) else f"{'-':>7}"

    lines = [head, "-" * len(head)]
    for publisher, figures in per.items():
        lines.append(f"{publisher:<{width}}  {figures['pages']:>5}  " + "  ".join(cell(figures[f]) for f in SCORES))
    lines.append("-" * len(head))
    lines.append(f"{'LOPO (mean of ' + str(lopo['publishers']) + ' publishers)':<{width + 7}}  "
                 + "  ".join(cell(lopo[f]) for f in SCORES))
    if named:
        lines.append(f"rule check: {len(named)} publishers named by an extraction rule "
                     "(their figures are not held-out figures):")
        lines += [f"    {publisher}: {', '.join(hits[:5])}" for publisher, hits in named.items()]
    else:
        lines.append("rule check: no extraction rule names a publisher of this corpus "
                     "(domain or name), so each publisher's figure is a held-out figure")
    return "\n".join(lines)


def save_rows(rows: Iterable[dict[str, Any]], path: Path) -> None:
    """Write per-page rows as JSON Lines (what ``--compare`` reads back)."""
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")


def load_rows(path: Path) -> list[dict[str, Any]]:
    """Read rows written by :func:`save_rows`.

    Raises:
        ValueError: When a line is not a JSON object with an ``id`` (with its line number).
    """
    rows = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                raise ValueError(f"{path}:{number}: not JSON; pass a file written by eval --save") from None
            if not isinstance(row, dict) or "id" not in row:
                raise ValueError(f"{path}:{number}: no page id; pass a file written by eval --save")
            rows.append(row)
    return rows


def compare(rows: Sequence[dict[str, Any]], other: Sequence[dict[str, Any]]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per figure, the pages whose score changed between ``other`` (the earlier run) and
    ``rows`` (this run).

    Returns:
        ``{figure: {"better": [...], "worse": [...]}}``; each change is a dict with ``id``,
        ``before``/``after`` (the scores) and ``was``/``now`` (the extracted values). Pages
        in only one run are left out; lists are sorted by the size of the change.
    """
    earlier = {row["id"]: row for row in other}
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for figure, field in SCORES.items():
        better: list[dict[str, Any]] = []
        worse: list[dict[str, Any]] = []
        for row in rows:
            old = earlier.get(row["id"])
            if old is None or row.get(field) is None or old.get(field) is None:
                continue
            before, after = float(old[field]), float(row[field])
            if abs(after - before) < 1e-9:
                continue
            change = {"id": row["id"], "before": round(before, 4), "after": round(after, 4),
                      "was": old.get(VALUES[figure]), "now": row.get(VALUES[figure])}
            (better if after > before else worse).append(change)
        for changes in (better, worse):
            changes.sort(key=lambda c: -abs(c["after"] - c["before"]))
        out[figure] = {"better": better, "worse": worse}
    return out


def format_compare(changes: dict[str, dict[str, list[dict[str, Any]]]], show: int) -> str:
    """The changes of :func:`compare`, per figure, as text (up to ``show`` pages each way;
    0 prints only the counts)."""
    lines = []
    for figure, sides in changes.items():
        lines.append(f"-- {figure}: {len(sides['better'])} pages better, {len(sides['worse'])} worse")
        for side in ("better", "worse"):
            for change in sides[side][:show]:
                was, now = (json.dumps(change[k], ensure_ascii=False, default=str) for k in ("was", "now"))
                lines.append(f"    {side}  {change['id']}: {change['before']} -> {change['after']}  "
                             f"{was} -> {now}"[:300])
    return "\n".join(lines)
