"""The caregiver's own endpoints: profile, planning, hours, requests, news."""

from extranet_common.localtime import parse_month
from extranet_gateway import schemas
from extranet_gateway.errors import HttpError
from extranet_gateway.routing import CAREGIVER, USER, Call, route

PREFIX = "/api/v1/me"


def checked_month(month: str) -> str:
    try:
        parse_month(month)
    except ValueError as exc:
        raise HttpError(
            400, "INVALID_INPUT", "Mois invalide.", {"month": "attendu AAAA-MM"}
        ) from exc
    return month


@route(PREFIX, ["GET"], USER, "Who am I")
def me(call: Call):
    principal = call.principal
    return {
        "id": principal["id"],
        "role": principal["role"],
        "email": principal["email"],
        "first_name": principal["first_name"],
        "last_name": principal["last_name"],
        "agency": principal["agency"],
    }


@route(
    f"{PREFIX}/planning",
    ["GET"],
    CAREGIVER,
    "My shifts of a week or a month",
    query=schemas.PlanningQuery,
)
def planning(call: Call):
    return call.service.planning_rpc.caregiver_planning(
        call.actor, call.actor["id"], call.args["view"], call.args["date"].isoformat()
    )


@route(f"{PREFIX}/timesheets/<month>", ["GET"], CAREGIVER, "My hours of a month")
def timesheet(call: Call, month: str):
    return call.service.timesheets_rpc.month(
        call.actor, call.actor["id"], checked_month(month)
    )


@route(
    f"{PREFIX}/timesheets/<month>/entries/<entry_id>",
    ["PUT"],
    CAREGIVER,
    "Accept or refuse one entry, with km",
    body=schemas.Decision,
)
def decide(call: Call, month: str, entry_id: str):
    decision = dict(call.data)
    if decision.get("km") is not None:
        decision["km"] = str(decision["km"])
    return call.service.timesheets_rpc.decide(
        call.actor, call.actor["id"], checked_month(month), entry_id, decision
    )


@route(
    f"{PREFIX}/timesheets/<month>/accept-all",
    ["POST"],
    CAREGIVER,
    "Accept every entry as planned (asks to confirm first)",
    body=schemas.AcceptAll,
)
def accept_all(call: Call, month: str):
    return call.service.timesheets_rpc.accept_all(
        call.actor, call.actor["id"], checked_month(month), call.data["confirm"]
    )


@route(f"{PREFIX}/requests", ["GET"], CAREGIVER, "My requests")
def my_requests(call: Call):
    return {"items": call.service.requests_rpc.list_mine(call.actor)}


@route(
    f"{PREFIX}/requests",
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


@route(f"{PREFIX}/requests/<request_id>", ["GET"], CAREGIVER, "One request's thread")
def my_request(call: Call, request_id: str):
    return call.service.requests_rpc.get(call.actor, request_id)


@route(
    f"{PREFIX}/requests/<request_id>/messages",
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
    f"{PREFIX}/news",
    ["GET"],
    CAREGIVER,
    "News of my agency and the network",
    query=schemas.Paging,
)
def news(call: Call):
    return call.service.notifications_rpc.list_news(
        call.actor, call.args["page"], call.args["per_page"]
    )


@route(f"{PREFIX}/news/<news_id>/read", ["POST"], CAREGIVER, "Mark a news item read")
def news_read(call: Call, news_id: str):
    call.service.notifications_rpc.mark_news_read(call.actor, news_id)
