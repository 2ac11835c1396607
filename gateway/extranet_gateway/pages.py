"""The web pages: the caregiver's extranet (French, phone first, no
JavaScript needed), the pages behind the links of the account emails, and
the CSRF protection every web form uses.

Pages call the same service RPCs as the JSON API views (api/*.py), with the
same ``actor`` ({"id", "role", "agency_id"}) taken from the principal that
identity's ``authenticate`` returns for the session cookie. A failed call is
shown on the page: an ``InvalidInput`` puts its message at the top and each
of its ``fields`` beside its input, and the form keeps what was typed.

A GET (or HEAD) on a link only shows a page with a button: mail scanners
that follow links therefore never use a token up. Only the form's POST does.

CSRF, for every state-changing form (use it on each new page):

- ``render(name, request, ...)`` puts ``csrf_token`` in the template's
  context; every ``<form method="post">`` includes
  ``<input type="hidden" name="csrf_token" value="{{ csrf_token }}">``.
- A view that handles a POST calls ``check_csrf(request)`` before doing
  anything; it raises ``CsrfRefused`` (answered 403 by ``page``) when the
  field is missing or wrong.
- For a signed-in visitor the token is tied to her session (synchronizer
  token, ``auth.csrf_token_for``: an HMAC of the session cookie's secret,
  which the HttpOnly cookie keeps from scripts and other sites). For an
  anonymous visitor (links from emails, login form) it is a double-submit
  token: a random value in an HttpOnly, SameSite=Strict cookie
  (``CSRF_COOKIE``) that the form must repeat; ``render`` sets the cookie
  when the visitor has none.

The session cookie itself is set by ``auth.set_session_cookie`` (HttpOnly,
Secure, SameSite=Lax) and read by the JSON API too, which then asks for the
same token in the ``X-CSRF-Token`` header. The login page sets it without
an expiry (it lasts as long as the browser): identity ends the session when
it is idle or too old, and the next page then asks to sign in again.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from werkzeug.exceptions import Forbidden
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from extranet_common import clock
from extranet_common.errors import (
    ConfirmationRequired,
    InvalidInput,
    NotAuthenticated,
    PermissionDenied,
    ServiceError,
)
from extranet_common.french import MONTHS, long_date
from extranet_common.localtime import local_date, month_key, parse_month, week_days
from extranet_gateway.auth import (
    SESSION_COOKIE,
    clear_session_cookie,
    csrf_token_for,
    same_secret,
    set_session_cookie,
)
from extranet_gateway.errors import HttpError, to_http
from extranet_gateway.routing import STAFF_ROLES

_log = logging.getLogger(__name__)

CSRF_COOKIE = "extranet_csrf"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

WEEKDAYS = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
]
STATUS_LABELS = {
    "pending": "À valider",
    "accepted": "Acceptée",
    "refused": "Refusée",
    "settled": "Réglée par l'agence",
    "not_validated": "Non validée",
    "cancelled": "Annulée",
}
REQUEST_CATEGORIES = {
    "unplanned_intervention": "Intervention non planifiée",
    "planning_change": "Changement de planning",
    "pay": "Paie",
    "other": "Autre",
}
REQUEST_STATUSES = {"open": "Ouverte", "answered": "Répondue", "closed": "Fermée"}
REQUEST_DETAILS = ("date", "start", "end", "family", "comment", "shift_id")


def _format_date(value) -> str:
    day = date.fromisoformat(str(value)[:10])
    return long_date(day)


def _format_time(value) -> str:
    return datetime.fromisoformat(str(value)).strftime("%H:%M")


def _format_instant(value) -> str:
    moment = datetime.fromisoformat(str(value))
    return f"{_format_date(moment.date().isoformat())} à {moment:%H:%M}"


def _format_minutes(minutes) -> str:
    minutes = int(minutes or 0)
    return f"{minutes // 60} h {minutes % 60:02d}"


TEMPLATES = Environment(
    loader=PackageLoader("extranet_gateway", "templates"),
    autoescape=select_autoescape(["html"]),
)
TEMPLATES.filters.update(
    day=_format_date,
    hhmm=_format_time,
    instant=_format_instant,
    duration=_format_minutes,
)

REFUSED = TEMPLATES.from_string(
    '{% extends "base.html" %}{% block content %}<h1>Formulaire refusé</h1>'
    '<p class="error" role="alert">{{ message }}</p>{% endblock %}'
)
FAILED = TEMPLATES.from_string(
    '{% extends "base.html" %}{% block title %}{{ heading }}{% endblock %}'
    "{% block content %}<h1>{{ heading }}</h1>"
    '<p class="error" role="alert">{{ message }}</p>'
    '<p><a href="/">Retour à l\'accueil</a></p>{% endblock %}'
)
HEADINGS = {403: "Accès refusé", 404: "Page introuvable", 409: "Action impossible"}


class CsrfRefused(Forbidden):
    description = "Formulaire expiré ou envoyé d'ailleurs : rechargez la page."


class SignInNeeded(Exception):
    """The page needs a signed-in visitor (or one of another role)."""


@dataclass
class Visit:
    """A signed-in visitor's request, as a page view sees it."""

    request: Request
    service: object
    principal: dict
    token: str

    @property
    def actor(self) -> dict:
        """Who acts, as services expect it (the same as the API's)."""
        agency = self.principal.get("agency") or {}
        return {
            "id": self.principal["id"],
            "role": self.principal["role"],
            "agency_id": agency.get("id"),
        }

    @property
    def timezone(self) -> str:
        return (self.principal.get("agency") or {}).get("timezone") or "Europe/Paris"

    def today(self) -> date:
        return local_date(clock.now(), self.timezone)

    def render(self, name, status: int = 200, **context) -> Response:
        return render(
            name,
            self.request,
            status,
            me=self.principal,
            path=self.request.path,
            **context,
        )


