"""The web pages without a broker: fake services record the RPCs the pages
make, with the same actor the API passes."""

import io
import threading
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from extranet_common import clock
from extranet_common.errors import ConfirmationRequired, InvalidInput, NotAuthenticated
from extranet_gateway import pages
from extranet_gateway.auth import SESSION_COOKIE, csrf_token_for

CAREGIVER = {
    "id": "u1",
    "role": "caregiver",
    "email": "lea@example.org",
    "first_name": "Léa",
    "last_name": "Rossi",
    "agency": {"id": "A", "name": "Agence", "timezone": "Europe/Paris"},
}
ACTOR = {"id": "u1", "role": "caregiver", "agency_id": "A"}
STAFF_PRINCIPAL = {**CAREGIVER, "id": "s1", "role": "staff", "first_name": "Accueil"}
RULES = {"text": "Entre 12 et 64 caractères.", "min_length": 12, "max_length": 64}
MONTH = {
    "month": "2026-10",
    "status": "open",
    "deadline": "2026-10-31T23:59:59+01:00",
    "timezone": "Europe/Paris",
    "days": [],
    "totals": {
        "planned_minutes": 0,
        "counted_minutes": 0,
        "km": None,
        "pending": 0,
        "accepted": 0,
        "refused": 0,
    },
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
    def principal(self, token, identity_rpc):
        if token != "session":
            raise NotAuthenticated("Connectez-vous.")
        return CAREGIVER

    def forget(self, token):
        return None

    def client_address(self, request):
        return "192.0.2.5"


class FakeGateway:
    def __init__(self, **rpcs):
        self.authenticator = FakeAuthenticator()
        self.identity_rpc = rpcs.get("identity", FakeRpc(password_rules=RULES))
        self.timesheets_rpc = rpcs.get(
            "timesheets", FakeRpc(month=MONTH, reasons=[], decide={})
        )


def request(method, path, form=None, signed_in=True):
    cookies = {SESSION_COOKIE: "session"} if signed_in else {pages.CSRF_COOKIE: "anon"}
    token = csrf_token_for("session") if signed_in else "anon"
    data = None if form is None else {"csrf_token": token, **form}
    builder = EnvironBuilder(
        method=method,
        path=path,
        data=data,
        headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())},
    )
    return Request(builder.get_environ())


def test_login_sets_the_session_cookie_and_goes_where_she_was_going():
    identity = FakeRpc(
        login={"token": "new-session", "expires_at": "x", "user": CAREGIVER}
    )
    gateway = FakeGateway(identity=identity)

    answer = pages.page(
        gateway,
        request(
            "POST",
            "/connexion",
            {"email": " lea@example.org ", "password": "secret", "suite": "/heures"},
            signed_in=False,
        ),
    )

    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/heures")
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=new-session") and "HttpOnly" in cookie
    assert identity.calls == [("login", ("lea@example.org", "secret", "192.0.2.5"))]


def test_a_failed_login_keeps_the_email_typed():
    identity = FakeRpc(login=NotAuthenticated("Email ou mot de passe incorrect."))

    answer = pages.page(
        FakeGateway(identity=identity),
        request(
            "POST",
            "/connexion",
            {"email": "lea@example.org", "password": "faux"},
            signed_in=False,
        ),
    )

    html = answer.get_data(as_text=True)
    assert answer.status_code == 401
    assert 'value="lea@example.org"' in html and "incorrect" in html


def test_a_page_of_hers_sends_an_anonymous_visitor_to_login():
    answer = pages.page(
        FakeGateway(), request("GET", "/heures/2026-10", signed_in=False)
    )

    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/connexion?suite=/heures/2026-10")


def test_first_connection_keeps_the_fields_and_says_which_is_wrong():
    identity = FakeRpc(
        password_rules=RULES,
        register=InvalidInput("Trop court.", {"password": "12 caractères au moins"}),
    )
    form = {"first_name": "Léa", "last_name": "Rossi", "email": "lea@example.org"}

    answer = pages.page(
        FakeGateway(identity=identity),
        request("POST", "/premiere-connexion", {**form, "password": "court"}, False),
    )

    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert 'value="Léa"' in html and 'value="lea@example.org"' in html
    assert "12 caractères au moins" in html and 'aria-invalid="true"' in html


def test_a_refusal_sends_her_actor_reason_and_duration_in_minutes():
    timesheets = FakeRpc(month=MONTH, reasons=[], decide={})

    answer = pages.page(
        FakeGateway(timesheets=timesheets),
        request(
            "POST",
            "/heures/2026-10/e1",
            {"status": "refused", "reason": "left_late", "hours": "2", "minutes": "45"},
        ),
    )

    assert answer.status_code == 303
    name, args = timesheets.calls[0]
    assert (name, args[:4]) == ("decide", (ACTOR, "u1", "2026-10", "e1"))
    assert args[4]["reason"] == "left_late" and args[4]["declared_minutes"] == 165


