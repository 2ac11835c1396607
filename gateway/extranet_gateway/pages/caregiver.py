"""The caregiver's pages: home, planning, availability, hours, requests,
documents."""

from datetime import date, datetime, timedelta

from werkzeug.wrappers import Request, Response

from extranet_common import clock, localtime
from extranet_common.errors import (
    ConfirmationRequired,
    InvalidInput,
    NotFound,
    PermissionDenied,
    ServiceError,
)
from extranet_common.french import MONTHS
from extranet_common.localtime import month_key, parse_month, week_days
from extranet_gateway.api.planning import printed_planning
from extranet_gateway.auth import (
    SESSION_COOKIE,
)
from extranet_gateway.pages.core import (
    REQUEST_CATEGORIES,
    REQUEST_DETAILS,
    REQUEST_STATUSES,
    STATUS_LABELS,
    Visit,
    check_csrf,
    checked_month,
    format_date,
    month_title,
    problem,
    read_duration,
    render,
    see,
    shown_entry,
    signed_in,
    view,
)
from extranet_gateway.routing import STAFF_ROLES

# The home page lists the next shifts within two weeks, a few at most.
NEXT_SHIFTS_SPAN = timedelta(days=14)
NEXT_SHIFTS_SHOWN = 5


@view("/")
def home(service, request: Request) -> Response:
    if not request.cookies.get(SESSION_COOKIE):
        return render("welcome.html", request)
    visit = signed_in(service, request, "user")
    if visit.principal["role"] in STAFF_ROLES:
        return see("/agence")
    if visit.principal["role"] != "caregiver":
        raise PermissionDenied("Réservé aux intervenantes et au personnel.")
    today = visit.today()
    now = clock.now()
    rpc = visit.service
    news = rpc.notifications_rpc.list_news(visit.actor, 1, 3)
    shifts = []
    horizon = now + NEXT_SHIFTS_SPAN
    for day in (today, today + timedelta(days=7), today + timedelta(days=14)):
        if len(shifts) >= NEXT_SHIFTS_SHOWN:
            break
        week = rpc.planning_rpc.caregiver_planning(
            visit.actor, visit.actor["id"], "week", day.isoformat(), False
        )
        shifts += [
            s
            for s in week["shifts"]
            if datetime.fromisoformat(s["end"]) > now
            and datetime.fromisoformat(s["start"]) < horizon
        ]
    months = []
    for month in _open_months(today):
        sheet = rpc.timesheets_rpc.month(visit.actor, visit.actor["id"], month)
        entries = [e for d in sheet["days"] for e in d["entries"]]
        left = [e for e in entries if e["can_decide"] and e["status"] == "pending"]
        if sheet["status"] == "open" and entries:
            months.append(
                {
                    "month": month,
                    "title": month_title(month),
                    "left": len(left),
                    "deadline": sheet["deadline"],
                    "total": len(entries),
                }
            )
    return visit.render(
        "home.html",
        news=news,
        shifts=shifts[:NEXT_SHIFTS_SHOWN],
        months=months,
        today=today,
    )


PERIODS = {"semaine": "week", "mois": "month"}


def _period(visit: Visit) -> tuple[str, date]:
    """The view (week or month) and the day a planning address asks for:
    this week when it says nothing, InvalidInput naming what it misspells."""
    args = visit.request.args
    problems = {}
    wanted = PERIODS.get(args.get("vue") or "semaine")
    if wanted is None:
        problems["vue"] = "« semaine » ou « mois » attendu."
    day = visit.today()
    typed = (args.get("date") or "").strip()
    if typed:
        try:
            day = date.fromisoformat(typed)
        except ValueError:
            problems["date"] = (
                f"« {typed} » n'est pas une date du calendrier (AAAA-MM-JJ attendu)."
            )
    if problems:
        raise InvalidInput("Cette adresse du planning est mal formée.", problems)
    return wanted, day


