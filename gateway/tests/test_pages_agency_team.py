"""The agency's team pages without a broker: fake services record the RPCs
the pages make, with the staff's actor, and answer from a script."""

import html
from datetime import UTC, datetime

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from extranet_common import clock
from extranet_common.errors import Conflict, InvalidInput, NotAuthenticated
from extranet_gateway import pages
from extranet_gateway.auth import SESSION_COOKIE, csrf_token_for

STAFF = {
    "id": "s1",
    "role": "staff",
    "email": "accueil@example.org",
    "first_name": "Accueil",
    "last_name": "Lyon",
    "agency": {"id": "A", "name": "Agence Lyon", "timezone": "Europe/Paris"},
}
ACTOR = {"id": "s1", "role": "staff", "agency_id": "A"}
LEA = {
    "id": "c1",
    "role": "caregiver",
    "email": "lea@example.org",
    "first_name": "Léa",
    "last_name": "Rossi",
    "status": "active",
}
NINA = {**LEA, "id": "c2", "email": "nina@example.org", "first_name": "Nina"}
NINA["status"] = "invited"
DECLARED = {
    "timezone": "Europe/Paris",
    "weekly": [
        {"weekday": "wednesday", "start": "08:00", "end": "12:00"},
        {"weekday": "monday", "start": "16:00", "end": "19:30"},
    ],
    "exceptions": [
        {
            "kind": "unavailable",
            "start": "2026-11-10",
            "end": "2026-11-12",
            "whole_days": True,
            "comment": "vacances",
        },
        {
            "kind": "available",
            "start": "2026-09-01",
            "end": "2026-09-01",
            "whole_days": True,
            "comment": "",
        },
    ],
}
FREE = {
    "from": "2026-10-26T16:30:00+01:00",
    "to": "2026-10-26T19:00:00+01:00",
    "timezone": "Europe/Paris",
    "available": [
        {
            "caregiver_id": "c1",
            "first_name": "Léa",
            "last_name": "Rossi",
            "email": "lea@example.org",
            "status": "available",
        }
    ],
    "others": [
        {
            "caregiver_id": "c2",
            "first_name": "Nina",
            "last_name": "Rossi",
            "email": "nina@example.org",
            "status": "not_declared",
            "reason": "disponibilité non déclarée",
        }
    ],
}


class FakeRpc:
    """Records each call; answers from ``answers`` (a value or an exception)."""

    def __init__(self, **answers):
        self.answers = answers
        self.calls = []

    def __getattr__(self, name):
        def call(*args):
            self.calls.append((name, args))
            answer = self.answers.get(name)
            if isinstance(answer, Exception):
                raise answer
            return answer

        return call


class FakeAuthenticator:
    def __init__(self, principal):
        self.who = principal

    def principal(self, token, identity_rpc):
        if token != "session":
            raise NotAuthenticated("Connectez-vous.")
        return self.who


class FakeGateway:
    def __init__(self, identity=None, planning=None, principal=STAFF):
        self.authenticator = FakeAuthenticator(principal)
        self.identity_rpc = identity or FakeRpc(agency_caregivers=[LEA, NINA])
        self.planning_rpc = planning or FakeRpc()


def request(method, path, form=None, query=None, csrf=True):
    data = None
    if form is not None:
        data = {"csrf_token": csrf_token_for("session"), **form} if csrf else form
    builder = EnvironBuilder(
        method=method,
        path=path,
        data=data,
        query_string=query,
        headers={"Cookie": f"{SESSION_COOKIE}=session"},
    )
    return Request(builder.get_environ())


def text_of(answer) -> str:
    """The page as a reader sees it: entities decoded, spaces collapsed."""
    return " ".join(html.unescape(answer.get_data(as_text=True)).split())


@pytest.fixture
def frozen_evening():
    with clock.frozen(datetime(2026, 10, 31, 21, 30, tzinfo=UTC)):
        yield


def test_the_list_shows_each_caregiver_her_account_and_her_page():
    gateway = FakeGateway()

    answer = pages.page(gateway, request("GET", "/agence/intervenantes"))

    page = text_of(answer)
    assert answer.status_code == 200
    assert gateway.identity_rpc.calls == [("agency_caregivers", (ACTOR,))]
    assert 'href="/agence/intervenantes/c1"' in page
    assert "Compte confirmé" in page and "Invitée" in page
    assert "1 compte confirmé, 1 invitation en attente" in page


