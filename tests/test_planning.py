"""Planning and availability end to end, over HTTP against real processes.

An agency of its own imports a small planning for its own caregivers; the
agency pushes a shift twice, cancels one, asks who is free and plans over an
unavailability; the caregiver reads her week, prints it, subscribes to her
calendar by its secret address and declares her availability.
"""

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from icalendar import Calendar

from extranet_dev import mailbox
from extranet_dev.mailbox import eventually

pytestmark = pytest.mark.e2e

PASSWORD = "des crêpes au goûter du mercredi"
NEW_PASSWORD = "une autre phrase pour le mercredi"
FAMILIES = """ref,name,address,children
FA-ARN,Famille Arnaud,"3 rue Vendôme, 69006 Lyon","Paul (5 ans)"
FA-BOU,Famille Boucher,"8 quai Sarrail, 69006 Lyon","Lina (2 ans), Noé (7 ans)"
"""
SHIFTS = (
    "external_id,caregiver_email,family_ref,start,end,activity,car_transport,notes\n"
    """P-1,{nora},FA-ARN,2026-10-19 16:30,2026-10-19 19:00,Sortie d'école,non,Goûter
P-2,{nora},FA-BOU,2026-10-24 20:00,2026-10-25 04:00,Baby-sitting soirée,oui,Nuit
"""
)


def link_in_mail(system, address: str, subject_part: str) -> str:
    def found():
        return [
            mail
            for mail in mailbox.all_mail(system.mailbox)
            if address.lower() in mail.to.lower() and subject_part in mail.subject
        ]

    mails = eventually(found)
    assert mails, f"no email '{subject_part}' to {address}"
    return mails[-1].links[0]


