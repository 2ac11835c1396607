"""Requests to the agency: her threads; the agency's inbox and replies."""

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