@pytest.mark.parametrize("form", [{"status": "accepted"}, {}])
def test_a_decision_without_its_csrf_token_is_refused(form):
    timesheets = FakeRpc(month=MONTH, reasons=[], decide={})
    forged = Request(
        EnvironBuilder(
            method="POST",
            path="/heures/2026-10/e1",
            data=form,
            headers={"Cookie": f"{SESSION_COOKIE}=session"},
        ).get_environ()
    )

    answer = pages.page(FakeGateway(timesheets=timesheets), forged)

    assert answer.status_code == 403
    assert timesheets.calls == []


def test_accept_all_asks_to_confirm_listing_what_would_be_lost_then_does_it():
    dropped = {
        "dropped": [
            {
                "entry_id": "e2",
                "date": "2026-10-28",
                "reason": "left_late",
                "declared_minutes": 165,
                "planned_minutes": 150,
            }
        ],
        "minutes_at_stake": 15,
    }
    timesheets = FakeRpc(
        month=MONTH,
        reasons=[],
        accept_all=ConfirmationRequired("Confirmez.", data=dropped),
    )
    gateway = FakeGateway(timesheets=timesheets)

    asked = pages.page(gateway, request("POST", "/heures/2026-10/tout-accepter", {}))
    timesheets.answers["accept_all"] = MONTH
    done = pages.page(
        gateway, request("POST", "/heures/2026-10/tout-accepter", {"confirm": "oui"})
    )

    html = asked.get_data(as_text=True)
    assert asked.status_code == 409
    assert "mercredi 28 octobre 2026" in html and "2 h 45" in html
    assert done.status_code == 303
    assert [args[3] for _, args in timesheets.calls] == [False, True]


@pytest.mark.parametrize(
    "form",
    [{"email": "lea\x00@example.org", "password": "x"}, {"pass\x00word": "x"}],
)
def test_a_field_with_a_nul_character_is_refused_before_anything(form):
    identity = FakeRpc(login={"token": "t", "user": CAREGIVER})

    answer = pages.page(
        FakeGateway(identity=identity),
        request("POST", "/connexion", form, signed_in=False),
    )

    assert answer.status_code == 400
    assert "caractère invisible interdit" in answer.get_data(as_text=True)
    assert identity.calls == []


def test_a_query_with_a_nul_character_is_refused():
    timesheets = FakeRpc(month=MONTH, reasons=[])

    answer = pages.page(
        FakeGateway(timesheets=timesheets), request("GET", "/agence?mois=2026-10%00")
    )

    assert answer.status_code == 400
    assert timesheets.calls == []


def test_a_form_heavier_than_the_limit_is_refused_unread():
    identity = FakeRpc(login={"token": "t", "user": CAREGIVER})
    heavy = request(
        "POST", "/connexion", {"email": "x" * 5000, "password": "y"}, signed_in=False
    )

    answer = pages.page(FakeGateway(identity=identity), heavy, body_limit=1000)

    assert answer.status_code == 413
    assert "Formulaire trop lourd" in answer.get_data(as_text=True)
    assert identity.calls == []


@pytest.mark.parametrize(
    "suite",
    ["//evil.example", "/\t/evil.example", "/\\evil.example", "https://evil.example"],
)
def test_login_never_sends_her_off_the_site(suite):
    identity = FakeRpc(login={"token": "t", "expires_at": "x", "user": CAREGIVER})
    form = {"email": "lea@example.org", "password": "secret", "suite": suite}

    answer = pages.page(
        FakeGateway(identity=identity),
        request("POST", "/connexion", form, signed_in=False),
    )

    assert answer.status_code == 303
    assert answer.headers["Location"] in ("/", "http://localhost/")


def test_an_error_page_keeps_the_menu_of_a_signed_in_visitor():
    answer = pages.page(FakeGateway(), request("GET", "/heures/octobre"))

    html = answer.get_data(as_text=True)
    assert answer.status_code == 404
    assert "Mois invalide" in html and 'aria-label="Menu principal"' in html


def test_an_anonymous_error_page_has_no_menu():
    visitor = request("GET", "/nulle-part", signed_in=False)

    answer = pages.failure(FakeGateway(), visitor, 404, "Cette page n'existe pas.")

    html = answer.get_data(as_text=True)
    assert answer.status_code == 404
    assert "Page introuvable" in html and "Menu principal" not in html


