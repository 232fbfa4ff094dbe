"""``newsarchive eval``: score extraction offline against a corpus of pages with known truth."""
from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from archive.cli import main

#: Figures that ``--min`` may name.
_FIGURES = ("title", "authors", "date", "body_f1")


def _check_min(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, float]:
    """click callback: ``NAME=VALUE`` pairs (NAME one of the figures) -> ``{NAME: VALUE}``."""
    out: dict[str, float] = {}
    for spec in values:
        name, sep, value = spec.partition("=")
        try:
            if not sep or name not in _FIGURES:
                raise ValueError
            out[name] = float(value)
        except ValueError:
            raise click.BadParameter(
                f"{spec!r} is not NAME=VALUE with NAME one of {', '.join(_FIGURES)}; e.g. title=0.9") from None
    return out


def _day(value: datetime | None) -> str | None:
    """A ``--since``/``--until`` value as ``YYYY-MM-DD`` (None stays None)."""
    return value.date().isoformat() if value else None


@main.command(name="eval")
@click.option("--corpus", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Corpus folder: truth.jsonl and html/<id>.html.gz (the realsite/corpus format).")
@click.option("--score", "score_py", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The scorer whose definitions are used (default: <corpus>/../score.py).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures and misses as one JSON object.")
@click.option("--show", type=click.IntRange(0), default=5, show_default=True,
              help="Worst misses to print per field (0: none).")
@click.option("--min", "minimums", multiple=True, callback=_check_min, metavar="NAME=VALUE",
              help="Exit 1 when a figure (title, authors, date, body_f1) is below VALUE. Repeatable.")
@click.option("--by-publisher", is_flag=True,
              help="Also print each publisher's figures and the leave-one-publisher-out aggregate (see below).")
@click.option("--save", "save_to", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write this run's per-page results (JSON Lines) to FILE, for a later --compare.")
@click.option("--compare", "compare_with", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              metavar="OTHER.jsonl", help="Show, per field, the pages that got better or worse than in "
              "OTHER.jsonl (an earlier run's --save).")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="Score only the pages whose truth publication date is on or after this day.")
@click.option("--until", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="Score only the pages whose truth publication date is on or before this day.")
def eval_(corpus: Path, score_py: Path | None, as_json: bool, show: int, minimums: dict[str, float],
          by_publisher: bool, save_to: Path | None, compare_with: Path | None,
          since: datetime | None, until: datetime | None) -> None:
    """Score extraction offline on a corpus of saved pages, without crawling.

    Runs the archive's own extraction on every page of the corpus and prints title
    (share equal to the truth, case and space folded), authors (mean set-F1), date (share
    whose YYYY-MM-DD matches) and body_f1 (mean bag-of-words F1), as defined by the
    corpus's score.py, then the worst misses of each field. Exit 1 when a --min is missed.

    --by-publisher adds a table of every publisher's figures and the leave-one-publisher-out
    (LOPO) aggregate: the mean of the publishers' figures, each publisher one held-out fold
    of equal weight. The rules are hand-written with nothing fitted to the corpus, so a
    publisher is held out exactly when no rule names it; the rule check searches
    archive/extract/*.py for every publisher's domain and (two-word or longer) name, and lists
    any publisher a rule names, whose figure is then no held-out figure.

    --save FILE writes the per-page results; --compare FILE shows, per field, which pages
    got better or worse since that run (the wins and losses of a rule change).

    --since/--until keep only the pages whose truth date is in the range (pages with no
    truth date are left out): with the range of a crawl_and_score.sh run, the pages that
    crawl archives and scores (less the few the site serves as deleted, 404), so the
    crawl's title/authors/date figures can be read, and a rule change judged, offline.

    \b
    Examples:
      newsarchive eval --corpus ../shared/realsite/corpus
      newsarchive eval --corpus ../shared/realsite/corpus --show 20
      newsarchive eval --corpus ../shared/realsite/corpus --json --show 0 | jq .figures
      newsarchive eval --corpus ../shared/realsite/corpus --min title=0.9 --min body_f1=0.96
      newsarchive eval --corpus ../shared/realsite/corpus --by-publisher --show 0
      newsarchive eval --corpus ../shared/realsite/corpus --save before.jsonl
      newsarchive eval --corpus ../shared/realsite/corpus --compare before.jsonl --show 10
      newsarchive eval --corpus ../shared/realsite/corpus --since 2024-01-01 --until 2026-12-31
    """
    from archive import evaluate_publishers as ep
    from archive.evaluate import summarize

    if score_py is None and not (corpus.parent / "score.py").is_file():
        raise click.UsageError(f"no score.py beside {corpus}; pass --score PATH/TO/score.py")
    try:
        other = ep.load_rows(compare_with) if compare_with else None
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.UsageError(f"--compare: {exc}") from None
    rows = _score(corpus, score_py, since, until)
    figures, misses = summarize(rows)
    per, lopo = ep.by_publisher(rows) if by_publisher else ({}, {})
    named = ep.rule_check(rows) if by_publisher else {}
    changes = ep.compare(rows, other) if other is not None else None
    if as_json:
        report = _json_report(figures, misses, show)
        if by_publisher:
            report["by_publisher"], report["lopo"], report["rule_check"] = per, lopo, named
        if changes is not None:
            report["compare"] = changes
        click.echo(json.dumps(report, indent=1, ensure_ascii=False, default=str))
    else:
        click.echo(_text_report(figures, misses, show, (per, lopo, named) if by_publisher else None,
                                changes, compare_with))
    if save_to:
        try:
            ep.save_rows(rows, save_to)
        except OSError as exc:
            raise click.ClickException(f"cannot write {save_to}: {exc.strerror or exc}") from None
    _exit_on_missed(figures, minimums)


def _score(corpus: Path, score_py: Path | None, since: datetime | None, until: datetime | None) -> list[dict[str, Any]]:
    """The corpus's pages scored (:func:`archive.evaluate.score_pages`), or a usage error."""
    from archive.evaluate import CorpusError, score_pages

    try:
        return score_pages(corpus, score_py, since=_day(since), until=_day(until))
    except FileNotFoundError as exc:  # no truth.jsonl: not a corpus folder
        raise click.UsageError(str(exc)) from None
    except CorpusError as exc:  # a bad truth.jsonl line, a missing page
        raise click.ClickException(f"cannot score the corpus: {exc}") from None
    except (ImportError, SyntaxError) as exc:
        raise click.ClickException(f"cannot use the scorer: {exc}") from None


def _json_report(figures: dict[str, Any], misses: Any, show: int) -> dict[str, Any]:
    from archive.evaluate import report_json

    report: dict[str, Any] = json.loads(report_json(figures, misses, show))
    return report


def _text_report(figures: dict[str, Any], misses: Any, show: int, publishers: tuple[Any, Any, Any] | None,
                 changes: Any, compare_with: Path | None) -> str:
    from archive import evaluate_publishers as ep
    from archive.evaluate import format_report

    parts = [format_report(figures, misses, show)]
    if publishers is not None:
        parts.append(ep.format_by_publisher(*publishers))
    if changes is not None:
        parts.append(f"-- compared with {compare_with}:\n" + ep.format_compare(changes, show))
    return "\n".join(parts)


def _exit_on_missed(figures: dict[str, Any], minimums: dict[str, float]) -> None:
    """Exit 1, with one line on stderr, when a ``--min NAME=VALUE`` is missed."""
    failed = [f"{name}={figures.get(name)} (want min {value})" for name, value in minimums.items()
              if figures.get(name) is None or figures[name] < value]
    if failed:
        click.echo("FAILED: " + "; ".join(failed), err=True)
        sys.exit(1)
