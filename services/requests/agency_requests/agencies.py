"""The local copy of agencies: their time zone turns a request's local date
and hours into instants.

Requests learns agencies from identity's ``agency_created`` event; the
service asks identity's ``get_agency`` for one it has not heard of (an
agency created before this copy existed) and keeps the answer.
"""

import logging

from sqlalchemy.orm import Session

from agency_requests.models import Agency
from extranet_common import clock

_log = logging.getLogger(__name__)


def timezone_of(session: Session, agency_id: str) -> str | None:
    """The agency's time zone, or None if this service does not know it."""
    agency = session.get(Agency, agency_id) if agency_id else None
    return agency.timezone if agency else None


def remember(session: Session, agency_id: str, ref, name: str, timezone: str) -> str:
    """Store or refresh an agency; returns its time zone."""
    agency = session.get(Agency, agency_id)
    if agency is None:
        agency = Agency(id=agency_id)
        session.add(agency)
        _log.info("requests now knows agency %s", agency_id)

    agency.ref = ref
    agency.name = name
    agency.timezone = timezone
    agency.updated_at = clock.now()
    session.flush()
    return agency.timezone


def agency_created(session: Session, data: dict, payload: dict) -> None:
    """Apply identity's ``agency_created`` {agency_id, ref, name, timezone}."""
    remember(
        session, data["agency_id"], data.get("ref"), data["name"], data["timezone"]
    )
