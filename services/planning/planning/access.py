"""Who may do what in the planning, checked here as well as in the gateway.

An actor is the dict the gateway passes first to every call:
``{"id", "role", "agency_id"}``. A caregiver reaches only her own planning;
staff and back-office systems only their own agency; the network admin
reaches every agency but has to say which one a change is for.
"""

from extranet_common.errors import InvalidInput, PermissionDenied

CAREGIVER = "caregiver"
STAFF = "staff"
BACKOFFICE = "backoffice"
ADMIN = "admin"

AGENCY_ROLES = (STAFF, BACKOFFICE)


def writable_agency(actor: dict, agency_id: str | None = None) -> str:
    """The agency whose planning ``actor`` changes; refuses anyone else.

    Staff and back-office systems change their own agency (``agency_id``, if
    given, must be theirs); the admin names the agency, or acts for her own.
    """
    role = _role(actor)
    own = actor.get("agency_id")

    if role in AGENCY_ROLES:
        if not own or (agency_id and agency_id != own):
            raise PermissionDenied(
                "Vous ne pouvez modifier que le planning de votre agence."
            )
        return own

    if role == ADMIN:
        chosen = agency_id or own
        if not chosen:
            raise InvalidInput(
                "Précisez l'agence concernée.", {"agency_id": "agence manquante"}
            )
        return chosen

    raise PermissionDenied("Seule l'agence peut modifier le planning.")


def reading_agency(actor: dict, caregiver_id: str) -> str | None:
    """Check that ``actor`` may read this caregiver's planning.

    Returns the agency the reading is limited to: the actor's own, or None
    for the admin, who reads every agency.
    """
    role = _role(actor)
    own = actor.get("agency_id")

    if role == CAREGIVER:
        if actor.get("id") != caregiver_id or not own:
            raise PermissionDenied(
                "Vous ne pouvez consulter que votre propre planning."
            )
        return own

    if role in AGENCY_ROLES:
        if not own:
            raise PermissionDenied("Aucune agence n'est associée à ce compte.")
        return own

    if role == ADMIN:
        return None

    raise PermissionDenied("Accès refusé.")


def _role(actor: dict) -> str | None:
    if not isinstance(actor, dict):
        raise PermissionDenied("Accès refusé.")
    return actor.get("role")
