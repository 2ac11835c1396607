"""Security end to end, against real processes (OWASP ASVS level 2 checks).

The centre is one table, ``TABLE``: a row for every (method, path) of the
gateway's ``ENDPOINTS``. Each row is called by another caregiver of the same
agency, a caregiver of another agency, staff and a back-office key of
another agency, anonymously and with an expired session; each must answer
the row's status, and no answer may show the owner's data (markers planted
in it). Afterwards the owner's own views are unchanged. The table must list
exactly the endpoints the gateway has: an endpoint added without a row
fails ``test_the_table_covers_every_endpoint``.

The other tests: links that scanners open, reused and superseded tokens,
the 72-byte edge, emails in NFC/NFD and upper case, throttling, equal
timing of login failures, password change, API keys and revocation delay,
the session cookie's CSRF rule.
"""

import json
import socket
import statistics
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
import pytest
from markupsafe import escape
from nameko.standalone.rpc import ClusterRpcProxy

import extranet_gateway.api  # noqa: F401  (registers the views)
from extranet_dev import mailbox
from extranet_dev.mailbox import eventually
from extranet_dev.system import System
from extranet_gateway.auth import csrf_token_for
from extranet_gateway.routing import ENDPOINTS, PUBLIC

pytestmark = pytest.mark.e2e

T0 = datetime.fromisoformat("2026-10-20T10:00:00+02:00")
PASSWORD = "une phrase secrète pour les tests"
STAFF_PASSWORD = "mot de passe du personnel"
MARK = f"SECRET{uuid.uuid4().hex[:10]}"
AUTH_CACHE_SECONDS = 5


# --- helpers -----------------------------------------------------------------


def mail_to(system, address: str, subject_part: str, count: int = 1):
    mail = mailbox.wait_for_mail(system.mailbox, address, subject_part, count)
    assert mail, f"no email '{subject_part}' to {address}"
    return mail


def token_in(link: str) -> str:
    return link.split("token=", 1)[1]


@dataclass
class Clients:
    """httpx clients opened by a test, closed at its end."""

    base_url: str
    opened: list = field(default_factory=list)

    def new(self, token=None, headers=None, base_url=None) -> httpx.Client:
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        client = httpx.Client(
            base_url=base_url or self.base_url, headers=all_headers, timeout=30
        )
        self.opened.append(client)
        return client

    def close(self):
        while self.opened:
            self.opened.pop().close()