def test_an_invitation_calls_identity_as_the_api_does_then_redirects():
    identity = FakeRpc(agency_caregivers=[LEA], invite_caregiver={"id": "c9"})
    gateway = FakeGateway(identity=identity)
    form = {
        "first_name": " Léa ",
        "last_name": "Rossi",
        "email": " lea@example.org ",
        "phone": "",
        "ref": "",
    }

    answer = pages.page(gateway, request("POST", "/agence/intervenantes", form))

    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/agence/intervenantes?invitee=c9")
    assert identity.calls == [
        (
            "invite_caregiver",
            (ACTOR, "Léa", "Rossi", "lea@example.org", None, None),
        )
    ]


def test_the_optional_phone_and_reference_go_to_identity():
    identity = FakeRpc(invite_caregiver={"id": "c9"})
    form = {
        "first_name": "Léa",
        "last_name": "Rossi",
        "email": "lea@example.org",
        "phone": "06 12 34 56 78",
        "ref": "INT-7",
    }

    pages.page(
        FakeGateway(identity=identity), request("POST", "/agence/intervenantes", form)
    )

    assert identity.calls[0][1][4:] == ("06 12 34 56 78", "INT-7")


def test_the_confirmation_names_who_was_invited_and_says_an_email_left():
    answer = pages.page(
        FakeGateway(),
        request("GET", "/agence/intervenantes", query={"invitee": "c2"}),
    )

    page = text_of(answer)
    assert "Invitation envoyée à Nina Rossi" in page
    assert "un email vient de partir à nina@example.org" in page


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        (
            {"first_name": "Léa", "last_name": "Rossi", "email": "pas-une-adresse"},
            "email",
            "Adresse email invalide",
        ),
        (
            {"first_name": "Léa", "last_name": "Rossi", "email": "é" * 33 + "@ex.org"},
            "email",
            "Adresse trop longue : 64 caractères au plus avant le @",
        ),
        (
            {"first_name": "", "last_name": "Rossi", "email": "lea@example.org"},
            "first_name",
            "Saisissez son prénom.",
        ),
        (
            {"first_name": "Léa", "last_name": "R" * 101, "email": "lea@example.org"},
            "last_name",
            "100 caractères au plus.",
        ),
    ],
)
def test_a_refused_invitation_keeps_what_was_typed_and_names_the_field(
    form, field, message
):
    identity = FakeRpc(agency_caregivers=[LEA])

    answer = pages.page(
        FakeGateway(identity=identity), request("POST", "/agence/intervenantes", form)
    )

    page = text_of(answer)
    assert answer.status_code == 400
    assert f'id="{field}-error">{message}' in page
    assert f'value="{form["email"]}"' in page
    assert [name for name, _ in identity.calls] == ["agency_caregivers"]


def test_an_active_account_is_refused_beside_the_email():
    refusal = Conflict(
        "Cette intervenante a déjà activé son compte.", {"email": "compte déjà actif"}
    )
    identity = FakeRpc(agency_caregivers=[LEA], invite_caregiver=refusal)
    form = {"first_name": "Léa", "last_name": "Rossi", "email": "lea@example.org"}

    answer = pages.page(
        FakeGateway(identity=identity), request("POST", "/agence/intervenantes", form)
    )

    page = text_of(answer)
    assert answer.status_code == 409
    assert "déjà activé son compte" in page
    assert 'id="email-error">compte déjà actif' in page
    assert 'value="Léa"' in page


def test_an_invitation_without_its_csrf_token_is_refused():
    identity = FakeRpc()
    form = {"first_name": "Léa", "last_name": "Rossi", "email": "lea@example.org"}

    answer = pages.page(
        FakeGateway(identity=identity),
        request("POST", "/agence/intervenantes", form, csrf=False),
    )

    assert answer.status_code == 403
    assert identity.calls == []


def test_a_caregiver_is_refused_the_team_pages():
    caregiver = {**LEA, "agency": STAFF["agency"]}
    gateway = FakeGateway(principal=caregiver)

    for path in ("/agence/intervenantes", "/agence/disponibilites"):
        answer = pages.page(gateway, request("GET", path))

        assert answer.status_code == 403
    assert gateway.identity_rpc.calls == []


def test_her_page_shows_her_week_dates_to_come_and_her_hours(frozen_evening):
    planning = FakeRpc(get_availability=DECLARED)
    gateway = FakeGateway(planning=planning)

    answer = pages.page(gateway, request("GET", "/agence/intervenantes/c1"))

    page = text_of(answer)
    assert answer.status_code == 200
    assert planning.calls == [("get_availability", (ACTOR, "c1"))]
    assert page.index("Lundi") < page.index("16:00–19:30") < page.index("Mardi")
    assert page.index("Mercredi") < page.index("08:00–12:00") < page.index("Jeudi")
    assert "du mardi 10 novembre 2026 au jeudi 12 novembre 2026" in page
    assert "1 date passée non affichée" in page
    assert 'href="/agence/heures/2026-10/c1">Octobre 2026 (ce mois-ci)' in page
    assert 'href="/agence/heures/2026-09/c1">Septembre 2026' in page


