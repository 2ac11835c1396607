"""The OpenAPI document, built from the route table by apispec."""

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from extranet_gateway.routing import ENDPOINTS, PUBLIC, Call, route

ERROR = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object"},
                "details": {},
            },
        }
    },
}


def build_spec() -> dict:
    spec = APISpec(
        title="Extranet des intervenantes",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
    )
    spec.components.schema("Error", ERROR)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})

    paths: dict[str, dict] = {}
    for endpoint in ENDPOINTS:
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", endpoint.path)
        for method in endpoint.methods:
            paths.setdefault(path, {})[method.lower()] = _operation(endpoint, path)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _operation(endpoint, path: str) -> dict:
    operation = {
        "summary": endpoint.summary,
        "parameters": [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in re.findall(r"{(\w+)}", path)
        ],
        "responses": {
            str(endpoint.status): {"description": "success"},
            "default": {
                "description": "error",
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/Error"}
                    }
                },
            },
        },
    }
    if endpoint.access != PUBLIC:
        operation["security"] = [{"bearer": []}]
    if endpoint.query is not None:
        operation["parameters"].append({"in": "query", "schema": endpoint.query})
    if endpoint.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": endpoint.body}},
        }
    if endpoint.path.endswith("/import"):
        operation["requestBody"] = {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    return operation


@route("/api/v1/openapi.json", ["GET"], PUBLIC, "This document")
def openapi(call: Call):
    return build_spec()