@view("/planning/imprimer", role="caregiver")
def planning_print(visit: Visit) -> Response:
    wanted, day = _period(visit)
    return printed_planning(
        visit.service, visit.actor, visit.principal, wanted, day.isoformat()
    )


@view("/planning", role="caregiver")
def planning(visit: Visit) -> Response:
    wanted, day = _period(visit)
    sheet = visit.service.planning_rpc.caregiver_planning(
        visit.actor, visit.actor["id"], wanted, day.isoformat()
    )
    by_day: dict[str, list] = {}
    for shift in sheet["shifts"]:
        by_day.setdefault(shift["local_date"], []).append(shift)
    if wanted == "month":
        first = day.replace(day=1)
        before = (first - timedelta(days=1)).replace(day=1)
        after = (first + timedelta(days=32)).replace(day=1)
        title = f"{MONTHS[first.month - 1].capitalize()} {first.year}"
    else:
        first, _ = week_days(day)
        before, after = first - timedelta(days=7), first + timedelta(days=7)
        title = f"Semaine du {format_date(first.isoformat())}"
    return visit.render(
        "planning.html",
        sheet=sheet,
        by_day=sorted(by_day.items()),
        view=wanted,
        day=day,
        title=title,
        before=before,
        after=after,
    )


WEEKLY_FIELDS = ("weekday", "start", "end")
DATED_FIELDS = ("kind", "start", "end", "comment")
FROM_A_LIST = {
    "weekday": "Choisissez un jour de la liste.",
    "kind": "Choisissez « Disponible » ou « Indisponible ».",
}
"""What to say beside a select whose value planning refused (only a
tampered form sends one): planning's message names its English codes."""


@view("/disponibilites", ["GET", "POST"], role="caregiver")
def availability(visit: Visit) -> Response:
    rpc = visit.service.planning_rpc
    if visit.request.method != "POST":
        current = rpc.get_availability(visit.actor)
        exceptions = [_as_typed(item, visit.timezone) for item in current["exceptions"]]
        return visit.render(
            "availability.html",
            weekly=current["weekly"] + [{}, {}],
            exceptions=exceptions + [{}],
            fields={},
            saved=visit.request.args.get("ok"),
        )
    check_csrf(visit.request)
    form = visit.request.form
    wanted = {
        "weekly": [
            row
            for row in _rows(form, "weekly", WEEKLY_FIELDS)
            if row["start"] or row["end"]
        ],
        "exceptions": [
            _one_day_when_no_end(row)
            for row in _rows(form, "exceptions", DATED_FIELDS)
            if row["start"] or row["end"] or row["comment"]
        ],
    }
    try:
        rpc.put_availability(visit.actor, wanted)
    except ServiceError as exc:
        error = problem(exc)
        fields = {
            name: FROM_A_LIST.get(name.rsplit(".", 1)[-1], message)
            for name, message in (error.fields or {}).items()
        }
        return visit.render(
            "availability.html",
            error.status,
            weekly=wanted["weekly"] + [{}],
            exceptions=wanted["exceptions"] + [{}],
            error=error.message,
            fields=fields,
        )
    return see("/disponibilites?ok=1")


def _rows(form, prefix: str, names: tuple[str, ...]) -> list[dict]:
    """The rows of one list of the availability form, in the form's order,
    without those whose remove box is ticked.

    Inputs are named ``prefix.N.name``; every N the form sent is read,
    however many rows the page showed, so saving the page never drops a
    stored row it listed.
    """
    indexes = set()
    for key in form.keys():
        parts = key.split(".")
        if (
            len(parts) == 3
            and parts[0] == prefix
            and parts[2] in names
            and parts[1].isascii()
            and parts[1].isdigit()
            and len(parts[1]) <= 3
        ):
            indexes.add(int(parts[1]))
    return [
        {name: form.get(f"{prefix}.{index}.{name}", "").strip() for name in names}
        for index in sorted(indexes)
        if not form.get(f"{prefix}.{index}.remove")
    ]


