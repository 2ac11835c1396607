"""Local dates, weeks and months of an agency, computed from UTC instants.

Instants are stored in UTC; what a person calls a day or a month depends on
the agency's time zone, and a local time typed by a person may not exist (the
spring-forward hour) or may exist twice (the fall-back hour). Both are
refused rather than guessed.
"""

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Europe/Paris"

FIRST_YEAR = 2000
LAST_YEAR = 2100
"""Dates outside these years are refused: no shift or month is that far off,
and arithmetic near year 1 or 9999 overflows."""


class LocalTimeError(ValueError):
    """A local date and time that names no single instant."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise LocalTimeError(f"unknown time zone {name!r}") from exc


def to_utc(local: datetime, tz: str) -> datetime:
    """The one instant that the naive local ``local`` names in ``tz``.

    Raises LocalTimeError when that wall-clock time is skipped or repeated by
    a summer-time change.
    """
    check_year(local.year)
    zi = zone(tz)
    first = local.replace(tzinfo=zi, fold=0)
    second = local.replace(tzinfo=zi, fold=1)
    first_utc = first.astimezone(UTC)
    second_utc = second.astimezone(UTC)

    if first_utc != second_utc:
        back = first_utc.astimezone(zi).replace(tzinfo=None)
        if back != local:
            raise LocalTimeError(
                f"{local:%Y-%m-%d %H:%M} does not exist in {tz} "
                "(clocks go forward that night)"
            )
        raise LocalTimeError(
            f"{local:%Y-%m-%d %H:%M} happens twice in {tz} (clocks go back that night)"
        )
    return first_utc


def check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise LocalTimeError(f"year {year} is outside {FIRST_YEAR}–{LAST_YEAR}")


def to_local(instant: datetime, tz: str) -> datetime:
    return instant.astimezone(zone(tz))


def local_date(instant: datetime, tz: str) -> date:
    return to_local(instant, tz).date()


def day_start(day: date, tz: str) -> datetime:
    """The UTC instant at which local ``day`` begins.

    Where a zone skips midnight itself, the earlier offset is used, which is
    still the first instant of that day.
    """
    return datetime.combine(day, time(0, 0), tzinfo=zone(tz)).astimezone(UTC)


def parse_month(text: str) -> date:
    """``YYYY-MM`` as the first day of that month."""
    try:
        year, month = text.split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError(text)
        check_year(int(year))
        return date(int(year), int(month), 1)
    except ValueError as exc:
        raise ValueError(f"not a month (YYYY-MM): {text!r}") from exc


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_days(first: date) -> tuple[date, date]:
    """First and last local day of the month starting at ``first``."""
    last = calendar.monthrange(first.year, first.month)[1]
    return first, first.replace(day=last)


def month_bounds(first: date, tz: str) -> tuple[datetime, datetime]:
    """The half-open UTC interval covering the local month."""
    _, last = month_days(first)
    return day_start(first, tz), day_start(last + timedelta(days=1), tz)


def week_days(day: date) -> tuple[date, date]:
    """Monday and Sunday of the week holding ``day``."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def minutes_between(start: datetime, end: datetime) -> int:
    """Whole minutes elapsed, from the UTC difference."""
    return int((end - start).total_seconds() // 60)
