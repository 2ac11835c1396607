"""Who may read and change which timesheet, checked in the service itself.

A caregiver reaches only her own timesheet; agency staff and back-office
systems only the caregivers of their agency; the network admin everything.
The agency of a caregiver is known from her entries, or from the local copy
of identity's ``caregiver_invited``: a caregiver known by neither has nothing
to leak.
"""

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from extranet_common.errors import NotAuthenticated, NotFound, PermissionDenied
from timesheets.models import Caregiver, Entry

_log = logging.getLogger(__name__)

CAREGIVER = "caregiver"
STAFF = "staff"
BACKOFFICE = "backoffice"
ADMIN = "admin"

AGENCY_ROLES = (STAFF, BACKOFFICE)
ROLES = (CAREGIVER, STAFF, BACKOFFICE, ADMIN)

PLANNING_ACTOR = {"id": None, "role": "planning", "agency_id": None}
"""The author of the changes that arrive as planning's events."""

SYSTEM_ACTOR = {"id": None, "role": "system", "agency_id": None}
"""The author of the changes made by the closing job."""


def check_actor(actor: object) -> dict:
    """The actor dict, or NotAuthenticated / PermissionDenied when it is unusable."""
    if not isinstance(actor, dict) or not actor.get("id"):
        raise NotAuthenticated("Connectez-vous pour accéder à vos heures.")
    if actor.get("role") not in ROLES:
        _log.warning("actor %s has an unknown role", actor.get("id"))
        raise PermissionDenied("Accès refusé.")
    return actor


def usable_id(value: object) -> bool:
    """Whether ``value`` can be an id of ours: text without a NUL character
    (PostgreSQL refuses to compare one)."""
    return isinstance(value, str) and "\x00" not in value


def check_caregiver(session: Session, actor: object, caregiver_id: str) -> dict:
    """Allow ``actor`` to reach the timesheet of ``caregiver_id``, or refuse.

    An id that no caregiver can have is unknown (NotFound).
    """
    actor = check_actor(actor)
    role = actor["role"]
    if not usable_id(caregiver_id):
        raise NotFound("Intervenante inconnue.", {"caregiver_id": "inconnue"})

    if role == ADMIN:
        return actor
    if role == CAREGIVER:
        if actor["id"] != caregiver_id:
            _log.warning("caregiver %s asked for another timesheet", actor["id"])
            raise PermissionDenied("Vous ne pouvez voir que vos propres heures.")
        return actor

    agency_id = actor.get("agency_id")
    if not agency_id:
        raise PermissionDenied("Accès réservé à l'agence de l'intervenante.")
    known = caregiver_agency(session, caregiver_id)
    if known is not None and known != agency_id:
        _log.warning("actor %s asked for a caregiver of another agency", actor["id"])
        raise PermissionDenied("Cette intervenante ne dépend pas de votre agence.")
    return actor


def check_agency(actor: object, agency_id: str | None) -> str:
    """The agency whose figures ``actor`` may read (staff: their own)."""
    actor = check_actor(actor)
    role = actor["role"]

    if role == ADMIN:
        if not agency_id:
            raise PermissionDenied("Précisez l'agence.")
        return agency_id
    if role not in AGENCY_ROLES or not actor.get("agency_id"):
        raise PermissionDenied("Accès réservé à l'agence.")
    if agency_id and agency_id != actor["agency_id"]:
        _log.warning("actor %s asked for another agency", actor["id"])
        raise PermissionDenied("Accès réservé à votre agence.")
    return actor["agency_id"]


def check_staff(actor: object, agency_id: str | None = None) -> str:
    """Like ``check_agency``, for changes only a person may make: a
    back-office system's key may read the agency's figures, not change them."""
    agency_id = check_agency(actor, agency_id)
    if actor["role"] == BACKOFFICE:
        _log.warning("back-office key %s tried a staff change", actor["id"])
        raise PermissionDenied("Une clé d'API ne peut pas faire cela : connectez-vous.")
    return agency_id


def caregiver_agency(session: Session, caregiver_id: str) -> str | None:
    found = session.scalars(
        select(Entry.agency_id).where(Entry.caregiver_id == caregiver_id).limit(1)
    ).first()
    if found is not None:
        return found
    return session.scalars(
        select(Caregiver.agency_id).where(Caregiver.id == caregiver_id)
    ).first()


def is_known(session: Session, caregiver_id: str) -> bool:
    """Whether timesheets has heard of this caregiver: an entry of hers, or
    identity's invitation in the local copy."""
    if session.get(Caregiver, caregiver_id) is not None:
        return True
    found = session.scalars(
        select(Entry.id).where(Entry.caregiver_id == caregiver_id).limit(1)
    ).first()
    return found is not None