def test_a_form_sent_after_the_session_ended_leads_back_to_its_page_after_login():
    answer = pages.page(
        FakeGateway(),
        request(
            "POST",
            "/agence/heures/2026-10/u2/e1",
            {"action": "settle", "hours": "2"},
            signed_in=False,
        ),
    )

    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(
        "/connexion?suite=/agence/heures/2026-10/u2&perdu=1"
    )
    login = pages.page(
        FakeGateway(),
        request("GET", "/connexion?suite=/agence&perdu=1", signed_in=False),
    )
    assert "pas été enregistré" in login.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "page"),
    [
        ("/heures/2026-10/tout-accepter", "/heures/2026-10"),
        ("/agence/demandes/r1/reponse", "/agence/demandes/r1"),
        ("/agence/clore/2026-10", "/agence"),
        ("/deconnexion", "/"),
    ],
)
def test_opening_the_address_of_a_form_answer_shows_its_page(path, page):
    answer = pages.page(FakeGateway(), request("GET", path))

    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(page)


def test_an_empty_current_password_is_named_without_asking_identity():
    identity = FakeRpc(password_rules=RULES)

    answer = pages.page(
        FakeGateway(identity=identity),
        request("POST", "/profil", {"current_password": "", "new_password": "x" * 14}),
    )

    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert 'id="current_password-error">obligatoire' in html
    assert [name for name, _ in identity.calls] == ["password_rules"]


def test_a_refused_csrf_token_offers_the_way_back_to_the_form():
    forged = Request(
        EnvironBuilder(
            method="POST",
            path="/heures/2026-10/e1",
            data={"csrf_token": "wrong", "status": "accepted"},
            headers={"Cookie": f"{SESSION_COOKIE}=session"},
        ).get_environ()
    )

    answer = pages.page(FakeGateway(), forged)

    assert answer.status_code == 403
    assert 'href="/heures/2026-10">Revenir au formulaire' in answer.get_data(
        as_text=True
    )


def test_a_method_no_page_takes_gets_a_french_page():
    answer = pages.page(FakeGateway(), request("DELETE", "/heures"))

    assert answer.status_code == 405
    assert "ne reçoit pas de formulaire" in answer.get_data(as_text=True)
    assert "GET" in answer.headers["Allow"].split(", ")


def test_a_form_address_opened_with_another_method_says_it_takes_a_form():
    answer = pages.page(FakeGateway(), request("PUT", "/connexion", signed_in=False))

    assert answer.status_code == 405
    assert "reçoit un formulaire, pas la méthode PUT" in answer.get_data(as_text=True)
    assert "POST" in answer.headers["Allow"].split(", ")


@pytest.mark.parametrize("hours", ["9" * 5000, "²", "٣"])
def test_a_duration_no_one_types_is_refused_beside_the_field(hours):
    timesheets = FakeRpc(month=MONTH, reasons=[], decide={})
    form = {"status": "refused", "reason": "left_late", "hours": hours}

    answer = pages.page(
        FakeGateway(timesheets=timesheets), request("POST", "/heures/2026-10/e1", form)
    )

    assert answer.status_code == 400
    assert [name for name, _ in timesheets.calls if name == "decide"] == []


def test_a_form_sent_twice_acts_once_and_shows_where_the_first_went():
    timesheets = FakeRpc(month=MONTH, reasons=[], decide={})
    gateway = FakeGateway(timesheets=timesheets)
    form = {"status": "accepted", "form_id": "f-double-click"}

    first = pages.page(gateway, request("POST", "/heures/2026-10/e1", form))
    second = pages.page(gateway, request("POST", "/heures/2026-10/e1", form))

    assert first.status_code == second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert second.headers["Location"].endswith("/heures/2026-10#e-e1")
    assert [name for name, _ in timesheets.calls].count("decide") == 1


class SlowDecision(FakeRpc):
    """A timesheets service whose ``decide`` waits until it is let go."""

    def __init__(self):
        super().__init__(month=MONTH, reasons=[])
        self.let_go = threading.Event()

    def decide(self, *args):
        self.calls.append(("decide", args))
        assert self.let_go.wait(5), "the test never let the decision go"
        return {}


def test_a_second_click_while_the_first_runs_waits_for_its_answer():
    timesheets = SlowDecision()
    gateway = FakeGateway(timesheets=timesheets)
    form = {"status": "accepted", "form_id": "f-slow"}
    answers = {}

    def send(name):
        answers[name] = pages.page(gateway, request("POST", "/heures/2026-10/e1", form))

    first = threading.Thread(target=send, args=("first",))
    first.start()
    while not timesheets.calls:
        time.sleep(0.01)
    second = threading.Thread(target=send, args=("second",))
    second.start()
    time.sleep(0.2)
    waiting = second.is_alive()
    timesheets.let_go.set()
    first.join(5)
    second.join(5)

    assert waiting, "the second click waits while the first one runs"
    assert answers["second"].headers["Location"] == answers["first"].headers["Location"]
    assert [name for name, _ in timesheets.calls].count("decide") == 1


