"""When a schedule runs: ``--every`` intervals, crontab expressions (APScheduler 3's triggers,
with crontab(5)'s weekdays) and the first run after the scheduler starts."""
from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.schedule.records import Schedule

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_EVERY_RE = re.compile(r"(\d+)\s*([smhd])", re.IGNORECASE)
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ScheduleError(ValueError):
    """A schedule that cannot be stored: bad ``--every``, ``--cron`` or crawl options."""


def parse_every(text: str) -> int:
    """An interval such as ``30s``, ``15m``, ``6h``, ``1d`` or ``1h30m``, in seconds.

    Args:
        text: Numbers each followed by a unit: ``s``, ``m``, ``h`` or ``d``.

    Returns:
        The interval in seconds (>= 1).

    Raises:
        ScheduleError: Not an interval, or zero.
    """
    compact = re.sub(r"\s+", "", text or "")
    parts = _EVERY_RE.findall(compact)
    if not parts or "".join(n + u for n, u in parts).lower() != compact.lower():
        raise ScheduleError(f"{text!r} is not an interval; use e.g. 30s, 15m, 6h, 1d or 1h30m")
    secs = sum(int(number) * _UNITS[unit.lower()] for number, unit in parts)
    if secs < 1:
        raise ScheduleError(f"{text!r}: the interval must be at least 1s")
    if secs > 366 * 86400:
        raise ScheduleError(f"{text!r}: the interval must be a year or less")
    return secs


def format_secs(secs: int) -> str:
    """``21600`` -> ``6h``, ``5400`` -> ``1h30m``: the inverse of :func:`parse_every`."""
    out = []
    for unit in ("d", "h", "m", "s"):
        count, secs = divmod(secs, _UNITS[unit])
        if count:
            out.append(f"{count}{unit}")
    return "".join(out) or "0s"


def validate_cron(expr: str) -> str:
    """A five-field crontab expression (minute hour day month weekday), whitespace normalised.

    Raises:
        ScheduleError: APScheduler's ``CronTrigger.from_crontab`` rejects it.
    """

    normalised = " ".join((expr or "").split())
    try:
        cron_trigger(normalised)
    except ValueError as exc:
        raise ScheduleError(
            f"{expr!r} is not a crontab expression ({exc}); use five fields, "
            'minute hour day month weekday, e.g. "0 */6 * * *"'
        ) from None
    return normalised


def make_trigger(schedule: Schedule, timezone: Any = None) -> Any:
    """The APScheduler trigger of *schedule*: ``IntervalTrigger`` or ``CronTrigger.from_crontab``."""
    from apscheduler.triggers.interval import IntervalTrigger

    if schedule.every_secs:
        return IntervalTrigger(seconds=schedule.every_secs, timezone=timezone)
    return cron_trigger(schedule.cron or "", timezone=timezone)


def crontab_weekdays(field: str) -> str:
    """A crontab weekday field with its numbers as names (``0``/``7`` Sunday, ``1`` Monday ...).

    APScheduler 3 counts weekday numbers from Monday (``0`` is Monday), crontab(5) from
    Sunday; written as names, ``1-5`` means Monday to Friday to both.

    Raises:
        ValueError: a number outside 0-7.
    """
    def name(match: re.Match[str]) -> str:
        number = int(match.group(0))
        if number > 7:
            raise ValueError(f"weekday {number} is not 0-7")
        return _WEEKDAYS[number]

    return re.sub(r"(?<![/\d])\d+", name, field)


def cron_trigger(expr: str, timezone: Any = None) -> Any:
    """APScheduler's trigger for a five-field crontab expression, with crontab's weekdays."""
    from apscheduler.triggers.cron import CronTrigger

    fields = expr.split()
    if len(fields) == 5:
        fields[4] = crontab_weekdays(fields[4])
        expr = " ".join(fields)
    return CronTrigger.from_crontab(expr, timezone=timezone)


def parse_utc(value: str | None) -> dt.datetime | None:
    """``2024-03-15T06:00:00Z`` (or any ISO 8601 time; naive is UTC) as an aware datetime, or None."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def first_run_time(schedule: Schedule, now: dt.datetime, timezone: Any = None) -> dt.datetime:
    """When the scheduler should first run *schedule*, *now* being when it starts.

    Never run: now. Otherwise the first time due after ``last_run_at``; if that has passed
    (the scheduler was not running), now: every missed run becomes one (coalesced).

    Args:
        schedule: The schedule.
        now: An aware datetime.
        timezone: For cron schedules (default: local time).

    Returns:
        An aware datetime, at or after *now*.
    """
    last = parse_utc(schedule.last_run_at)
    if last is None:
        return now
    if schedule.every_secs:
        due = last + dt.timedelta(seconds=schedule.every_secs)
    else:
        # +1 s: last_run_at is stored to the second, at or just after a fire time
        due = make_trigger(schedule, timezone).get_next_fire_time(None, last + dt.timedelta(seconds=1))
    return now if due is None or due <= now else due
