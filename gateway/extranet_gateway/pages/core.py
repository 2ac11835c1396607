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

import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime

from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from werkzeug.exceptions import Forbidden
from werkzeug.routing import Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from extranet_common import clock
from extranet_common.errors import (
    NotAuthenticated,
    PermissionDenied,
)
from extranet_common.french import MONTHS, long_date, of
from extranet_common.localtime import (
    DEFAULT_TIMEZONE,
    local_date,
    month_key,
    parse_month,
    to_local,
)
from extranet_gateway.auth import (
    SESSION_COOKIE,
    csrf_token_for,
    same_secret,
)
from extranet_gateway.errors import HttpError, to_http
from extranet_gateway.routing import STAFF_ROLES

CSRF_COOKIE = "extranet_csrf"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

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


def format_date(value) -> str:
    day = date.fromisoformat(str(value)[:10])
    return long_date(day)


def _wall_clock(context, value) -> datetime:
    """An instant as the visitor's agency reads it on its clocks (services
    give some instants in UTC, others with the local offset)."""
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        return moment
    agency = (context.get("me") or {}).get("agency") or {}
    return to_local(moment, agency.get("timezone") or DEFAULT_TIMEZONE)


@pass_context
def _format_time(context, value) -> str:
    return f"{_wall_clock(context, value):%H:%M}"


@pass_context
def _format_instant(context, value) -> str:
    moment = _wall_clock(context, value)
    return f"{format_date(moment.date().isoformat())} à {moment:%H:%M}"


def _format_minutes(minutes) -> str:
    minutes = int(minutes or 0)
    return f"{minutes // 60} h {minutes % 60:02d}"


def _format_km(value) -> str:
    """Kilometres the French way: ``12,5``."""
    return str(value).replace(".", ",")


TEMPLATES = Environment(
    loader=PackageLoader("extranet_gateway", "templates"),
    autoescape=select_autoescape(["html"]),
)
TEMPLATES.filters.update(
    day=format_date,
    hhmm=_format_time,
    instant=_format_instant,
    duration=_format_minutes,
    de=of,
    km=_format_km,
)

TEMPLATES.globals["new_form_id"] = lambda: secrets.token_urlsafe(12)
"""Each rendered form's own id (``form_id``): see ``SentForms``."""

REFUSED = TEMPLATES.from_string(
    '{% extends "base.html" %}{% block content %}<h1>Formulaire refusé</h1>'
    '<p class="error" role="alert">{{ message }}</p>'
    '{% if back %}<p><a href="{{ back }}">Revenir au formulaire</a></p>{% endif %}'
    "{% endblock %}"
)
FAILED = TEMPLATES.from_string(
    '{% extends "base.html" %}{% block title %}{{ heading }}{% endblock %}'
    "{% block content %}<h1>{{ heading }}</h1>"
    '<div role="alert"><p class="error">{{ message }}</p>'
    "{% if fields %}<ul>{% for name, why in fields.items() %}"
    "<li>« {{ name }} » : {{ why }}</li>{% endfor %}</ul>{% endif %}</div>"
    '<p><a href="/">Retour à l\'accueil</a></p>{% endblock %}'
)
HEADINGS = {
    400: "Demande incomplète ou invalide",
    403: "Accès refusé",
    404: "Page introuvable",
    409: "Action impossible",
}


PAGE_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
    ),
}
"""Every page's headers: never cached, never framed, nothing from elsewhere."""


@dataclass
class _Sent:
    until: float
    finished: bool = False
    answer: Response | None = None