def test_a_caregiver_of_another_agency_is_unknown_and_planning_is_not_asked():
    planning = FakeRpc(get_availability=DECLARED)

    answer = pages.page(
        FakeGateway(planning=planning),
        request("GET", "/agence/intervenantes/of-another-agency"),
    )

    assert answer.status_code == 404
    assert "Léa" not in text_of(answer)
    assert planning.calls == []


def test_who_is_free_starts_with_an_empty_form_for_today(frozen_evening):
    planning = FakeRpc()

    answer = pages.page(
        FakeGateway(planning=planning), request("GET", "/agence/disponibilites")
    )

    assert answer.status_code == 200
    assert 'value="2026-10-31"' in text_of(answer)
    assert planning.calls == []


def test_who_is_free_asks_planning_in_utc_and_lists_both_sides():
    planning = FakeRpc(who_is_available=FREE)
    slot = {"date": "2026-10-26", "start": "16:30", "end": "19:00"}

    answer = pages.page(
        FakeGateway(planning=planning),
        request("GET", "/agence/disponibilites", query=slot),
    )

    page = text_of(answer)
    assert answer.status_code == 200
    assert planning.calls == [
        (
            "who_is_available",
            (ACTOR, "2026-10-26T15:30:00+00:00", "2026-10-26T18:00:00+00:00"),
        )
    ]
    assert "Lundi 26 octobre 2026, de 16:30 à 19:00" in page
    assert page.index("Libres (1)") < page.index("Léa Rossi")
    assert page.index("Pas libres (1)") < page.index("Nina Rossi")
    assert "disponibilité non déclarée" in page
    assert 'href="mailto:lea@example.org"' in page


def test_an_end_before_the_start_ends_the_next_day():
    planning = FakeRpc(who_is_available=FREE)
    slot = {"date": "2026-10-24", "start": "22:00", "end": "06h"}

    answer = pages.page(
        FakeGateway(planning=planning),
        request("GET", "/agence/disponibilites", query=slot),
    )

    assert planning.calls[0][1][1:] == (
        "2026-10-24T20:00:00+00:00",
        "2026-10-25T05:00:00+00:00",
    )
    assert "finit le lendemain" in text_of(answer)


@pytest.mark.parametrize(
    ("slot", "field", "words"),
    [
        ({"date": "2026-03-29", "start": "02:30", "end": "05:00"}, "start", "n'existe"),
        (
            {"date": "2026-10-25", "start": "00:30", "end": "02:15"},
            "end",
            "existe deux fois",
        ),
        ({"date": "", "start": "16:30", "end": "19:00"}, "date", "Choisissez"),
        ({"date": "2026-02-30", "start": "16:30", "end": "19:00"}, "date", "JJ/MM"),
        ({"date": "2026-10-26", "start": "25:00", "end": "19:00"}, "start", "HH:MM"),
        ({"date": "2026-10-26", "start": "16:30"}, "end", "heure de fin"),
        ({"date": "2026-10-26", "start": "٠٩:٠٠", "end": "19:00"}, "start", "HH:MM"),
        ({"date": "2026-10-26", "start": "09:00:99", "end": "19:00"}, "start", "HH:MM"),
    ],
)
def test_a_slot_that_cannot_be_read_names_its_field(slot, field, words):
    planning = FakeRpc()

    answer = pages.page(
        FakeGateway(planning=planning),
        request("GET", "/agence/disponibilites", query=slot),
    )

    page = text_of(answer)
    assert answer.status_code == 400
    start = page.index(f'id="{field}-error">')
    assert words in page[start : page.index("</p>", start)]
    assert f'value="{slot["start"]}"' in page
    assert planning.calls == []


def test_a_slot_refused_by_planning_is_named_with_the_form_fields():
    refusal = InvalidInput("Créneau illisible.", {"to": "créneau de 31 jours au plus"})
    slot = {"date": "2026-10-26", "start": "16:30", "end": "19:00"}

    answer = pages.page(
        FakeGateway(planning=FakeRpc(who_is_available=refusal)),
        request("GET", "/agence/disponibilites", query=slot),
    )

    assert answer.status_code == 400
    assert 'id="end-error">créneau de 31 jours au plus' in text_of(answer)