RULES: list[Rule] = []
VIEWS: dict = {}


def view(path: str, methods=("GET",), role: str | None = None):
    """Declare a page; ``role`` ("caregiver", "staff" or "user") asks for a
    signed-in visitor, and the view then receives a ``Visit``."""

    def register(function):
        name = function.__name__
        RULES.append(Rule(path, endpoint=name, methods=list(methods)))
        if role is None:
            VIEWS[name] = function
        else:

            def signed_in(service, request, **args):
                return function(_visit(service, request, role), **args)

            VIEWS[name] = signed_in
        return function

    return register


def page(service, request: Request) -> Response:
    adapter = PAGES.bind_to_environ(request.environ)
    endpoint, args = adapter.match()
    try:
        return VIEWS[endpoint](service, request, **args)
    except CsrfRefused as refused:
        return render(REFUSED, request, 403, message=refused.description)
    except (SignInNeeded, NotAuthenticated):
        target = request.full_path.rstrip("?")
        return redirect(f"/connexion?suite={quote(target)}", 303)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a page
        error = to_http(exc)
        heading = HEADINGS.get(error.status, "Une erreur s'est produite")
        return render(
            FAILED, request, error.status, heading=heading, message=error.message
        )


def csrf_token(request: Request) -> str:
    """The CSRF token the forms of this page must carry."""
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        return csrf_token_for(session)
    return request.cookies.get(CSRF_COOKIE) or _new_anonymous_token(request)


def check_csrf(request: Request) -> None:
    """Refuse a state-changing request whose CSRF token is missing or wrong."""
    if request.method in SAFE_METHODS:
        return
    given = request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token")
    session = request.cookies.get(SESSION_COOKIE)
    if session and same_secret(given, csrf_token_for(session)):
        return
    anonymous = request.cookies.get(CSRF_COOKIE)
    if anonymous and same_secret(given, anonymous):
        return
    raise CsrfRefused()


