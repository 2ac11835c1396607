"""Her email preferences: the optional emails she wants."""

from marshmallow import Schema, fields

from extranet_gateway.routing import CAREGIVER, Call, route

ME = "/api/v1/me"


class Preferences(Schema):
    """Each key is optional; one left out keeps its value."""

    email_planning_changes = fields.Bool(truthy={True}, falsy={False})
    email_news = fields.Bool(truthy={True}, falsy={False})


@route(f"{ME}/preferences", ["GET"], CAREGIVER, "My email preferences")
def preferences(call: Call):
    return call.service.notifications_rpc.get_preferences(call.actor)


@route(
    f"{ME}/preferences",
    ["PUT"],
    CAREGIVER,
    "Turn optional emails on or off",
    body=Preferences,
)
def set_preferences(call: Call):
    return call.service.notifications_rpc.set_preferences(call.actor, call.data)