def test_a_second_click_gets_the_page_the_first_showed():
    import_answer = {
        "total": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "warnings": [],
    }
    planning = FakeRpc(import_shifts_csv=import_answer)
    gateway = FakeGateway()
    gateway.planning_rpc = planning
    gateway.authenticator.principal = lambda token, rpc: STAFF_PRINCIPAL
    form = {"form_id": "f-import"}

    def send():
        upload = {**form, "file": (io.BytesIO(b"external_id\n"), "p.csv", "text/csv")}
        sent = request("POST", "/agence/planning", upload)
        try:
            return pages.page(gateway, sent)
        finally:
            sent.close()
            sent.environ["wsgi.input"].close()

    first, second = send(), send()

    assert first.status_code == second.status_code == 200
    assert second.get_data() == first.get_data()
    assert [name for name, _ in planning.calls] == ["import_shifts_csv"]


def test_a_refused_form_may_be_sent_again():
    refusing = FakeRpc(
        month=MONTH, reasons=[], decide=InvalidInput("Km ?", {"km": "nombre"})
    )
    form = {"status": "accepted", "km": "abc", "form_id": "f-refused"}

    for _ in range(2):
        answer = pages.page(
            FakeGateway(timesheets=refusing),
            request("POST", "/heures/2026-10/e1", form),
        )
        assert answer.status_code == 400

    assert [name for name, _ in refusing.calls].count("decide") == 2


class WeekPlanning:
    """Answers the shifts of the week (Monday to Sunday) holding ``day``."""

    def __init__(self, *days):
        self.shifts = [
            {
                "local_date": day,
                "start": f"{day}T17:00:00+01:00",
                "end": f"{day}T19:00:00+01:00",
                "minutes": 120,
                "family": {"name": f"Famille du {day}", "address": ""},
            }
            for day in days
        ]
        self.weeks = []

    def caregiver_planning(self, actor, caregiver_id, view, day, mark_seen):
        monday = date.fromisoformat(day)
        monday -= timedelta(days=monday.weekday())
        self.weeks.append(monday.isoformat())
        return {
            "shifts": [
                shift
                for shift in self.shifts
                if monday <= date.fromisoformat(shift["local_date"])
                and date.fromisoformat(shift["local_date"]) < monday + timedelta(7)
            ]
        }


def test_her_home_lists_her_shifts_of_the_next_two_weeks_not_just_two_calendar_weeks():
    planning = WeekPlanning("2026-10-31", "2026-11-02", "2026-11-13", "2026-11-16")
    gateway = FakeGateway()
    gateway.planning_rpc = planning
    gateway.notifications_rpc = FakeRpc(
        list_news={"items": [], "page": 1, "per_page": 3, "total": 0, "unread": 0}
    )

    # Saturday 31 October 2026, 18:00 in Paris: the shift of that day is on.
    with clock.frozen(datetime(2026, 10, 31, 18, 0, tzinfo=ZoneInfo("Europe/Paris"))):
        answer = pages.page(gateway, request("GET", "/"))

    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert [
        f"Famille du {day}" in page
        for day in ("2026-10-31", "2026-11-02", "2026-11-13", "2026-11-16")
    ] == [True, True, True, False]
    assert planning.weeks == ["2026-10-26", "2026-11-02", "2026-11-09"]


def test_a_planning_address_with_a_date_that_does_not_exist_names_it():
    planning = WeekPlanning()
    gateway = FakeGateway()
    gateway.planning_rpc = planning

    answer = pages.page(gateway, request("GET", "/planning?vue=annee&date=2026-02-31"))

    page = " ".join(answer.get_data(as_text=True).split())
    assert answer.status_code == 400
    assert "« vue » : « semaine » ou « mois » attendu." in page
    assert "« date » : « 2026-02-31 » n&#39;est pas une date du calendrier" in page
    assert planning.weeks == []


def test_a_closed_month_counts_her_entries_left_unvalidated():
    closed = {
        **MONTH,
        "status": "closed",
        "totals": {**MONTH["totals"], "accepted": 1, "not_validated": 13},
    }
    gateway = FakeGateway(timesheets=FakeRpc(month=closed, reasons=[]))

    answer = pages.page(gateway, request("GET", "/heures/2026-10"))

    page = " ".join(answer.get_data(as_text=True).split())
    assert answer.status_code == 200
    assert (
        "1 acceptée(s), 0 refusée(s), 13 non validée(s), payée(s) comme prévu" in page
    )