def render(name, request: Request, status: int = 200, **context) -> Response:
    """A page from template ``name`` (or a jinja2 Template), with its CSRF
    token in the context and, for a first visit, in a cookie."""
    token = csrf_token(request)
    template = TEMPLATES.get_template(name) if isinstance(name, str) else name
    html = template.render(csrf_token=token, **context)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
    )
    if not request.cookies.get(SESSION_COOKIE) and not request.cookies.get(CSRF_COOKIE):
        response.set_cookie(
            CSRF_COOKIE,
            token,
            path="/",
            secure=True,
            httponly=True,
            samesite="Strict",
        )
    return response


def _visit(service, request: Request, role: str) -> Visit:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise SignInNeeded()
    try:
        principal = service.authenticator.principal(token, service.identity_rpc)
    except NotAuthenticated as exc:
        raise SignInNeeded() from exc
    if role == "caregiver" and principal["role"] != "caregiver":
        raise PermissionDenied("Réservé aux intervenantes.")
    if role == "staff" and principal["role"] not in STAFF_ROLES:
        raise PermissionDenied("Réservé au personnel de l'agence.")
    return Visit(request, service, principal, token)


def _problem(exc: Exception) -> HttpError:
    """The error to show on a form; anything but a refusal of what was typed
    goes up to ``page``."""
    error = to_http(exc)
    if error.status >= 500 or error.status == 401:
        raise exc
    return error


def _see(path: str) -> Response:
    """After a successful POST, the page to show (Post/Redirect/Get)."""
    return redirect(path, 303)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


# Account pages (anonymous) ------------------------------------------------


@view("/connexion", ["GET", "POST"])
def login(service, request: Request) -> Response:
    suite = _safe_next(request.values.get("suite"))
    if request.method != "POST":
        return render("login.html", request, suite=suite, email="")
    check_csrf(request)
    email = request.form.get("email", "").strip()
    password = request.form.get("password", "")
    if not email or not password:
        fields = {}
        if not email:
            fields["email"] = "Saisissez votre adresse email."
        if not password:
            fields["password"] = "Saisissez votre mot de passe."  # noqa: S105
        return render(
            "login.html",
            request,
            400,
            suite=suite,
            email=email,
            error="Certains champs sont vides.",
            fields=fields,
        )
    address = service.authenticator.client_address(request)
    try:
        session = service.identity_rpc.login(email, password, address)
    except ServiceError as exc:
        error = to_http(exc)
        return render(
            "login.html",
            request,
            error.status,
            suite=suite,
            email=email,
            error=error.message,
            fields={},
        )
    role = session["user"]["role"]
    if suite == "/" and role in STAFF_ROLES:
        suite = "/agence"
    response = _see(suite)
    set_session_cookie(response, session["token"], None)
    return response


