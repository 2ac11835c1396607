"""Entries kept in step with planning's shift events.

planning publishes ``shift_scheduled``, ``shift_changed`` and
``shift_cancelled``; each handler here is a plain function
``apply(session, data, payload)`` that ``consume_event`` runs once per event.

- A scheduled or changed shift creates its entry when there is none (events
  may reach a fresh database out of order), otherwise updates it. The
  change is compared with what the entry holds, so an event that changes
  nothing about the hours (the address, the notes) leaves the entry alone.
- A change to an accepted or refused entry puts it back to pending, with a
  note saying what changed, because the caregiver decided on other hours.
- A cancelled shift removes an entry nobody ever decided on, and marks any
  other entry cancelled, so that a decision already taken stays visible.
- A shift that loses its caregiver is treated as cancelled for her; a shift
  given to another caregiver starts over as a new pending entry of hers (the
  history keeps the former caregiver's decision).
- Once the closing job has closed a month, planning's events no longer
  change its entries: the history of the entry keeps what planning said
  (``ignored_after_closing``) and staff correct the figures if they must. A
  shift planned late into a closed month (an unplanned intervention
  approved afterwards) gets an entry ``not_validated`` counted as planned,
  published as ``entry_corrected`` since ``month_closed`` has gone out.
- Each event locks its agency's row (PostgreSQL) as the closing job does,
  so an event and the closing of its month never interleave.

Known gap: events are applied in the order they arrive. Two events about the
same shift handled out of order (several workers, a retried delivery) can
leave the entry as the older one described, because the entry keeps no
version of the shift to compare with; planning's next change repairs it.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from extranet_common import clock
from extranet_common.localtime import (
    DEFAULT_TIMEZONE,
    local_date,
    minutes_between,
    month_key,
    to_local,
    zone,
)
from timesheets import deadlines, directory, history, months
from timesheets.access import PLANNING_ACTOR
from timesheets.models import CANCELLED, DECIDED, NOT_VALIDATED, PENDING, Entry

_log = logging.getLogger(__name__)

STATUS_LABELS = {"accepted": "acceptée", "refused": "refusée"}


@dataclass(frozen=True)
class Shift:
    """What an entry needs from a shift event's data."""

    shift_id: str
    caregiver_id: str | None
    start_at: datetime
    end_at: datetime
    timezone: str
    local_date: date
    family_name: str
    activity: str | None
    car_transport: bool

    @property
    def month(self) -> str:
        return month_key(self.local_date)

    @property
    def planned_minutes(self) -> int:
        return minutes_between(self.start_at, self.end_at)


def read_shift(data: dict) -> Shift:
    """The shift described by an event's data; ValueError when unusable."""
    shift_id = data.get("shift_id")
    if not shift_id:
        raise ValueError("shift event without a shift_id")
    tz = data.get("timezone") or DEFAULT_TIMEZONE
    zone(tz)
    start_at = clock.parse_instant(data["start"])
    end_at = clock.parse_instant(data["end"])
    if end_at <= start_at:
        raise ValueError(f"shift {shift_id} ends before it starts")

    return Shift(
        shift_id=str(shift_id),
        caregiver_id=data.get("caregiver_id") or None,
        start_at=start_at,
        end_at=end_at,
        timezone=tz,
        local_date=local_date(start_at, tz),
        family_name=data.get("family_name") or "",
        activity=data.get("activity") or None,
        car_transport=bool(data.get("car_transport")),
    )


def apply_shift_scheduled(session: Session, data: dict, payload: dict) -> None:
    _upsert(session, read_shift(data), payload.get("agency_id"))


def apply_shift_changed(session: Session, data: dict, payload: dict) -> None:
    _upsert(session, read_shift(data), payload.get("agency_id"))


def apply_shift_cancelled(session: Session, data: dict, payload: dict) -> None:
    agency_id = payload.get("agency_id")
    if agency_id:
        directory.ensure_agency(session, agency_id, data.get("timezone") or "")
    entry = _entry_of_shift(session, str(data.get("shift_id")))
    if entry is None:
        _log.info("cancelled shift %s has no entry", data.get("shift_id"))
        return
    if _closed(session, entry.agency_id, entry.month):
        _ignore(session, entry, None)
        return
    _withdraw(session, entry)


def _upsert(session: Session, shift: Shift, agency_id: str | None) -> None:
    if agency_id:
        directory.ensure_agency(session, agency_id, shift.timezone)
    entry = _entry_of_shift(session, shift.shift_id)

    if entry is not None and (
        _closed(session, entry.agency_id, entry.month)
        or _closed(session, agency_id or entry.agency_id, shift.month)
    ):
        _ignore(session, entry, shift, agency_id)
        return
    if shift.caregiver_id is None:
        if entry is not None:
            _withdraw(session, entry)
        return
    if entry is None:
        if _closed(session, agency_id, shift.month):
            _create_after_closing(session, shift, agency_id)
            return
        _create(session, shift, agency_id)
        return

    before = history.snapshot(entry)
    if entry.caregiver_id != shift.caregiver_id:
        _copy(entry, shift, agency_id)
        _clear_decision(entry)
        entry.km = None
        entry.change_note = None
        _save(session, entry, history.REASSIGNED, before)
        return

    changes = _describe_changes(entry, shift)
    note = "Modifiée par l'agence : " + " ; ".join(changes) + "." if changes else ""
    action = history.CHANGED
    if entry.status == CANCELLED:
        action = history.RESTORED
        entry.change_note = " ".join(
            filter(None, ["Intervention rétablie par l'agence.", note])
        )
        _clear_decision(entry)
    elif changes and entry.status in DECIDED:
        action = history.REOPENED
        label = STATUS_LABELS[entry.status]
        entry.change_note = f"{note} Votre décision « {label} » est à refaire."
        _clear_decision(entry)
    elif changes:
        entry.change_note = " ".join(filter(None, [entry.change_note, note]))

    _copy(entry, shift, agency_id)
    if history.snapshot(entry) != before:
        _save(session, entry, action, before)