def login(client: httpx.Client, email: str, password: str = PASSWORD) -> str:
    answer = client.post(
        "/api/v1/auth/login", json={"email": email, "password": password}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


def make_agency(system) -> tuple[dict, str]:
    ref = f"SEC-{uuid.uuid4().hex[:8]}"
    email = f"staff-{ref.lower()}@example.org"
    with ClusterRpcProxy({"AMQP_URI": system.amqp_uri}, timeout=30) as rpc:
        agency = rpc.identity.create_agency(ref, f"Agence {ref}", "Europe/Paris", None)
        rpc.identity.create_staff(agency["id"], email, "Accueil", ref, STAFF_PASSWORD)
    return agency, email


def new_caregiver(system, staff: httpx.Client, anonymous, first="Camille") -> dict:
    """Invite, register and confirm a caregiver; returns her email and id."""
    email = f"{first.lower()}-{uuid.uuid4().hex[:8]}@example.org"
    invited = staff.post(
        "/api/v1/agency/caregivers",
        json={"first_name": first, "last_name": MARK, "email": email},
    )
    assert invited.status_code == 201, invited.text
    registered = anonymous.post(
        "/api/v1/auth/register",
        json={
            "first_name": first,
            "last_name": MARK,
            "email": email,
            "password": PASSWORD,
        },
    )
    assert registered.status_code == 202, registered.text
    link = mail_to(system, email, "Confirmation").links[0]
    confirmed = anonymous.post(
        "/api/v1/auth/confirm", json={"token": token_in(link), "password": PASSWORD}
    )
    assert confirmed.status_code == 200, confirmed.text
    return {"email": email, "id": invited.json()["id"]}


@pytest.fixture
def clients(system):
    opened = Clients(system.url)
    yield opened
    opened.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def proxied(system):
    """A second gateway that trusts 127.0.0.1 as a proxy, so tests can speak
    from many addresses (X-Forwarded-For) without throttling each other."""
    gateway = System(
        data_dir=system.data_dir,
        amqp_uri=system.amqp_uri,
        address=f"127.0.0.1:{free_port()}",
        extra_env={**system.extra_env, "TRUSTED_PROXIES": "127.0.0.1"},
    )
    gateway.start_one("gateway")
    try:
        gateway.wait_for_gateway()
        yield gateway.url
    finally:
        gateway.stop_one("gateway", timeout=3)


def from_address(clients: Clients, proxied: str, address: str, token=None):
    return clients.new(token, headers={"X-Forwarded-For": address}, base_url=proxied)


# --- the world the table runs in ------------------------------------------------


@dataclass
class World:
    """Two agencies; the owner's data in agency A, planted with MARK."""

    ids: dict
    tokens: dict
    private: list  # markers of the owner caregiver's own data
    agency_a: list  # markers of agency A (visible to its own caregivers)


@pytest.fixture(scope="module")
def world(system, system_clock):
    system_clock.set(T0)
    opened = Clients(system.url)
    anonymous = opened.new()
    agency_a, staff_a_email = make_agency(system)
    agency_b, staff_b_email = make_agency(system)
    staff_a = opened.new(login(anonymous, staff_a_email, STAFF_PASSWORD))
    staff_b_token = login(anonymous, staff_b_email, STAFF_PASSWORD)
    staff_b = opened.new(staff_b_token)

    owner = new_caregiver(system, staff_a, anonymous, "Owner")
    same = new_caregiver(system, staff_a, anonymous, "Same")
    foreign = new_caregiver(system, staff_b, anonymous, "Foreign")
    owner_token = login(anonymous, owner["email"])
    owner_client = opened.new(owner_token)

    family = f"FA-{MARK}"
    imported = staff_a.post(
        "/api/v1/agency/families/import",
        content=f'ref,name,address,children\n{family},Famille {MARK},"1 rue {MARK}",'
        f"Enfant {MARK}\n".encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    external_id = f"SH-{MARK}"
    shift = staff_a.put(
        f"/api/v1/agency/shifts/{external_id}",
        json={
            "caregiver_id": owner["id"],
            "family_ref": family,
            "start": "2026-10-05T16:30:00+02:00",
            "end": "2026-10-05T19:00:00+02:00",
            "activity": "Sortie d'école",
            "notes": f"Note {MARK}",
        },
    )
    assert shift.status_code in (200, 201), shift.text
    request = owner_client.post(
        "/api/v1/me/requests",
        json={"category": "pay", "subject": f"Demande {MARK}", "body": MARK},
    )
    assert request.status_code == 201, request.text
    news = staff_a.post(
        "/api/v1/agency/news", json={"title": f"News {MARK}", "body": MARK}
    )
    assert news.status_code == 201, news.text
    key = staff_a.post("/api/v1/agency/api-keys", json={"name": f"Paie {MARK}"})
    assert key.status_code == 201, key.text
    foreign_key = staff_b.post("/api/v1/agency/api-keys", json={"name": "Paie B"})
    assert foreign_key.status_code == 201, foreign_key.text

    def entries():
        sheet = owner_client.get("/api/v1/me/timesheets/2026-10").json()
        found = [e for day in sheet.get("days", []) for e in day["entries"]]
        return found or None

    entry = eventually(entries)
    assert entry, "the shift never reached timesheets"
    document = staff_a.post(
        "/api/v1/agency/documents",
        files={
            "file": (f"{MARK}.pdf", b"%PDF-1.4\n%" + MARK.encode(), "application/pdf")
        },
        data={"type": "payslip", "period": "2026-10", "caregiver_id": owner["id"]},
    )
    document_id = (
        document.json().get("id") if document.status_code == 201 else str(uuid.uuid4())
    )
    owner_client.put(
        "/api/v1/me/availability",
        json={"weekly": [{"weekday": "monday", "start": "16:00", "end": "19:00"}]},
    )

    ids = {
        "owner_id": owner["id"],
        "owner_email": owner["email"],
        "caregiver_id": owner["id"],
        "external_id": external_id,
        "family_ref": family,
        "request_id": request.json()["id"],
        "news_id": news.json()["id"],
        "key_id": key.json()["id"],
        "entry_id": entry[0]["id"],
        "document_id": document_id,
        "month": "2026-10",
        "secret": uuid.uuid4().hex,
    }
    tokens = {
        "owner": owner_token,
        "staff_a": staff_a.headers["Authorization"][7:],
        "same_caregiver": login(anonymous, same["email"]),
        "foreign_caregiver": login(anonymous, foreign["email"]),
        "foreign_staff": staff_b_token,
        "foreign_key": foreign_key.json()["key"],
        "expired": login(anonymous, owner["email"]),
    }
    private = [
        owner["id"],
        owner["email"],
        external_id,
        f"Note {MARK}",
        f"Demande {MARK}",
        request.json()["id"],
        entry[0]["id"],
        key.json()["prefix"],
        key.json()["key"],
        f"{MARK}.pdf",
    ]
    agency_a = [agency_a["id"], f"News {MARK}", f"Famille {MARK}", family]
    yield World(ids, tokens, private, agency_a)
    opened.close()


# --- the table --------------------------------------------------------------------


@dataclass
class Row:
    """How one endpoint answers each caller.

    ``path`` uses ``{name}`` for the world's ids. Statuses: ``same`` (another
    caregiver of the owner's agency), ``foreign`` (a caregiver of another
    agency), ``staff`` (staff of another agency) and ``key`` (a back-office
    key of another agency, defaults to ``staff``). Anonymous and expired
    callers get 401, except on public rows, whose ``public`` says why they
    are public and ``anonymous`` what an outsider gets.
    """

    path: str
    same: int = 401
    foreign: int = 401
    staff: int = 401
    key: int | None = None
    body: object = None
    csv: str | None = None
    files: dict | None = None
    public: str | None = None
    anonymous: int = 401
    last: bool = False
    deviation: tuple[int, str] | None = None
    """(status, why) a service answers today instead of the right one; the
    call still must leak nothing. Listed in the README's known limits."""


def mine(path, same=200, foreign=None, **kwargs) -> Row:
    """A caregiver's own endpoint: staff are refused by role."""
    foreign = same if foreign is None else foreign
    return Row(path, same=same, foreign=foreign, staff=403, **kwargs)


def agency(path, staff=200, key=None, **kwargs) -> Row:
    """An agency endpoint: caregivers are refused by role."""
    return Row(path, same=403, foreign=403, staff=staff, key=key, **kwargs)


def public(path, why, anonymous, **kwargs) -> Row:
    return Row(path, public=why, anonymous=anonymous, **kwargs)


SHIFT_FOR_OWNER = {
    "caregiver_id": "{owner_id}",
    "family_ref": "{family_ref}",
    "start": "2026-10-06T16:30:00+02:00",
    "end": "2026-10-06T19:00:00+02:00",
    "notes": "changed by an intruder",
}
OWNERS_SHIFT_CSV = (
    "external_id,caregiver_email,family_ref,start,end,activity,car_transport,notes\n"
    "{external_id},{owner_email},{family_ref},2026-10-07 16:30,2026-10-07 19:00,"
    "Sortie,non,intrus\n"
)

TABLE: dict[tuple[str, str], Row] = {
    # Public: no session exists yet, or the secret is the credential.
    ("GET", "/api/v1/openapi.json"): public(
        "/api/v1/openapi.json", "the API's description, no data", 200
    ),
    ("GET", "/api/v1/auth/password-rules"): public(
        "/api/v1/auth/password-rules", "rules shown before typing, no data", 200
    ),
    ("POST", "/api/v1/auth/register"): public(
        "/api/v1/auth/register",
        "first connection, before any session; only invited emails",
        409,
        body={
            "first_name": "X",
            "last_name": "Y",
            "email": "{owner_email}",
            "password": "un mot de passe d'intrus",
        },
    ),
    ("POST", "/api/v1/auth/confirm"): public(
        "/api/v1/auth/confirm",
        "the emailed token is the credential",
        410,
        body={"token": "forged-token", "password": "peu importe"},
    ),
    ("POST", "/api/v1/auth/login"): public(
        "/api/v1/auth/login",
        "opens a session; the password is the credential",
        401,
        body={"email": "{owner_email}", "password": "pas le bon mot"},
    ),
    ("POST", "/api/v1/auth/password-reset"): public(
        "/api/v1/auth/password-reset",
        "lost password; same answer for everyone",
        202,
        body={"email": "{owner_email}"},
    ),
    ("POST", "/api/v1/auth/password-reset/confirm"): public(
        "/api/v1/auth/password-reset/confirm",
        "the emailed token is the credential",
        410,
        body={"token": "forged-token", "password": "un mot de passe d'intrus"},
    ),
    ("GET", "/api/v1/calendar/<secret>.ics"): public(
        "/api/v1/calendar/{secret}.ics",
        "calendar apps cannot sign in: the revocable secret address is the credential",
        404,
    ),
    # Any signed-in person.
    ("GET", "/api/v1/me"): Row("/api/v1/me", same=200, foreign=200, staff=200),
    ("POST", "/api/v1/me/password"): Row(
        "/api/v1/me/password",
        same=400,
        foreign=400,
        staff=400,
        key=403,
        body={"current_password": "pas le bon", "new_password": "une autre phrase ok"},
    ),
    ("POST", "/api/v1/auth/logout"): Row(
        "/api/v1/auth/logout", same=204, foreign=204, staff=204, last=True
    ),
    # A caregiver's own data.
    ("GET", "/api/v1/me/planning"): mine("/api/v1/me/planning?date=2026-10-05"),
    ("GET", "/api/v1/me/planning/print"): mine(
        "/api/v1/me/planning/print?date=2026-10-05"
    ),
    ("GET", "/api/v1/me/planning.ics"): mine("/api/v1/me/planning.ics"),
    ("POST", "/api/v1/me/planning/feed"): mine("/api/v1/me/planning/feed", same=201),
    ("GET", "/api/v1/me/availability"): mine("/api/v1/me/availability"),
    ("PUT", "/api/v1/me/availability"): mine(
        "/api/v1/me/availability", body={"weekly": [], "exceptions": []}
    ),
    ("GET", "/api/v1/me/preferences"): mine("/api/v1/me/preferences"),
    ("PUT", "/api/v1/me/preferences"): mine(
        "/api/v1/me/preferences", body={"email_news": False}
    ),
    ("GET", "/api/v1/me/news"): mine("/api/v1/me/news"),
    ("GET", "/api/v1/me/news/<news_id>"): mine(
        "/api/v1/me/news/{news_id}", same=200, foreign=404
    ),
    ("POST", "/api/v1/me/news/<news_id>/read"): mine(
        "/api/v1/me/news/{news_id}/read", same=204, foreign=404
    ),
    ("GET", "/api/v1/me/documents"): mine("/api/v1/me/documents"),
    ("GET", "/api/v1/me/documents/<document_id>/file"): mine(
        "/api/v1/me/documents/{document_id}/file", same=404
    ),
    ("GET", "/api/v1/me/requests"): mine("/api/v1/me/requests"),
    ("POST", "/api/v1/me/requests"): mine(
        "/api/v1/me/requests",
        same=201,
        body={"category": "other", "subject": "Question", "body": "Bonjour"},
    ),
    ("POST", "/api/v1/me/news/read-all"): mine("/api/v1/me/news/read-all"),
    ("GET", "/api/v1/me/requests/<request_id>"): mine(
        "/api/v1/me/requests/{request_id}", same=404
    ),
    ("POST", "/api/v1/me/requests/<request_id>/messages"): mine(
        "/api/v1/me/requests/{request_id}/messages", same=404, body={"body": "intrus"}
    ),
    ("GET", "/api/v1/me/timesheets/<month>"): mine("/api/v1/me/timesheets/{month}"),
    ("PUT", "/api/v1/me/timesheets/<month>/entries/<entry_id>"): mine(
        "/api/v1/me/timesheets/{month}/entries/{entry_id}",
        same=404,
        body={"status": "refused", "reason": "not_done", "declared_minutes": 0},
    ),
    ("POST", "/api/v1/me/timesheets/<month>/accept-all"): mine(
        "/api/v1/me/timesheets/{month}/accept-all", body={"confirm": True}
    ),
    # The agency side.
    ("GET", "/api/v1/agency/caregivers"): agency("/api/v1/agency/caregivers"),
    ("POST", "/api/v1/agency/caregivers"): agency(
        "/api/v1/agency/caregivers",
        staff=409,
        body={"first_name": "X", "last_name": "Y", "email": "{owner_email}"},
    ),
    ("GET", "/api/v1/agency/caregivers/<caregiver_id>/availability"): agency(
        "/api/v1/agency/caregivers/{caregiver_id}/availability",
        staff=404,
    ),
    ("GET", "/api/v1/agency/availability"): agency(
        "/api/v1/agency/availability?from=2026-10-26T16:30&to=2026-10-26T19:00"
    ),
    ("POST", "/api/v1/agency/api-keys"): agency(
        "/api/v1/agency/api-keys", staff=201, key=403, body={"name": "Intrus"}
    ),
    ("GET", "/api/v1/agency/api-keys"): agency("/api/v1/agency/api-keys", key=403),
    ("DELETE", "/api/v1/agency/api-keys/<key_id>"): agency(
        "/api/v1/agency/api-keys/{key_id}", staff=404, key=403
    ),
    ("GET", "/api/v1/agency/news"): agency("/api/v1/agency/news"),
    ("POST", "/api/v1/agency/news"): agency(
        "/api/v1/agency/news", staff=201, body={"title": "B", "body": "B"}
    ),
    ("GET", "/api/v1/agency/documents/<document_id>/file"): agency(
        "/api/v1/agency/documents/{document_id}/file", staff=404
    ),
    ("GET", "/api/v1/agency/documents"): agency("/api/v1/agency/documents"),
    ("POST", "/api/v1/agency/documents"): agency(
        "/api/v1/agency/documents",
        staff=400,
        files={
            "file": ("x.pdf", b"%PDF-1.4\n", "application/pdf"),
            "type": (None, "payslip"),
            "caregiver_id": (None, "{owner_id}"),
        },
    ),
    ("GET", "/api/v1/agency/families"): agency("/api/v1/agency/families"),
    ("POST", "/api/v1/agency/families/import"): agency(
        "/api/v1/agency/families/import",
        csv="ref,name,address,children\nFA-B,Famille B,1 rue B,Enfant\n",
    ),
    ("POST", "/api/v1/agency/shifts/import"): agency(
        "/api/v1/agency/shifts/import", staff=400, csv=OWNERS_SHIFT_CSV
    ),
    ("PUT", "/api/v1/agency/shifts/<external_id>"): agency(
        "/api/v1/agency/shifts/{external_id}", staff=400, body=SHIFT_FOR_OWNER
    ),
    ("DELETE", "/api/v1/agency/shifts/<external_id>"): agency(
        "/api/v1/agency/shifts/{external_id}", staff=404
    ),
    ("GET", "/api/v1/agency/requests"): agency("/api/v1/agency/requests"),
    ("GET", "/api/v1/agency/requests/<request_id>"): agency(
        "/api/v1/agency/requests/{request_id}", staff=404
    ),
    ("POST", "/api/v1/agency/requests/<request_id>/reply"): agency(
        "/api/v1/agency/requests/{request_id}/reply", staff=404, body={"body": "x"}
    ),
    ("POST", "/api/v1/agency/requests/<request_id>/approve"): agency(
        "/api/v1/agency/requests/{request_id}/approve",
        staff=404,
        body={"family_ref": "{family_ref}"},
    ),
    ("DELETE", "/api/v1/agency/news/<news_id>"): agency(
        "/api/v1/agency/news/{news_id}", staff=404
    ),
    ("GET", "/api/v1/me/timesheets/<month>/entries/<entry_id>/history"): mine(
        "/api/v1/me/timesheets/{month}/entries/{entry_id}/history", same=404
    ),
    ("GET", "/api/v1/agency/timesheets/<month>"): agency(
        "/api/v1/agency/timesheets/{month}"
    ),
    ("GET", "/api/v1/agency/timesheets/settings"): agency(
        "/api/v1/agency/timesheets/settings"
    ),
    ("PUT", "/api/v1/agency/timesheets/settings"): agency(
        "/api/v1/agency/timesheets/settings", key=403, body={"grace_days": 0}
    ),
    ("GET", "/api/v1/agency/timesheets/<month>/caregivers/<caregiver_id>"): agency(
        "/api/v1/agency/timesheets/{month}/caregivers/{caregiver_id}", staff=403
    ),
    ("PUT", "/api/v1/agency/timesheets/<month>/entries/<entry_id>"): agency(
        "/api/v1/agency/timesheets/{month}/entries/{entry_id}",
        staff=404,
        key=403,
        body={"counted_minutes": 0, "comment": "intrus"},
    ),
    ("POST", "/api/v1/agency/timesheets/<month>/entries/<entry_id>/settle"): agency(
        "/api/v1/agency/timesheets/{month}/entries/{entry_id}/settle",
        staff=404,
        key=403,
        body={"minutes": 0, "comment": "intrus"},
    ),
    ("GET", "/api/v1/agency/timesheets/<month>/entries/<entry_id>/history"): agency(
        "/api/v1/agency/timesheets/{month}/entries/{entry_id}/history", staff=404
    ),
    ("POST", "/api/v1/agency/timesheets/<month>/close"): agency(
        "/api/v1/agency/timesheets/{month}/close", staff=409
    ),
    ("GET", "/api/v1/agency/timesheets/<month>/export.csv"): agency(
        "/api/v1/agency/timesheets/{month}/export.csv"
    ),
}


def test_the_table_covers_every_endpoint():
    declared = {(m, e.path) for e in ENDPOINTS for m in e.methods}

    missing = declared - set(TABLE)
    stale = set(TABLE) - declared

    assert not missing, f"add rows to tests/test_security.py TABLE for {missing}"
    assert not stale, f"rows for endpoints that no longer exist: {stale}"
    for (method, path), row in TABLE.items():
        endpoint = next(e for e in ENDPOINTS if e.path == path and method in e.methods)
        assert (endpoint.access == PUBLIC) == (row.public is not None), (method, path)


def fill(value, ids: dict):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(fill(v, ids) for v in value)
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


def call(client: httpx.Client, method: str, row: Row, ids: dict) -> httpx.Response:
    kwargs = {}
    if row.body is not None:
        kwargs["json"] = fill(row.body, ids)
    if row.csv is not None:
        kwargs["content"] = fill(row.csv, ids).encode()
        kwargs["headers"] = {"Content-Type": "text/csv"}
    if row.files is not None:
        kwargs["files"] = fill(row.files, ids)
    return client.request(method, fill(row.path, ids), **kwargs)


def sent_text(row: Row, ids: dict) -> str:
    """Everything the caller put in the request (echoing it back is no leak)."""
    return str([fill(row.path, ids), fill(row.body, ids), fill(row.csv, ids)])


def owners_items(answer: httpx.Response, markers: list[str]) -> list[str]:
    """The parts of an answer about the owner: the innermost JSON objects
    holding one of her markers, or the lines holding one (calendar, CSV)."""
    try:
        document = answer.json()
    except ValueError:
        return sorted(
            line for line in answer.text.splitlines() if any(m in line for m in markers)
        )
    found = []

    def walk(value):
        if isinstance(value, dict):
            texts = [v for v in value.values() if isinstance(v, str)]
            if any(m in text for text in texts for m in markers):
                found.append(json.dumps(value, sort_keys=True))
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(document)
    return sorted(found)


def owners_views(world: World, clients: Clients) -> dict:
    """What the owner caregiver and her agency's staff see about her data on
    every GET (other caregivers' own changes are not hers)."""
    markers = world.private + [m for m in world.agency_a if MARK in m]
    views = {}
    owner = clients.new(world.tokens["owner"])
    staff = clients.new(world.tokens["staff_a"])
    for (method, path), row in TABLE.items():
        if method != "GET" or row.public:
            continue
        endpoint = next(e for e in ENDPOINTS if e.path == path and method in e.methods)
        viewer = staff if endpoint.access == "staff" else owner
        answer = call(viewer, method, row, world.ids)
        views[path] = (answer.status_code, owners_items(answer, markers))
    return views


CALLERS = {
    "same_caregiver": "same",
    "foreign_caregiver": "foreign",
    "foreign_staff": "staff",
    "foreign_key": "key",
}


def test_every_endpoint_refuses_whoever_it_must(world, clients, system_clock):
    system_clock.set(T0)
    owners_views(world, clients)  # a first look records her visit (planning)
    before = owners_views(world, clients)
    ordered = sorted(TABLE.items(), key=lambda item: item[1].last)
    failures = []

    for caller, column in CALLERS.items():
        headers = (
            {"X-Api-Key": world.tokens[caller]}
            if caller == "foreign_key"
            else {"Authorization": f"Bearer {world.tokens[caller]}"}
        )
        client = clients.new(headers=headers)
        private = world.private + (world.agency_a if caller != "same_caregiver" else [])
        for (method, path), row in ordered:
            if row.public:
                continue
            expected = getattr(row, column)
            if column == "key" and expected is None:
                expected = row.staff
            answer = call(client, method, row, world.ids)
            sent = sent_text(row, world.ids)
            leaked = [m for m in private if m in answer.text and m not in sent]
            allowed = {expected}
            if row.deviation and column in ("staff", "key"):
                allowed.add(row.deviation[0])
            if answer.status_code not in allowed or leaked:
                failures.append(
                    (
                        caller,
                        method,
                        path,
                        answer.status_code,
                        expected,
                        leaked,
                        answer.text[:200],
                    )
                )

    anonymous = clients.new()
    for (method, path), row in ordered:
        answer = call(anonymous, method, row, world.ids)
        leaked = [m for m in world.private + world.agency_a if m in answer.text]
        if answer.status_code != row.anonymous or leaked:
            failures.append(
                (
                    "anonymous",
                    method,
                    path,
                    answer.status_code,
                    row.anonymous,
                    leaked,
                    answer.text[:200],
                )
            )

    system_clock.set(T0 + timedelta(hours=3))
    expired = clients.new(world.tokens["expired"])
    for (method, path), row in ordered:
        if row.public:
            continue
        answer = call(expired, method, row, world.ids)
        if answer.status_code != 401 or MARK in answer.text:
            failures.append(
                (
                    "expired",
                    method,
                    path,
                    answer.status_code,
                    401,
                    [],
                    answer.text[:200],
                )
            )
    system_clock.set(T0)

    assert not failures, "\n".join(str(failure) for failure in failures)
    assert owners_views(world, clients) == before
    assert sum(len(items) for _, items in before.values()) >= 10


# --- links, tokens, emails, passwords --------------------------------------------


@pytest.fixture
def agency_staff(system, clients):
    """A fresh agency of its own: (anonymous client, staff client)."""
    anonymous = clients.new()
    _, staff_email = make_agency(system)
    return anonymous, clients.new(login(anonymous, staff_email, STAFF_PASSWORD))


def invite(staff, email):
    answer = staff.post(
        "/api/v1/agency/caregivers",
        json={"first_name": "Inès", "last_name": "Test", "email": email},
    )
    assert answer.status_code == 201, answer.text


def register(anonymous, email, password=PASSWORD):
    return anonymous.post(
        "/api/v1/auth/register",
        json={
            "first_name": "Inès",
            "last_name": "Test",
            "email": email,
            "password": password,
        },
    )


def test_links_survive_scanners_die_after_use_and_forms_need_csrf(
    system, system_clock, clients, agency_staff
):
    system_clock.set(T0)
    anonymous, staff = agency_staff
    email = f"scan-{uuid.uuid4().hex[:8]}@example.org"
    invite(staff, email)
    assert register(anonymous, email).status_code == 202
    link = mail_to(system, email, "Confirmation").links[0]
    path = link.split(system.url, 1)[1]

    scanned = [anonymous.get(path).status_code, anonymous.head(path).status_code]
    shown = clients.new().get(path)
    csrf = shown.cookies["extranet_csrf"]
    browser = clients.new(headers={"Cookie": f"extranet_csrf={csrf}"})
    forged = clients.new().post("/confirmation", data={"token": token_in(link)})
    genuine = browser.post(
        "/confirmation",
        data={"token": token_in(link), "csrf_token": csrf, "password": PASSWORD},
    )
    reused = anonymous.post(
        "/api/v1/auth/confirm", json={"token": token_in(link), "password": PASSWORD}
    )
    again = register(anonymous, email)

    assert scanned == [200, 200]
    assert f'value="{csrf}"' in shown.text
    assert forged.status_code == 403
    assert genuine.status_code == 200 and "confirmé" in genuine.text
    assert reused.status_code == 410
    assert again.status_code == 409
    assert again.json()["error"]["details"] == {"next": "login"}


def test_an_older_reset_link_dies_once_a_newer_one_is_used(
    system, system_clock, clients, agency_staff
):
    system_clock.set(T0)
    anonymous, staff = agency_staff
    email = f"reset-{uuid.uuid4().hex[:8]}@example.org"
    invite(staff, email)
    register(anonymous, email)
    confirm = mail_to(system, email, "Confirmation").links[0]
    anonymous.post(
        "/api/v1/auth/confirm", json={"token": token_in(confirm), "password": PASSWORD}
    )
    anonymous.post("/api/v1/auth/password-reset", json={"email": email})
    older = token_in(mail_to(system, email, "nouveau mot de passe").links[0])
    anonymous.post("/api/v1/auth/password-reset", json={"email": email})
    mail_to(system, email, "nouveau mot de passe", 2)
    newer = next(
        token_in(m.links[0])
        for m in mailbox.all_mail(system.mailbox)
        if email in m.to and "nouveau mot de passe" in m.subject
        if token_in(m.links[0]) != older
    )
    page = f"/mot-de-passe/nouveau?token={newer}"

    scanned = [anonymous.get(page).status_code, anonymous.head(page).status_code]
    used = anonymous.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": newer, "password": "une toute nouvelle phrase"},
    )
    stale = anonymous.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": older, "password": "encore une autre phrase"},
    )
    reused = anonymous.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": newer, "password": "encore une autre phrase"},
    )

    assert scanned == [200, 200]
    assert used.status_code == 200, used.text
    assert (stale.status_code, reused.status_code) == (410, 410)
    assert mail_to(system, email, "a été changé")
    assert login(anonymous, email, "une toute nouvelle phrase")