@view("/deconnexion", ["POST"])
def logout(service, request: Request) -> Response:
    check_csrf(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        try:
            service.identity_rpc.logout(token)
        except ServiceError:
            _log.info("logout of a session already ended")
        service.authenticator.forget(token)
    response = _see("/connexion")
    clear_session_cookie(response)
    return response


@view("/premiere-connexion", ["GET", "POST"])
def first_connection(service, request: Request) -> Response:
    rules = service.identity_rpc.password_rules()
    typed = {
        name: request.form.get(name, "").strip()
        for name in ("first_name", "last_name", "email")
    }
    if request.method != "POST":
        return render("first_connection.html", request, rules=rules, typed=typed)
    check_csrf(request)
    problems = {
        name: "Ce champ est obligatoire."
        for name in ("first_name", "last_name", "email")
        if not typed[name]
    }
    if problems:
        return render(
            "first_connection.html",
            request,
            400,
            rules=rules,
            typed=typed,
            error="Certains champs sont vides.",
            fields=problems,
        )
    try:
        service.identity_rpc.register(
            typed["first_name"],
            typed["last_name"],
            typed["email"],
            request.form.get("password", ""),
        )
    except ServiceError as exc:
        error = to_http(exc)
        return render(
            "first_connection.html",
            request,
            error.status,
            rules=rules,
            typed=typed,
            error=error.message,
            fields=error.fields,
            go_login=(error.data or {}).get("next") == "login",
        )
    return render(
        "first_connection.html", request, 202, rules=rules, done=True, typed=typed
    )


@view("/confirmation", ["GET", "POST"])
def confirmation(service, request: Request) -> Response:
    token = request.values.get("token", "")
    if request.method != "POST":
        return render("confirmation.html", request, token=token, done=False)
    check_csrf(request)
    try:
        service.identity_rpc.confirm(token, request.form.get("password", ""))
    except ServiceError as exc:
        error = to_http(exc)
        again = token if error.code == "INVALID_INPUT" else ""
        return render(
            "confirmation.html", request, error.status, token=again, error=error.message
        )
    return render("confirmation.html", request, token="", done=True)


@view("/mot-de-passe/oublie", ["GET", "POST"])
def lost_password(service, request: Request) -> Response:
    email = request.form.get("email", "").strip()
    if request.method != "POST":
        return render("lost_password.html", request, email="")
    check_csrf(request)
    if not email:
        return render(
            "lost_password.html",
            request,
            400,
            email="",
            error="Saisissez votre adresse email.",
            fields={"email": "Ce champ est obligatoire."},
        )
    try:
        service.identity_rpc.request_password_reset(email)
    except ServiceError as exc:
        error = _problem(exc)
        return render(
            "lost_password.html",
            request,
            error.status,
            email=email,
            error=error.message,
            fields=error.fields,
        )
    return render("lost_password.html", request, 202, email=email, done=True)


@view("/mot-de-passe/nouveau", ["GET", "POST"])
def new_password(service, request: Request) -> Response:
    token = request.values.get("token", "")
    rules = service.identity_rpc.password_rules()
    if request.method != "POST":
        return render("new_password.html", request, token=token, rules=rules)
    check_csrf(request)
    try:
        service.identity_rpc.reset_password(token, request.form.get("password", ""))
    except ServiceError as exc:
        error = to_http(exc)
        return render(
            "new_password.html",
            request,
            error.status,
            token=token,
            rules=rules,
            error=error.message,
        )
    return render("new_password.html", request, token="", done=True)


# The caregiver's pages ------------------------------------------------------


@view("/")
def home(service, request: Request) -> Response:
    if not request.cookies.get(SESSION_COOKIE):
        return render("welcome.html", request)
    visit = _visit(service, request, "user")
    if visit.principal["role"] in STAFF_ROLES:
        return _see("/agence")
    if visit.principal["role"] != "caregiver":
        raise PermissionDenied("Réservé aux intervenantes et au personnel.")
    today = visit.today()
    now = clock.now()
    rpc = visit.service
    news = rpc.notifications_rpc.list_news(visit.actor, 1, 3)
    shifts = []
    for day in (today, today + timedelta(days=7)):
        week = rpc.planning_rpc.caregiver_planning(
            visit.actor, visit.actor["id"], "week", day.isoformat(), False
        )
        shifts += [s for s in week["shifts"] if datetime.fromisoformat(s["end"]) > now]
    months = []
    for month in _open_months(today):
        sheet = rpc.timesheets_rpc.month(visit.actor, visit.actor["id"], month)
        entries = [e for d in sheet["days"] for e in d["entries"]]
        left = [e for e in entries if e["can_decide"] and e["status"] == "pending"]
        if sheet["status"] == "open" and entries:
            months.append(
                {
                    "month": month,
                    "title": _month_title(month),
                    "left": len(left),
                    "deadline": sheet["deadline"],
                    "total": len(entries),
                }
            )
    return visit.render(
        "home.html", news=news, shifts=shifts[:5], months=months, today=today
    )


@view("/planning", role="caregiver")
def planning(visit: Visit) -> Response:
    wanted = "month" if visit.request.args.get("vue") == "mois" else "week"
    try:
        day = date.fromisoformat(visit.request.args.get("date", ""))
    except ValueError:
        day = visit.today()
    sheet = visit.service.planning_rpc.caregiver_planning(
        visit.actor, visit.actor["id"], wanted, day.isoformat()
    )
    by_day: dict[str, list] = {}
    for shift in sheet["shifts"]:
        by_day.setdefault(shift["local_date"], []).append(shift)
    if wanted == "month":
        first = day.replace(day=1)
        before = (first - timedelta(days=1)).replace(day=1)
        after = (first + timedelta(days=32)).replace(day=1)
        title = f"{MONTHS[first.month - 1].capitalize()} {first.year}"
    else:
        first, _ = week_days(day)
        before, after = first - timedelta(days=7), first + timedelta(days=7)
        title = f"Semaine du {_format_date(first.isoformat())}"
    return visit.render(
        "planning.html",
        sheet=sheet,
        by_day=sorted(by_day.items()),
        view=wanted,
        day=day,
        title=title,
        before=before,
        after=after,
    )


@view("/disponibilites", ["GET", "POST"], role="caregiver")
def availability(visit: Visit) -> Response:
    rpc = visit.service.planning_rpc
    if visit.request.method != "POST":
        current = rpc.get_availability(visit.actor)
        return visit.render(
            "availability.html",
            weekly=current["weekly"] + [{}, {}],
            exceptions=current["exceptions"] + [{}],
            fields={},
            saved=visit.request.args.get("ok"),
        )
    check_csrf(visit.request)
    form = visit.request.form
    weekly = _rows(form, "weekly", ("weekday", "start", "end"))
    exceptions = _rows(form, "exceptions", ("kind", "start", "end", "comment"))
    wanted = {
        "weekly": [row for row in weekly if row["start"] or row["end"]],
        "exceptions": [row for row in exceptions if row["start"] or row["end"]],
    }
    try:
        rpc.put_availability(visit.actor, wanted)
    except ServiceError as exc:
        error = _problem(exc)
        return visit.render(
            "availability.html",
            error.status,
            weekly=wanted["weekly"] + [{}],
            exceptions=wanted["exceptions"] + [{}],
            error=error.message,
            fields=error.fields,
        )
    return _see("/disponibilites?ok=1")


def _rows(form, prefix: str, names: tuple[str, ...]) -> list[dict]:
    rows = []
    for index in range(40):
        if f"{prefix}.{index}.{names[0]}" not in form:
            continue
        if form.get(f"{prefix}.{index}.remove"):
            continue
        rows.append(
            {name: form.get(f"{prefix}.{index}.{name}", "").strip() for name in names}
        )
    return rows


@view("/heures", role="caregiver")
def hours_now(visit: Visit) -> Response:
    return _see(f"/heures/{month_key(visit.today())}")


@view("/heures/<month>", ["GET"], role="caregiver")
def hours(visit: Visit, month: str) -> Response:
    return _hours_page(visit, _checked_month(month))


@view("/heures/<month>/<entry_id>", ["POST"], role="caregiver")
def decide(visit: Visit, month: str, entry_id: str) -> Response:
    month = _checked_month(month)
    check_csrf(visit.request)
    form = visit.request.form
    decision = {
        "status": form.get("status", ""),
        "km": form.get("km", "").strip() or None,
        "comment": form.get("comment", "").strip() or None,
    }
    problems = {}
    if decision["status"] == "refused":
        decision["reason"] = form.get("reason") or None
        decision["declared_minutes"] = _minutes(form, problems)
    if not problems:
        try:
            visit.service.timesheets_rpc.decide(
                visit.actor, visit.actor["id"], month, entry_id, decision
            )
            return _see(f"/heures/{month}#e-{entry_id}")
        except ServiceError as exc:
            error = _problem(exc)
            message, problems = error.message, error.fields or {}
            status = error.status
    else:
        message, status = "Vérifiez les champs indiqués.", 400
    return _hours_page(
        visit,
        month,
        status,
        failed=entry_id,
        error=message,
        fields=problems,
        typed=form.to_dict(),
    )


@view("/heures/<month>/tout-accepter", ["POST"], role="caregiver")
def accept_all(visit: Visit, month: str) -> Response:
    month = _checked_month(month)
    check_csrf(visit.request)
    confirm = visit.request.form.get("confirm") == "oui"
    try:
        visit.service.timesheets_rpc.accept_all(
            visit.actor, visit.actor["id"], month, confirm
        )
    except ConfirmationRequired as asked:
        return visit.render(
            "accept_all.html",
            409,
            month=month,
            title=_month_title(month),
            message=asked.message,
            dropped=(asked.data or {}).get("dropped", []),
            at_stake=(asked.data or {}).get("minutes_at_stake", 0),
        )
    except ServiceError as exc:
        error = _problem(exc)
        return _hours_page(visit, month, error.status, error=error.message)
    return _see(f"/heures/{month}?tout=1")


def _hours_page(visit: Visit, month: str, status: int = 200, **context) -> Response:
    sheet = visit.service.timesheets_rpc.month(visit.actor, visit.actor["id"], month)
    first = parse_month(month)
    before = month_key((first - timedelta(days=1)).replace(day=1))
    after = month_key((first + timedelta(days=32)).replace(day=1))
    context.setdefault("fields", {})
    context.setdefault("typed", {})
    return visit.render(
        "hours.html",
        status,
        sheet=sheet,
        month=month,
        title=_month_title(month),
        before=before,
        after=after,
        labels=STATUS_LABELS,
        reasons=visit.service.timesheets_rpc.reasons(),
        all_done=visit.request.args.get("tout"),
        **context,
    )


def _minutes(form, problems: dict) -> int | None:
    hours_text = form.get("hours", "").strip() or "0"
    minutes_text = form.get("minutes", "").strip() or "0"
    if not (hours_text.isdigit() and minutes_text.isdigit()):
        problems["declared_minutes"] = "heures et minutes en nombres entiers"
        return None
    if int(minutes_text) > 59:
        problems["declared_minutes"] = "les minutes vont de 0 à 59"
        return None
    if not form.get("hours", "").strip() and not form.get("minutes", "").strip():
        problems["declared_minutes"] = "indiquez la durée réellement faite"
        return None
    return int(hours_text) * 60 + int(minutes_text)


def _checked_month(month: str) -> str:
    try:
        return month_key(parse_month(month))
    except ValueError as exc:
        raise HttpError(
            404, "NOT_FOUND", "Mois invalide : attendu AAAA-MM.", {"month": "AAAA-MM"}
        ) from exc


def _month_title(month: str) -> str:
    first = parse_month(month)
    return f"{MONTHS[first.month - 1]} {first.year}"


def _open_months(today: date) -> list[str]:
    """The month before (it may still be in its grace period) and this one."""
    previous = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    return [month_key(previous), month_key(today)]


@view("/demandes", role="caregiver")
def my_requests(visit: Visit) -> Response:
    items = visit.service.requests_rpc.list_mine(visit.actor)
    return visit.render(
        "requests.html",
        items=items,
        categories=REQUEST_CATEGORIES,
        statuses=REQUEST_STATUSES,
    )


@view("/demandes/nouvelle", ["GET", "POST"], role="caregiver")
def new_request(visit: Visit) -> Response:
    form = visit.request.form
    typed = form.to_dict()
    if visit.request.method != "POST":
        typed = {"category": visit.request.args.get("type", "other")}
        return visit.render(
            "request_new.html", typed=typed, fields={}, categories=REQUEST_CATEGORIES
        )
    check_csrf(visit.request)
    details = {name: form.get(name, "").strip() for name in REQUEST_DETAILS}
    details = {name: value for name, value in details.items() if value}
    if form.get("ends_next_day"):
        details["ends_next_day"] = True
    try:
        made = visit.service.requests_rpc.submit(
            visit.actor,
            form.get("category", ""),
            form.get("subject", ""),
            form.get("body", ""),
            details,
        )
    except ServiceError as exc:
        error = _problem(exc)
        return visit.render(
            "request_new.html",
            error.status,
            typed=typed,
            fields=error.fields,
            error=error.message,
            categories=REQUEST_CATEGORIES,
        )
    return _see(f"/demandes/{made['id']}")


@view("/demandes/<request_id>", ["GET", "POST"], role="caregiver")
def my_request(visit: Visit, request_id: str) -> Response:
    rpc = visit.service.requests_rpc
    context = {}
    status = 200
    if visit.request.method == "POST":
        check_csrf(visit.request)
        body = visit.request.form.get("body", "")
        try:
            rpc.add_message(visit.actor, request_id, body)
            return _see(f"/demandes/{request_id}#reponse")
        except ServiceError as exc:
            error = _problem(exc)
            status = error.status
            context = {"error": error.message, "fields": error.fields, "body": body}
    thread = rpc.get(visit.actor, request_id)
    return visit.render(
        "request.html",
        status,
        thread=thread,
        categories=REQUEST_CATEGORIES,
        statuses=REQUEST_STATUSES,
        **context,
    )


@view("/documents", role="caregiver")
def documents(visit: Visit) -> Response:
    items = visit.service.notifications_rpc.list_documents(visit.actor)
    return visit.render("documents.html", items=items)


@view("/profil", ["GET", "POST"], role="user")
def profile(visit: Visit) -> Response:
    if visit.request.method != "POST":
        return visit.render(
            "profile.html",
            rules=visit.service.identity_rpc.password_rules(),
            fields={},
            done=visit.request.args.get("ok"),
        )
    check_csrf(visit.request)
    form = visit.request.form
    try:
        visit.service.identity_rpc.change_password(
            visit.actor,
            visit.token,
            form.get("current_password", ""),
            form.get("new_password", ""),
            visit.service.authenticator.client_address(visit.request),
        )
    except ServiceError as exc:
        error = _problem(exc)
        return visit.render(
            "profile.html",
            error.status,
            rules=visit.service.identity_rpc.password_rules(),
            error=error.message,
            fields=error.fields,
        )
    return _see("/profil?ok=1")


# The agency's pages ---------------------------------------------------------


@view("/agence", role="staff")
def agency(visit: Visit) -> Response:
    month = visit.request.args.get("mois") or month_key(visit.today())
    month = _checked_month(month)
    summary = visit.service.timesheets_rpc.agency_month(visit.actor, month)
    return visit.render(
        "agency.html", month=month, title=_month_title(month), summary=summary
    )


@view("/agence/planning", ["GET", "POST"], role="staff")
def agency_import(visit: Visit) -> Response:
    """Import a planning CSV (file upload); each faulty line is listed."""
    if visit.request.method != "POST":
        return visit.render("agency_import.html", fields={})
    check_csrf(visit.request)
    upload = visit.request.files.get("file")
    raw = upload.stream.read() if upload else b""
    try:
        if not raw:
            raise InvalidInput("Choisissez un fichier CSV.", {"file": "aucun fichier"})
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                "Le fichier doit être encodé en UTF-8.", {"file": "encodage non UTF-8"}
            ) from exc
        result = visit.service.planning_rpc.import_shifts_csv(visit.actor, text)
    except ServiceError as exc:
        error = _problem(exc)
        return visit.render(
            "agency_import.html",
            error.status,
            error=error.message,
            fields=error.fields,
            lines=(error.data or {}).get("lines", []),
        )
    return visit.render("agency_import.html", result=result, fields={})


def _new_anonymous_token(request: Request) -> str:
    """One random token per request that has none yet (kept on the request,
    so the page's forms and its cookie carry the same value)."""
    token = request.environ.get("extranet.csrf")
    if token is None:
        token = secrets.token_urlsafe(32)
        request.environ["extranet.csrf"] = token
    return token


PAGES = Map(RULES)
