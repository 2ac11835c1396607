"""Planning: her shifts; the agency's families and shifts."""

from extranet_gateway import schemas
from extranet_gateway.params import csv_body
from extranet_gateway.routing import CAREGIVER, STAFF, Call, route

ME = "/api/v1/me"
AGENCY = "/api/v1/agency"


@route(
    f"{ME}/planning",
    ["GET"],
    CAREGIVER,
    "My shifts of a week or a month",
    query=schemas.PlanningQuery,
)
def planning(call: Call):
    return call.service.planning_rpc.caregiver_planning(
        call.actor, call.actor["id"], call.args["view"], call.args["date"].isoformat()
    )


@route(f"{AGENCY}/families/import", ["POST"], STAFF, "Import families (CSV)")
def import_families(call: Call):
    return call.service.planning_rpc.import_families_csv(call.actor, csv_body(call))


@route(f"{AGENCY}/shifts/import", ["POST"], STAFF, "Import a planning (CSV)")
def import_shifts(call: Call):
    return call.service.planning_rpc.import_shifts_csv(call.actor, csv_body(call))


@route(
    f"{AGENCY}/shifts/<external_id>",
    ["PUT"],
    STAFF,
    "Create or change a shift by its external id",
    body=schemas.Shift,
)
def put_shift(call: Call, external_id: str):
    shift = dict(call.data)
    shift["start"] = shift["start"].isoformat()
    shift["end"] = shift["end"].isoformat()
    return call.service.planning_rpc.put_shift(call.actor, external_id, shift)


@route(f"{AGENCY}/shifts/<external_id>", ["DELETE"], STAFF, "Cancel a shift")
def cancel_shift(call: Call, external_id: str):
    return call.service.planning_rpc.cancel_shift(call.actor, external_id)
