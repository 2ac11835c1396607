"""The history of every entry: who changed it, when, and what it was before.

Every change to an entry, whether it comes from planning's events, the
caregiver or the agency, writes one row holding the entry's state before and
after as JSON. An accepted entry can therefore change only visibly.
"""

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from extranet_common import clock
from timesheets.models import Entry, EntryHistory

CREATED = "created"
CHANGED = "changed"
REOPENED = "reopened"
RESTORED = "restored"
REASSIGNED = "reassigned"
CANCELLED = "cancelled"
REMOVED = "removed"
ACCEPTED = "accepted"
REFUSED = "refused"
ACCEPTED_ALL = "accepted_all"
SETTLED = "settled"
CORRECTED = "corrected"
NOT_VALIDATED = "not_validated"
ADDED_AFTER_CLOSING = "added_after_closing"
IGNORED_AFTER_CLOSING = "ignored_after_closing"

DECISIONS = (ACCEPTED, REFUSED, ACCEPTED_ALL, SETTLED, CORRECTED, NOT_VALIDATED)


def snapshot(entry: Entry) -> dict:
    """The parts of an entry that a reader of its history cares about."""
    return {
        "agency_id": entry.agency_id,
        "caregiver_id": entry.caregiver_id,
        "month": entry.month,
        "local_date": entry.local_date.isoformat(),
        "start_at": entry.start_at.isoformat(),
        "end_at": entry.end_at.isoformat(),
        "timezone": entry.timezone,
        "planned_minutes": entry.planned_minutes,
        "family_name": entry.family_name,
        "activity": entry.activity,
        "car_transport": entry.car_transport,
        "status": entry.status,
        "reason": entry.reason,
        "comment": entry.comment,
        "declared_minutes": entry.declared_minutes,
        "counted_override": entry.counted_override,
        "staff_comment": entry.staff_comment,
        "km": None if entry.km is None else str(entry.km),
        "change_note": entry.change_note,
    }


def record(
    session: Session,
    entry: Entry,
    actor: dict,
    action: str,
    before: dict | None,
    after: dict | None,
) -> None:
    session.add(
        EntryHistory(
            entry_id=entry.id,
            at=clock.now(),
            actor_id=actor.get("id"),
            actor_role=actor.get("role") or "",
            action=action,
            before=None if before is None else json.dumps(before),
            after=None if after is None else json.dumps(after),
        )
    )


def was_decided(session: Session, entry_id: str) -> bool:
    """Whether anybody ever accepted or refused this entry."""
    found = session.scalars(
        select(EntryHistory.id)
        .where(EntryHistory.entry_id == entry_id)
        .where(EntryHistory.action.in_(DECISIONS))
        .limit(1)
    ).first()
    return found is not None


def rows(session: Session, entry_id: str) -> list[dict]:
    """The history of one entry, oldest first."""
    found = session.scalars(
        select(EntryHistory)
        .where(EntryHistory.entry_id == entry_id)
        .order_by(EntryHistory.id)
    )
    return [
        {
            "at": row.at.isoformat(),
            "actor_id": row.actor_id,
            "actor_role": row.actor_role,
            "action": row.action,
            "before": None if row.before is None else json.loads(row.before),
            "after": None if row.after is None else json.loads(row.after),
        }
        for row in found
    ]
