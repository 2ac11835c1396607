"""Emails that events ask for, sent once however often an event arrives.

RabbitMQ may deliver an event twice, and a handler may run again after a
crash. The handler therefore does not send inside its transaction: it records
a ``sent_emails`` row per recipient (unique on event id, template and
recipient, status ``pending``)
in the same transaction that remembers the event as handled, and the email
leaves only after that commit. An event handled a second time finds it
already handled and records nothing, so no second email.

After the commit, :func:`deliver_recorded` claims the pending rows of the
event (``pending`` to ``sending`` in one conditional update, so two
instances never both send one row), delivers each and marks it ``sent``, or
``failed`` with the error when the mail server refused it after its retries.
A failed row stays for an operator to see.

What this order costs: the event is acknowledged to RabbitMQ only when the
handler returns, so a process that dies between the commit and the delivery
gets the event again, finds it handled, and still delivers the row left
``pending``. A process that dies while a row is ``sending`` leaves it there:
that email is not sent again by itself (at most once, never twice).
"""

import json
import logging
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from extranet_common import clock
from notifications import directory, emails, preferences, wording
from notifications.models import (
    AGENCY_SCOPE,
    FAILED,
    PENDING,
    SENDING,
    SENT,
    Document,
    EmailPreference,
    News,
    Recipient,
    SentEmail,
)

_log = logging.getLogger(__name__)

REQUEST_ANSWERED = "request_answered"
NEWS_PUBLISHED = "news_published"
DOCUMENT_PUBLISHED = "document_published"
EMAILED_DOCUMENT_TYPES = ("payslip",)
EXCERPT_MAX = 300


class UnknownRecipient(LookupError):
    """An event names a caregiver that no ``caregiver_invited`` announced."""


def request_answered(
    session: Session, data: dict, payload: dict, *, public_url: str
) -> None:
    """Apply requests' ``request_answered`` {request_id, caregiver_id, subject}.

    Records the email to the caregiver; :func:`deliver_recorded` sends it.
    """
    recipient = session.get(Recipient, data["caregiver_id"])
    if recipient is None:
        raise UnknownRecipient(f"caregiver {data['caregiver_id']} is not known here")

    link = f"{public_url.rstrip('/')}/demandes/{data['request_id']}"
    context = {
        "first_name": recipient.first_name,
        "last_name": recipient.last_name,
        "agency_name": directory.agency_name(session, recipient.agency_id),
        "subject_of_request": data["subject"],
        "link": link,
    }
    record(session, payload["event_id"], REQUEST_ANSWERED, recipient, context)


def news_published(
    session: Session, data: dict, payload: dict, *, public_url: str
) -> None:
    """Apply our own ``news_published``: an email to each caregiver who sees
    the post, has confirmed her account and has not turned news emails off."""
    news = session.get(News, data["news_id"])
    if news is None:
        _log.info("news %s withdrawn before its emails", data["news_id"])
        return

    wanted = (
        select(Recipient)
        .outerjoin(EmailPreference, EmailPreference.user_id == Recipient.id)
        .where(
            Recipient.confirmed_at.is_not(None),
            (EmailPreference.email_news.is_(None))
            | (EmailPreference.email_news.is_(True)),
        )
        .order_by(Recipient.id)
    )
    if news.scope == AGENCY_SCOPE:
        wanted = wanted.where(Recipient.agency_id == news.agency_id)

    excerpt = " ".join(news.body.split())
    if len(excerpt) > EXCERPT_MAX:
        excerpt = excerpt[: EXCERPT_MAX - 1].rstrip() + "…"
    link = f"{public_url.rstrip('/')}/actualites"
    count = 0
    for recipient in session.scalars(wanted):
        context = {
            **common_context(session, recipient),
            "news_title": news.title,
            "from_network": news.scope != AGENCY_SCOPE,
            "excerpt": excerpt,
            "link": link,
        }
        record(session, payload["event_id"], NEWS_PUBLISHED, recipient, context)
        count += 1
    _log.info("news %s: %d emails recorded", news.id, count)


