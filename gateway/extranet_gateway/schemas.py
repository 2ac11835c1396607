"""What the API accepts, field by field (marshmallow).

The gateway checks shape and types; services check the rules that need
their data (an invited email, an entry that has ended).
"""

import unicodedata

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from extranet_common.localtime import FIRST_YEAR, LAST_YEAR

NAME = validate.Length(min=1, max=100)
EMAIL = validate.Length(min=3, max=320)
LAST_PAGE = 10_000
"""notifications' last page (``news.PAGE_MAX``)."""


class Email(fields.Email):
    """An email as typed, trimmed and in NFC form before it is checked, and
    no longer than mail servers carry (RFC 5321: 64 bytes before the @, 254
    in all, in UTF-8)."""

    default_error_messages = {
        "too_long": "Adresse trop longue : 64 caractères au plus avant le @ et 254 en "
        "tout (une lettre accentuée compte pour deux).",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = unicodedata.normalize("NFC", value).strip()
        email = super()._deserialize(value, attr, data, **kwargs)
        local = email.rpartition("@")[0]
        if len(email.encode("utf-8")) > 254 or len(local.encode("utf-8")) > 64:
            raise self.make_error("too_long")
        return email


class StrictBool(fields.Boolean):
    """Only JSON true and false: "yes" or 1 must not confirm anything."""

    truthy = {True}
    falsy = {False}


def sane_year(value) -> None:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(f"Année attendue entre {FIRST_YEAR} et {LAST_YEAR}.")


class Register(Schema):
    first_name = fields.Str(required=True, validate=NAME)
    last_name = fields.Str(required=True, validate=NAME)
    email = Email(required=True, validate=EMAIL)
    password = fields.Str(required=True, validate=validate.Length(max=1000))


class Confirmation(Schema):
    token = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    password = fields.Str(required=True, validate=validate.Length(min=1, max=1000))


class Login(Schema):
    email = fields.Str(required=True, validate=EMAIL)
    password = fields.Str(required=True, validate=validate.Length(min=1, max=1000))


class EmailOnly(Schema):
    email = fields.Str(required=True, validate=EMAIL)


class NewPassword(Schema):
    token = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    password = fields.Str(required=True, validate=validate.Length(max=1000))


class PlanningQuery(Schema):
    """The period of a planning: the week (or month) holding ``date``, today
    in the agency's zone when it is left out. Other parameters (a link's
    tracking tags) are ignored."""

    class Meta:
        unknown = EXCLUDE

    view = fields.Str(load_default="week", validate=validate.OneOf(["week", "month"]))
    date = fields.Date(load_default=None, validate=sane_year)


REFUSAL_REASONS = [
    "arrived_early",
    "arrived_late",
    "left_early",
    "left_late",
    "cancelled_by_family",
    "not_done",
    "other",
]
"""The codes of the timesheets service's fixed list, in its order."""


class Decision(Schema):
    status = fields.Str(required=True, validate=validate.OneOf(["accepted", "refused"]))
    reason = fields.Str(
        allow_none=True,
        validate=validate.OneOf(
            REFUSAL_REASONS, error="Motif attendu parmi : {choices}."
        ),
    )
    comment = fields.Str(allow_none=True, validate=validate.Length(max=1000))
    declared_minutes = fields.Int(
        allow_none=True, strict=True, validate=validate.Range(min=0, max=1440)
    )
    # Checked by timesheets: a number or a text with at most one decimal.
    km = fields.Raw(allow_none=True, metadata={"type": "number"})


class AcceptAll(Schema):
    confirm = StrictBool(load_default=False)


class NewRequest(Schema):
    category = fields.Str(
        required=True,
        validate=validate.OneOf(
            ["unplanned_intervention", "planning_change", "pay", "other"]
        ),
    )
    subject = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    body = fields.Str(required=True, validate=validate.Length(min=1, max=5000))
    details = fields.Dict(load_default=dict)


class NewMessage(Schema):
    body = fields.Str(required=True, validate=validate.Length(min=1, max=5000))


class Reply(Schema):
    body = fields.Str(required=True, validate=validate.Length(min=1, max=5000))
    close = StrictBool(load_default=False)


class Invitation(Schema):
    first_name = fields.Str(required=True, validate=NAME)
    last_name = fields.Str(required=True, validate=NAME)
    email = Email(required=True, validate=EMAIL)
    phone = fields.Str(allow_none=True, validate=validate.Length(max=40))
    ref = fields.Str(allow_none=True, validate=validate.Length(max=40))


class Shift(Schema):
    caregiver_id = fields.Str(required=True)
    family_ref = fields.Str(required=True, validate=validate.Length(min=1, max=40))
    start = fields.AwareDateTime(required=True, validate=sane_year)
    end = fields.AwareDateTime(required=True, validate=sane_year)
    activity = fields.Str(load_default="", validate=validate.Length(max=200))
    car_transport = StrictBool(load_default=False)
    notes = fields.Str(load_default="", validate=validate.Length(max=2000))


class News(Schema):
    title = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    body = fields.Str(required=True, validate=validate.Length(min=1, max=20000))
    scope = fields.Str(
        load_default="agency", validate=validate.OneOf(["agency", "network"])
    )


class Paging(Schema):
    page = fields.Int(load_default=1, validate=validate.Range(min=1, max=LAST_PAGE))
    per_page = fields.Int(load_default=20, validate=validate.Range(min=1, max=100))


class RequestFilter(Schema):
    status = fields.Str(validate=validate.OneOf(["open", "answered", "closed"]))
    category = fields.Str(
        validate=validate.OneOf(
            ["unplanned_intervention", "planning_change", "pay", "other"]
        )
    )
