"""The agency's request pages without a broker: fake services record the
RPCs the pages make and answer as the real ones do."""

import copy

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from extranet_common.errors import Conflict, InvalidInput, NotAuthenticated
from extranet_gateway import pages
from extranet_gateway.auth import SESSION_COOKIE, csrf_token_for

AGENCY = {"id": "A", "name": "Agence Lyon 6", "timezone": "Europe/Paris"}
STAFF = {
    "id": "s1",
    "role": "staff",
    "email": "accueil@example.org",
    "first_name": "Accueil",
    "last_name": "Lyon",
    "agency": AGENCY,
}
ACTOR = {"id": "s1", "role": "staff", "agency_id": "A"}
CAREGIVERS = [
    {"id": "c1", "first_name": "Léa", "last_name": "Rossi", "role": "caregiver"}
]
FAMILIES = [
    {"ref": "FA-ROS", "name": "Famille Rossi", "address": "", "children": ""},
    {"ref": "FA-DUP", "name": "Famille Dupont", "address": "", "children": ""},
]
THREAD = {
    "id": "r1",
    "agency_id": "A",
    "caregiver_id": "c1",
    "category": "unplanned_intervention",
    "subject": "Garde du mardi soir",
    "status": "open",
    "details": {
        "date": "2026-10-20",
        "start": "18:30",
        "end": "21:00",
        "ends_next_day": False,
        "family": "Les Rossi",
        "comment": None,
    },
    "created_at": "2026-10-21T07:00:00+00:00",
    "updated_at": "2026-10-21T07:00:00+00:00",
    "messages": [
        {
            "id": "m1",
            "author_role": "caregiver",
            "author_id": "c1",
            "body": "Madame Rossi m'a appelée à 18 h.",
            "created_at": "2026-10-21T07:00:00+00:00",
        }
    ],
}
ANSWERED = {
    **{key: value for key, value in THREAD.items() if key != "messages"},
    "id": "r2",
    "category": "pay",
    "subject": "Fiche de paie",
    "status": "answered",
    "details": {},
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
            return copy.deepcopy(answer)

        return call


class FakeAuthenticator:
    def __init__(self, principal):
        self.who = principal

    def principal(self, token, identity_rpc):
        if token != "session":
            raise NotAuthenticated("Connectez-vous.")
        return self.who


class FakeGateway:
    def __init__(self, principal=STAFF, thread=THREAD, **answers):
        self.authenticator = FakeAuthenticator(principal)
        self.identity_rpc = FakeRpc(agency_caregivers=CAREGIVERS)
        self.planning_rpc = FakeRpc(list_families=FAMILIES)
        normal = {
            "get": thread,
            "list_for_agency": [THREAD, ANSWERED],
            "reply": thread,
            "close": thread,
            "approve": thread,
        }
        self.requests_rpc = FakeRpc(**{**normal, **answers})


def request(method, path, form=None, csrf=True):
    data = None
    if form is not None:
        data = {**form, **({"csrf_token": csrf_token_for("session")} if csrf else {})}
    builder = EnvironBuilder(
        method=method,
        path=path,
        data=data,
        headers={"Cookie": f"{SESSION_COOKIE}=session"},
    )
    return Request(builder.get_environ())


def approval_form(**changes):
    form = {
        "family_ref": "FA-ROS",
        "date": "2026-10-20",
        "start": "18:30",
        "end": "21:00",
        "activity": "Garde du soir",
        "car_transport": "1",
        "message": "",
    }
    form.update(changes)
    return form


def test_the_list_names_each_caregiver_and_shows_the_open_ones_apart():
    gateway = FakeGateway()

    answer = pages.page(gateway, request("GET", "/agence/demandes?statut=open"))

    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert gateway.requests_rpc.calls == [("list_for_agency", (ACTOR, "open", None))]
    assert html.count("Léa Rossi") == 2
    assert 'class="card open"' in html and html.count("card open") == 1
    assert 'href="/agence/demandes/r1"' in html
    assert "1 ouverte à traiter" in html
    assert '<option value="open" selected>' in html
    assert "21 octobre 2026 à 09:00" in html


def test_an_unknown_filter_is_refused_beside_its_select():
    refused = InvalidInput("Filtre invalide.", {"status": "Statut inconnu."})
    gateway = FakeGateway(list_for_agency=refused)

    answer = pages.page(gateway, request("GET", "/agence/demandes?statut=x"))

    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert 'id="statut-error"' in html and "Statut inconnu." in html


def test_the_list_is_for_staff_only():
    gateway = FakeGateway(principal={**STAFF, "role": "caregiver"})

    answer = pages.page(gateway, request("GET", "/agence/demandes"))

    assert answer.status_code == 403
    assert gateway.requests_rpc.calls == []


def test_the_thread_shows_what_she_asked_and_an_approval_form_prefilled():
    gateway = FakeGateway()

    answer = pages.page(gateway, request("GET", "/agence/demandes/r1"))

    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "mardi 20 octobre 2026" in html and "Les Rossi" in html
    assert 'name="date" type="date" value="2026-10-20"' in html
    assert 'name="start" type="time" value="18:30"' in html
    assert '<option value="FA-DUP">Famille Dupont (FA-DUP)</option>' in html
    assert gateway.planning_rpc.calls == [("list_families", (ACTOR,))]


def test_an_approval_hands_the_service_what_the_api_schema_builds():
    gateway = FakeGateway()

    answer = pages.page(
        gateway, request("POST", "/agence/demandes/r1/approbation", approval_form())
    )

    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/agence/demandes/r1?fait=approbation")
    assert gateway.requests_rpc.calls[-1] == (
        "approve",
        (
            ACTOR,
            "r1",
            {
                "family_ref": "FA-ROS",
                "date": "2026-10-20",
                "start": "18:30",
                "end": "21:00",
                "activity": "Garde du soir",
                "car_transport": True,
                "close": False,
            },
        ),
    )


def test_an_approval_without_family_keeps_what_was_typed():
    gateway = FakeGateway()

    answer = pages.page(
        gateway,
        request(
            "POST",
            "/agence/demandes/r1/approbation",
            approval_form(family_ref="", end="22:15"),
        ),
    )

    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert 'id="family_ref-error"' in html and "Choisissez la famille" in html
    assert 'value="22:15"' in html and 'value="Garde du soir"' in html
    assert "approve" not in [name for name, _ in gateway.requests_rpc.calls]


def test_an_hour_the_service_refuses_is_named_beside_its_input():
    ambiguous = InvalidInput(
        "Ces heures ne désignent pas un moment précis.",
        {"start": "Le 25/10/2026 à 02:30 existe deux fois (Europe/Paris)."},
    )
    gateway = FakeGateway(approve=ambiguous)

    answer = pages.page(
        gateway,
        request(
            "POST",
            "/agence/demandes/r1/approbation",
            approval_form(date="2026-10-25", start="02:30"),
        ),
    )

    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert 'id="start-error"' in html and "existe deux fois" in html
    assert 'value="2026-10-25"' in html and 'value="02:30"' in html
    assert '<option value="FA-ROS" selected>' in html


def test_approving_twice_says_so_and_changes_nothing():
    approved = {
        **THREAD,
        "status": "answered",
        "approval": {
            "shift_external_id": "REQ-r1",
            "family_ref": "FA-ROS",
            "date": "2026-10-20",
            "start": "2026-10-20T16:30:00+00:00",
            "end": "2026-10-20T19:00:00+00:00",
            "warnings": [],
        },
    }
    gateway = FakeGateway(thread=approved)

    answer = pages.page(
        gateway, request("POST", "/agence/demandes/r1/approbation", approval_form())
    )

    html = answer.get_data(as_text=True)
    assert answer.status_code == 409
    assert "déjà approuvée" in html and "REQ-r1" in html
    assert "de 18:30 à 21:00" in html
    assert "approve" not in [name for name, _ in gateway.requests_rpc.calls]


def test_an_answer_that_closes_goes_back_to_the_thread_with_a_confirmation():
    gateway = FakeGateway()

    answer = pages.page(
        gateway,
        request("POST", "/agence/demandes/r1/reponse", {"body": "Vu.", "close": "1"}),
    )

    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("?fait=reponse-fermee")
    assert gateway.requests_rpc.calls == [("reply", (ACTOR, "r1", "Vu.", True))]
    shown = pages.page(gateway, request("GET", "/agence/demandes/r1?fait=cloture"))
    assert "La demande est fermée." in shown.get_data(as_text=True)


def test_an_empty_answer_is_refused_beside_the_message():
    empty = InvalidInput("Écrivez votre message.", {"body": "Écrivez votre message."})
    gateway = FakeGateway(reply=empty)

    answer = pages.page(
        gateway,
        request("POST", "/agence/demandes/r1/reponse", {"body": "  ", "close": "1"}),
    )

    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert 'id="body-error"' in html
    assert 'name="close" value="1" checked' in html


def test_closing_needs_the_form_token():
    gateway = FakeGateway()

    answer = pages.page(
        gateway, request("POST", "/agence/demandes/r1/cloture", {}, csrf=False)
    )

    assert answer.status_code == 403
    assert gateway.requests_rpc.calls == []


def test_her_reply_to_a_request_closed_meanwhile_is_given_back_to_her():
    her = {**STAFF, "id": "c1", "role": "caregiver", "first_name": "Nina"}
    closed = {**THREAD, "status": "closed"}
    gateway = FakeGateway(
        principal=her,
        thread=closed,
        add_message=Conflict("Cette demande est close."),
    )

    answer = pages.page(
        gateway, request("POST", f"/demandes/{THREAD['id']}", {"body": "Mon texte"})
    )

    page = answer.get_data(as_text=True)
    assert answer.status_code == 409
    assert "Cette demande est close." in page
    assert "readonly>Mon texte</textarea>" in page
