"""Who may call identity's agency-side operations (checked again here, after
the gateway): ``actor`` is ``{"id", "role", "agency_id"}`` as the gateway
passes it. Staff and back-office keys act only for their own agency; only
staff (people) manage back-office keys.
"""

from extranet_common.errors import PermissionDenied
from identity.models import BACKOFFICE, STAFF

AGENCY_ROLES = (STAFF, BACKOFFICE)


def agency_of(actor: dict, roles: tuple[str, ...] = AGENCY_ROLES) -> str:
    """The agency ``actor`` acts for; PermissionDenied unless its role fits."""
    if (
        not isinstance(actor, dict)
        or not actor.get("id")
        or actor.get("role") not in roles
        or not actor.get("agency_id")
    ):
        raise PermissionDenied("Réservé au personnel de l'agence.")
    return str(actor["agency_id"])


def staff_agency_of(actor: dict) -> str:
    """As :func:`agency_of`, for people only (not back-office keys)."""
    if isinstance(actor, dict) and actor.get("role") == BACKOFFICE:
        raise PermissionDenied(
            "Une clé d'API ne peut pas gérer les clés : connectez-vous."
        )
    return agency_of(actor, (STAFF,))
