"""Errors that a service raises on purpose and that cross RPC intact.

Each class is registered with nameko so the caller gets the same class back,
with its message, field-by-field details and extra data, instead of a bare
RemoteError. The gateway maps each class to an HTTP status in one table.
Anything else that escapes a service is a bug and reaches the caller as a
RemoteError.
"""

import json

from nameko.exceptions import deserialize_to_instance


class ServiceError(Exception):
    """Base of the expected errors: the caller's mistake, not ours.

    nameko sends an exception's ``args`` over the wire and turns every value
    that is not a string, list or dict into a string, so ``fields`` and
    ``data`` travel as JSON text and numbers, booleans and None keep their
    type. A JSON string in place of ``fields`` means "rebuilt from the wire".
    """

    code = "ERROR"

    def __init__(self, message: str, fields: dict | str | None = None, data=None):
        if isinstance(fields, str):
            fields, data = json.loads(fields), json.loads(data)
        super().__init__(message, json.dumps(fields or {}), json.dumps(data))

    @property
    def message(self) -> str:
        return self.args[0]

    @property
    def fields(self) -> dict:
        return json.loads(self.args[1])

    @property
    def data(self):
        return json.loads(self.args[2])


@deserialize_to_instance
class InvalidInput(ServiceError):
    """The request is malformed; ``fields`` says which field and why."""

    code = "INVALID_INPUT"


@deserialize_to_instance
class NotAuthenticated(ServiceError):
    code = "NOT_AUTHENTICATED"


@deserialize_to_instance
class PermissionDenied(ServiceError):
    code = "FORBIDDEN"


@deserialize_to_instance
class NotFound(ServiceError):
    code = "NOT_FOUND"


@deserialize_to_instance
class Conflict(ServiceError):
    """The request clashes with the current state (already done, overlap)."""

    code = "CONFLICT"


@deserialize_to_instance
class ConfirmationRequired(ServiceError):
    """Nothing was changed; ``data`` lists what the change would lose."""

    code = "CONFIRMATION_REQUIRED"


@deserialize_to_instance
class LinkExpired(ServiceError):
    """A token from an email is unknown, used or past its lifetime."""

    code = "LINK_INVALID"


@deserialize_to_instance
class Closed(ServiceError):
    """The period can no longer be changed: its deadline has passed."""

    code = "PERIOD_CLOSED"


@deserialize_to_instance
class TooManyAttempts(ServiceError):
    code = "TOO_MANY_ATTEMPTS"


EXPECTED_ERRORS = (
    InvalidInput,
    NotAuthenticated,
    PermissionDenied,
    NotFound,
    Conflict,
    ConfirmationRequired,
    LinkExpired,
    Closed,
    TooManyAttempts,
)