def document_published(
    session: Session, data: dict, payload: dict, *, public_url: str
) -> None:
    """Apply our own ``document_published``: a payslip is announced by email
    to its caregiver (to every confirmed caregiver of the agency when it was
    published to all). Other types are only listed in her documents."""
    if data["type"] not in EMAILED_DOCUMENT_TYPES:
        return
    document = session.get(Document, data["document_id"])
    if document is None:
        raise LookupError(f"document {data['document_id']} is not known here")

    if document.caregiver_id is not None:
        recipient = session.get(Recipient, document.caregiver_id)
        if recipient is None:
            raise UnknownRecipient(f"caregiver {document.caregiver_id} unknown")
        recipients = [recipient]
    else:
        recipients = session.scalars(
            select(Recipient)
            .where(
                Recipient.agency_id == document.agency_id,
                Recipient.confirmed_at.is_not(None),
            )
            .order_by(Recipient.id)
        ).all()

    for recipient in recipients:
        context = {
            **common_context(session, recipient),
            "document_label": wording.document_type(document.type),
            "period_phrase": wording.of_month(document.period),
            "link": f"{public_url.rstrip('/')}/documents",
        }
        record(session, payload["event_id"], DOCUMENT_PUBLISHED, recipient, context)


def wants_planning_emails(session: Session, recipient: Recipient) -> bool:
    return preferences.wants(session, recipient.id, preferences.PLANNING_CHANGES)


def common_context(session: Session, recipient: Recipient) -> dict:
    return {
        "first_name": recipient.first_name,
        "last_name": recipient.last_name,
        "agency_name": directory.agency_name(session, recipient.agency_id),
    }


def record(
    session: Session,
    event_id: str,
    template: str,
    recipient: Recipient,
    context: dict,
) -> None:
    """Remember an email to send after commit, once per event, template and
    recipient."""
    existing = session.scalars(
        select(SentEmail).where(
            SentEmail.event_id == event_id,
            SentEmail.template == template,
            SentEmail.recipient_id == recipient.id,
        )
    ).first()
    if existing is not None:
        return

    session.add(
        SentEmail(
            id=str(uuid.uuid4()),
            event_id=event_id,
            template=template,
            recipient_id=recipient.id,
            to_address=recipient.email,
            context=json.dumps(context),
            status=PENDING,
            created_at=clock.now(),
        )
    )


def claim(session: Session, event_id: str) -> list[dict]:
    """Take the pending emails of an event; each is taken by one caller only."""
    ids = session.scalars(
        select(SentEmail.id).where(
            SentEmail.event_id == event_id, SentEmail.status == PENDING
        )
    ).all()

    claimed = []
    for email_id in ids:
        taken = session.execute(
            update(SentEmail)
            .where(SentEmail.id == email_id, SentEmail.status == PENDING)
            .values(status=SENDING)
        )
        if taken.rowcount == 1:
            row = session.get(SentEmail, email_id)
            claimed.append(
                {
                    "id": row.id,
                    "template": row.template,
                    "to": row.to_address,
                    "context": json.loads(row.context),
                }
            )
    return claimed


def finish(session: Session, email_id: str, error: str | None) -> None:
    """Mark a claimed email as sent, or as failed with ``error``."""
    row = session.get(SentEmail, email_id)
    if error is None:
        row.status = SENT
        row.sent_at = clock.now()
        row.error = None
    else:
        row.status = FAILED
        row.error = error


def deliver_recorded(
    get_session: Callable[[], AbstractContextManager[Session]],
    event_id: str,
    settings: emails.MailSettings,
) -> int:
    """Send the emails recorded for ``event_id``; returns how many left.

    ``get_session()`` opens a session that commits when its block ends, as
    the service's ``db.get_session`` does.
    """
    with get_session() as session:
        claimed = claim(session, event_id)

    sent = 0
    for email in claimed:
        error = None
        try:
            emails.send(email["template"], email["to"], email["context"], settings)
            sent += 1
        except emails.DeliveryFailed as exc:
            _log.error(
                "%s for event %s to %s not delivered: %s",
                email["template"],
                event_id,
                emails.mask(email["to"]),
                exc,
            )
            error = str(exc)
        except Exception as exc:
            _log.exception("%s for event %s failed", email["template"], event_id)
            error = f"{type(exc).__name__}: {exc}"
        with get_session() as session:
            finish(session, email["id"], error)
    return sent
