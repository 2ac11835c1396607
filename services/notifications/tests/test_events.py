"""Events consumed by the service: the local copy of recipients, and the
``request_answered`` email sent once however often the event arrives."""

import socket
import uuid
from email import message_from_bytes, policy

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import select

from notifications import emails, mailings
from notifications.models import (
    FAILED,
    MESSAGING,
    SENT,
    Agency,
    Recipient,
    SentEmail,
)
from notifications.service import NotificationsService

PUBLIC_URL = "https://extranet.example.org"


class FakeDatabase:
    """What the handlers use of ``ServiceDatabase``: committing sessions."""

    def __init__(self, get_session):
        self.get_session = get_session


@pytest.fixture
def service(get_session, mailbox):
    return worker_factory(
        NotificationsService,
        db=FakeDatabase(get_session),
        config={"PUBLIC_URL": PUBLIC_URL, "MAILBOX_DIR": str(mailbox)},
    )


def envelope(event_type, data, agency_id=None):
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "occurred_at": "2026-10-21T10:00:00+00:00",
        "agency_id": agency_id,
        "version": 1,
        "data": data,
    }


def answered(caregiver_id, request_id="req-7", subject="Garde du 12 octobre"):
    return envelope(
        "request_answered",
        {"request_id": request_id, "caregiver_id": caregiver_id, "subject": subject},
    )


def test_identity_events_fill_the_local_copy(service, db_session):
    agency_id, caregiver_id = str(uuid.uuid4()), str(uuid.uuid4())

    service.handle_agency_created(
        envelope(
            "agency_created",
            {
                "agency_id": agency_id,
                "ref": "ETO",
                "name": "Étoiles",
                "timezone": "Europe/Paris",
            },
            agency_id,
        )
    )
    service.handle_caregiver_invited(
        envelope(
            "caregiver_invited",
            {
                "caregiver_id": caregiver_id,
                "first_name": "Inès",
                "last_name": "Haddad",
                "email": "ines@example.org",
                "ref": "C-1",
            },
            agency_id,
        )
    )

    recipient = db_session.get(Recipient, caregiver_id)
    assert db_session.get(Agency, agency_id).name == "Étoiles"
    assert (recipient.agency_id, recipient.email, recipient.first_name) == (
        agency_id,
        "ines@example.org",
        "Inès",
    )


def test_request_answered_handled_twice_sends_one_email(
    service, db_session, mailbox, make_agency, make_caregiver
):
    caregiver_id = make_caregiver(make_agency("Crèche Étoile"))
    event = answered(caregiver_id)

    service.handle_request_answered(event)
    service.handle_request_answered(event)

    (path,) = mailbox.iterdir()
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "-request_answered-" in path.name
    assert message["To"] == "ines@example.org"
    assert "Garde du 12 octobre" in message["Subject"]
    assert f"\n{PUBLIC_URL}/demandes/req-7\n" in text
    assert "Crèche Étoile a répondu" in text
    (row,) = db_session.scalars(select(SentEmail)).all()
    assert (row.event_id, row.status) == (event["event_id"], SENT)


def test_each_answer_is_its_own_email(service, mailbox, make_agency, make_caregiver):
    caregiver_id = make_caregiver(make_agency())

    service.handle_request_answered(answered(caregiver_id, "req-1"))
    service.handle_request_answered(answered(caregiver_id, "req-2"))

    assert len(list(mailbox.glob("*.eml"))) == 2


def test_a_pending_email_left_by_a_crash_leaves_on_redelivery(
    db_session, get_session, mailbox_settings, mailbox, make_agency, make_caregiver
):
    caregiver_id = make_caregiver(make_agency())
    event = answered(caregiver_id)
    mailings.request_answered(db_session, event["data"], event, public_url=PUBLIC_URL)
    db_session.commit()

    first = mailings.deliver_recorded(get_session, event["event_id"], mailbox_settings)
    again = mailings.deliver_recorded(get_session, event["event_id"], mailbox_settings)

    assert (first, again) == (1, 0)
    assert len(list(mailbox.iterdir())) == 1


def test_a_delivery_failure_keeps_the_row_as_failed(
    service, db_session, make_agency, make_caregiver
):
    caregiver_id = make_caregiver(make_agency())
    event = answered(caregiver_id)

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        service.config.update(
            {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": closed.getsockname()[1]}
        )
        service.handle_request_answered(event)

    (row,) = db_session.scalars(select(SentEmail)).all()
    assert row.status == FAILED
    assert "SMTP failed 3 times" in row.error
    assert row.sent_at is None


def test_an_answer_for_an_unknown_caregiver_is_parked(service, db_session, mailbox):
    event = answered(str(uuid.uuid4()))

    service.handle_request_answered(event)

    parked = db_session.execute(select(MESSAGING.parked.c.event_id)).scalars().all()
    assert parked == [event["event_id"]]
    assert not mailbox.exists() or list(mailbox.iterdir()) == []


def test_send_email_rpc_delivers_to_the_mailbox(service, mailbox):
    outcome = service.send_email(
        "password_changed",
        "ines@example.org",
        {"first_name": "Inès", "last_name": "Haddad", "agency_name": "Étoiles"},
    )

    assert outcome == {"template": "password_changed", "transport": "mailbox"}
    assert len(list(mailbox.glob("*-password_changed-*.eml"))) == 1


def test_mail_settings_of_the_service_follow_its_config(service, mailbox):
    assert service.mail_settings == emails.MailSettings(mailbox_dir=str(mailbox))