class SentForms:
    """The forms a signed-in visitor has just sent, by session and form id,
    so that a double click on "Publier" publishes once.

    The first POST of a rendered form reserves its id and acts. A second one
    waits for the first (up to ``WAIT_SECONDS``) and is given the same
    answer: the page the first was sent to, or the page it showed when that
    page is small (``REPLAY_MAX_BYTES``), so the browser, which shows the
    last answer, shows what was done. When the first was refused, the second
    acts in its turn and shows the refusal; when the first outlasts the
    wait, the second goes to the form's page. Kept in this gateway process
    for ``KEEP_SECONDS``: another gateway instance does not know them (see
    the README's known limits).
    """

    KEEP_SECONDS = 600
    LIMIT = 20_000
    WAIT_SECONDS = 15
    POLL_SECONDS = 0.05
    REPLAY_MAX_BYTES = 64 * 1024

    def __init__(self):
        self._sent: dict[tuple[str, str], _Sent] = {}

    def reserve(self, session: str, form_id: str) -> bool:
        now = time.monotonic()
        if len(self._sent) > self.LIMIT:
            self._sent = {k: v for k, v in self._sent.items() if v.until > now}
        key = (session, form_id)
        sent = self._sent.get(key)
        if sent is not None and sent.until > now:
            return False
        self._sent[key] = _Sent(now + self.KEEP_SECONDS)
        return True

    def release(self, session: str, form_id: str) -> None:
        self._sent.pop((session, form_id), None)

    def done(self, session: str, form_id: str, answer: Response) -> None:
        """Keep what the first sending answered, for a second one."""
        sent = self._sent.get((session, form_id))
        if sent is None:
            return
        sent.finished = True
        if answer.status_code in (301, 302, 303) and answer.location:
            sent.answer = redirect(answer.location, 303)
        elif answer.status_code == 200 and not answer.direct_passthrough:
            body = answer.get_data()
            if len(body) <= self.REPLAY_MAX_BYTES:
                sent.answer = Response(
                    body, 200, mimetype=answer.mimetype, headers=PAGE_HEADERS
                )

    def first_answer(self, session: str, form_id: str) -> Response | None:
        """The answer the first sending got, once it has one; None when it
        was refused or is still running after the wait."""
        key = (session, form_id)
        deadline = time.monotonic() + self.WAIT_SECONDS
        while True:
            sent = self._sent.get(key)
            if sent is None:
                return None
            if sent.finished:
                return sent.answer
            if time.monotonic() >= deadline:
                return None
            time.sleep(self.POLL_SECONDS)


SENT_FORMS = SentForms()


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

            def for_visitor(service, request, **args):
                return function(signed_in(service, request, role), **args)

            VIEWS[name] = for_visitor
        return function

    return register


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
    response.headers.update(PAGE_HEADERS)
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


def signed_in(service, request: Request, role: str) -> Visit:
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


def problem(exc: Exception) -> HttpError:
    """The error to show on a form; anything but a refusal of what was typed
    goes up to ``page``."""
    error = to_http(exc)
    if error.status >= 500 or error.status == 401:
        raise exc
    return error


def see(path: str) -> Response:
    """After a successful POST, the page to show (Post/Redirect/Get)."""
    return redirect(path, 303)


def safe_next(target: str | None) -> str:
    """A path of this site to go to after login, else home: browsers drop
    tabs and line breaks from a Location and read a backslash as a slash,
    so ``/%09/evil.example`` (decoded: a tab) would leave the site."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
    ):
        return target
    return "/"


def shown_entry(sheet: dict, entry_id: str | None) -> bool:
    """Whether a month's page shows the entry ``entry_id`` (a refusal about
    an entry that left the page is said at its top instead)."""
    return any(
        entry["id"] == entry_id for day in sheet["days"] for entry in day["entries"]
    )


def read_duration(form, problems: dict, field: str) -> int | None:
    """Minutes from a form's ``hours`` and ``minutes`` inputs; a refusal goes
    to ``problems[field]`` (None is returned)."""
    hours_text = form.get("hours", "").strip()
    minutes_text = form.get("minutes", "").strip()
    if not hours_text and not minutes_text:
        problems[field] = "indiquez la durée réellement faite"
        return None
    hours_text, minutes_text = hours_text or "0", minutes_text or "0"
    if not all(t.isascii() and t.isdigit() for t in (hours_text, minutes_text)):
        problems[field] = "heures et minutes en nombres entiers"
        return None
    if len(hours_text) > 2 or len(minutes_text) > 2:
        problems[field] = "24 h au plus"
        return None
    if int(minutes_text) > 59:
        problems[field] = "les minutes vont de 0 à 59"
        return None
    return int(hours_text) * 60 + int(minutes_text)


def checked_month(month: str) -> str:
    try:
        return month_key(parse_month(month))
    except ValueError as exc:
        raise HttpError(
            404, "NOT_FOUND", "Mois invalide : attendu AAAA-MM.", {"month": "AAAA-MM"}
        ) from exc


def month_title(month: str) -> str:
    first = parse_month(month)
    return f"{MONTHS[first.month - 1]} {first.year}"


def _new_anonymous_token(request: Request) -> str:
    """One random token per request that has none yet (kept on the request,
    so the page's forms and its cookie carry the same value)."""
    token = request.environ.get("extranet.csrf")
    if token is None:
        token = secrets.token_urlsafe(32)
        request.environ["extranet.csrf"] = token
    return token
