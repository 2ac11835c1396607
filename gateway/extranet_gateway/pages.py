"""The web pages: those behind the links of the account emails, and the CSRF
protection every web form uses.

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
same token in the ``X-CSRF-Token`` header.
"""

import secrets

from jinja2 import Environment, PackageLoader, select_autoescape
from werkzeug.exceptions import Forbidden
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from extranet_common.errors import ServiceError
from extranet_gateway.auth import (
    SESSION_COOKIE,
    csrf_token_for,
    same_secret,
)
from extranet_gateway.errors import to_http

CSRF_COOKIE = "extranet_csrf"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

TEMPLATES = Environment(
    loader=PackageLoader("extranet_gateway", "templates"),
    autoescape=select_autoescape(["html"]),
)

PAGES = Map(
    [
        Rule("/", endpoint="home", methods=["GET"]),
        Rule("/premiere-connexion", endpoint="first_connection", methods=["GET"]),
        Rule("/confirmation", endpoint="confirmation", methods=["GET", "POST"]),
        Rule("/mot-de-passe/nouveau", endpoint="new_password", methods=["GET", "POST"]),
    ]
)


REFUSED = TEMPLATES.from_string(
    '{% extends "base.html" %}{% block content %}<h1>Formulaire refusé</h1>'
    '<p class="error" role="alert">{{ message }}</p>{% endblock %}'
)


class CsrfRefused(Forbidden):
    description = "Formulaire expiré ou envoyé d'ailleurs : rechargez la page."


def page(service, request: Request) -> Response:
    adapter = PAGES.bind_to_environ(request.environ)
    endpoint, _ = adapter.match()
    try:
        return VIEWS[endpoint](service, request)
    except CsrfRefused as refused:
        return render(REFUSED, request, 403, message=refused.description)


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


def home(service, request: Request) -> Response:
    return render("home.html", request)


def first_connection(service, request: Request) -> Response:
    return render(
        "first_connection.html", request, rules=service.identity_rpc.password_rules()
    )


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


def _new_anonymous_token(request: Request) -> str:
    """One random token per request that has none yet (kept on the request,
    so the page's forms and its cookie carry the same value)."""
    token = request.environ.get("extranet.csrf")
    if token is None:
        token = secrets.token_urlsafe(32)
        request.environ["extranet.csrf"] = token
    return token


VIEWS = {
    "home": home,
    "first_connection": first_connection,
    "confirmation": confirmation,
    "new_password": new_password,
}
