"""The agency side: staff and back-office systems, always within one agency."""

from extranet_gateway import schemas
from extranet_gateway.api.me import checked_month
from extranet_gateway.errors import HttpError
from extranet_gateway.routing import STAFF, Call, route

PREFIX = "/api/v1/agency"


def csv_body(call: Call) -> str:
    raw = call.request.get_data()
    if not raw:
        raise HttpError(
            400, "INVALID_INPUT", "Fichier CSV vide.", {"file": "aucun contenu"}
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HttpError(
            400,
            "INVALID_INPUT",
            "Le fichier doit être encodé en UTF-8.",
            {"file": "encodage non UTF-8"},
        ) from exc


@route(f"{PREFIX}/caregivers", ["GET"], STAFF, "The agency's caregivers")
def caregivers(call: Call):
    return {"items": call.service.identity_rpc.list_caregivers(call.agency["id"])}


@route(
    f"{PREFIX}/caregivers",
    ["POST"],
    STAFF,
    "Invite a caregiver",
    body=schemas.Invitation,
    status=201,
)
def invite(call: Call):
    data = call.data
    return call.service.identity_rpc.invite_caregiver(
        call.agency["id"],
        data["first_name"],
        data["last_name"],
        data["email"],
        data.get("phone"),
        data.get("ref"),
    )


@route(f"{PREFIX}/families/import", ["POST"], STAFF, "Import families (CSV)")
def import_families(call: Call):
    return call.service.planning_rpc.import_families_csv(call.actor, csv_body(call))


@route(f"{PREFIX}/shifts/import", ["POST"], STAFF, "Import a planning (CSV)")
def import_shifts(call: Call):
    return call.service.planning_rpc.import_shifts_csv(call.actor, csv_body(call))


@route(
    f"{PREFIX}/shifts/<external_id>",
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


@route(f"{PREFIX}/shifts/<external_id>", ["DELETE"], STAFF, "Cancel a shift")
def cancel_shift(call: Call, external_id: str):
    return call.service.planning_rpc.cancel_shift(call.actor, external_id)


@route(
    f"{PREFIX}/timesheets/<month>", ["GET"], STAFF, "Hours of the month, per caregiver"
)
def agency_timesheets(call: Call, month: str):
    return call.service.timesheets_rpc.agency_month(call.actor, checked_month(month))


@route(
    f"{PREFIX}/requests",
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


@route(f"{PREFIX}/requests/<request_id>", ["GET"], STAFF, "One request's thread")
def agency_request(call: Call, request_id: str):
    return call.service.requests_rpc.get(call.actor, request_id)


@route(
    f"{PREFIX}/requests/<request_id>/reply",
    ["POST"],
    STAFF,
    "Answer a request",
    body=schemas.Reply,
)
def reply(call: Call, request_id: str):
    return call.service.requests_rpc.reply(
        call.actor, request_id, call.data["body"], call.data["close"]
    )


@route(f"{PREFIX}/news", ["GET"], STAFF, "The agency's news", query=schemas.Paging)
def agency_news(call: Call):
    return call.service.notifications_rpc.list_news(
        call.actor, call.args["page"], call.args["per_page"]
    )


@route(f"{PREFIX}/news", ["POST"], STAFF, "Publish news", body=schemas.News, status=201)
def publish_news(call: Call):
    data = call.data
    return call.service.notifications_rpc.publish_news(
        call.actor, data["title"], data["body"], data["scope"]
    )
