"""The route table: documented, locked, and strict about what it accepts."""

import json
import re

import pytest

from extranet_common.errors import NotAuthenticated
from extranet_gateway.api.docs import build_spec
from extranet_gateway.routing import ENDPOINTS, PUBLIC, dispatch

PROTECTED = [
    (method, endpoint)
    for endpoint in ENDPOINTS
    if endpoint.access != PUBLIC
    for method in endpoint.methods
]


def concrete(path: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", "x", path).replace(
        "/timesheets/x", "/timesheets/2026-10"
    )


class NoServices:
    """A gateway whose services are all away: anything that calls one fails."""

    class authenticator:  # noqa: N801 - stands in for the dependency
        @staticmethod
        def principal(token, identity_rpc):
            raise NotAuthenticated("Session expirée : reconnectez-vous.")

    identity_rpc = None


def answer(build_request, method, path, **kwargs):
    response = dispatch(NoServices(), build_request(method, path, **kwargs))
    return response.status_code, json.loads(response.get_data(as_text=True) or "{}")


@pytest.mark.parametrize(
    "method, endpoint", PROTECTED, ids=[f"{m} {e.path}" for m, e in PROTECTED]
)
def test_anonymous_and_expired_callers_are_refused(build_request, method, endpoint):
    path = concrete(endpoint.path)

    anonymous = answer(build_request, method, path, body={})
    expired = answer(build_request, method, path, body={}, token="expired")

    assert anonymous[0] == 401
    assert anonymous[1]["error"]["code"] == "NOT_AUTHENTICATED"
    assert expired[0] == 401


def test_every_endpoint_is_in_the_openapi_document():
    spec = build_spec()

    for endpoint in ENDPOINTS:
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", endpoint.path)
        for method in endpoint.methods:
            assert method.lower() in spec["paths"][path], (method, path)


def test_bad_json_is_refused_before_any_service_is_called(build_request):
    status, body = answer(build_request, "POST", "/api/v1/auth/login", raw="{nope")

    assert status == 400
    assert body["error"]["code"] == "INVALID_JSON"


def test_missing_and_wrong_fields_are_named(build_request):
    status, body = answer(
        build_request,
        "POST",
        "/api/v1/auth/register",
        body={"first_name": "", "email": "pas-une-adresse", "extra": 1},
    )

    assert status == 400
    assert set(body["error"]["fields"]) == {
        "first_name",
        "last_name",
        "email",
        "password",
        "extra",
    }


def test_unknown_path_and_method(build_request):
    assert answer(build_request, "GET", "/api/v1/nothing")[0] == 404
    assert answer(build_request, "DELETE", "/api/v1/auth/login")[0] == 405


@pytest.mark.parametrize(
    "raw, code, field",
    [
        ('{"email": "\\ud800@example.org", "password": "x"}', "INVALID_INPUT", "email"),
        ('{"email": "a\\u0000b", "password": "x"}', "INVALID_INPUT", "email"),
        (b'{"email": "\xff\xfe", "password": "x"}', "INVALID_JSON", None),
        ('{"a":' * 12 + "1" + "}" * 12, "INVALID_JSON", None),
    ],
)
def test_text_no_database_can_store_is_refused(build_request, raw, code, field):
    status, body = answer(build_request, "POST", "/api/v1/auth/login", raw=raw)

    assert status == 400
    assert body["error"]["code"] == code
    if field:
        assert field in body["error"]["fields"]
