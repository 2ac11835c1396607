"""Request threads on SQLite and PostgreSQL, without a broker."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from agency_requests import threads
from agency_requests.models import MESSAGING, Base
from extranet_common import clock
from extranet_common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from extranet_common.migrations import differences, upgrade

MORNING = datetime(2026, 10, 22, 7, 0, tzinfo=UTC)


def events(db_session, event_type):
    payloads = [json.loads(row.payload) for row in MESSAGING.pending(db_session)]
    return [p for p in payloads if p["event_type"] == event_type]


def ask(db_session, actor, category="pay", subject="Bulletin de paie", at=MORNING):
    details = {"shift_id": "S-1"} if category == "planning_change" else None
    with clock.frozen(at):
        view = threads.submit(
            db_session, actor, category, subject, "Bonjour, une question.", details
        )
    db_session.commit()
    return view


def test_models_and_migrations_agree(database_url):
    upgrade(database_url, "agency_requests")

    found = differences(database_url, Base.metadata)

    assert found == []


def test_submit_opens_a_thread_and_publishes_an_event(db_session, camille):
    with clock.frozen(MORNING):
        view = threads.submit(
            db_session,
            camille,
            "unplanned_intervention",
            "  Garde du mardi soir  ",
            "J'ai gardé les enfants Durand mardi soir.",
            {
                "date": "2026-10-20",
                "start": "19:00",
                "end": "23:30",
                "family": "Durand",
            },
        )
    db_session.commit()

    assert view["status"] == "open"
    assert view["subject"] == "Garde du mardi soir"
    assert view["agency_id"] == camille["agency_id"]
    assert view["details"]["family"] == "Durand"
    assert view["created_at"] == MORNING.isoformat()
    assert [m["author_role"] for m in view["messages"]] == ["caregiver"]
    (event,) = events(db_session, "request_submitted")
    assert event["agency_id"] == camille["agency_id"]
    assert event["data"] == {
        "request_id": view["id"],
        "caregiver_id": camille["id"],
        "category": "unplanned_intervention",
        "subject": "Garde du mardi soir",
    }


def test_only_a_caregiver_submits(db_session, staff):
    with pytest.raises(PermissionDenied):
        threads.submit(db_session, staff, "pay", "Paie", "Bonjour")


def test_thread_flow_caregiver_then_staff_then_caregiver(db_session, camille, staff):
    request = ask(db_session, camille)

    with clock.frozen(MORNING + timedelta(hours=2)):
        answered = threads.reply(db_session, staff, request["id"], "C'est corrigé.")
    db_session.commit()
    with clock.frozen(MORNING + timedelta(hours=3)):
        followed = threads.add_message(db_session, camille, request["id"], "Merci !")
    db_session.commit()

    assert answered["status"] == "answered"
    assert answered["updated_at"] == (MORNING + timedelta(hours=2)).isoformat()
    (event,) = events(db_session, "request_answered")
    assert event["data"] == {
        "request_id": request["id"],
        "caregiver_id": camille["id"],
        "subject": "Bulletin de paie",
    }
    assert followed["status"] == "open"
    assert [(m["author_role"], m["body"]) for m in followed["messages"]] == [
        ("caregiver", "Bonjour, une question."),
        ("staff", "C'est corrigé."),
        ("caregiver", "Merci !"),
    ]
    assert followed["messages"][1]["author_id"] == staff["id"]


def test_staff_message_through_add_message_is_an_answer(db_session, camille, staff):
    request = ask(db_session, camille)

    view = threads.add_message(db_session, staff, request["id"], "Nous regardons.")
    db_session.commit()

    assert view["status"] == "answered"
    assert len(events(db_session, "request_answered")) == 1


def test_reply_can_close_and_a_closed_request_takes_no_more_from_her(
    db_session, camille, staff
):
    request = ask(db_session, camille)

    closed = threads.reply(db_session, staff, request["id"], "Réglé.", close=True)
    db_session.commit()

    assert closed["status"] == "closed"
    assert len(events(db_session, "request_answered")) == 1
    with pytest.raises(Conflict):
        threads.add_message(db_session, camille, request["id"], "Encore une chose")


def test_close_publishes_once(db_session, camille, staff):
    request = ask(db_session, camille)

    first = threads.close(db_session, staff, request["id"])
    again = threads.close(db_session, staff, request["id"])
    db_session.commit()

    assert first["status"] == again["status"] == "closed"
    assert len(events(db_session, "request_closed")) == 1


def test_a_caregiver_cannot_close(db_session, camille):
    request = ask(db_session, camille)

    with pytest.raises(PermissionDenied):
        threads.close(db_session, camille, request["id"])


def test_an_empty_message_is_refused(db_session, camille):
    request = ask(db_session, camille)

    with pytest.raises(InvalidInput) as error:
        threads.add_message(db_session, camille, request["id"], "   ")

    assert list(error.value.fields) == ["body"]


def test_list_mine_is_hers_newest_first_without_threads(db_session, camille, ines):
    older = ask(db_session, camille, subject="Ancienne")
    newer = ask(db_session, camille, subject="Récente", at=MORNING + timedelta(days=1))
    ask(db_session, ines, subject="Celle d'Inès")

    mine = threads.list_mine(db_session, camille)

    assert [r["id"] for r in mine] == [newer["id"], older["id"]]
    assert all("messages" not in r for r in mine)


def test_a_caregiver_cannot_see_another_caregivers_request(db_session, camille, ines):
    request = ask(db_session, camille)

    with pytest.raises(NotFound):
        threads.get(db_session, ines, request["id"])
    with pytest.raises(NotFound):
        threads.add_message(db_session, ines, request["id"], "Coucou")


def test_staff_of_another_agency_cannot_see_or_reply(db_session, camille, other_staff):
    request = ask(db_session, camille)

    with pytest.raises(NotFound):
        threads.get(db_session, other_staff, request["id"])
    with pytest.raises(NotFound):
        threads.reply(db_session, other_staff, request["id"], "Bonjour")
    with pytest.raises(NotFound):
        threads.close(db_session, other_staff, request["id"])
    assert threads.list_for_agency(db_session, other_staff) == []
    assert events(db_session, "request_answered") == []


def test_staff_and_admin_see_the_thread(db_session, camille, staff, admin):
    request = ask(db_session, camille)

    by_staff = threads.get(db_session, staff, request["id"])
    by_admin = threads.get(db_session, admin, request["id"])

    assert by_staff["messages"] == request["messages"]
    assert by_admin["id"] == request["id"]


def test_an_unknown_request_is_not_found(db_session, camille):
    with pytest.raises(NotFound):
        threads.get(db_session, camille, "no-such-request")


def test_agency_list_filters_by_status_and_category(db_session, camille, ines, staff):
    pay = ask(db_session, camille, category="pay")
    change = ask(
        db_session, ines, category="planning_change", at=MORNING + timedelta(hours=1)
    )
    other = ask(db_session, ines, category="other", at=MORNING + timedelta(hours=2))
    threads.reply(db_session, staff, change["id"], "Vu.")
    db_session.commit()

    everything = threads.list_for_agency(db_session, staff)
    still_open = threads.list_for_agency(db_session, staff, status="open")
    answered = threads.list_for_agency(db_session, staff, status="answered")
    about_pay = threads.list_for_agency(db_session, staff, category="pay")
    both = threads.list_for_agency(db_session, staff, status="answered", category="pay")

    assert [r["id"] for r in everything] == [other["id"], change["id"], pay["id"]]
    assert [r["id"] for r in still_open] == [other["id"], pay["id"]]
    assert [r["id"] for r in answered] == [change["id"]]
    assert [r["id"] for r in about_pay] == [pay["id"]]
    assert both == []


def test_agency_list_refuses_unknown_filters(db_session, staff):
    with pytest.raises(InvalidInput) as error:
        threads.list_for_agency(db_session, staff, status="pending", category="x")

    assert set(error.value.fields) == {"status", "category"}


def test_caregivers_cannot_list_the_agency(db_session, camille):
    with pytest.raises(PermissionDenied):
        threads.list_for_agency(db_session, camille)


def test_the_network_admin_lists_every_agency(db_session, camille, other_staff, admin):
    ask(db_session, camille)

    listed = threads.list_for_agency(db_session, admin)

    assert len(listed) == 1