def test_passwords_follow_the_published_rules(system_clock, clients, agency_staff):
    system_clock.set(T0)
    anonymous, staff = agency_staff
    email = f"edge-{uuid.uuid4().hex[:8]}@example.org"
    invite(staff, email)

    rules = anonymous.get("/api/v1/auth/password-rules").json()
    page = anonymous.get("/premiere-connexion").text
    too_long = register(anonymous, email, "éàè" * 12 + "a")
    common = register(anonymous, email, "motdepasse123")
    edge = register(anonymous, email, "éàè" * 12)

    assert (rules["min_length"], rules["max_length"], rules["max_bytes"]) == (
        12,
        64,
        72,
    )
    assert str(escape(rules["text"])) in page
    assert (
        too_long.status_code == 400 and "password" in too_long.json()["error"]["fields"]
    )
    assert common.status_code == 400 and "courants" in common.json()["error"]["message"]
    assert edge.status_code == 202, edge.text


def test_emails_match_across_unicode_forms_and_case(
    system, system_clock, clients, agency_staff
):
    system_clock.set(T0)
    anonymous, staff = agency_staff
    tag = uuid.uuid4().hex[:8]
    nfc = f"\u00e9lodie-{tag}@example.org"
    nfd = f"e\u0301lodie-{tag}@example.org"
    lower = f"lina-{tag}@example.org"
    invite(staff, nfc)
    invite(staff, lower)

    assert register(anonymous, nfd).status_code == 202
    assert register(anonymous, lower).status_code == 202
    for address in (nfc, lower):
        link = mail_to(system, address, "Confirmation").links[0]
        anonymous.post(
            "/api/v1/auth/confirm", json={"token": token_in(link), "password": PASSWORD}
        )

    assert login(anonymous, f"E\u0301LODIE-{tag}@EXAMPLE.ORG")
    assert login(anonymous, f"\u00c9lodie-{tag}@example.org")
    assert login(anonymous, lower.upper())