def _one_day_when_no_end(row: dict) -> dict:
    """A date with no end stands for that one whole day."""
    if row["start"] and not row["end"] and "T" not in row["start"]:
        return {**row, "end": row["start"]}
    return row


def _as_typed(item: dict, timezone: str) -> dict:
    """A dated exception as the form shows it: a local date and time
    (``2026-10-25T01:00``), as she typed it, unless that wall time happens
    twice on the night summer time ends: then its offset stays, so that
    saving the page again keeps the same instant."""
    shown = dict(item)
    for name in ("start", "end"):
        text = item.get(name) or ""
        if "T" not in text:
            continue
        moment = datetime.fromisoformat(text)
        if moment.second or moment.microsecond:
            continue
        wall = moment.replace(tzinfo=None)
        try:
            localtime.to_utc(wall, timezone)
        except localtime.LocalTimeError:
            shown[name] = moment.isoformat(timespec="minutes")
        else:
            shown[name] = wall.isoformat(timespec="minutes")
    return shown


@view("/heures", role="caregiver")
def hours_now(visit: Visit) -> Response:
    return see(f"/heures/{month_key(visit.today())}")


@view("/heures/<month>", ["GET"], role="caregiver")
def hours(visit: Visit, month: str) -> Response:
    return _hours_page(visit, checked_month(month))


@view("/heures/<month>/<entry_id>", ["POST"], role="caregiver")
def decide(visit: Visit, month: str, entry_id: str) -> Response:
    month = checked_month(month)
    check_csrf(visit.request)
    form = visit.request.form
    decision = {
        "status": form.get("status", ""),
        "km": form.get("km", "").strip() or None,
        "comment": form.get("comment", "").strip() or None,
    }
    problems = {}
    if decision["status"] == "refused":
        decision["reason"] = form.get("reason") or None
        decision["declared_minutes"] = read_duration(form, problems, "declared_minutes")
    if not problems:
        try:
            visit.service.timesheets_rpc.decide(
                visit.actor, visit.actor["id"], month, entry_id, decision
            )
            return see(f"/heures/{month}#e-{entry_id}")
        except ServiceError as exc:
            error = problem(exc)
            message, problems = error.message, error.fields or {}
            status = error.status
    else:
        message, status = "Vérifiez les champs indiqués.", 400
    return _hours_page(
        visit,
        month,
        status,
        failed=entry_id,
        error=message,
        fields=problems,
        typed=form.to_dict(),
    )


@view("/heures/<month>/tout-accepter", ["POST"], role="caregiver")
def accept_all(visit: Visit, month: str) -> Response:
    month = checked_month(month)
    check_csrf(visit.request)
    confirm = visit.request.form.get("confirm") == "oui"
    try:
        visit.service.timesheets_rpc.accept_all(
            visit.actor, visit.actor["id"], month, confirm
        )
    except ConfirmationRequired as asked:
        return visit.render(
            "accept_all.html",
            409,
            month=month,
            title=month_title(month),
            message=asked.message,
            dropped=(asked.data or {}).get("dropped", []),
            at_stake=(asked.data or {}).get("minutes_at_stake", 0),
        )
    except ServiceError as exc:
        error = problem(exc)
        return _hours_page(visit, month, error.status, error=error.message)
    return see(f"/heures/{month}?tout=1")


def _hours_page(visit: Visit, month: str, status: int = 200, **context) -> Response:
    sheet = visit.service.timesheets_rpc.month(visit.actor, visit.actor["id"], month)
    first = parse_month(month)
    before = month_key((first - timedelta(days=1)).replace(day=1))
    after = month_key((first + timedelta(days=32)).replace(day=1))
    context.setdefault("fields", {})
    context.setdefault("typed", {})
    if not shown_entry(sheet, context.get("failed")):
        context["failed"] = None
    return visit.render(
        "hours.html",
        status,
        sheet=sheet,
        month=month,
        title=month_title(month),
        before=before,
        after=after,
        labels=STATUS_LABELS,
        reasons=visit.service.timesheets_rpc.reasons(),
        all_done=visit.request.args.get("tout"),
        **context,
    )


