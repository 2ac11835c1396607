"""The account pages: login, logout, first connection, confirmation, lost
password, and the profile where a signed-in person changes her password."""

import logging

from werkzeug.wrappers import Request, Response

from extranet_common.errors import (
    InvalidInput,
    LinkExpired,
    ServiceError,
)
from extranet_gateway.auth import (
    SESSION_COOKIE,
    clear_session_cookie,
    set_session_cookie,
)
from extranet_gateway.errors import to_http
from extranet_gateway.pages.core import (
    Visit,
    check_csrf,
    problem,
    render,
    safe_next,
    see,
    view,
)
from extranet_gateway.routing import STAFF_ROLES

_log = logging.getLogger(__name__)


@view("/connexion", ["GET", "POST"])
def login(service, request: Request) -> Response:
    suite = safe_next(request.values.get("suite"))
    if request.method != "POST":
        lost = request.args.get("perdu") and (
            "Votre session avait pris fin : ce que vous veniez d'envoyer n'a pas "
            "été enregistré. Reconnectez-vous, puis recommencez."
        )
        return render("login.html", request, suite=suite, email="", notice=lost)
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
    response = see(suite)
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
    response = see("/connexion")
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
        return _first_visit(service, request, rules)
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


def _first_visit(service, request: Request, rules: dict) -> Response:
    """The first connection form, filled in from her invitation link when
    she came by it (a GET does not use the link up); a link that served
    already (her account is confirmed) steers her to the login page."""
    typed = {"first_name": "", "last_name": "", "email": ""}
    token = request.args.get("invitation")
    if not token:
        return render("first_connection.html", request, rules=rules, typed=typed)
    try:
        invited = service.identity_rpc.invitation(token)
    except LinkExpired:
        return render(
            "first_connection.html",
            request,
            rules=rules,
            typed=typed,
            error="Ce lien d'invitation a déjà servi ou n'est plus valable : si "
            "votre compte existe, connectez-vous.",
            go_login=True,
        )
    typed = {name: invited.get(name) or "" for name in typed}
    return render(
        "first_connection.html",
        request,
        rules=rules,
        typed=typed,
        agency_name=invited.get("agency_name"),
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
        error = problem(exc)
        again = token if error.code == "INVALID_INPUT" else ""
        return render(
            "confirmation.html",
            request,
            error.status,
            token=again,
            error=error.message,
            fields=error.fields,
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
        error = problem(exc)
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
        error = problem(exc)
        return render(
            "new_password.html",
            request,
            error.status,
            token=token if error.code == "INVALID_INPUT" else "",
            rules=rules,
            error=error.message,
            fields=error.fields,
        )
    return render("new_password.html", request, token="", done=True)


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
        if not form.get("current_password"):
            raise InvalidInput(
                "Saisissez votre mot de passe actuel.",
                {"current_password": "obligatoire"},
            )
        visit.service.identity_rpc.change_password(
            visit.actor,
            visit.token,
            form.get("current_password", ""),
            form.get("new_password", ""),
            visit.service.authenticator.client_address(visit.request),
        )
    except ServiceError as exc:
        error = problem(exc)
        return visit.render(
            "profile.html",
            error.status,
            rules=visit.service.identity_rpc.password_rules(),
            error=error.message,
            fields=error.fields,
        )
    return see("/profil?ok=1")
