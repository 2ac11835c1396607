"""Helpers of the gateway's unit tests: requests built without a server."""

import json

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

import extranet_gateway.api  # noqa: F401  (registers the views)


def make_request(method: str, path: str, body=None, token=None, raw=None) -> Request:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    builder = EnvironBuilder(
        method=method,
        path=path,
        data=data,
        headers=headers,
        content_type="application/json",
    )
    return Request(builder.get_environ())


@pytest.fixture
def build_request():
    return make_request
