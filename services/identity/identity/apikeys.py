"""Back-office API keys: one per agency system, revocable, kept hashed.

A key is ``ek_`` followed by 43 random URL-safe characters (256 bits). It is
shown once, when staff create it; identity keeps its SHA-256 and its first
characters (to tell keys apart in a list). A key authenticates as role
``backoffice`` of its agency, through the same ``authenticate`` call as a
session, so the gateway's cache and its few seconds of revocation delay
apply to keys too.
"""

import hashlib
import secrets
import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from extranet_common import clock
from extranet_common.errors import InvalidInput, NotAuthenticated, NotFound
from identity import texts
from identity.models import BACKOFFICE, Agency, ApiKey

KEY_PREFIX = "ek_"
SHOWN_PREFIX = 10
USE_RECORDED_EVERY = timedelta(minutes=1)


def looks_like_key(token: str) -> bool:
    return token.startswith(KEY_PREFIX)


def create(session: Session, agency_id: str, created_by: str, name: str) -> dict:
    """A new key; the returned ``key`` is the only time it is visible."""
    why = texts.problem(name, texts.KEY_NAME_LENGTH)
    if why:
        raise InvalidInput(
            "Donnez un nom à la clé (le logiciel qui l'utilisera), "
            f"{texts.too_long(texts.KEY_NAME_LENGTH)}.",
            {"name": why},
        )
    name = name.strip()
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        id=str(uuid.uuid4()),
        agency_id=agency_id,
        name=name,
        prefix=key[:SHOWN_PREFIX],
        key_hash=_digest(key),
        created_by=created_by,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    return {**view(row), "key": key}


def list_for(session: Session, agency_id: str) -> list[dict]:
    rows = session.scalars(
        select(ApiKey)
        .where(ApiKey.agency_id == agency_id)
        .order_by(ApiKey.created_at, ApiKey.id)
    )
    return [view(row) for row in rows]


def revoke(session: Session, agency_id: str, key_id: str) -> dict:
    row = session.get(ApiKey, key_id) if texts.usable(key_id, 36) else None
    if row is None or row.agency_id != agency_id:
        raise NotFound("Clé inconnue.")
    if row.revoked_at is None:
        row.revoked_at = clock.now()
    return view(row)


def authenticate(session: Session, key: str) -> dict:
    """The principal of a back-office key, as ``accounts.authenticate`` gives."""
    row = session.scalars(select(ApiKey).where(ApiKey.key_hash == _digest(key))).first()
    if row is None or row.revoked_at is not None:
        raise NotAuthenticated("Clé d'API inconnue ou révoquée.")

    now = clock.now()
    if row.last_used_at is None or row.last_used_at < now - USE_RECORDED_EVERY:
        row.last_used_at = now
    agency = session.get(Agency, row.agency_id)
    return {
        "id": row.id,
        "role": BACKOFFICE,
        "email": None,
        "first_name": row.name,
        "last_name": "",
        "status": "active",
        "agency": {
            "id": agency.id,
            "ref": agency.ref,
            "name": agency.name,
            "timezone": agency.timezone,
            "email": agency.email,
        },
        "api_key_id": row.id,
    }


def view(row: ApiKey) -> dict:
    return {
        "id": row.id,
        "name": row.name,
        "prefix": row.prefix,
        "created_at": row.created_at.isoformat(),
        "last_used_at": row.last_used_at.isoformat() if row.last_used_at else None,
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
    }


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
