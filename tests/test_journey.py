"""The caregiver's journey, end to end, over HTTP against real processes.

From the invitation email to validated hours on the sample agency's October
2026: every step goes through the gateway, every link is read out of an
email that the notifications service delivered to the mailbox folder.
"""

import json
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from extranet_dev import mailbox, seed
from extranet_dev.mailbox import eventually

pytestmark = pytest.mark.e2e

CAMILLE = "camille.martin@example.org"
ELOISE_TYPED = "eloise.girard@example.org"
PASSWORD = "le goûter est à seize heures"
NEW_PASSWORD = "un nouveau mot de passe tout neuf"
FIGURES = Path(__file__).resolve().parents[1] / "test-artifacts" / "journey.json"


def mail_to(system, address: str, subject_part: str, count: int = 1):
    mail = mailbox.wait_for_mail(system.mailbox, address, subject_part, count)
    assert mail, f"no email '{subject_part}' to {address}"
    return mail


OPEN_CLIENTS: list[httpx.Client] = []


@pytest.fixture(autouse=True)
def _close_clients():
    yield
    while OPEN_CLIENTS:
        OPEN_CLIENTS.pop().close()


def client(system, token=None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    opened = httpx.Client(base_url=system.url, headers=headers, timeout=30)
    OPEN_CLIENTS.append(opened)
    return opened


def login(system, email, password) -> httpx.Client:
    response = client(system).post(
        "/api/v1/auth/login", json={"email": email, "password": password}
    )
    assert response.status_code == 200, response.text
    return client(system, response.json()["token"])


def register_and_confirm(system, email, first, last, password):
    response = client(system).post(
        "/api/v1/auth/register",
        json={
            "first_name": first,
            "last_name": last,
            "email": email,
            "password": password,
        },
    )
    assert response.status_code == 202, response.text
    link = mail_to(system, email, "Confirmation").links[0]
    token = link.split("token=", 1)[1]
    return link, token


def test_caregiver_journey(system, system_clock):
    system_clock.set(datetime.fromisoformat("2026-10-31T21:30:00+00:00"))
    figures = {}
    agency = seed.create_agency(system.amqp_uri)
    staff = seed.staff_client(system.url, agency)
    OPEN_CLIENTS.append(staff)

    # 1. Staff invite the caregivers (F1): an invitation lands in the mailbox.
    assert seed.invite_caregivers(staff) == 4
    invitation = mail_to(system, CAMILLE, "votre extranet")
    assert invitation.links and "Agence Lyon 6e" in invitation.subject
    figures["invitation_subject"] = invitation.subject

    # 2. First connection (F2), confirmation link safe from scanners (F3).
    link, token = register_and_confirm(system, CAMILLE, "Camille", "Martin", PASSWORD)
    anonymous = client(system)
    assert anonymous.get(link).status_code == 200
    assert anonymous.head(link).status_code == 200
    assert anonymous.get(link).status_code == 200
    stranger = anonymous.post(
        "/api/v1/auth/confirm", json={"token": token, "password": "pas le bon mot"}
    )
    assert stranger.status_code == 400
    assert "password" in stranger.json()["error"]["fields"]
    confirmed = anonymous.post(
        "/api/v1/auth/confirm", json={"token": token, "password": PASSWORD}
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["user"]["status"] == "active"
    reused = anonymous.post(
        "/api/v1/auth/confirm", json={"token": token, "password": PASSWORD}
    )
    assert reused.status_code == 410
    again = anonymous.post(
        "/api/v1/auth/register",
        json={
            "first_name": "C",
            "last_name": "M",
            "email": CAMILLE,
            "password": PASSWORD,
        },
    )
    assert again.status_code == 409
    assert again.json()["error"]["details"] == {"next": "login"}

    # 3. Login, who am I, logout (F4); lost password (F5).
    camille = login(system, CAMILLE.upper(), PASSWORD)
    me = camille.get("/api/v1/me").json()
    assert (me["first_name"], me["role"]) == ("Camille", "caregiver")
    assert me["agency"]["name"] == "Agence Lyon 6e"
    assert camille.post("/api/v1/auth/logout").status_code == 204
    assert camille.get("/api/v1/me").status_code == 401

    for email in (CAMILLE, "nobody@example.org"):
        answer = anonymous.post("/api/v1/auth/password-reset", json={"email": email})
        assert answer.status_code == 202
    reset_link = mail_to(system, CAMILLE, "nouveau mot de passe").links[0]
    assert anonymous.get(reset_link).status_code == 200
    reset = anonymous.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": reset_link.split("token=", 1)[1], "password": NEW_PASSWORD},
    )
    assert reset.status_code == 200, reset.text
    mail_to(system, CAMILLE, "a été changé")
    old = anonymous.post(
        "/api/v1/auth/login", json={"email": CAMILLE, "password": PASSWORD}
    )
    assert old.status_code == 401
    camille = login(system, CAMILLE, NEW_PASSWORD)

    # 4. The agency imports the October planning (F9); month views (F10).
    seed.import_csv(
        staff, "/api/v1/agency/families/import", seed.sample("families.csv")
    )
    imported = seed.import_csv(
        staff, "/api/v1/agency/shifts/import", seed.sample("planning-2026-10.csv")
    )
    assert imported["total"] == 58
    assert imported["created"] == 58
    month = camille.get("/api/v1/me/planning?view=month&date=2026-10-21").json()
    assert len(month["shifts"]) == 13
    assert month["total_minutes"] == 50 * 60
    figures["camille_october"] = {
        "shifts": len(month["shifts"]),
        "hours": month["total_minutes"] / 60,
    }

    register_and_confirm(system, ELOISE_TYPED, "Éloïse", "Girard", PASSWORD)
    eloise_token = mail_to(system, ELOISE_TYPED, "Confirmation").links[0]
    anonymous.post(
        "/api/v1/auth/confirm",
        json={"token": eloise_token.split("token=", 1)[1], "password": PASSWORD},
    )
    eloise = login(system, "Eloise.Girard@Example.org", PASSWORD)
    week = eloise.get("/api/v1/me/planning?view=week&date=2026-10-24").json()
    night = [s for s in week["shifts"] if s["local_date"] == "2026-10-24"]
    assert len(night) == 1
    assert night[0]["minutes"] == 9 * 60
    assert night[0]["start"] == "2026-10-24T20:00:00+02:00"
    assert night[0]["end"] == "2026-10-25T04:00:00+01:00"
    figures["eloise_night_of_24_october_hours"] = night[0]["minutes"] / 60

    # 5. Timesheets built from planning's events (F12), decisions (F13, F14).
    def october():
        sheet = camille.get("/api/v1/me/timesheets/2026-10").json()
        entries = [e for day in sheet.get("days", []) for e in day["entries"]]
        return (sheet, entries) if len(entries) == 13 else None

    sheet, entries = eventually(october)
    assert sheet["totals"]["planned_minutes"] == 3000
    first, second, car = entries[0], entries[1], entries[4]
    assert car["car_transport"] is True

    accepted = camille.put(
        f"/api/v1/me/timesheets/2026-10/entries/{first['id']}",
        json={"status": "accepted"},
    )
    assert accepted.status_code == 200, accepted.text
    refused = camille.put(
        f"/api/v1/me/timesheets/2026-10/entries/{second['id']}",
        json={"status": "refused", "reason": "left_late", "declared_minutes": 165},
    )
    assert refused.status_code == 200, refused.text
    with_km = camille.put(
        f"/api/v1/me/timesheets/2026-10/entries/{car['id']}",
        json={"status": "accepted", "km": 12.5},
    )
    assert with_km.status_code == 200, with_km.text

    sheet = camille.get("/api/v1/me/timesheets/2026-10").json()
    assert sheet["totals"]["counted_minutes"] == 3000 - 150 + 165
    assert float(sheet["totals"]["km"]) == 12.5
    figures["counted_minutes_after_refusal"] = sheet["totals"]["counted_minutes"]

    blind = camille.post("/api/v1/me/timesheets/2026-10/accept-all", json={})
    assert blind.status_code == 409
    dropped = blind.json()["error"]["details"]["dropped"]
    assert [d["entry_id"] for d in dropped] == [second["id"]]
    still = camille.get("/api/v1/me/timesheets/2026-10").json()
    assert still["totals"]["refused"] == 1

    confirmed_all = camille.post(
        "/api/v1/me/timesheets/2026-10/accept-all", json={"confirm": True}
    )
    assert confirmed_all.status_code == 200, confirmed_all.text
    sheet = camille.get("/api/v1/me/timesheets/2026-10").json()
    assert sheet["totals"]["accepted"] == 13
    assert sheet["totals"]["counted_minutes"] == 3000
    figures["accepted_after_accept_all"] = sheet["totals"]["accepted"]

    # F15: at midnight in Lyon (23:00 UTC on 31 October) the month closes.
    system_clock.set(datetime.fromisoformat("2026-11-01T00:00:00+01:00"))
    late = camille.put(
        f"/api/v1/me/timesheets/2026-10/entries/{first['id']}",
        json={"status": "refused", "reason": "not_done", "declared_minutes": 0},
    )
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "PERIOD_CLOSED"
    assert camille.get("/api/v1/me/timesheets/2026-10").json()["status"] == "closed"

    # 6. A request to the agency and its answer (F17).
    sent = camille.post(
        "/api/v1/me/requests",
        json={"category": "pay", "subject": "Fiche de paie", "body": "Bonjour, ..."},
    )
    assert sent.status_code == 201, sent.text
    request_id = sent.json()["id"]
    listed = staff.get("/api/v1/agency/requests?status=open").json()["items"]
    assert request_id in [r["id"] for r in listed]
    answer = staff.post(
        f"/api/v1/agency/requests/{request_id}/reply",
        json={"body": "Elle sera en ligne lundi."},
    )
    assert answer.status_code == 200, answer.text
    thread = camille.get(f"/api/v1/me/requests/{request_id}").json()
    assert thread["status"] == "answered"
    assert thread["messages"][-1]["body"] == "Elle sera en ligne lundi."
    figures["request_answered_email"] = mail_to(system, CAMILLE, "demande").subject

    # 7. News of her agency (F6).
    posted = staff.post(
        "/api/v1/agency/news",
        json={"title": "Fermeture du 11 novembre", "body": "L'agence sera fermée."},
    )
    assert posted.status_code == 201, posted.text
    news = camille.get("/api/v1/me/news").json()
    assert news["items"][0]["title"] == "Fermeture du 11 novembre"
    assert news["items"][0]["read"] is False
    news_id = news["items"][0]["id"]
    assert camille.post(f"/api/v1/me/news/{news_id}/read").status_code == 204
    assert camille.get("/api/v1/me/news").json()["unread"] == 0

    FIGURES.parent.mkdir(exist_ok=True)
    FIGURES.write_text(json.dumps(figures, ensure_ascii=False, indent=2))
