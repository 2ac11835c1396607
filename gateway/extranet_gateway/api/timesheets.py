"""Hours validation: her month, decisions, accept-all; the agency's view."""

from extranet_gateway import schemas
from extranet_gateway.params import checked_month
from extranet_gateway.routing import CAREGIVER, STAFF, Call, route

ME = "/api/v1/me"
AGENCY = "/api/v1/agency"


@route(f"{ME}/timesheets/<month>", ["GET"], CAREGIVER, "My hours of a month")
def timesheet(call: Call, month: str):
    return call.service.timesheets_rpc.month(
        call.actor, call.actor["id"], checked_month(month)
    )


@route(
    f"{ME}/timesheets/<month>/entries/<entry_id>",
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
    f"{ME}/timesheets/<month>/accept-all",
    ["POST"],
    CAREGIVER,
    "Accept every entry as planned (asks to confirm first)",
    body=schemas.AcceptAll,
)
def accept_all(call: Call, month: str):
    return call.service.timesheets_rpc.accept_all(
        call.actor, call.actor["id"], checked_month(month), call.data["confirm"]
    )


@route(
    f"{AGENCY}/timesheets/<month>", ["GET"], STAFF, "Hours of the month, per caregiver"
)
def agency_timesheets(call: Call, month: str):
    return call.service.timesheets_rpc.agency_month(call.actor, checked_month(month))
