"""Planning emails: a caregiver hears of changes to her shifts.

Consumes planning's ``shift_changed`` and ``shift_cancelled``, and
``shift_scheduled`` when the shift falls on an unavailability she declared
(``over_unavailability``). Dates and hours are written in the event's
``timezone`` (the agency's). A shift moved from one caregiver to another
tells each of them: a new shift for one, a shift taken away for the other.
These emails are optional: a caregiver who turned them off gets none.
"""

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from extranet_common import clock, localtime
from notifications import mailings, wording
from notifications.models import Recipient

_log = logging.getLogger(__name__)

PLANNING_CHANGED = "planning_changed"

OVER_UNAVAILABILITY = "scheduled_over_unavailability"
ASSIGNED = "assigned"
CHANGED = "changed"
CANCELLED = "cancelled"
REMOVED = "removed"


def shift_scheduled(
    session: Session, data: dict, payload: dict, *, public_url: str
) -> None:
    """Apply ``shift_scheduled``: an email only over an unavailability."""
    if data.get("over_unavailability") is not True:
        return
    _tell(
        session,
        payload,
        data["caregiver_id"],
        OVER_UNAVAILABILITY,
        data,
        [],
        public_url,
    )


def shift_cancelled(
    session: Session, data: dict, payload: dict, *, public_url: str
) -> None:
    """Apply ``shift_cancelled``."""
    _tell(session, payload, data["caregiver_id"], CANCELLED, data, [], public_url)


def shift_changed(
    session: Session, data: dict, payload: dict, *, public_url: str
) -> None:
    """Apply ``shift_changed`` {..., changes: {field: [old, new]}}."""
    changes = data.get("changes") or {}
    moved = changes.get("caregiver_id")
    if moved:
        before = {
            **data,
            "start": _old(changes, "start", data),
            "end": _old(changes, "end", data),
        }
        _tell(session, payload, moved[0], REMOVED, before, [], public_url)
        _tell(session, payload, moved[1], ASSIGNED, data, [], public_url)
        return
    _tell(
        session,
        payload,
        data["caregiver_id"],
        CHANGED,
        data,
        change_lines(changes, data),
        public_url,
    )


def change_lines(changes: dict, data: dict) -> list[str]:
    """What changed, one French sentence per fact."""
    timezone = data["timezone"]
    lines = []
    if "start" in changes or "end" in changes:
        old = _when(_old(changes, "start", data), _old(changes, "end", data), timezone)
        new = _when(data["start"], data["end"], timezone)
        lines.append(f"Horaires : {old} → {new}")
    if "family_ref" in changes:
        lines.append(f"Famille : désormais {data.get('family_name') or '—'}")
    if "activity" in changes:
        old, new = changes["activity"]
        lines.append(f"Activité : {old or '—'} → {new or '—'}")
    if "car_transport" in changes:
        car = "oui" if changes["car_transport"][1] else "non"
        lines.append(f"Transport des enfants en voiture : {car}")
    if "notes" in changes:
        lines.append(f"Consignes : {changes['notes'][1] or '—'}")
    return lines


def _tell(
    session: Session,
    payload: dict,
    caregiver_id: str,
    kind: str,
    data: dict,
    lines: list[str],
    public_url: str,
) -> None:
    recipient = session.get(Recipient, caregiver_id)
    if recipient is None:
        raise mailings.UnknownRecipient(f"caregiver {caregiver_id} is not known here")
    if not mailings.wants_planning_emails(session, recipient):
        _log.info("planning email to %s turned off", recipient.id)
        return

    timezone = data["timezone"]
    start = _local(data["start"], timezone)
    end = _local(data["end"], timezone)
    context = {
        **mailings.common_context(session, recipient),
        "change": kind,
        "shift_date": wording.long_date(start.date()),
        "start_time": wording.hour(start),
        "end_time": wording.hour(end),
        "family_name": data.get("family_name") or "",
        "activity": data.get("activity") or "",
        "change_lines": lines,
        "link": f"{public_url.rstrip('/')}/planning",
    }
    mailings.record(session, payload["event_id"], PLANNING_CHANGED, recipient, context)


def _old(changes: dict, key: str, data: dict) -> str:
    return changes[key][0] if key in changes else data[key]


def _local(instant: str, timezone: str) -> datetime:
    return localtime.to_local(clock.parse_instant(instant), timezone)


def _when(start: str, end: str, timezone: str) -> str:
    local_start, local_end = _local(start, timezone), _local(end, timezone)
    day = wording.long_date(local_start.date())
    return f"{day}, {wording.hour(local_start)}–{wording.hour(local_end)}"
