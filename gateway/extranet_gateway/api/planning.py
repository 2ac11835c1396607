"""Planning: her shifts (JSON, print page, calendar feed); the agency's
families and shifts.

The print page is served at ``/api/v1/me/planning/print`` and, as a web
page, at ``/planning/imprimer`` (pages.caregiver): one A4 page per week, in
black and white. The calendar feed is served to her session and, for
calendar apps that cannot sign in, at a secret address she can renew.
"""

from datetime import date, datetime, timedelta

from jinja2 import Environment, PackageLoader, select_autoescape
from werkzeug.wrappers import Response

from extranet_common import clock
from extranet_common.french import DAYS, MONTHS
from extranet_common.localtime import DEFAULT_TIMEZONE, local_date, week_days
from extranet_gateway import schemas
from extranet_gateway.params import csv_body
from extranet_gateway.routing import CAREGIVER, PUBLIC, STAFF, Call, route

ME = "/api/v1/me"
AGENCY = "/api/v1/agency"
FEED = "/api/v1/calendar"


TEMPLATES = Environment(
    loader=PackageLoader("extranet_gateway", "templates"),
    autoescape=select_autoescape(["html"]),
)


@route(
    f"{ME}/planning",
    ["GET"],
    CAREGIVER,
    "My shifts of a week or a month",
    query=schemas.PlanningQuery,
)
def planning(call: Call):
    return call.service.planning_rpc.caregiver_planning(
        call.actor, call.actor["id"], call.args["view"], _day(call)
    )


def _day(call: Call) -> str:
    """The date asked for, else today on the agency's clocks."""
    day = call.args["date"] or local_date(
        clock.now(), call.agency.get("timezone") or DEFAULT_TIMEZONE
    )
    return day.isoformat()


@route(
    f"{ME}/planning/print",
    ["GET"],
    CAREGIVER,
    "My planning as a page to print (HTML, one A4 page per week; the web "
    "page /planning/imprimer)",
    query=schemas.PlanningQuery,
)
def print_page(call: Call):
    return printed_planning(
        call.service, call.actor, call.principal, call.args["view"], _day(call)
    )


def printed_planning(
    service, actor: dict, principal: dict, view: str, day: str
) -> Response:
    """A caregiver's week or month (``view``) holding ``day``, as the page
    to print."""
    planning = service.planning_rpc.caregiver_planning(
        actor, actor["id"], view, day, False
    )
    html = TEMPLATES.get_template("planning_print.html").render(
        person=principal,
        agency=principal.get("agency") or {},
        title=_title(planning),
        weeks=print_weeks(planning),
        total=_duration(planning["total_minutes"]),
        timezone=planning["timezone"],
    )
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@route(f"{ME}/planning.ics", ["GET"], CAREGIVER, "My shifts as an iCalendar feed")
def my_calendar(call: Call):
    return _calendar(call, call.service.planning_rpc.my_calendar(call.actor))


@route(
    f"{ME}/planning/feed",
    ["POST"],
    CAREGIVER,
    "Create or renew my secret calendar address (the previous one stops working)",
    status=201,
)
def renew_feed(call: Call):
    made = call.service.planning_rpc.renew_calendar_feed(call.actor)
    base = (call.service.config.get("PUBLIC_URL") or call.request.host_url).rstrip("/")
    url = f"{base}{FEED}/{made['secret']}.ics"
    return {
        "url": url,
        "webcal_url": "webcal://" + url.split("://", 1)[1],
        "created_at": made["created_at"],
    }


@route(
    f"{FEED}/<secret>.ics",
    ["GET"],
    PUBLIC,
    "A caregiver's calendar feed by its secret address (for calendar apps)",
)
def calendar_by_secret(call: Call, secret: str):
    return _calendar(call, call.service.planning_rpc.calendar_by_secret(secret))


def print_weeks(planning: dict) -> list[dict]:
    """The weeks (Monday first) of a planning, each day with its shifts."""
    first = date.fromisoformat(planning["from"])
    last = date.fromisoformat(planning["to"])
    by_day: dict[str, list[dict]] = {}
    for shift in planning["shifts"]:
        by_day.setdefault(shift["local_date"], []).append(_print_shift(shift))

    weeks = []
    monday, _ = week_days(first)
    while monday <= last:
        days = []
        for offset in range(7):
            day = monday + timedelta(days=offset)
            days.append(
                {
                    "label": f"{DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}",
                    "outside": not first <= day <= last,
                    "shifts": by_day.get(day.isoformat(), []),
                }
            )
        minutes = sum(
            shift["minutes"]
            for day in days
            if not day["outside"]
            for shift in day["shifts"]
        )
        sunday = monday + timedelta(days=6)
        weeks.append(
            {
                "title": f"Semaine du {_short(monday)} au {_short(sunday)}",
                "days": days,
                "total": _duration(minutes),
            }
        )
        monday += timedelta(days=7)
    return weeks


def _print_shift(shift: dict) -> dict:
    start = datetime.fromisoformat(shift["start"])
    end = datetime.fromisoformat(shift["end"])
    until = f"{end:%H:%M}"
    if end.date() != start.date():
        until = f"{DAYS[end.weekday()][:3]}. {until}"
    return {
        "times": f"{start:%H:%M} – {until}",
        "duration": _duration(shift["minutes"]),
        "minutes": shift["minutes"],
        "family": shift["family"],
        "activity": shift["activity"],
        "car": shift["car_transport"],
        "notes": shift["notes"],
        "changed": shift.get("changed_since_last_visit", False),
        "external_id": shift["external_id"],
    }


def _title(planning: dict) -> str:
    first = date.fromisoformat(planning["from"])
    if planning["view"] == "month":
        return f"Planning de {MONTHS[first.month - 1]} {first.year}"
    return f"Planning de la semaine du {_short(first)}"


def _short(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _duration(minutes: int) -> str:
    return f"{minutes // 60} h {minutes % 60:02d}"


def _calendar(call: Call, text: str) -> Response:
    """The feed, with an ETag: calendar apps poll it often, and an unchanged
    planning then costs them a 304 instead of the whole file."""
    response = Response(text, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="planning.ics"'
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.add_etag()
    return response.make_conditional(call.request)


@route(f"{AGENCY}/families", ["GET"], STAFF, "The agency's families, by reference")
def families(call: Call):
    return {"items": call.service.planning_rpc.list_families(call.actor)}


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
