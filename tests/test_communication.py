"""Communication end to end, over HTTP against real processes: an approved
unplanned intervention becomes a shift and a timesheet entry (F18), news of
the agency and the network (F6), documents (F7), the emails of F8 and the
preferences that turn the optional ones off, and the events on the bus.
"""

import json
import uuid
from datetime import datetime

import httpx
import pytest
from kombu import Connection, Exchange, Queue
from nameko.standalone.rpc import ClusterRpcProxy

from extranet_common import clock
from extranet_dev import mailbox
from extranet_dev.mailbox import eventually

pytestmark = pytest.mark.e2e

PASSWORD = "les enfants rentrent à dix-sept heures"
ADMIN_PASSWORD = "mot de passe du réseau national"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer <<>>\n%%EOF\n"
FAMILIES = (
    "ref,name,address,children\n"
    'FA-ROS,Famille Rossi,"8 rue Garibaldi, 69006 Lyon",Luca (5 ans)\n'
)
EVENTS = {
    "requests.events": [
        "request_submitted",
        "request_answered",
        "unplanned_intervention_approved",
    ],
    "notifications.events": ["news_published", "document_published"],
}


@pytest.fixture(autouse=True)
def _clock_put_back(system, system_clock):
    """Put the shared clock back as this module found it, for test modules
    that do not set their own."""
    before = system_clock.path.read_text()
    yield
    system_clock.set(clock.parse_instant(before))


def unique_email(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}@example.org"


def mails_to(system, address: str, subject_part: str) -> list:
    return mailbox.mails_to(system.mailbox, address, subject_part)


def mail_to(system, address: str, subject_part: str):
    found = eventually(lambda: mails_to(system, address, subject_part))
    assert found, f"no email '{subject_part}' to {address}"
    return found[-1]


