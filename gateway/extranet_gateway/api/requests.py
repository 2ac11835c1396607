"""Requests to the agency: her threads; the agency's inbox, replies and
approvals of unplanned interventions."""

from marshmallow import Schema, fields, validate

from extranet_gateway import schemas
from extranet_gateway.routing import CAREGIVER, STAFF, Call, route

ME = "/api/v1/me"
AGENCY = "/api/v1/agency"


@route(f"{ME}/requests", ["GET"], CAREGIVER, "My requests")
def my_requests(call: Call):
    return {"items": call.service.requests_rpc.list_mine(call.actor)}


@route(
    f"{ME}/requests",
    ["POST"],
    CAREGIVER,
    "Send a request to the agency",
    body=schemas.NewRequest,
    status=201,
)
def send_request(call: Call):
    data = call.data
    return call.service.requests_rpc.submit(
        call.actor, data["category"], data["subject"], data["body"], data["details"]
    )


@route(f"{ME}/requests/<request_id>", ["GET"], CAREGIVER, "One request's thread")
def my_request(call: Call, request_id: str):
    return call.service.requests_rpc.get(call.actor, request_id)


@route(
    f"{ME}/requests/<request_id>/messages",
    ["POST"],
    CAREGIVER,
    "Add a message to my request",
    body=schemas.NewMessage,
    status=201,
)
def my_request_message(call: Call, request_id: str):
    return call.service.requests_rpc.add_message(
        call.actor, request_id, call.data["body"]
    )


@route(
    f"{AGENCY}/requests",
    ["GET"],
    STAFF,
    "The agency's requests",
    query=schemas.RequestFilter,
)
def agency_requests(call: Call):
    return {
        "items": call.service.requests_rpc.list_for_agency(
            call.actor, call.args.get("status"), call.args.get("category")
        )
    }


@route(f"{AGENCY}/requests/<request_id>", ["GET"], STAFF, "One request's thread")
def agency_request(call: Call, request_id: str):
    return call.service.requests_rpc.get(call.actor, request_id)


@route(
    f"{AGENCY}/requests/<request_id>/reply",
    ["POST"],
    STAFF,
    "Answer a request",
    body=schemas.Reply,
)
def reply(call: Call, request_id: str):
    return call.service.requests_rpc.reply(
        call.actor, request_id, call.data["body"], call.data["close"]
    )


class Approval(Schema):
    """What staff decide when they approve an unplanned intervention."""

    family_ref = fields.Str(required=True, validate=validate.Length(min=1, max=40))
    date = fields.Str(validate=validate.Length(max=10))
    start = fields.Str(validate=validate.Length(max=5))
    end = fields.Str(validate=validate.Length(max=5))
    activity = fields.Str(load_default="", validate=validate.Length(max=200))
    car_transport = fields.Bool(load_default=False)
    message = fields.Str(validate=validate.Length(max=5000))
    close = fields.Bool(load_default=False)


@route(
    f"{AGENCY}/requests/<request_id>/approve",
    ["POST"],
    STAFF,
    "Approve an unplanned intervention: it becomes a shift",
    body=Approval,
)
def approve(call: Call, request_id: str):
    return call.service.requests_rpc.approve(call.actor, request_id, call.data)
