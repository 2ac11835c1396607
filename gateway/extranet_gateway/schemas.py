"""What the API accepts, field by field (marshmallow).

The gateway checks shape and types; services check the rules that need
their data (an invited email, an entry that has ended).
"""

from marshmallow import Schema, fields, validate

NAME = validate.Length(min=1, max=100)
EMAIL = validate.Length(min=3, max=320)


class Email(fields.Email):
    default_error_messages = {"invalid": "Adresse email invalide."}


class Register(Schema):
    first_name = fields.Str(required=True, validate=NAME)
    last_name = fields.Str(required=True, validate=NAME)
    email = Email(required=True, validate=EMAIL)
    password = fields.Str(required=True, validate=validate.Length(max=1000))


class TokenOnly(Schema):
    token = fields.Str(required=True, validate=validate.Length(min=1, max=200))


class Login(Schema):
    email = fields.Str(required=True, validate=EMAIL)
    password = fields.Str(required=True, validate=validate.Length(min=1, max=1000))


class EmailOnly(Schema):
    email = fields.Str(required=True, validate=EMAIL)


class NewPassword(Schema):
    token = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    password = fields.Str(required=True, validate=validate.Length(max=1000))


class PlanningQuery(Schema):
    view = fields.Str(load_default="week", validate=validate.OneOf(["week", "month"]))
    date = fields.Date(required=True)


class Decision(Schema):
    status = fields.Str(required=True, validate=validate.OneOf(["accepted", "refused"]))
    reason = fields.Str(allow_none=True, validate=validate.Length(max=40))
    comment = fields.Str(allow_none=True, validate=validate.Length(max=1000))
    declared_minutes = fields.Int(
        allow_none=True, strict=True, validate=validate.Range(min=0, max=1440)
    )
    km = fields.Decimal(
        allow_none=True, places=1, validate=validate.Range(min=0, max=1000)
    )


class AcceptAll(Schema):
    confirm = fields.Bool(load_default=False)


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
    close = fields.Bool(load_default=False)


class Invitation(Schema):
    first_name = fields.Str(required=True, validate=NAME)
    last_name = fields.Str(required=True, validate=NAME)
    email = Email(required=True, validate=EMAIL)
    phone = fields.Str(allow_none=True, validate=validate.Length(max=40))
    ref = fields.Str(allow_none=True, validate=validate.Length(max=40))


class Shift(Schema):
    caregiver_id = fields.Str(required=True)
    family_ref = fields.Str(required=True, validate=validate.Length(min=1, max=40))
    start = fields.AwareDateTime(required=True)
    end = fields.AwareDateTime(required=True)
    activity = fields.Str(load_default="", validate=validate.Length(max=200))
    car_transport = fields.Bool(load_default=False)
    notes = fields.Str(load_default="", validate=validate.Length(max=2000))


class News(Schema):
    title = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    body = fields.Str(required=True, validate=validate.Length(min=1, max=20000))
    scope = fields.Str(
        load_default="agency", validate=validate.OneOf(["agency", "network"])
    )


class Paging(Schema):
    page = fields.Int(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Int(load_default=20, validate=validate.Range(min=1, max=100))


class RequestFilter(Schema):
    status = fields.Str(validate=validate.OneOf(["open", "answered", "closed"]))
    category = fields.Str(
        validate=validate.OneOf(
            ["unplanned_intervention", "planning_change", "pay", "other"]
        )
    )
