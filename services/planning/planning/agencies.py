"""The local copy of the agencies planning works for.

Planning needs an agency's name and time zone. It learns them from
identity's ``agency_created`` event, or, for an agency it has not heard of
yet, from identity's ``get_agency`` call (made by the service).
"""

import logging

from sqlalchemy.orm import Session

from planning.models import Agency

_log = logging.getLogger(__name__)


def find(session: Session, agency_id: str) -> dict | None:
    agency = session.get(Agency, agency_id)
    return agency_view(agency) if agency else None


def remember(session: Session, data: dict) -> dict:
    """Store or refresh an agency from identity's view of it."""
    agency = session.get(Agency, data["id"])
    if agency is None:
        agency = Agency(id=data["id"])
        session.add(agency)
        _log.info("planning now knows agency %s", data["id"])

    agency.ref = data.get("ref")
    agency.name = data["name"]
    agency.timezone = data["timezone"]
    session.flush()
    return agency_view(agency)


def apply_agency_created(session: Session, data: dict, payload: dict) -> None:
    """Effect of identity's ``agency_created`` event."""
    remember(
        session,
        {
            "id": data["agency_id"],
            "ref": data.get("ref"),
            "name": data["name"],
            "timezone": data["timezone"],
        },
    )


def agency_view(agency: Agency) -> dict:
    return {
        "id": agency.id,
        "ref": agency.ref,
        "name": agency.name,
        "timezone": agency.timezone,
    }
