"""The web pages, one module per part: ``account`` (login, first
connection, links of the account emails, profile), ``caregiver`` (her
extranet), ``agency`` (the month's hours and the planning import),
``agency_team`` (caregivers, who is free), ``agency_requests`` and
``publishing`` (news and documents, both sides). ``core`` holds what every
page uses: the ``view`` decorator, ``render`` and the CSRF protection.

``page`` answers one request from the table of every module's views.
"""

from urllib.parse import quote

from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge
from werkzeug.routing import Map
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from extranet_common.errors import NotAuthenticated
from extranet_gateway.auth import SESSION_COOKIE
from extranet_gateway.errors import to_http
from extranet_gateway.pages import (  # noqa: F401 - their views register
    account,
    agency,
    agency_requests,
    agency_team,
    caregiver,
    publishing,
)
from extranet_gateway.pages.core import (
    CSRF_COOKIE,
    FAILED,
    HEADINGS,
    REFUSED,
    RULES,
    SENT_FORMS,
    VIEWS,
    CsrfRefused,
    SignInNeeded,
    check_csrf,
    csrf_token,
    render,
)

__all__ = [
    "CSRF_COOKIE",
    "PAGES",
    "CsrfRefused",
    "check_csrf",
    "csrf_token",
    "failure",
    "page",
]

PAGES = Map(RULES)


def page(service, request: Request, body_limit: int | None = None) -> Response:
    """The page for ``request``; NotFound when no page has its path.
    ``body_limit``: the largest form (uploads included) it reads, in bytes."""
    adapter = PAGES.bind_to_environ(request.environ)
    try:
        endpoint, args = adapter.match()
    except MethodNotAllowed as refused:
        if request.method in ("GET", "HEAD"):
            # The address of a form's answer, opened again: its page.
            return redirect(nearest_page(request.path), 303)
        allowed = refused.valid_methods or []
        why = (
            f"Cette adresse reçoit un formulaire, pas la méthode {request.method}."
            if "POST" in allowed
            else "Cette adresse ne reçoit pas de formulaire."
        )
        answer = failure(service, request, 405, why)
        answer.headers["Allow"] = ", ".join(allowed)
        return answer
    if body_limit is not None:
        if (request.content_length or 0) > body_limit:
            return _too_large(request, body_limit)
        request.max_content_length = body_limit
    try:
        refused = _unstorable_field(request)
    except RequestEntityTooLarge:
        return _too_large(request, body_limit)
    if refused:
        return render(
            FAILED,
            request,
            400,
            heading="Formulaire refusé",
            message=f"Le champ « {refused} » contient un caractère invisible "
            "interdit : retapez-le sans copier-coller.",
        )
    session = request.cookies.get(SESSION_COOKIE)
    form_id = request.form.get("form_id") if request.method == "POST" else None
    if session and form_id and not SENT_FORMS.reserve(session, form_id):
        # Sent twice (a double click): the first one acts, this one shows
        # what the first answered, or acts when the first was refused.
        earlier = SENT_FORMS.first_answer(session, form_id)
        if earlier is not None:
            return earlier
        if not SENT_FORMS.reserve(session, form_id):
            return redirect(nearest_page(request.path), 303)
    answer = _view(service, request, endpoint, args)
    if session and form_id:
        if answer.status_code >= 400:
            SENT_FORMS.release(session, form_id)
        else:
            SENT_FORMS.done(session, form_id, answer)
    return answer


def _view(service, request: Request, endpoint: str, args: dict) -> Response:
    try:
        return VIEWS[endpoint](service, request, **args)
    except CsrfRefused as refused:
        return render(
            REFUSED,
            request,
            403,
            message=refused.description,
            back=nearest_page(request.path),
        )
    except (SignInNeeded, NotAuthenticated):
        if request.method in ("GET", "HEAD"):
            target = request.full_path.rstrip("?")
            return redirect(f"/connexion?suite={quote(target)}", 303)
        # A form sent once her session had ended: what she sent is lost;
        # after login she goes back to the form's page, told so.
        target = quote(nearest_page(request.path))
        return redirect(f"/connexion?suite={target}&perdu=1", 303)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a page
        error = to_http(exc)
        return failure(service, request, error.status, error.message, error.fields)


def failure(
    service, request: Request, status: int, message: str, fields=None
) -> Response:
    """The page saying why nothing could be shown, and which fields of the
    address were at fault, with the menu when the visitor is signed in and
    the services answer."""
    heading = HEADINGS.get(status, "Une erreur s'est produite")
    return render(
        FAILED,
        request,
        status,
        heading=heading,
        message=message,
        fields=fields,
        me=_menu_owner(service, request) if status < 500 else None,
        path=request.path,
    )


def _menu_owner(service, request: Request) -> dict | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return service.authenticator.principal(token, service.identity_rpc)
    except Exception:  # noqa: BLE001 - no menu rather than no page
        return None


def nearest_page(path: str) -> str:
    """The closest page above ``path`` that opens with a GET (the page of a
    form whose address only takes a POST), else home."""
    adapter = PAGES.bind("localhost")
    parts = path.rstrip("/").split("/")
    while len(parts) > 1:
        candidate = "/".join(parts) or "/"
        try:
            adapter.match(candidate, method="GET")
            return candidate
        except HTTPException:
            parts.pop()
    return "/"


def _too_large(request: Request, limit: int | None) -> Response:
    size = f"{(limit or 0) / 1_000_000:.1f}".replace(".", ",")
    return render(
        FAILED,
        request,
        413,
        heading="Formulaire trop lourd",
        message=f"Un formulaire (fichiers compris) ne dépasse pas {size} Mo.",
    )


def _unstorable_field(request: Request) -> str | None:
    """The name of a field (form or query) holding a NUL character, which
    no database here can store (the JSON API refuses it the same way)."""
    fields = list(request.args.items(multi=True))
    if request.method == "POST":
        fields += request.form.items(multi=True)
    for name, value in fields:
        if "\x00" in value or "\x00" in name:
            return name.replace("\x00", "")
    return None