@pytest.fixture
def opened(system):
    clients = []

    def make(token=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = httpx.Client(base_url=system.url, headers=headers, timeout=30)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def caregiver(system, opened):
    """Invite, register, confirm and sign in a caregiver of ``staff``'s agency."""

    def make(staff, first_name="Nora"):
        email = unique_email(first_name.lower())
        invited = staff.post(
            "/api/v1/agency/caregivers",
            json={"first_name": first_name, "last_name": "Test", "email": email},
        )
        assert invited.status_code in (200, 201), invited.text
        mail_to(system, email, "votre extranet")
        anonymous = opened()
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
        link = mail_to(system, email, "Confirmation").links[0]
        token = link.split("token=", 1)[1]
        assert anonymous.post(
            "/api/v1/auth/confirm", json={"token": token, "password": PASSWORD}
        ).is_success
        login = anonymous.post(
            "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        return invited.json()["id"], email, opened(login.json()["token"])

    return make


@pytest.fixture
def bus(system):
    """A queue of our own bound to the events these features publish."""
    with Connection(system.amqp_uri.replace("pyamqp://", "amqp://")) as connection:
        queue = Queue(
            f"e2e-communication-{uuid.uuid4().hex[:8]}",
            auto_delete=True,
            bindings=[],
        )
        channel = connection.channel()
        bound = queue(channel)
        bound.declare()
        for exchange_name, keys in EVENTS.items():
            exchange = Exchange(exchange_name, type="topic", durable=True)
            exchange(channel).declare()
            for key in keys:
                bound.bind_to(exchange=exchange_name, routing_key=key)

        def received() -> list[dict]:
            got = []
            while (message := bound.get(no_ack=True)) is not None:
                got.append(json.loads(message.body))
            return got

        yield received
        bound.delete()


def test_an_approved_intervention_becomes_a_shift_and_an_entry(
    system, system_clock, new_agency, caregiver, bus
):
    system_clock.set(datetime.fromisoformat("2026-10-31T20:00:00+01:00"))
    agency, staff = new_agency()
    imported = staff.post(
        "/api/v1/agency/families/import",
        content=FAMILIES.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    nora_id, nora_email, nora = caregiver(staff)

    skipped = nora.post(
        "/api/v1/me/requests",
        json={
            "category": "unplanned_intervention",
            "subject": "Nuit du changement d'heure",
            "body": "J'ai gardé Luca.",
            "details": {
                "date": "2026-03-29",
                "start": "02:30",
                "end": "06:00",
                "family": "Rossi",
            },
        },
    )
    sent = nora.post(
        "/api/v1/me/requests",
        json={
            "category": "unplanned_intervention",
            "subject": "Garde imprévue du 20",
            "body": "Mme Rossi m'a demandé de rester jusqu'à 21 h.",
            "details": {
                "date": "2026-10-20",
                "start": "18:30",
                "end": "21:00",
                "family": "les Rossi",
            },
        },
    )
    assert skipped.status_code == 400
    assert "n'existe pas" in skipped.json()["error"]["fields"]["start"]
    assert sent.status_code == 201, sent.text
    request_id = sent.json()["id"]

    no_family = staff.post(f"/api/v1/agency/requests/{request_id}/approve", json={})
    bad_hour = staff.post(
        f"/api/v1/agency/requests/{request_id}/approve",
        json={"family_ref": "FA-ROS", "date": "2026-10-25", "start": "02:15"},
    )
    by_her = nora.post(
        f"/api/v1/agency/requests/{request_id}/approve", json={"family_ref": "FA-ROS"}
    )
    assert no_family.status_code == 400
    assert "family_ref" in no_family.json()["error"]["fields"]
    assert bad_hour.status_code == 400
    assert "existe deux fois" in bad_hour.json()["error"]["fields"]["start"]
    assert by_her.status_code == 403

    approved = staff.post(
        f"/api/v1/agency/requests/{request_id}/approve",
        json={"family_ref": "FA-ROS", "activity": "Garde du soir"},
    )
    again = staff.post(
        f"/api/v1/agency/requests/{request_id}/approve", json={"family_ref": "FA-ROS"}
    )

    assert approved.status_code == 200, approved.text
    assert again.json() == approved.json()
    view = approved.json()
    assert view["status"] == "answered"
    assert view["approval"]["shift_external_id"] == f"REQ-{request_id}"
    assert view["approval"]["start"] == "2026-10-20T16:30:00+00:00"

    month = nora.get("/api/v1/me/planning?view=month&date=2026-10-01").json()
    (shift,) = month["shifts"]
    assert shift["external_id"] == f"REQ-{request_id}"
    assert (shift["start"], shift["end"]) == (
        "2026-10-20T18:30:00+02:00",
        "2026-10-20T21:00:00+02:00",
    )
    assert shift["family"]["ref"] == "FA-ROS"

    def entries():
        sheet = nora.get("/api/v1/me/timesheets/2026-10").json()
        found = [e for day in sheet.get("days", []) for e in day["entries"]]
        return found or None

    (entry,) = eventually(entries)
    assert entry["planned_minutes"] == 150
    assert (
        mail_to(system, nora_email, "Réponse à votre demande")
        .links[0]
        .endswith(f"/demandes/{request_id}")
    )

    def approvals():
        seen = bus()
        approvals.events.extend(seen)
        types = [e["event_type"] for e in approvals.events]
        return types if "unplanned_intervention_approved" in types else None

    approvals.events = []
    assert eventually(approvals)
    (event,) = [
        e
        for e in approvals.events
        if e["event_type"] == "unplanned_intervention_approved"
    ]
    assert event["agency_id"] == agency["id"]
    assert event["data"]["request_id"] == request_id
    assert event["data"]["caregiver_id"] == nora_id
    assert event["data"]["shift_external_id"] == f"REQ-{request_id}"
    assert event["data"]["date"] == "2026-10-20"
    assert (event["data"]["start"], event["data"]["end"]) == (
        "2026-10-20T16:30:00+00:00",
        "2026-10-20T19:00:00+00:00",
    )
    submitted = [
        e
        for e in approvals.events
        if e["event_type"] == "request_submitted"
        and e["data"]["request_id"] == request_id
    ]
    assert len(submitted) == 1


def test_planning_emails_follow_her_preferences(
    system, system_clock, new_agency, caregiver
):
    system_clock.set(datetime.fromisoformat("2026-10-10T09:00:00+02:00"))
    _, staff = new_agency()
    staff.post(
        "/api/v1/agency/families/import",
        content=FAMILIES.encode(),
        headers={"Content-Type": "text/csv"},
    )
    nora_id, nora_email, nora = caregiver(staff)
    lina_id, lina_email, _ = caregiver(staff, "Lina")

    def shift(caregiver_id, day, end="19:00"):
        return {
            "caregiver_id": caregiver_id,
            "family_ref": "FA-ROS",
            "start": f"2026-10-{day}T16:30:00+02:00",
            "end": f"2026-10-{day}T{end}:00+02:00",
            "activity": "Sortie d'école",
        }

    assert staff.put("/api/v1/agency/shifts/G-N", json=shift(nora_id, 22)).is_success
    assert staff.put("/api/v1/agency/shifts/G-L", json=shift(lina_id, 23)).is_success

    defaults = nora.get("/api/v1/me/preferences")
    off = nora.put("/api/v1/me/preferences", json={"email_planning_changes": False})
    bad = nora.put("/api/v1/me/preferences", json={"email_news": "yes"})
    by_staff = staff.get("/api/v1/me/preferences")
    nora_moved = staff.put(
        "/api/v1/agency/shifts/G-N", json=shift(nora_id, 22, "19:30")
    )
    lina_moved = staff.put(
        "/api/v1/agency/shifts/G-L", json=shift(lina_id, 23, "19:30")
    )

    assert defaults.json() == {"email_planning_changes": True, "email_news": True}
    assert off.json() == {"email_planning_changes": False, "email_news": True}
    assert bad.status_code == 400
    assert by_staff.status_code == 403
    assert nora_moved.is_success and lina_moved.is_success
    changed = mail_to(system, lina_email, "Garde modifiée")
    assert changed.subject == "Garde modifiée : vendredi 23 octobre 2026"
    assert "de 16:30 à 19:30 — Famille Rossi (Sortie d'école)" in changed.text
    assert "Horaires : vendredi 23 octobre 2026, 16:30–19:00 → " in changed.text
    assert mails_to(system, nora_email, "Garde") == []

    on = nora.put("/api/v1/me/preferences", json={"email_planning_changes": True})
    cancelled = staff.delete("/api/v1/agency/shifts/G-N")

    assert on.is_success and cancelled.is_success
    email = mail_to(system, nora_email, "Garde annulée")
    assert email.subject == "Garde annulée : jeudi 22 octobre 2026"
    assert "de 16:30 à 19:30 — Famille Rossi" in email.text
    assert mails_to(system, nora_email, "Garde modifiée") == []


@pytest.fixture
def network_admin(system, opened):
    """Makes a network admin's client; the network posts it leaves are
    withdrawn afterwards, since every caregiver of the shared system would
    see them. Call it after setting the clock: sessions expire."""
    made = []

    def make():
        email = unique_email("reseau")
        with ClusterRpcProxy({"AMQP_URI": system.amqp_uri}, timeout=30) as rpc:
            rpc.identity.create_staff(
                None, email, "Réseau", "National", ADMIN_PASSWORD, "admin"
            )
        login = opened().post(
            "/api/v1/auth/login", json={"email": email, "password": ADMIN_PASSWORD}
        )
        admin = opened(login.json()["token"])
        admin.posted = []
        made.append(admin)
        return admin

    yield make
    for admin in made:
        for news_id in admin.posted:
            admin.delete(f"/api/v1/agency/news/{news_id}")


def test_news_of_the_agency_and_the_network(
    system, system_clock, new_agency, caregiver, network_admin, bus
):
    system_clock.set(datetime.fromisoformat("2026-11-03T09:00:00+01:00"))
    _, staff = new_agency()
    _, other_staff = new_agency()
    _, nora_email, nora = caregiver(staff)
    _, _, outsider = caregiver(other_staff, "Zoe")
    admin = network_admin()

    first = staff.post(
        "/api/v1/agency/news",
        json={"title": "Fermeture", "body": "L'agence ferme le 11.\n\n<b>Merci</b>"},
    )
    system_clock.set(datetime.fromisoformat("2026-11-03T09:05:00+01:00"))
    network = admin.post(
        "/api/v1/agency/news",
        json={
            "title": "Mot du réseau",
            "body": "Bonjour à toutes.",
            "scope": "network",
        },
    )
    refused = staff.post(
        "/api/v1/agency/news",
        json={"title": "Pour tous", "body": "Non.", "scope": "network"},
    )

    admin.posted.append(network.json().get("id"))
    assert first.status_code == 201, first.text
    assert network.status_code == 201, network.text
    assert refused.status_code == 403
    page = nora.get("/api/v1/me/news?per_page=1").json()
    second_page = nora.get("/api/v1/me/news?per_page=1&page=2").json()
    assert [i["title"] for i in page["items"]] == ["Mot du réseau"]
    assert [i["title"] for i in second_page["items"]] == ["Fermeture"]
    assert (page["total"], page["unread"]) == (2, 2)
    agency_post = second_page["items"][0]
    assert agency_post["body_html"] == (
        "<p>L&#39;agence ferme le 11.</p>\n<p>&lt;b&gt;Merci&lt;/b&gt;</p>"
    )
    assert agency_post["published_at"] == "2026-11-03T08:00:00+00:00"
    assert nora.post(f"/api/v1/me/news/{agency_post['id']}/read").status_code == 204
    assert nora.get(f"/api/v1/me/news/{agency_post['id']}").json()["read"] is True
    assert nora.get("/api/v1/me/news").json()["unread"] == 1
    theirs = outsider.get("/api/v1/me/news").json()
    assert [i["title"] for i in theirs["items"]] == ["Mot du réseau"]
    assert outsider.get(f"/api/v1/me/news/{agency_post['id']}").status_code == 404
    assert mail_to(system, nora_email, "Fermeture").subject.startswith(
        "Actualité de Agence "
    )
    assert mail_to(system, nora_email, "Mot du réseau").subject == (
        "Actualité du réseau : Mot du réseau"
    )

    def published():
        published.seen.extend(bus())
        return [e for e in published.seen if e["event_type"] == "news_published"]

    published.seen = []
    found = eventually(lambda: len(published()) >= 2 and published())
    scopes = {e["data"]["news_id"]: e["data"]["scope"] for e in found}
    assert scopes[first.json()["id"]] == "agency"
    assert scopes[network.json()["id"]] == "network"

    not_theirs = other_staff.delete(f"/api/v1/agency/news/{first.json()['id']}")
    withdrawn = admin.delete(f"/api/v1/agency/news/{network.json()['id']}")

    assert not_theirs.status_code == 404
    assert withdrawn.status_code == 204
    assert [i["title"] for i in nora.get("/api/v1/me/news").json()["items"]] == [
        "Fermeture"
    ]


def test_documents_are_hers_alone(system, system_clock, new_agency, caregiver, bus):
    system_clock.set(datetime.fromisoformat("2026-11-05T09:00:00+01:00"))
    agency, staff = new_agency()
    nora_id, nora_email, nora = caregiver(staff)
    lina_id, _, lina = caregiver(staff, "Lina")

    payslip = staff.post(
        "/api/v1/agency/documents",
        data={"type": "payslip", "period": "2026-10", "caregiver_id": nora_id},
        files={"file": ("Bulletin octobre été.pdf", PDF, "application/pdf")},
    )
    for_all = staff.post(
        "/api/v1/agency/documents",
        data={"type": "other", "all": "true"},
        files={"file": ("reglement.pdf", PDF, "application/pdf")},
    )
    fake = staff.post(
        "/api/v1/agency/documents",
        data={"type": "contract", "caregiver_id": nora_id},
        files={"file": ("contrat.pdf", b"<html>pas un pdf</html>", "application/pdf")},
    )
    no_file = staff.post(
        "/api/v1/agency/documents",
        data={"type": "contract", "caregiver_id": nora_id},
        files={"other": ("x.txt", b"x", "text/plain")},
    )
    by_her = nora.post(
        "/api/v1/agency/documents",
        data={"type": "other", "all": "true"},
        files={"file": ("x.pdf", PDF, "application/pdf")},
    )

    assert payslip.status_code == 201, payslip.text
    assert for_all.status_code == 201, for_all.text
    assert fake.status_code == 400
    assert fake.json()["error"]["fields"] == {"file": "le fichier n'est pas un PDF"}
    assert no_file.status_code == 400
    assert by_her.status_code == 403
    document_id = payslip.json()["id"]
    hers = nora.get("/api/v1/me/documents").json()["items"]
    colleague = lina.get("/api/v1/me/documents").json()["items"]
    assert {d["id"] for d in hers} == {document_id, for_all.json()["id"]}
    assert [d["id"] for d in colleague] == [for_all.json()["id"]]

    download = nora.get(f"/api/v1/me/documents/{document_id}/file")
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert (
        "filename*=UTF-8''Bulletin%20octobre%20%C3%A9t%C3%A9.pdf"
        in (download.headers["content-disposition"])
    )
    assert lina.get(f"/api/v1/me/documents/{document_id}/file").status_code == 404
    assert staff.get(f"/api/v1/me/documents/{document_id}/file").status_code == 403
    email = mail_to(system, nora_email, "Bulletin de paie")
    assert email.subject == "Bulletin de paie d'octobre 2026 disponible"
    assert email.links[0].endswith("/documents")

    def published():
        published.seen.extend(bus())
        return [e for e in published.seen if e["event_type"] == "document_published"]

    published.seen = []
    found = eventually(lambda: len(published()) >= 2 and published())
    by_id = {e["data"]["document_id"]: e for e in found}
    assert by_id[document_id]["agency_id"] == agency["id"]
    assert by_id[document_id]["data"] == {
        "document_id": document_id,
        "caregiver_id": nora_id,
        "type": "payslip",
        "period": "2026-10",
    }
    assert by_id[for_all.json()["id"]]["data"]["caregiver_id"] is None
    assert lina_id not in json.dumps(found)


def test_a_planning_change_is_about_one_of_her_own_shifts(
    system, system_clock, new_agency, caregiver
):
    system_clock.set(datetime.fromisoformat("2026-10-20T12:00:00+02:00"))
    _, staff = new_agency()
    imported = staff.post(
        "/api/v1/agency/families/import",
        content=FAMILIES.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    nora_id, _, nora = caregiver(staff)
    _, _, ines = caregiver(staff, "Ines")
    placed = staff.put(
        "/api/v1/agency/shifts/PC-1",
        json={
            "caregiver_id": nora_id,
            "family_ref": "FA-ROS",
            "start": "2026-10-23T16:30:00+02:00",
            "end": "2026-10-23T19:00:00+02:00",
        },
    )
    assert placed.status_code in (200, 201), placed.text

    def ask(client, reference):
        return client.post(
            "/api/v1/me/requests",
            json={
                "category": "planning_change",
                "subject": "Vendredi 23",
                "body": "Puis-je commencer à 17 h ?",
                "details": {"shift_id": reference},
            },
        )

    hers = ask(nora, "PC-1")
    not_hers = ask(ines, "PC-1")
    unknown = ask(nora, "PC-404")

    assert hers.status_code == 201, hers.text
    details = hers.json()["details"]
    assert details["shift_ref"] == "PC-1" and details["family"] == "Famille Rossi"
    assert (details["date"], details["start"]) == (
        "2026-10-23",
        "2026-10-23T16:30:00+02:00",
    )
    for refused in (not_hers, unknown):
        assert refused.status_code == 400, refused.text
        assert "shift_id" in refused.json()["error"]["fields"]