def _create(session: Session, shift: Shift, agency_id: str | None) -> None:
    entry = Entry(id=str(uuid.uuid4()), status=PENDING)
    _copy(entry, shift, agency_id)
    session.add(entry)
    _save(session, entry, history.CREATED, None)


def _create_after_closing(
    session: Session, shift: Shift, agency_id: str | None
) -> None:
    entry = Entry(id=str(uuid.uuid4()), status=NOT_VALIDATED)
    _copy(entry, shift, agency_id)
    entry.change_note = "Intervention ajoutée par l'agence après la clôture du mois."
    session.add(entry)
    _save(session, entry, history.ADDED_AFTER_CLOSING, None)
    months.publish_correction(session, entry, history.ADDED_AFTER_CLOSING, None)
    _log.info("shift %s added to closed month %s", shift.shift_id, shift.month)


def _ignore(
    session: Session,
    entry: Entry,
    shift: Shift | None,
    agency_id: str | None = None,
) -> None:
    """Keep in the history what planning said about an entry of a closed
    month, without changing the entry."""
    before = history.snapshot(entry)
    said = None
    if shift is not None and shift.caregiver_id is not None:
        ghost = Entry(id=entry.id, status=entry.status)
        _copy(ghost, shift, agency_id or entry.agency_id)
        said = history.snapshot(ghost) | {
            key: before[key]
            for key in ("status", "reason", "comment", "declared_minutes", "km")
        }
    if said == before:
        return
    history.record(
        session, entry, PLANNING_ACTOR, history.IGNORED_AFTER_CLOSING, before, said
    )
    _log.warning(
        "planning changed shift %s of closed month %s; entry left as it was",
        entry.shift_id,
        entry.month,
    )


def _closed(session: Session, agency_id: str | None, month: str) -> bool:
    return deadlines.is_recorded_closed(session, agency_id, month)


def _withdraw(session: Session, entry: Entry) -> None:
    """The shift is gone: forget an undecided entry, mark a decided one."""
    if entry.status == CANCELLED:
        return

    before = history.snapshot(entry)
    if entry.status == PENDING and not history.was_decided(session, entry.id):
        history.record(session, entry, PLANNING_ACTOR, history.REMOVED, before, None)
        session.delete(entry)
        return

    entry.status = CANCELLED
    entry.change_note = "Intervention annulée par l'agence."
    _save(session, entry, history.CANCELLED, before)


def _copy(entry: Entry, shift: Shift, agency_id: str | None) -> None:
    entry.agency_id = agency_id or entry.agency_id
    entry.caregiver_id = shift.caregiver_id
    entry.shift_id = shift.shift_id
    entry.month = shift.month
    entry.local_date = shift.local_date
    entry.start_at = shift.start_at
    entry.end_at = shift.end_at
    entry.timezone = shift.timezone
    entry.planned_minutes = shift.planned_minutes
    entry.family_name = shift.family_name
    entry.activity = shift.activity
    entry.car_transport = shift.car_transport


def _clear_decision(entry: Entry) -> None:
    entry.status = PENDING
    entry.reason = None
    entry.comment = None
    entry.declared_minutes = None
    entry.counted_override = None
    entry.staff_comment = None
    entry.decided_at = None
    entry.decided_by = None


def _save(session: Session, entry: Entry, action: str, before: dict | None) -> None:
    entry.updated_at = clock.now()
    session.flush()
    history.record(
        session, entry, PLANNING_ACTOR, action, before, history.snapshot(entry)
    )


def _describe_changes(entry: Entry, shift: Shift) -> list[str]:
    """What changed for the caregiver, in her words and her local time."""
    changes = []
    if (entry.start_at, entry.end_at) != (shift.start_at, shift.end_at):
        same_day = entry.local_date == shift.local_date
        old = _span(entry.start_at, entry.end_at, entry.timezone, same_day)
        new = _span(shift.start_at, shift.end_at, shift.timezone, same_day)
        changes.append(f"horaires {old} → {new}")
    if entry.family_name != shift.family_name:
        changes.append(f"famille {entry.family_name} → {shift.family_name}")
    if entry.activity != shift.activity:
        changes.append(f"activité {entry.activity or '-'} → {shift.activity or '-'}")
    if entry.car_transport != shift.car_transport:
        was, now = (_yes_no(entry.car_transport), _yes_no(shift.car_transport))
        changes.append(f"transport en voiture {was} → {now}")
    return changes


def _span(start_at: datetime, end_at: datetime, tz: str, same_day: bool) -> str:
    start = to_local(start_at, tz)
    end = to_local(end_at, tz)
    hours = f"{start:%H:%M}–{end:%H:%M}"
    return hours if same_day else f"{start:%d/%m} {hours}"


def _yes_no(value: bool) -> str:
    return "oui" if value else "non"


def _entry_of_shift(session: Session, shift_id: str) -> Entry | None:
    return session.scalars(select(Entry).where(Entry.shift_id == shift_id)).first()
