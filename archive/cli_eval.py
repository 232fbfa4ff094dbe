"""``newsarchive eval``: score extraction offline against a corpus of pages with known truth."""
from __future__ import annotations

import sys
from pathlib import Path

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
def eval_(corpus: Path, score_py: Path | None, as_json: bool, show: int, minimums: dict[str, float]) -> None:
    """Score extraction offline on a corpus of saved pages, without crawling.

    Runs the archive's own extraction on every page of the corpus and prints title
    (share equal to the truth, case and space folded), authors (mean set-F1), date (share
    whose YYYY-MM-DD matches) and body_f1 (mean bag-of-words F1), as defined by the
    corpus's score.py, then the worst misses of each field. Exit 1 when a --min is missed.

    \b
    Examples:
      newsarchive eval --corpus ../shared/realsite/corpus
      newsarchive eval --corpus ../shared/realsite/corpus --show 20
      newsarchive eval --corpus ../shared/realsite/corpus --json --show 0 | jq .figures
      newsarchive eval --corpus ../shared/realsite/corpus --min title=0.9 --min body_f1=0.96
    """
    from archive.evaluate import evaluate, format_report, report_json

    if score_py is None and not (corpus.parent / "score.py").is_file():
        raise click.UsageError(f"no score.py beside {corpus}; pass --score PATH/TO/score.py")
    try:
        figures, misses = evaluate(corpus, score_py)
    except FileNotFoundError as exc:  # no truth.jsonl: not a corpus folder
        raise click.UsageError(str(exc)) from None
    except (ImportError, SyntaxError) as exc:
        raise click.ClickException(f"cannot use the scorer: {exc}") from None
    click.echo(report_json(figures, misses, show) if as_json else format_report(figures, misses, show))
    failed = [f"{name}={figures.get(name)} (want min {value})" for name, value in minimums.items()
              if figures.get(name) is None or figures[name] < value]
    if failed:
        click.echo("FAILED: " + "; ".join(failed), err=True)
        sys.exit(1)