# --- throttling and timing --------------------------------------------------------


def active_caregiver(system, anonymous, staff) -> str:
    email = f"active-{uuid.uuid4().hex[:8]}@example.org"
    invite(staff, email)
    register(anonymous, email)
    link = mail_to(system, email, "Confirmation").links[0]
    anonymous.post(
        "/api/v1/auth/confirm", json={"token": token_in(link), "password": PASSWORD}
    )
    return email


def test_failures_slow_the_guessing_address_but_never_lock_her_out(
    system, system_clock, clients, agency_staff, proxied
):
    system_clock.set(T0)
    anonymous, staff = agency_staff
    email = active_caregiver(system, anonymous, staff)
    attacker = from_address(clients, proxied, "203.0.113.10")
    home = from_address(clients, proxied, "198.51.100.20")
    wrong = {"email": email, "password": "ce n'est pas le bon"}
    right = {"email": email, "password": PASSWORD}

    failures = [
        attacker.post("/api/v1/auth/login", json=wrong).status_code for _ in range(5)
    ]
    slowed = attacker.post("/api/v1/auth/login", json=right)
    from_home = home.post("/api/v1/auth/login", json=right)
    system_clock.set(T0 + timedelta(seconds=1))
    later = attacker.post("/api/v1/auth/login", json=right)
    fresh_start = attacker.post("/api/v1/auth/login", json=wrong)

    assert failures == [401] * 5
    assert slowed.status_code == 429
    assert slowed.headers["Retry-After"] == "1"
    assert from_home.status_code == 200
    assert later.status_code == 200
    assert fresh_start.status_code == 401, "a success resets the counter"


