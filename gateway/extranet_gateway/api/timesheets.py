"""Hours validation: her month, decisions, accept-all, history; the agency's
month, caregivers' months, settling refusals, corrections after closing, the
grace period and the payroll export."""

from marshmallow import Schema, fields, validate
from werkzeug.wrappers import Response

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


class GraceSettings(Schema):
    grace_days = fields.Int(
        required=True, strict=True, validate=validate.Range(min=0, max=10)
    )


class Settlement(Schema):
    minutes = fields.Int(
        allow_none=True, strict=True, validate=validate.Range(min=0, max=1440)
    )
    comment = fields.Str(allow_none=True, validate=validate.Length(max=1000))


class Correction(Schema):
    counted_minutes = fields.Int(
        allow_none=True, strict=True, validate=validate.Range(min=0, max=1440)
    )
    # Checked by timesheets: a number or a text with at most one decimal.
    km = fields.Raw(allow_none=True, metadata={"type": "number"})
    comment = fields.Str(required=True, validate=validate.Length(min=1, max=1000))


@route(
    f"{ME}/timesheets/<month>/entries/<entry_id>/history",
    ["GET"],
    CAREGIVER,
    "Who changed one of my entries, when and how",
)
def my_entry_history(call: Call, month: str, entry_id: str):
    return {
        "items": call.service.timesheets_rpc.entry_history(
            call.actor, call.actor["id"], entry_id, checked_month(month)
        )
    }


@route(
    f"{AGENCY}/timesheets/settings",
    ["GET"],
    STAFF,
    "The agency's timesheet settings (grace period)",
)
def timesheet_settings(call: Call):
    return call.service.timesheets_rpc.settings(call.actor)


@route(
    f"{AGENCY}/timesheets/settings",
    ["PUT"],
    STAFF,
    "Set the grace period after the month's last day (0 to 10 days)",
    body=GraceSettings,
)
def set_timesheet_settings(call: Call):
    return call.service.timesheets_rpc.set_settings(call.actor, dict(call.data))


@route(
    f"{AGENCY}/timesheets/<month>/caregivers/<caregiver_id>",
    ["GET"],
    STAFF,
    "One caregiver's month, as she sees it, with her name",
)
def caregiver_timesheet(call: Call, month: str, caregiver_id: str):
    return call.service.timesheets_rpc.caregiver_month(
        call.actor, caregiver_id, checked_month(month)
    )


@route(
    f"{AGENCY}/timesheets/<month>/entries/<entry_id>/settle",
    ["POST"],
    STAFF,
    "Settle a refusal: the declared minutes, or others with a comment",
    body=Settlement,
)
def settle(call: Call, month: str, entry_id: str):
    return call.service.timesheets_rpc.settle(
        call.actor, checked_month(month), entry_id, dict(call.data)
    )


@route(
    f"{AGENCY}/timesheets/<month>/entries/<entry_id>",
    ["PUT"],
    STAFF,
    "Correct an entry of a closed month (counted minutes, km; comment required)",
    body=Correction,
)
def correct(call: Call, month: str, entry_id: str):
    correction = dict(call.data)
    if "km" in correction and correction["km"] is not None:
        correction["km"] = str(correction["km"])
    return call.service.timesheets_rpc.correct(
        call.actor, checked_month(month), entry_id, correction
    )


@route(
    f"{AGENCY}/timesheets/<month>/entries/<entry_id>/history",
    ["GET"],
    STAFF,
    "Who changed an entry, when and how",
)
def agency_entry_history(call: Call, month: str, entry_id: str):
    return {
        "items": call.service.timesheets_rpc.agency_entry_history(
            call.actor, checked_month(month), entry_id
        )
    }


@route(
    f"{AGENCY}/timesheets/<month>/close",
    ["POST"],
    STAFF,
    "Close the month now, once its last day is over (during the grace period)",
)
def close_month(call: Call, month: str):
    return call.service.timesheets_rpc.close_month(call.actor, checked_month(month))


@route(
    f"{AGENCY}/timesheets/<month>/export.csv",
    ["GET"],
    STAFF,
    "The month for payroll, one line per entry (CSV, separator ';')",
)
def export_csv(call: Call, month: str):
    month = checked_month(month)
    text = call.service.timesheets_rpc.export_csv(call.actor, month)
    return Response(
        text,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="heures-{month}.csv"',
            "Cache-Control": "no-store",
        },
    )
