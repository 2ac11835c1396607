"""Emails that planning's, news' and documents' events ask for: who gets
one, in which words and local times, once, and not when she turned them off;
and the same emails over a real SMTP server."""

import base64
import uuid
from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import select

from extranet_common import clock
from extranet_common.errors import InvalidInput, PermissionDenied
from notifications import directory, documents, news, preferences
from notifications.models import SENT, SentEmail
from notifications.service import NotificationsService

PUBLIC_URL = "https://extranet.example.org"
NOON = datetime(2026, 10, 21, 10, 0, tzinfo=UTC)
PDF = b"%PDF-1.7\n%%EOF\n"


class FakeDatabase:
    def __init__(self, get_session):
        self.get_session = get_session


@pytest.fixture
def service(get_session, mailbox, tmp_path):
    return worker_factory(
        NotificationsService,
        db=FakeDatabase(get_session),
        config={
            "PUBLIC_URL": PUBLIC_URL,
            "MAILBOX_DIR": str(mailbox),
            "DOCUMENTS_DIR": str(tmp_path / "documents"),
        },
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


def shift_data(caregiver_id, **overrides):
    return {
        "shift_id": "s-1",
        "external_id": "G-1",
        "caregiver_id": caregiver_id,
        "family_ref": "F-DUR",
        "family_name": "Durand",
        "family_address": "3 rue des Lilas",
        "activity": "Sortie d'école",
        "start": "2026-10-20T16:30:00+00:00",
        "end": "2026-10-20T19:00:00+00:00",
        "minutes": 150,
        "local_date": "2026-10-20",
        "timezone": "Europe/Paris",
        "car_transport": False,
        "notes": "",
        **overrides,
    }


def mails(mailbox):
    if not mailbox.exists():
        return []
    return [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(mailbox.iterdir())
    ]


def text_of(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def confirm(db_session, caregiver_id):
    directory.account_confirmed(db_session, {"user_id": caregiver_id}, {})
    db_session.commit()


def test_a_changed_shift_tells_her_the_local_times_once(
    service, mailbox, make_agency, make_caregiver
):
    ines = make_caregiver(make_agency("Crèche Étoile"))
    event = envelope(
        "shift_changed",
        shift_data(
            ines,
            changes={
                "start": ["2026-10-20T16:00:00+00:00", "2026-10-20T16:30:00+00:00"],
                "notes": ["", "Code 1234B"],
            },
        ),
    )

    service.handle_shift_changed(event)
    service.handle_shift_changed(event)

    (message,) = mails(mailbox)
    text = text_of(message)
    assert message["To"] == "ines@example.org"
    assert message["Subject"] == "Garde modifiée : mardi 20 octobre 2026"
    assert "Garde du mardi 20 octobre 2026, de 18:30 à 21:00 — Durand" in text
    assert (
        "- Horaires : mardi 20 octobre 2026, 18:00–21:00 → "
        "mardi 20 octobre 2026, 18:30–21:00"
    ) in text
    assert "- Consignes : Code 1234B" in text
    assert f"\n{PUBLIC_URL}/planning\n" in text


def test_times_follow_the_events_time_zone(
    service, mailbox, make_agency, make_caregiver
):
    ines = make_caregiver(make_agency())

    service.handle_shift_cancelled(
        envelope("shift_cancelled", shift_data(ines, timezone="America/New_York"))
    )

    (message,) = mails(mailbox)
    assert message["Subject"] == "Garde annulée : mardi 20 octobre 2026"
    assert "de 12:30 à 15:00" in text_of(message)


def test_a_new_shift_emails_only_over_an_unavailability(
    service, mailbox, make_agency, make_caregiver
):
    ines = make_caregiver(make_agency())

    service.handle_shift_scheduled(envelope("shift_scheduled", shift_data(ines)))
    service.handle_shift_scheduled(
        envelope("shift_scheduled", shift_data(ines, over_unavailability=False))
    )
    service.handle_shift_scheduled(
        envelope("shift_scheduled", shift_data(ines, over_unavailability=True))
    )

    (message,) = mails(mailbox)
    assert message["Subject"] == (
        "Nouvelle garde pendant une indisponibilité : mardi 20 octobre 2026"
    )


def test_a_shift_moved_to_a_colleague_tells_both(
    service, db_session, mailbox, make_agency, make_caregiver
):
    agency_id = make_agency()
    ines = make_caregiver(agency_id, "Inès", "ines@example.org")
    lea = make_caregiver(agency_id, "Léa", "lea@example.org")
    event = envelope(
        "shift_changed",
        shift_data(
            lea,
            changes={
                "caregiver_id": [ines, lea],
                "start": ["2026-10-20T15:00:00+00:00", "2026-10-20T16:30:00+00:00"],
            },
        ),
    )

    service.handle_shift_changed(event)
    service.handle_shift_changed(event)

    subjects = {m["To"]: (m["Subject"], text_of(m)) for m in mails(mailbox)}
    assert set(subjects) == {"ines@example.org", "lea@example.org"}
    assert subjects["ines@example.org"][0] == "Garde retirée : mardi 20 octobre 2026"
    assert "de 17:00 à 21:00" in subjects["ines@example.org"][1]
    assert subjects["lea@example.org"][0] == "Nouvelle garde : mardi 20 octobre 2026"
    assert "de 18:30 à 21:00" in subjects["lea@example.org"][1]
    rows = db_session.scalars(select(SentEmail)).all()
    assert {row.status for row in rows} == {SENT} and len(rows) == 2


def test_she_can_turn_planning_emails_off(
    service, db_session, mailbox, make_agency, make_caregiver
):
    ines = make_caregiver(make_agency())
    actor = {"id": ines, "role": "caregiver", "agency_id": "x"}
    preferences.set_preferences(db_session, actor, {"email_planning_changes": False})
    db_session.commit()

    service.handle_shift_cancelled(envelope("shift_cancelled", shift_data(ines)))

    assert mails(mailbox) == []
    assert db_session.scalars(select(SentEmail)).all() == []


def test_preferences_default_on_and_change_one_at_a_time(db_session):
    actor = {"id": str(uuid.uuid4()), "role": "caregiver", "agency_id": "a"}

    before = preferences.get_preferences(db_session, actor)
    after = preferences.set_preferences(db_session, actor, {"email_news": False})
    db_session.commit()

    assert before == {"email_planning_changes": True, "email_news": True}
    assert after == {"email_planning_changes": True, "email_news": False}
    assert preferences.get_preferences(db_session, actor) == after


def test_preferences_refuse_bad_values_and_non_caregivers(db_session):
    actor = {"id": str(uuid.uuid4()), "role": "caregiver", "agency_id": "a"}

    with pytest.raises(InvalidInput) as error:
        preferences.set_preferences(
            db_session, actor, {"email_news": "no", "email_invitation": False}
        )
    with pytest.raises(PermissionDenied):
        preferences.get_preferences(db_session, {**actor, "role": "staff"})

    assert set(error.value.fields) == {"email_news", "email_invitation"}


def test_news_emails_go_to_confirmed_caregivers_who_want_them(
    service, db_session, mailbox, make_agency, make_caregiver
):
    agency_id = make_agency("Crèche Étoile")
    ines = make_caregiver(agency_id, "Inès", "ines@example.org")
    lea = make_caregiver(agency_id, "Léa", "lea@example.org")
    make_caregiver(agency_id, "Zoé", "zoe@example.org")
    elsewhere = make_caregiver(make_agency("Autre"), "Ana", "ana@example.org")
    for caregiver_id in (ines, lea, elsewhere):
        confirm(db_session, caregiver_id)
    preferences.set_preferences(
        db_session, {"id": lea, "role": "caregiver"}, {"email_news": False}
    )
    staff = {"id": "s", "role": "staff", "agency_id": agency_id}
    with clock.frozen(NOON):
        post = news.publish_news(db_session, staff, "Fermeture", "Le 1er.\n\nMerci.")
    db_session.commit()
    event = envelope("news_published", {"news_id": post["id"]}, agency_id)

    service.handle_news_published(event)
    service.handle_news_published(event)

    (message,) = mails(mailbox)
    assert message["To"] == "ines@example.org"
    assert message["Subject"] == "Actualité de Crèche Étoile : Fermeture"
    assert "Le 1er. Merci." in text_of(message)
    assert f"\n{PUBLIC_URL}/actualites\n" in text_of(message)


def test_network_news_emails_every_confirmed_caregiver(
    service, db_session, mailbox, make_agency, make_caregiver
):
    ines = make_caregiver(make_agency(), "Inès", "ines@example.org")
    ana = make_caregiver(make_agency("Autre"), "Ana", "ana@example.org")
    for caregiver_id in (ines, ana):
        confirm(db_session, caregiver_id)
    admin = {"id": "n", "role": "admin", "agency_id": None}
    post = news.publish_news(db_session, admin, "Réseau", "Bonjour.", "network")
    db_session.commit()

    service.handle_news_published(envelope("news_published", {"news_id": post["id"]}))

    received = mails(mailbox)
    assert sorted(m["To"] for m in received) == ["ana@example.org", "ines@example.org"]
    assert {m["Subject"] for m in received} == {"Actualité du réseau : Réseau"}


def test_a_payslip_is_announced_and_a_contract_is_not(
    service, db_session, mailbox, make_agency, make_caregiver
):
    agency_id = make_agency("Crèche Étoile")
    ines = make_caregiver(agency_id)
    staff = {"id": "s", "role": "staff", "agency_id": agency_id}
    upload = {"filename": "p.pdf", "content_base64": base64.b64encode(PDF).decode()}
    payslip = service.publish_document(staff, upload, "payslip", "2026-10", ines)
    contract = service.publish_document(staff, upload, "contract", None, ines)

    for document, kind in ((payslip, "payslip"), (contract, "contract")):
        event = envelope(
            "document_published",
            {
                "document_id": document["id"],
                "caregiver_id": ines,
                "type": kind,
                "period": document["period"],
            },
            agency_id,
        )
        service.handle_document_published(event)
        service.handle_document_published(event)

    (message,) = mails(mailbox)
    assert message["Subject"] == "Bulletin de paie d'octobre 2026 disponible"
    assert "Crèche Étoile a déposé votre bulletin de paie d'octobre 2026" in (
        text_of(message)
    )
    assert f"\n{PUBLIC_URL}/documents\n" in text_of(message)


def test_planning_document_and_news_emails_reach_a_real_smtp_server(
    service, db_session, smtp_server, make_agency, make_caregiver
):
    agency_id = make_agency("Crèche Étoile")
    ines = make_caregiver(agency_id)
    confirm(db_session, ines)
    service.config.update({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_server.port})
    staff = {"id": "s", "role": "staff", "agency_id": agency_id}
    post = news.publish_news(db_session, staff, "Fermeture", "Le 1er.")
    db_session.commit()
    stored = documents.DocumentStore(directory=service.config["DOCUMENTS_DIR"])
    upload = {"filename": "p.pdf", "content_base64": base64.b64encode(PDF).decode()}
    payslip = service.publish_document(staff, upload, "payslip", "2026-09", ines)

    service.handle_shift_cancelled(envelope("shift_cancelled", shift_data(ines)))
    service.handle_news_published(envelope("news_published", {"news_id": post["id"]}))
    service.handle_document_published(
        envelope(
            "document_published",
            {"document_id": payslip["id"], "type": "payslip", "caregiver_id": ines},
        )
    )

    received = [
        message_from_bytes(envelope.original_content, policy=policy.default)
        for envelope in smtp_server.handler.messages
    ]
    assert [message["Subject"] for message in received] == [
        "Garde annulée : mardi 20 octobre 2026",
        "Actualité de Crèche Étoile : Fermeture",
        "Bulletin de paie de septembre 2026 disponible",
    ]
    assert all(m.get_content_type() == "multipart/alternative" for m in received)
    assert stored.path(f"{payslip['id'][:2]}/{payslip['id']}.pdf").exists()