def test_login_and_reset_answer_alike_whoever_asks(
    system, system_clock, clients, agency_staff, proxied
):
    system_clock.set(T0)
    anonymous, staff = agency_staff
    email = active_caregiver(system, anonymous, staff)
    pending = f"pending-{uuid.uuid4().hex[:8]}@example.org"
    invite(staff, pending)
    register(anonymous, pending)
    cases = {
        "unknown": {"email": f"nobody-{uuid.uuid4().hex}@example.org"},
        "wrong": {"email": email},
        "unconfirmed": {"email": pending},
    }
    timings = {case: [] for case in cases}
    answers = {case: set() for case in cases}

    for round_ in range(4):
        for case, body in cases.items():
            client = from_address(clients, proxied, f"203.0.113.{50 + round_}")
            started = time.perf_counter()
            answer = client.post(
                "/api/v1/auth/login", json={**body, "password": PASSWORD + "?"}
            )
            timings[case].append(time.perf_counter() - started)
            answers[case].add((answer.status_code, answer.text))
    resets = {"existing": [], "unknown": []}
    for _ in range(3):
        for case, address in (("existing", email), ("unknown", "x" + email)):
            started = time.perf_counter()
            answer = anonymous.post(
                "/api/v1/auth/password-reset", json={"email": address}
            )
            resets[case].append((time.perf_counter() - started, answer.text))

    medians = {case: statistics.median(t) for case, t in timings.items()}
    assert len(set().union(*answers.values())) == 1, answers
    # bcrypt alone costs about 300 ms here: a case that skipped it would stand
    # out by far more than the noise of a busy two-core machine.
    assert max(medians.values()) - min(medians.values()) < 0.15, medians
    assert min(medians.values()) > 0.2, medians
    reset_medians = [statistics.median(t for t, _ in r) for r in resets.values()]
    assert len({text for r in resets.values() for _, text in r}) == 1
    assert abs(reset_medians[0] - reset_medians[1]) < 0.03, reset_medians


