"""The month-end reminder: one email, three days before the deadline.

From the local deadline minus three days until the month closes, every
instance of the service looks on a timer for caregivers who still have
undecided (pending) entries in that month and have not been reminded. For
each it first inserts a ``reminders_sent`` row (caregiver, month) in a
transaction of its own: the primary key lets one instance win, the others
skip her. Then it asks notifications to send ``month_end_reminder`` and
stamps the row. When notifications cannot take the email, the row is
deleted so that the next round tries again.

Known limit: an instance that dies between its claim and the call leaves
the row claimed and that caregiver is not reminded that month (at most
once, never twice). A caregiver whose ``caregiver_invited`` event has not
reached timesheets has no known address and is reminded once it has.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exc, func, select, update
from sqlalchemy.orm import Session

from extranet_common import clock
from extranet_common.french import DAYS as DAYS_FR
from extranet_common.french import MONTHS as MONTHS_FR
from extranet_common.localtime import month_key
from timesheets import deadlines
from timesheets.deadlines import MAX_GRACE_DAYS, MonthDeadline, month_label
from timesheets.models import PENDING, Agency, Caregiver, Entry, ReminderSent

_log = logging.getLogger(__name__)

TEMPLATE = "month_end_reminder"


@dataclass(frozen=True)
class Reminder:
    caregiver_id: str
    agency_id: str
    month: str
    email: str
    context: dict


def deadline_label(limit: MonthDeadline) -> str:
    """The deadline as a caregiver reads it: ``mardi 31 mars 2026 à 23:59``."""
    local = limit.deadline
    return (
        f"{DAYS_FR[local.weekday()]} {local.day} {MONTHS_FR[local.month - 1]} "
        f"{local.year} à {local:%H:%M}"
    )


def due_reminders(session: Session, now: datetime, public_url: str) -> list[Reminder]:
    """The reminders to send now, each with its email context."""
    oldest = month_key((now - timedelta(days=MAX_GRACE_DAYS + 2)).date())
    newest = month_key((now + timedelta(days=deadlines.REMINDER_DAYS + 2)).date())
    rows = session.execute(
        select(
            Entry.agency_id,
            Entry.month,
            Entry.caregiver_id,
            func.min(Entry.timezone),
            func.count(),
        )
        .outerjoin(
            ReminderSent,
            and_(
                ReminderSent.caregiver_id == Entry.caregiver_id,
                ReminderSent.month == Entry.month,
            ),
        )
        .where(
            Entry.status == PENDING,
            Entry.agency_id.is_not(None),
            Entry.month >= oldest,
            Entry.month <= newest,
            ReminderSent.month.is_(None),
        )
        .group_by(Entry.agency_id, Entry.month, Entry.caregiver_id)
    ).all()

    found = []
    limits: dict[tuple[str, str], MonthDeadline] = {}
    for agency_id, month, caregiver_id, tz, undecided in rows:
        key = (agency_id, month)
        if key not in limits:
            limits[key] = deadlines.for_month(session, agency_id, month, tz)
        limit = limits[key]
        if limit.is_closed(now) or now < limit.reminder_at:
            continue
        caregiver = session.get(Caregiver, caregiver_id)
        if caregiver is None or not caregiver.email:
            _log.info("no address known for caregiver %s yet", caregiver_id)
            continue
        agency = session.get(Agency, agency_id)
        found.append(
            Reminder(
                caregiver_id=caregiver_id,
                agency_id=agency_id,
                month=month,
                email=caregiver.email,
                context={
                    "first_name": caregiver.first_name,
                    "last_name": caregiver.last_name,
                    "agency_name": (agency.name if agency else None) or "Votre agence",
                    "month": month,
                    "month_label": month_label(month),
                    "deadline": deadline_label(limit),
                    "undecided": undecided,
                    "link": f"{public_url.rstrip('/')}/heures/{month}",
                },
            )
        )
    return found


def send_due_reminders(
    session_factory: Callable[[], Session],
    send: Callable[[str, str, dict], object],
    public_url: str,
) -> int:
    """Send the reminders due now; returns how many this instance sent."""
    now = clock.now()
    with session_factory() as session:
        due = due_reminders(session, now, public_url)

    sent = 0
    for reminder in due:
        if not _claim(session_factory, reminder, now):
            continue
        try:
            send(TEMPLATE, reminder.email, reminder.context)
        except Exception as error:  # noqa: BLE001 - tried again next round
            _log.warning(
                "reminder of %s for %s not sent yet: %s",
                reminder.month,
                reminder.caregiver_id,
                error,
            )
            _release(session_factory, reminder)
            continue
        _stamp(session_factory, reminder)
        sent += 1
    if sent:
        _log.info("sent %d month-end reminders", sent)
    return sent


def _claim(session_factory, reminder: Reminder, now: datetime) -> bool:
    session = session_factory()
    try:
        session.add(
            ReminderSent(
                caregiver_id=reminder.caregiver_id,
                month=reminder.month,
                agency_id=reminder.agency_id,
                claimed_at=now,
            )
        )
        session.commit()
        return True
    except (exc.IntegrityError, exc.OperationalError):
        session.rollback()
        return False
    finally:
        session.close()


def _release(session_factory, reminder: Reminder) -> None:
    with session_factory() as session:
        session.execute(
            delete(ReminderSent).where(
                ReminderSent.caregiver_id == reminder.caregiver_id,
                ReminderSent.month == reminder.month,
            )
        )
        session.commit()


def _stamp(session_factory, reminder: Reminder) -> None:
    with session_factory() as session:
        session.execute(
            update(ReminderSent)
            .where(
                ReminderSent.caregiver_id == reminder.caregiver_id,
                ReminderSent.month == reminder.month,
            )
            .values(sent_at=clock.now())
        )
        session.commit()
