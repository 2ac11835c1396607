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
from extranet_gateway.auth import token_of
from extranet_gateway.errors import HttpError, body_of, to_http

PUBLIC = "public"
USER = "user"
CAREGIVER = "caregiver"
STAFF = "staff"

STAFF_ROLES = {"staff", "admin", "backoffice"}


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
    except MethodNotAllowed:
        return json_error(
            HttpError(405, "METHOD_NOT_ALLOWED", "Méthode non permise ici.")
        )
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
    return response


def _plain(value):
    """JSON for the few types json does not know (Decimal bounds, dates)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _authorise(endpoint: Endpoint, call: Call) -> None:
    if endpoint.access == PUBLIC:
        return

    call.token = token_of(call.request)
    if not call.token:
        raise NotAuthenticated("Connectez-vous pour continuer.")
    call.principal = call.service.authenticator.principal(
        call.token, call.service.identity_rpc
    )

    role = call.principal["role"]
    if endpoint.access == CAREGIVER and role != "caregiver":
        raise PermissionDenied("Réservé aux intervenantes.")
    if endpoint.access == STAFF and role not in STAFF_ROLES:
        raise PermissionDenied("Réservé au personnel de l'agence.")


def _json_body(request: Request) -> dict:
    if not request.get_data():
        return {}
    try:
        body = json.loads(request.get_data(as_text=True))
    except ValueError as exc:
        raise HttpError(
            400, "INVALID_JSON", "Le corps de la requête n'est pas du JSON valide."
        ) from exc
    if not isinstance(body, dict):
        raise HttpError(400, "INVALID_JSON", "Le corps doit être un objet JSON.")
    return body