# --- sessions, keys, cookies ------------------------------------------------


def test_a_password_change_ends_the_other_sessions_everywhere(
    system, system_clock, clients, agency_staff, proxied
):
    system_clock.set(T0)
    anonymous, staff = agency_staff
    email = active_caregiver(system, anonymous, staff)
    here = clients.new(login(anonymous, email))
    elsewhere = clients.new(login(anonymous, email), base_url=proxied)
    assert elsewhere.get("/api/v1/me").status_code == 200

    wrong = here.post(
        "/api/v1/me/password",
        json={"current_password": "pas le bon", "new_password": "une autre phrase ok"},
    )
    changed = here.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "une autre phrase ok"},
    )
    started = time.monotonic()
    ended = eventually(lambda: elsewhere.get("/api/v1/me").status_code == 401, 10)
    delay = time.monotonic() - started

    assert wrong.status_code == 400
    assert changed.status_code == 200, changed.text
    assert ended and delay <= AUTH_CACHE_SECONDS + 1.5
    assert here.get("/api/v1/me").status_code == 200
    assert mail_to(system, email, "a été changé")
    assert login(anonymous, email, "une autre phrase ok")


def test_api_keys_act_for_their_agency_and_die_when_revoked(
    system_clock, clients, agency_staff, proxied
):
    system_clock.set(T0)
    anonymous, staff = agency_staff
    created = staff.post("/api/v1/agency/api-keys", json={"name": "Logiciel de paie"})
    key = created.json()["key"]
    bearer = clients.new(key, base_url=proxied)
    header = clients.new(headers={"X-Api-Key": key})

    listed = staff.get("/api/v1/agency/api-keys").json()["items"]
    as_bearer = bearer.get("/api/v1/agency/caregivers")
    as_header = header.get("/api/v1/agency/caregivers")
    caregiver_side = header.get("/api/v1/me/requests")
    revoked = staff.delete(f"/api/v1/agency/api-keys/{created.json()['id']}")
    started = time.monotonic()
    dead = eventually(
        lambda: bearer.get("/api/v1/agency/caregivers").status_code == 401, 10
    )
    delay = time.monotonic() - started

    assert created.status_code == 201
    assert [k["prefix"] for k in listed] == [key[:10]]
    assert key not in str(listed)
    assert (as_bearer.status_code, as_header.status_code) == (200, 200)
    assert caregiver_side.status_code == 403
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert dead and delay <= AUTH_CACHE_SECONDS + 1.5


def test_a_cookie_session_on_the_api_needs_the_csrf_header(
    system, system_clock, clients, agency_staff
):
    system_clock.set(T0)
    anonymous, staff = agency_staff
    email = active_caregiver(system, anonymous, staff)
    session = login(anonymous, email)
    browser = clients.new(headers={"Cookie": f"extranet_session={session}"})
    body = {"category": "other", "subject": "Question", "body": "Bonjour"}

    me = browser.get("/api/v1/me")
    forged = browser.post("/api/v1/me/requests", json=body)
    genuine = browser.post(
        "/api/v1/me/requests",
        json=body,
        headers={"X-CSRF-Token": me.json()["csrf_token"]},
    )

    assert me.json()["csrf_token"] == csrf_token_for(session)
    assert forged.status_code == 403
    assert genuine.status_code == 201, genuine.text