def _open_months(today: date) -> list[str]:
    """The month before (it may still be in its grace period) and this one."""
    previous = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    return [month_key(previous), month_key(today)]


@view("/demandes", role="caregiver")
def my_requests(visit: Visit) -> Response:
    items = visit.service.requests_rpc.list_mine(visit.actor)
    return visit.render(
        "requests.html",
        items=items,
        categories=REQUEST_CATEGORIES,
        statuses=REQUEST_STATUSES,
    )


@view("/demandes/nouvelle", ["GET", "POST"], role="caregiver")
def new_request(visit: Visit) -> Response:
    form = visit.request.form
    typed = form.to_dict()
    if visit.request.method != "POST":
        typed = {"category": visit.request.args.get("type", "other")}
        shift = _shift_asked(visit, visit.request.args.get("garde"))
        if shift:
            typed["shift_id"] = shift["shift_ref"]
            typed["subject"] = f"Garde du {format_date(shift['date'])}"
        return visit.render(
            "request_new.html",
            typed=typed,
            shift=shift,
            fields={},
            categories=REQUEST_CATEGORIES,
        )
    check_csrf(visit.request)
    details = {name: form.get(name, "").strip() for name in REQUEST_DETAILS}
    details = {name: value for name, value in details.items() if value}
    try:
        made = visit.service.requests_rpc.submit(
            visit.actor,
            form.get("category", ""),
            form.get("subject", ""),
            form.get("body", ""),
            details,
        )
    except ServiceError as exc:
        error = problem(exc)
        return visit.render(
            "request_new.html",
            error.status,
            typed=typed,
            fields=error.fields,
            error=error.message,
            categories=REQUEST_CATEGORIES,
        )
    return see(f"/demandes/{made['id']}?fait=envoyee")


def _shift_asked(visit: Visit, reference: str | None) -> dict | None:
    """The shift she came from (the planning's link), as her request will
    keep it; None when there is none or it is not hers."""
    if not reference:
        return None
    try:
        shift = visit.service.planning_rpc.caregiver_shift(visit.actor, reference)
    except (NotFound, InvalidInput):
        return None
    return {
        "shift_ref": shift["external_id"] or shift["id"],
        "date": shift["local_date"],
        "start": shift["start"],
        "end": shift["end"],
        "family": shift["family"]["name"],
    }


SENT = {
    "envoyee": "Votre demande est envoyée à l'agence.",
    "message": "Votre message est envoyé à l'agence.",
}
"""The confirmations of her request's thread (``?fait=``)."""


@view("/demandes/<request_id>", ["GET", "POST"], role="caregiver")
def my_request(visit: Visit, request_id: str) -> Response:
    rpc = visit.service.requests_rpc
    context = {}
    status = 200
    if visit.request.method == "POST":
        check_csrf(visit.request)
        body = visit.request.form.get("body", "")
        try:
            rpc.add_message(visit.actor, request_id, body)
            return see(f"/demandes/{request_id}?fait=message#fil")
        except ServiceError as exc:
            error = problem(exc)
            status = error.status
            context = {"error": error.message, "fields": error.fields, "body": body}
    thread = rpc.get(visit.actor, request_id)
    return visit.render(
        "request.html",
        status,
        thread=thread,
        done=SENT.get(visit.request.args.get("fait", "")),
        categories=REQUEST_CATEGORIES,
        statuses=REQUEST_STATUSES,
        **context,
    )


@view("/documents", role="caregiver")
def documents(visit: Visit) -> Response:
    items = visit.service.notifications_rpc.list_documents(visit.actor)
    return visit.render("documents.html", items=items)
