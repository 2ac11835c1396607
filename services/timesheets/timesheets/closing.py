"""Closing the months whose deadline has passed, once, however many run it.

Every instance of the service runs :func:`close_due_months` on a timer. It
lists the agencies' months past their deadline that have no
``closed_months`` row yet, and closes each in one transaction of its own
that starts by inserting that row. The row's primary key (agency, month)
lets one transaction win: on PostgreSQL a second insert waits for the first
transaction and then fails on the key; on SQLite the second waits for the
write lock and fails the same way. The loser rolls back having changed
nothing, so ``month_closed`` is published exactly once per month.

Closing turns every entry still pending into ``not_validated`` (counted as
planned: the agency pays the planned hours unless told otherwise), keeps
each change in the history, and publishes ``month_closed`` with the final
figures of every entry of the month.

Agency staff (or their back-office system) may also close a month early,
once its last day is over but during the agency's grace period, with
:func:`close_now`: once everyone has validated, payroll need not wait.
It goes through the same :func:`close_month`, so the race with the job
still publishes one ``month_closed``.

Known limit: a month is looked for only while it has entries and is at
most ``LOOKBACK_DAYS`` old; an agency's month that had no entry is never
closed (there is nothing to publish), and a month that timesheets could not
close for a year stays open for staff to look at.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import and_, exc, select
from sqlalchemy.orm import Session

from extranet_common import clock
from extranet_common.errors import Conflict
from extranet_common.localtime import DEFAULT_TIMEZONE, month_key
from timesheets import access, deadlines, directory, history, months
from timesheets.access import SYSTEM_ACTOR
from timesheets.models import (
    MESSAGING,
    NOT_VALIDATED,
    PENDING,
    ClosedMonth,
    Entry,
)

_log = logging.getLogger(__name__)

LOOKBACK_DAYS = 400


class _NotDue(Exception):
    """The deadline moved (a grace period set meanwhile): leave it open."""


def due_months(session: Session, now: datetime) -> list[tuple[str, str, str]]:
    """(agency, month, zone of its entries) past their deadline, not closed."""
    oldest = month_key((now - timedelta(days=LOOKBACK_DAYS)).date())
    newest = month_key(now.date())
    candidates = session.execute(
        select(Entry.agency_id, Entry.month, Entry.timezone)
        .outerjoin(
            ClosedMonth,
            and_(
                ClosedMonth.agency_id == Entry.agency_id,
                ClosedMonth.month == Entry.month,
            ),
        )
        .where(
            Entry.agency_id.is_not(None),
            Entry.month >= oldest,
            Entry.month <= newest,
            ClosedMonth.month.is_(None),
        )
        .group_by(Entry.agency_id, Entry.month, Entry.timezone)
    ).all()

    due: dict[tuple[str, str], str] = {}
    for agency_id, month, tz in candidates:
        if (agency_id, month) in due:
            continue
        if deadlines.for_month(session, agency_id, month, tz).is_due(now):
            due[(agency_id, month)] = tz
    return [(agency_id, month, tz) for (agency_id, month), tz in sorted(due.items())]


def close_due_months(session_factory: Callable[[], Session]) -> int:
    """Close every month that is due; returns how many this instance closed."""
    now = clock.now()
    with session_factory() as session:
        due = due_months(session, now)

    closed = 0
    for agency_id, month, tz in due:
        if close_month(session_factory, agency_id, month, tz, now):
            closed += 1
    return closed


def close_now(session_factory: Callable[[], Session], actor: dict, month: str) -> dict:
    """Close the actor's agency's ``month`` before the end of its grace
    period; the agency's month as ``months.agency_month`` shows it.

    Closing a closed month changes nothing. Before the month's last day is
    over, Conflict: the caregivers may still validate; a month without any
    entry has nothing to close (Conflict too).
    """
    month = months.check_month(month)
    agency_id = access.check_agency(actor, None)
    now = clock.now()
    with session_factory() as session:
        zone = session.scalars(
            select(Entry.timezone)
            .where(Entry.agency_id == agency_id, Entry.month == month)
            .limit(1)
        ).first()
        limit = deadlines.for_month(session, agency_id, month, zone or DEFAULT_TIMEZONE)
    if zone is None:
        raise Conflict(
            f"Aucune heure en {deadlines.month_label(month)} pour votre agence : "
            "rien à clore.",
            {"month": "aucune intervention ce mois-ci"},
        )
    if limit.closed_at is None:
        last_day_over = deadlines.closing_instant(month, limit.timezone)
        if now < last_day_over:
            raise Conflict(
                "Les intervenantes peuvent valider leurs heures "
                f"{deadlines.of_month(month)} jusqu'au dernier jour du mois à "
                "23:59:59 : le mois ne peut pas encore être clos.",
                {"month": "mois pas encore terminé"},
            )
        close_month(
            session_factory,
            agency_id,
            month,
            limit.timezone,
            now,
            early=True,
            actor=actor,
        )
    with session_factory() as session:
        return months.agency_month(session, actor, month)


def close_month(
    session_factory: Callable[[], Session],
    agency_id: str,
    month: str,
    fallback_tz: str = DEFAULT_TIMEZONE,
    now: datetime | None = None,
    early: bool = False,
    actor: dict | None = None,
) -> bool:
    """Close one agency's month; False when another instance already did
    (or does it right now) or when it is not due.

    ``early``: staff close it during its grace period (it is due from the
    end of its last day); ``actor`` is who asked: the author of the history
    rows of the entries it leaves not validated, and published (their id)
    with the figures. Without it, the closing job is the author.
    """
    author = actor or SYSTEM_ACTOR
    now = now or clock.now()
    session = session_factory()
    try:
        mark = ClosedMonth(
            agency_id=agency_id,
            month=month,
            closing_at=now,
            closed_at=now,
            entries=0,
            not_validated=0,
        )
        session.add(mark)
        session.flush()

        directory.lock_agency(session, agency_id)
        limit = deadlines.for_month(session, agency_id, month, fallback_tz)
        due_at = (
            deadlines.closing_instant(month, limit.timezone)
            if early
            else limit.closing_at
        )
        if now < due_at:
            raise _NotDue
        mark.closing_at = min(limit.closing_at, now)

        entries = list(
            session.scalars(
                select(Entry)
                .where(Entry.agency_id == agency_id, Entry.month == month)
                .order_by(Entry.caregiver_id, Entry.start_at, Entry.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        )
        not_validated = 0
        for entry in entries:
            if entry.status == PENDING:
                before = history.snapshot(entry)
                entry.status = NOT_VALIDATED
                entry.updated_at = now
                history.record(
                    session,
                    entry,
                    author,
                    history.NOT_VALIDATED,
                    before,
                    history.snapshot(entry),
                )
                not_validated += 1
        mark.entries = len(entries)
        mark.not_validated = not_validated

        MESSAGING.record(
            session,
            "month_closed",
            agency_id,
            {
                "month": month,
                "timezone": limit.timezone,
                "deadline": limit.deadline.isoformat(),
                "grace_days": limit.grace_days,
                "closed_at": now.isoformat(),
                "closed_by": author.get("id"),
                "entries": [months.entry_figures(entry) for entry in entries],
                "totals": {
                    "entries": len(entries),
                    "not_validated": not_validated,
                    "counted_minutes": sum(
                        months.counted_minutes(entry) for entry in entries
                    ),
                },
            },
        )
        session.commit()
    except exc.IntegrityError:
        session.rollback()
        _log.info("month %s of agency %s closed by another instance", month, agency_id)
        return False
    except _NotDue:
        session.rollback()
        _log.info("month %s of agency %s is not due any more", month, agency_id)
        return False
    except exc.OperationalError as error:
        session.rollback()
        _log.warning("closing %s of agency %s waits: %s", month, agency_id, error)
        return False
    finally:
        session.close()

    _log.info(
        "closed month %s of agency %s: %d entries, %d not validated",
        month,
        agency_id,
        len(entries),
        not_validated,
    )
    return True
