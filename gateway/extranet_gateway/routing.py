"""The API's route table and the dispatch of one request through it.

Each view is declared with :func:`route`: its path, methods, who may call it
(``PUBLIC``, any signed-in ``USER``, ``CAREGIVER``, ``STAFF``) and the
marshmallow schema of its JSON body, if any. The OpenAPI document and the
access tests are built from this table, so an endpoint cannot be added
without appearing in both.
"""

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from extranet_common.errors import NotAuthenticated, PermissionDenied
from extranet_gateway.auth import (
    COOKIE,
    CSRF_HEADER,
    credentials,
    csrf_token_for,
    same_secret,
)
from extranet_gateway.errors import HttpError, body_of, to_http

PUBLIC = "public"
USER = "user"
CAREGIVER = "caregiver"
STAFF = "staff"

STAFF_ROLES = {"staff", "admin", "backoffice"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(eq=False)
class Endpoint:
    path: str
    methods: tuple[str, ...]
    access: str
    view: object
    summary: str
    body: object = None
    query: object = None
    status: int = 200


@dataclass
class Call:
    """One API call as a view sees it."""

    request: Request
    service: object
    principal: dict | None = None
    token: str | None = None
    data: dict = field(default_factory=dict)
    args: dict = field(default_factory=dict)
    via: str | None = None
    """Where the credential came from: "bearer", "api-key" or "cookie"."""

    @property
    def actor(self) -> dict:
        """Who acts, as services expect it."""
        agency = self.principal.get("agency") or {}
        return {
            "id": self.principal["id"],
            "role": self.principal["role"],
            "agency_id": agency.get("id"),
        }

    @property
    def agency(self) -> dict:
        return self.principal.get("agency") or {}

    @property
    def client_address(self) -> str | None:
        """The caller's address (see auth.client_address), for throttling."""
        return self.service.authenticator.client_address(self.request)

    def require_person(self) -> None:
        """Refuse a back-office key where only a signed-in person may act."""
        if self.principal and self.principal["role"] == "backoffice":
            raise PermissionDenied(
                "Une clé d'API ne peut pas faire cela : connectez-vous."
            )


ENDPOINTS: list[Endpoint] = []
URL_MAP = Map(strict_slashes=False)


def route(path, methods, access, summary, body=None, query=None, status=200):
    """Declare an API view."""

    def register(view):
        endpoint = Endpoint(
            path, tuple(methods), access, view, summary, body, query, status
        )
        ENDPOINTS.append(endpoint)
        URL_MAP.add(Rule(path, methods=list(methods), endpoint=endpoint))
        return view

    return register


def dispatch(service, request: Request) -> Response:
    try:
        endpoint, path_args = URL_MAP.bind_to_environ(request.environ).match()
        call = Call(request=request, service=service)
        _authorise(endpoint, call)
        if endpoint.body is not None:
            call.data = endpoint.body().load(_json_body(request))
        if endpoint.query is not None:
            call.args = endpoint.query().load(request.args.to_dict())
        result = endpoint.view(call, **path_args)
    except NotFound:
        return json_error(HttpError(404, "NOT_FOUND", "Cette adresse n'existe pas."))
    except MethodNotAllowed as exc:
        response = json_error(
            HttpError(405, "METHOD_NOT_ALLOWED", "Méthode non permise ici.")
        )
        response.headers["Allow"] = ", ".join(exc.valid_methods or [])
        return response
    except Exception as exc:
        return json_error(to_http(exc))

    if isinstance(result, Response):
        return result
    if result is None:
        return Response(status=204)
    return json_response(result, endpoint.status)


def json_response(data, status: int = 200) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False, default=_plain),
        status=status,
        mimetype="application/json",
    )


def json_error(error: HttpError) -> Response:
    response = json_response(body_of(error), error.status)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="extranet"'
    if error.status == 429 and isinstance(error.data, dict):
        response.headers["Retry-After"] = str(error.data.get("retry_after", 1))
    return response


def _plain(value):
    """JSON for the few types json does not know (Decimal bounds, dates)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _authorise(endpoint: Endpoint, call: Call) -> None:
    """Who calls, and may they call this endpoint (services check again).

    A call authenticated by the session cookie must carry the session's
    CSRF token in the X-CSRF-Token header for a state-changing method.
    """
    if endpoint.access == PUBLIC:
        return

    call.token, call.via = credentials(call.request)
    if not call.token:
        raise NotAuthenticated("Connectez-vous pour continuer.")
    call.principal = call.service.authenticator.principal(
        call.token, call.service.identity_rpc
    )
    if (
        call.via == COOKIE
        and call.request.method not in SAFE_METHODS
        and not same_secret(
            call.request.headers.get(CSRF_HEADER), csrf_token_for(call.token)
        )
    ):
        raise PermissionDenied(
            "Jeton anti-CSRF absent ou invalide : rechargez la page.",
            {CSRF_HEADER: "requis avec le cookie de session"},
        )

    role = call.principal["role"]
    if endpoint.access == CAREGIVER and role != "caregiver":
        raise PermissionDenied("Réservé aux intervenantes.")
    if endpoint.access == STAFF and role not in STAFF_ROLES:
        raise PermissionDenied("Réservé au personnel de l'agence.")


def _json_body(request: Request) -> dict:
    raw = request.get_data()
    if not raw:
        return {}
    try:
        body = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise HttpError(
            400, "INVALID_JSON", "Le corps de la requête n'est pas en UTF-8."
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise HttpError(
            400, "INVALID_JSON", "Le corps de la requête n'est pas du JSON valide."
        ) from exc
    if not isinstance(body, dict):
        raise HttpError(400, "INVALID_JSON", "Le corps doit être un objet JSON.")
    _check_json(body, "", 1)
    return body


MAX_JSON_DEPTH = 10


def _check_json(value, where: str, level: int) -> None:
    """Refuse nesting past the limit and text that no database can store.

    A lone UTF-16 surrogate (``\ud800``) is valid JSON but cannot be encoded
    in UTF-8, and PostgreSQL refuses the NUL character: both are refused here
    with the field named, instead of failing at the write.
    """
    if level > MAX_JSON_DEPTH:
        raise HttpError(
            400,
            "INVALID_JSON",
            f"Le corps imbrique plus de {MAX_JSON_DEPTH} niveaux d'objets.",
        )
    if isinstance(value, str):
        if "\x00" in value or not _encodable(value):
            raise HttpError(
                400,
                "INVALID_INPUT",
                "Un texte contient un caractère interdit.",
                {where or "_schema": "caractère nul ou invalide"},
            )
    elif isinstance(value, dict):
        for key, child in value.items():
            _check_json(key, where, level)
            _check_json(child, f"{where}.{key}" if where else key, level + 1)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            _check_json(child, f"{where}.{index}", level + 1)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
