"""The error table, row by row: each failure has one status and one code."""

import pytest
from marshmallow import ValidationError
from nameko.exceptions import RemoteError, RpcTimeout, UnknownService

from extranet_common import errors
from extranet_gateway.errors import STATUS_BY_ERROR, body_of, to_http


@pytest.mark.parametrize(
    "error_class, status", list(STATUS_BY_ERROR.items()), ids=lambda v: str(v)
)
def test_every_expected_error_has_its_status_and_code(error_class, status):
    error = error_class("Message lisible", {"champ": "raison"}, {"n": 1})

    answer = to_http(error)

    assert answer.status == status
    assert body_of(answer) == {
        "error": {
            "code": error_class.code,
            "message": "Message lisible",
            "fields": {"champ": "raison"},
            "details": {"n": 1},
        }
    }


def test_every_expected_error_class_is_in_the_table():
    assert set(errors.EXPECTED_ERRORS) == set(STATUS_BY_ERROR)


@pytest.mark.parametrize(
    "failure, status, code",
    [
        (UnknownService("planning"), 503, "SERVICE_UNAVAILABLE"),
        (RpcTimeout("planning.import_shifts_csv"), 504, "SERVICE_TIMEOUT"),
        (RemoteError("UnknownService", "notifications"), 503, "SERVICE_UNAVAILABLE"),
        (RemoteError("RpcTimeout", "notifications.send_email"), 504, "SERVICE_TIMEOUT"),
        (RemoteError("KeyError", "'x'"), 500, "INTERNAL_ERROR"),
        (KeyError("x"), 500, "INTERNAL_ERROR"),
    ],
)
def test_failures_of_the_plumbing(failure, status, code):
    answer = to_http(failure)

    assert (answer.status, answer.code) == (status, code)
    assert "x" not in answer.message


def test_validation_errors_name_each_field():
    failure = ValidationError({"email": ["Adresse email invalide."], "a": {"b": ["c"]}})

    answer = to_http(failure)

    assert answer.status == 400
    assert answer.fields == {"email": "Adresse email invalide.", "a.b": "c"}


def test_marshmallow_refusals_are_worded_in_french():
    from marshmallow import Schema, fields

    from extranet_gateway.schemas import PlanningQuery

    class Settings(Schema):
        grace_days = fields.Int(required=True)
        title = fields.Str(required=True)

    query = PlanningQuery().validate({"view": "year", "date": "2026-02-31"})
    settings = Settings().validate({"grace_days": "abc", "extra": 1})

    assert query == {
        "view": ["Valeur attendue parmi : week, month."],
        "date": ["Date attendue, qui existe, au format AAAA-MM-JJ."],
    }
    assert settings == {
        "grace_days": ["Nombre entier attendu."],
        "title": ["Champ obligatoire."],
        "extra": ["Champ inconnu."],
    }
