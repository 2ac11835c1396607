"""Availability: her weekly slots and dated exceptions; who is free for a slot.

The gateway only checks the shape of what is sent; the planning service
checks the meaning (times, dates, overlaps) and names each field at fault.
"""

from marshmallow import EXCLUDE, Schema, fields, validate

from extranet_gateway.routing import CAREGIVER, STAFF, Call, route

ME = "/api/v1/me"
AGENCY = "/api/v1/agency"

WEEKDAYS = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
]


class WeeklySlot(Schema):
    """Monday 16:00–19:30, every week, in the agency's local time."""

    class Meta:
        unknown = EXCLUDE

    weekday = fields.Str(required=True, validate=validate.OneOf(WEEKDAYS))
    start = fields.Str(required=True, metadata={"example": "16:00"})
    end = fields.Str(
        required=True, metadata={"example": "19:30", "description": "24:00 allowed"}
    )


class DatedException(Schema):
    """A one-off availability or unavailability.

    ``start``/``end`` are local dates (``2026-10-26``, whole days, end
    included), local date-times (``2026-10-26T18:00``, agency's time zone) or
    instants with an offset.
    """

    class Meta:
        unknown = EXCLUDE

    kind = fields.Str(
        required=True, validate=validate.OneOf(["available", "unavailable"])
    )
    start = fields.Str(required=True, validate=validate.Length(max=40))
    end = fields.Str(required=True, validate=validate.Length(max=40))
    comment = fields.Str(
        load_default="", allow_none=True, validate=validate.Length(max=500)
    )


class Availability(Schema):
    class Meta:
        unknown = EXCLUDE

    weekly = fields.List(fields.Nested(WeeklySlot), load_default=list)
    exceptions = fields.List(fields.Nested(DatedException), load_default=list)


class SlotQuery(Schema):
    from_ = fields.Str(
        data_key="from",
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"example": "2026-10-26T16:30"},
    )
    to = fields.Str(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"example": "2026-10-26T19:00"},
    )


@route(f"{ME}/availability", ["GET"], CAREGIVER, "My weekly slots and dated exceptions")
def my_availability(call: Call):
    return call.service.planning_rpc.get_availability(call.actor)


@route(
    f"{ME}/availability",
    ["PUT"],
    CAREGIVER,
    "Replace my weekly slots and dated exceptions",
    body=Availability,
)
def put_my_availability(call: Call):
    wanted = {
        "weekly": call.data["weekly"],
        "exceptions": [
            {**item, "comment": item.get("comment") or ""}
            for item in call.data["exceptions"]
        ],
    }
    return call.service.planning_rpc.put_availability(call.actor, wanted)


@route(
    f"{AGENCY}/availability",
    ["GET"],
    STAFF,
    "Which caregivers are free for a slot",
    query=SlotQuery,
)
def who_is_available(call: Call):
    return call.service.planning_rpc.who_is_available(
        call.actor, call.args["from_"], call.args["to"]
    )


@route(
    f"{AGENCY}/caregivers/<caregiver_id>/availability",
    ["GET"],
    STAFF,
    "A caregiver's weekly slots and dated exceptions",
)
def caregiver_availability(call: Call, caregiver_id: str):
    return call.service.planning_rpc.get_availability(call.actor, caregiver_id)
