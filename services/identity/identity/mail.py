"""Account emails: queued with the change, handed to notifications after it.

``queue`` runs inside the account transaction. ``deliver`` runs after the
commit and again every few seconds: it claims each waiting email, passes it
to notifications' ``send_email`` and deletes it. A claim older than
``CLAIM_SECONDS`` is considered abandoned (its process died) and is taken
again, so an email may in rare cases be sent twice but is never lost.
"""

import json
import logging
import uuid
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from extranet_common import clock
from identity.models import OutgoingEmail

_log = logging.getLogger(__name__)

CLAIM_SECONDS = 60


def queue(session: Session, emails: list[dict]) -> None:
    for email in emails:
        session.add(
            OutgoingEmail(
                id=str(uuid.uuid4()),
                template=email["template"],
                recipient=email["to"],
                context=json.dumps(email["context"]),
                created_at=clock.now(),
                attempts=0,
            )
        )


def deliver(session_factory: Callable[[], Session], send: Callable) -> int:
    """Hand every waiting email to ``send(template, to, context)``."""
    stale = clock.now() - timedelta(seconds=CLAIM_SECONDS)
    with session_factory() as session:
        waiting = session.scalars(
            select(OutgoingEmail.id).where(
                or_(
                    OutgoingEmail.claimed_at.is_(None), OutgoingEmail.claimed_at < stale
                )
            )
        ).all()

    delivered = 0
    for email_id in waiting:
        email = _claim(session_factory, email_id, stale)
        if email is None:
            continue
        try:
            send(email.template, email.recipient, json.loads(email.context))
        except Exception as exc:  # noqa: BLE001 - kept for the next round
            _log.warning("email %s not handed over yet: %s", email.template, exc)
            _release(session_factory, email_id)
            continue
        with session_factory() as session:
            session.execute(delete(OutgoingEmail).where(OutgoingEmail.id == email_id))
            session.commit()
        delivered += 1
    return delivered


def _claim(session_factory, email_id: str, stale) -> OutgoingEmail | None:
    with session_factory() as session:
        claimed = session.execute(
            update(OutgoingEmail)
            .where(
                OutgoingEmail.id == email_id,
                or_(
                    OutgoingEmail.claimed_at.is_(None), OutgoingEmail.claimed_at < stale
                ),
            )
            .values(claimed_at=clock.now(), attempts=OutgoingEmail.attempts + 1)
        ).rowcount
        session.commit()
        if not claimed:
            return None
        email = session.get(OutgoingEmail, email_id)
        session.expunge(email)
        return email


def _release(session_factory, email_id: str) -> None:
    with session_factory() as session:
        session.execute(
            update(OutgoingEmail)
            .where(OutgoingEmail.id == email_id)
            .values(claimed_at=None)
        )
        session.commit()
