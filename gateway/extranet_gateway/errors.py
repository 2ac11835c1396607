"""The one table that turns a failure into an HTTP status and a stable code.

Errors raised on purpose by a service cross RPC as the same class (see
extranet_common.errors) and keep their code; nameko's own failures say a
service is away (503) or too slow (504). Anything else is a bug: 500, logged
with its traceback, and the body says nothing about it.
"""

import logging

from marshmallow import ValidationError
from nameko.exceptions import RemoteError, RpcTimeout, UnknownService

from extranet_common import errors

_log = logging.getLogger(__name__)

STATUS_BY_ERROR = {
    errors.InvalidInput: 400,
    errors.NotAuthenticated: 401,
    errors.PermissionDenied: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.ConfirmationRequired: 409,
    errors.Closed: 409,
    errors.LinkExpired: 410,
    errors.TooManyAttempts: 429,
}


AWAY = {"UnknownService": UnknownService, "RpcTimeout": RpcTimeout}
"""nameko failures that a service met while calling another one."""


class HttpError(Exception):
    """An error the gateway itself answers with."""

    def __init__(self, status: int, code: str, message: str, fields=None, data=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.data = data


def to_http(exc: Exception) -> HttpError:
    if isinstance(exc, HttpError):
        return exc
    if isinstance(exc, ValidationError):
        return HttpError(
            400, "INVALID_INPUT", "Certains champs sont invalides.", _flat(exc.messages)
        )
    for error_class, status in STATUS_BY_ERROR.items():
        if type(exc) is error_class:
            return HttpError(status, exc.code, exc.message, exc.fields, exc.data)
    if isinstance(exc, RemoteError) and exc.exc_type in AWAY:
        _log.warning("a service depends on one that is away: %s", exc)
        exc = AWAY[exc.exc_type](exc.value)
    if isinstance(exc, UnknownService):
        return HttpError(
            503,
            "SERVICE_UNAVAILABLE",
            "Un service est momentanément indisponible, réessayez dans un instant.",
        )
    if isinstance(exc, RpcTimeout):
        return HttpError(
            504,
            "SERVICE_TIMEOUT",
            "Un service met trop de temps à répondre : votre demande sera "
            "peut-être prise en compte quand il reviendra. Vérifiez avant de "
            "la refaire.",
        )
    if isinstance(exc, RemoteError):
        _log.error("a service failed: %s", exc)
    else:
        _log.exception("the gateway failed")
    return HttpError(500, "INTERNAL_ERROR", "Une erreur inattendue s'est produite.")


def body_of(error: HttpError) -> dict:
    body = {"code": error.code, "message": error.message, "fields": error.fields}
    if error.data is not None:
        body["details"] = error.data
    return {"error": body}


def _flat(messages) -> dict:
    """marshmallow's nested messages as {field: "first message"}."""
    if not isinstance(messages, dict):
        return {"_schema": str(messages)}
    flat = {}
    for field, problem in messages.items():
        if isinstance(problem, dict):
            for inner, text in _flat(problem).items():
                flat[f"{field}.{inner}"] = text
        elif isinstance(problem, list):
            flat[field] = str(problem[0]) if problem else ""
        else:
            flat[field] = str(problem)
    return flat
