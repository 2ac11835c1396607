"""When an agency's month closes, and whether it is closed.

A month is open until its last day 23:59:59 in the agency's time zone, plus
the agency's grace period (0 to ``MAX_GRACE_DAYS`` whole local days, none by
default). From the next instant on it is closed for the caregiver; the
closing job then writes its ``closed_months`` row and publishes its final
figures. A month with that row stays closed whatever the clock or the grace
period say afterwards.

The reminder goes out three local days before the deadline.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from extranet_common import clock, french
from extranet_common.french import MONTHS
from extranet_common.localtime import (
    DEFAULT_TIMEZONE,
    day_start,
    month_days,
    parse_month,
    to_local,
    to_utc,
)
from timesheets.models import Agency, ClosedMonth

MAX_GRACE_DAYS = 10
REMINDER_DAYS = 3


def month_label(month: str) -> str:
    """``2026-10`` as people read it: ``octobre 2026``."""
    first = parse_month(month)
    return f"{MONTHS[first.month - 1]} {first.year}"


def of_month(month: str) -> str:
    """``de mars 2026``, ``d'octobre 2026``: the month after « de », elided
    before a vowel as French writes it."""
    return french.of(month_label(month))


def closing_instant(month: str, tz: str, grace_days: int = 0) -> datetime:
    """The first instant (UTC) at which ``month`` is closed."""
    _, last = month_days(parse_month(month))
    return day_start(last + timedelta(days=1 + grace_days), tz)


@dataclass(frozen=True)
class MonthDeadline:
    """The deadline of one agency's month, as the rules and the data say."""

    agency_id: str | None
    month: str
    timezone: str
    grace_days: int
    closed_at: datetime | None

    @property
    def closing_at(self) -> datetime:
        return closing_instant(self.month, self.timezone, self.grace_days)

    @property
    def deadline(self) -> datetime:
        """The last open second, in the agency's local time (aware)."""
        return to_local(self.closing_at - timedelta(seconds=1), self.timezone)

    @property
    def reminder_at(self) -> datetime:
        """The local deadline minus three days of wall-clock time, in UTC."""
        local = self.deadline.replace(tzinfo=None) - timedelta(days=REMINDER_DAYS)
        return to_utc(local, self.timezone)

    @property
    def closed_early(self) -> bool:
        """Closed by the agency before its deadline (during the grace period)."""
        return self.closed_at is not None and self.closed_at < self.closing_at

    def is_closed(self, now: datetime | None = None) -> bool:
        if self.closed_at is not None:
            return True
        return (now or clock.now()) >= self.closing_at

    def is_due(self, now: datetime) -> bool:
        """Past the deadline and not yet closed by the closing job."""
        return self.closed_at is None and now >= self.closing_at


def for_month(
    session: Session,
    agency_id: str | None,
    month: str,
    fallback_tz: str = DEFAULT_TIMEZONE,
) -> MonthDeadline:
    """The deadline of ``month`` for ``agency_id``.

    The zone and the grace period are the agency's when timesheets knows the
    agency, else ``fallback_tz`` (that of the entries) and no grace.
    """
    agency = session.get(Agency, agency_id) if agency_id else None
    closed = session.get(ClosedMonth, (agency_id, month)) if agency_id else None
    return MonthDeadline(
        agency_id=agency_id,
        month=month,
        timezone=agency.timezone if agency else fallback_tz,
        grace_days=agency.grace_days if agency else 0,
        closed_at=closed.closed_at if closed else None,
    )


def is_recorded_closed(session: Session, agency_id: str | None, month: str) -> bool:
    """Whether the closing job has closed this month (its row exists)."""
    if not agency_id:
        return False
    return session.get(ClosedMonth, (agency_id, month)) is not None
