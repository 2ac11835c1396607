"""Which optional emails a caregiver wants.

Planning changes and news are optional: a caregiver can turn each off.
Account emails (invitation, confirmation, reset, password changed), answers
to her requests, documents and the month-end reminder always go out. With
no choice recorded, every optional email goes out.
"""

import logging

from sqlalchemy.orm import Session

from extranet_common import clock
from extranet_common.errors import InvalidInput, PermissionDenied
from notifications.models import EmailPreference

_log = logging.getLogger(__name__)

PLANNING_CHANGES = "email_planning_changes"
NEWS = "email_news"
KEYS = (PLANNING_CHANGES, NEWS)


def get_preferences(session: Session, actor: dict) -> dict:
    """The caregiver's choices (every optional email on by default)."""
    user_id = _caregiver(actor)
    return _view(session.get(EmailPreference, user_id))


def set_preferences(session: Session, actor: dict, wanted: object) -> dict:
    """Change some or all choices; keys left out keep their value."""
    user_id = _caregiver(actor)
    if not isinstance(wanted, dict):
        raise InvalidInput("Préférences illisibles.", {"preferences": "objet attendu"})
    problems = {key: "inconnu" for key in wanted if key not in KEYS}
    problems.update(
        {
            key: "vrai ou faux attendu"
            for key in KEYS
            if key in wanted and not isinstance(wanted[key], bool)
        }
    )
    if problems:
        raise InvalidInput("Préférences invalides.", problems)

    row = session.get(EmailPreference, user_id)
    if row is None:
        row = EmailPreference(
            user_id=user_id, email_planning_changes=True, email_news=True
        )
        session.add(row)
    for key in KEYS:
        if key in wanted:
            setattr(row, key, wanted[key])
    row.updated_at = clock.now()
    session.flush()
    _log.info("email preferences of %s changed", user_id)
    return _view(row)


def wants(session: Session, user_id: str, key: str) -> bool:
    """Whether ``user_id`` wants the optional email ``key``."""
    row = session.get(EmailPreference, user_id)
    return True if row is None else bool(getattr(row, key))


def _view(row: EmailPreference | None) -> dict:
    if row is None:
        return {key: True for key in KEYS}
    return {key: bool(getattr(row, key)) for key in KEYS}


def _caregiver(actor: dict) -> str:
    if not isinstance(actor, dict) or actor.get("role") != "caregiver":
        raise PermissionDenied("Ces préférences sont celles d'une intervenante.")
    if not actor.get("id"):
        raise PermissionDenied("Accès refusé.")
    return str(actor["id"])
