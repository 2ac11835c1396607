"""The local copy of agencies and caregivers, fed by identity's events.

Emails that events ask for need a name and an address that only identity
holds; this service keeps what it needs from ``agency_created`` and
``caregiver_invited`` instead of asking identity at sending time.
"""

import logging

from sqlalchemy.orm import Session

from extranet_common import clock
from notifications.models import Agency, Recipient

_log = logging.getLogger(__name__)


def agency_created(session: Session, data: dict, payload: dict) -> None:
    """Apply identity's ``agency_created`` {agency_id, ref, name, timezone}."""
    agency = session.get(Agency, data["agency_id"])
    if agency is None:
        agency = Agency(id=data["agency_id"])
        session.add(agency)

    agency.ref = data["ref"]
    agency.name = data["name"]
    agency.timezone = data["timezone"]
    agency.updated_at = clock.now()
    _log.info("agency %s known", agency.id)


def caregiver_invited(session: Session, data: dict, payload: dict) -> None:
    """Apply identity's ``caregiver_invited`` {caregiver_id, names, email, ref}.

    The caregiver's agency comes from the envelope's ``agency_id``.
    """
    recipient = session.get(Recipient, data["caregiver_id"])
    if recipient is None:
        recipient = Recipient(id=data["caregiver_id"])
        session.add(recipient)

    recipient.agency_id = payload.get("agency_id")
    recipient.first_name = data["first_name"]
    recipient.last_name = data["last_name"]
    recipient.email = data["email"]
    recipient.ref = data.get("ref")
    recipient.updated_at = clock.now()
    _log.info("recipient %s known", recipient.id)


def account_confirmed(session: Session, data: dict, payload: dict) -> None:
    """Apply identity's ``account_confirmed`` {user_id}: from now on she gets
    the emails sent to every caregiver (news, documents for all)."""
    recipient = session.get(Recipient, data["user_id"])
    if recipient is None:
        return
    recipient.confirmed_at = clock.now()
    _log.info("recipient %s confirmed", recipient.id)


def agency_name(session: Session, agency_id: str | None) -> str:
    """The agency's name for an email, or a neutral phrase if unknown."""
    agency = session.get(Agency, agency_id) if agency_id else None
    return agency.name if agency else "Votre agence"