@pytest.fixture
def clients(system):
    opened = []

    def make(token=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = httpx.Client(base_url=system.url, headers=headers, timeout=30)
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.close()


def caregiver_session(system, clients, staff, first_name: str) -> tuple:
    """Invite, register, confirm and sign in a caregiver of the agency."""
    email = f"{first_name.lower()}-{uuid.uuid4().hex[:8]}@example.org"
    invited = staff.post(
        "/api/v1/agency/caregivers",
        json={"first_name": first_name, "last_name": "Test", "email": email},
    )
    assert invited.status_code == 201, invited.text
    anonymous = clients()
    registered = anonymous.post(
        "/api/v1/auth/register",
        json={
            "first_name": first_name,
            "last_name": "Test",
            "email": email,
            "password": PASSWORD,
        },
    )
    assert registered.status_code == 202, registered.text
    token = link_in_mail(system, email, "Confirmation").split("token=", 1)[1]
    assert anonymous.post(
        "/api/v1/auth/confirm", json={"token": token, "password": PASSWORD}
    ).is_success
    login = anonymous.post(
        "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    return email, invited.json()["id"], clients(login.json()["token"])


def import_csv(staff, path: str, text: str) -> dict:
    response = staff.post(
        path, content=text.encode(), headers={"Content-Type": "text/csv"}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_planning_and_availability_through_the_gateway(
    system, system_clock, new_agency, clients
):
    system_clock.set(datetime(2026, 10, 20, 8, 0, tzinfo=UTC))
    _, staff = new_agency()
    nora_email, nora_id, nora = caregiver_session(system, clients, staff, "Nora")
    other = staff.post(
        "/api/v1/agency/caregivers",
        json={
            "first_name": "Yasmine",
            "last_name": "Test",
            "email": f"yasmine-{uuid.uuid4().hex[:8]}@example.org",
        },
    )
    assert other.status_code == 201, other.text
    import_csv(staff, "/api/v1/agency/families/import", FAMILIES)
    listed = staff.get("/api/v1/agency/families").json()["items"]
    assert [(f["ref"], f["name"]) for f in listed] == [
        ("FA-ARN", "Famille Arnaud"),
        ("FA-BOU", "Famille Boucher"),
    ]
    imported = import_csv(
        staff, "/api/v1/agency/shifts/import", SHIFTS.format(nora=nora_email)
    )
    assert (imported["created"], imported["warnings"]) == (2, [])

    # The same shift pushed twice: the second answer says nothing changed.
    shift = {
        "caregiver_id": nora_id,
        "family_ref": "FA-ARN",
        "start": "2026-10-21T08:30:00+02:00",
        "end": "2026-10-21T12:00:00+02:00",
        "activity": "Mercredi matin",
        "car_transport": True,
        "notes": "Piscine",
    }
    first = staff.put("/api/v1/agency/shifts/P-3", json=shift)
    second = staff.put("/api/v1/agency/shifts/P-3", json=shift)
    assert first.status_code == 200, first.text
    assert (first.json()["created"], first.json()["changed"]) == (True, True)
    assert (second.json()["created"], second.json()["changed"]) == (False, False)
    assert second.json()["updated_at"] == first.json()["updated_at"]
    cancelled = staff.delete("/api/v1/agency/shifts/P-1")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"

    # Her week: everything useful at the door, Monday first.
    week = nora.get("/api/v1/me/planning?view=week&date=2026-10-24").json()
    assert (week["from"], week["to"]) == ("2026-10-19", "2026-10-25")
    assert [s["external_id"] for s in week["shifts"]] == ["P-3", "P-2"]
    night = week["shifts"][1]
    assert night["family"]["children"] == "Lina (2 ans), Noé (7 ans)"
    assert (night["start"], night["end"]) == (
        "2026-10-24T20:00:00+02:00",
        "2026-10-25T04:00:00+01:00",
    )
    assert night["car_transport"] is True
    assert night["changed_since_last_visit"] is False
    printed = nora.get("/api/v1/me/planning/print?view=week&date=2026-10-24")
    assert printed.status_code == 200
    assert printed.headers["content-type"].startswith("text/html")
    assert "Semaine du 19 octobre 2026 au 25 octobre 2026" in printed.text
    assert "8 quai Sarrail" in printed.text
    assert "@media print" in printed.text

    # Her calendar, by session and by a secret address she can renew.
    assert (
        nora.get("/api/v1/me/planning.ics")
        .headers["content-type"]
        .startswith("text/calendar")
    )
    old_url = nora.post("/api/v1/me/planning/feed").json()["url"]
    feed = nora.post("/api/v1/me/planning/feed")
    assert feed.status_code == 201, feed.text
    url = feed.json()["url"]
    anonymous = clients()
    assert anonymous.get(old_url).status_code == 404
    fetched = [anonymous.get(url) for _ in range(2)]
    assert all(response.status_code == 200 for response in fetched)
    etag = fetched[0].headers["ETag"]
    assert fetched[1].headers["ETag"] == etag
    unchanged = anonymous.get(url, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    calendars = [Calendar.from_ical(response.text) for response in fetched]
    uids = [sorted(str(e["uid"]) for e in c.walk("VEVENT")) for c in calendars]
    assert uids[0] == uids[1] and len(uids[0]) == 3
    by_summary = {str(e["summary"]): e for e in calendars[0].walk("VEVENT")}
    night_event = by_summary["Baby-sitting soirée – Famille Boucher"]
    assert night_event["dtstart"].dt == datetime(2026, 10, 24, 18, 0, tzinfo=UTC)
    assert night_event["dtend"].dt == datetime(2026, 10, 25, 3, 0, tzinfo=UTC)
    cancelled_event = by_summary["Sortie d'école – Famille Arnaud"]
    assert str(cancelled_event["status"]) == "CANCELLED"

    # Her availability, then the agency's question and its warning.
    bad = nora.put(
        "/api/v1/me/availability",
        json={"weekly": [{"weekday": "monday", "start": "16h", "end": "19:30"}]},
    )
    assert bad.status_code == 400
    assert "weekly.0.start" in bad.json()["error"]["fields"]
    wanted = {
        "weekly": [{"weekday": "monday", "start": "16:00", "end": "19:30"}],
        "exceptions": [
            {
                "kind": "unavailable",
                "start": "2026-10-28",
                "end": "2026-10-28",
                "comment": "rendez-vous",
            }
        ],
    }
    put = nora.put("/api/v1/me/availability", json=wanted)
    assert put.status_code == 200, put.text
    assert put.json()["changed"] is True
    read = nora.get("/api/v1/me/availability").json()
    assert read["weekly"] == wanted["weekly"]
    assert read["exceptions"][0]["start"] == "2026-10-28"
    free = staff.get(
        "/api/v1/agency/availability",
        params={"from": "2026-10-26T16:30", "to": "2026-10-26T19:00"},
    )
    assert free.status_code == 200, free.text
    assert [c["caregiver_id"] for c in free.json()["available"]] == [nora_id]
    assert [c["status"] for c in free.json()["others"]] == ["not_declared"]
    over = staff.put(
        "/api/v1/agency/shifts/P-4",
        json={
            **shift,
            "start": "2026-10-28T08:30:00+01:00",
            "end": "2026-10-28T12:00:00+01:00",
        },
    )
    assert over.status_code == 200, over.text
    assert [w["code"] for w in over.json()["warnings"]] == ["CAREGIVER_UNAVAILABLE"]

    # A new password kills the secret address (identity's password_changed).
    anonymous.post("/api/v1/auth/password-reset", json={"email": nora_email})
    reset = link_in_mail(system, nora_email, "nouveau mot de passe")
    changed = anonymous.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": reset.split("token=", 1)[1], "password": NEW_PASSWORD},
    )
    assert changed.status_code == 200, changed.text
    assert eventually(lambda: anonymous.get(url).status_code == 404)
