"""The agency's team pages: its caregivers (list, invite), one caregiver
(her details and declared availability) and who is free for a slot.

The invitation form is checked by the same schema as the API's invitation
and calls identity's ``invite_caregiver`` with the same arguments. The slot
of "who is free" is typed in the agency's local time and turned into UTC
instants here, so a time that does not exist, or happens twice, on the
night the clocks change is named beside its field instead of guessed.
"""

import re
from datetime import UTC, date, datetime, time, timedelta

from marshmallow import ValidationError
from werkzeug.wrappers import Response

from extranet_common import localtime
from extranet_common.errors import InvalidInput, NotFound, ServiceError
from extranet_common.french import DAYS, long_date
from extranet_common.localtime import month_key
from extranet_gateway.api.account import Invitation
from extranet_gateway.pages.core import (
    Visit,
    check_csrf,
    month_title,
    problem,
    see,
    view,
)

ACCOUNT_STATUSES = {
    "invited": "Invitée",
    "pending": "Inscrite, confirmation attendue",
    "active": "Compte confirmé",
}
ACCOUNT_HINTS = {
    "invited": "n'a pas encore créé son accès",
    "pending": "n'a pas encore cliqué le lien de confirmation",
    "active": "",
}
WEEKDAYS = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
INVITATION_FIELDS = ("first_name", "last_name", "email", "phone", "ref")
REQUIRED = {
    "first_name": "Saisissez son prénom.",
    "last_name": "Saisissez son nom.",
    "email": "Saisissez son adresse email.",
}
MISREAD = {
    "first_name": "100 caractères au plus.",
    "last_name": "100 caractères au plus.",
    "phone": "40 caractères au plus.",
    "ref": "40 caractères au plus.",
}
SLOT_FIELDS = {"from": "start", "to": "end"}
CLOCK_TIME = re.compile(r"^(\d{1,2})\s*[:hH]\s*(\d{2})?(?::[0-5]\d)?$", re.ASCII)
SHORT_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", re.ASCII)


@view("/agence/intervenantes", ["GET", "POST"], role="staff")
def caregivers(visit: Visit) -> Response:
    """The agency's caregivers and the form that invites one more."""
    identity = visit.service.identity_rpc
    if visit.request.method != "POST":
        team = identity.agency_caregivers(visit.actor)
        invited = visit.request.args.get("invitee")
        return _caregivers_page(
            visit,
            team,
            invited=next((c for c in team if c["id"] == invited), None),
        )

    check_csrf(visit.request)
    typed = {
        name: visit.request.form.get(name, "").strip() for name in INVITATION_FIELDS
    }
    try:
        wanted = _invitation(typed)
        made = identity.invite_caregiver(
            visit.actor,
            wanted["first_name"],
            wanted["last_name"],
            wanted["email"],
            wanted.get("phone"),
            wanted.get("ref"),
        )
    except ServiceError as exc:
        error = problem(exc)
        return _caregivers_page(
            visit,
            identity.agency_caregivers(visit.actor),
            error.status,
            error=error.message,
            fields=error.fields,
            typed=typed,
        )
    return see(f"/agence/intervenantes?invitee={made['id']}")


def _invitation(typed: dict) -> dict:
    """What the API's schema accepts, or InvalidInput naming each field in
    French. Empty optional fields are left out, as the API leaves them."""
    problems = {name: text for name, text in REQUIRED.items() if not typed[name]}
    given = {name: value for name, value in typed.items() if value}
    try:
        wanted = Invitation().load(given)
    except ValidationError as exc:
        for name, why in exc.messages.items():
            problems.setdefault(name, MISREAD.get(name) or why[0])
        wanted = {}
    if problems:
        raise InvalidInput(
            "L'invitation n'est pas partie : corrigez les champs signalés.", problems
        )
    return wanted


def _caregivers_page(visit: Visit, team: list, status: int = 200, **context):
    context.setdefault("fields", {})
    context.setdefault("typed", {})
    counts = {code: 0 for code in ACCOUNT_STATUSES}
    for caregiver in team:
        counts[caregiver.get("status")] = counts.get(caregiver.get("status"), 0) + 1
    return visit.render(
        "agency_caregivers.html",
        status,
        team=team,
        counts=counts,
        statuses=ACCOUNT_STATUSES,
        hints=ACCOUNT_HINTS,
        **context,
    )


@view("/agence/intervenantes/<caregiver_id>", role="staff")
def caregiver(visit: Visit, caregiver_id: str) -> Response:
    """One caregiver of the agency: who she is and when she says she is free.

    She is looked up among the agency's own caregivers first, so another
    agency's caregiver is unknown here before planning is even asked."""
    team = visit.service.identity_rpc.agency_caregivers(visit.actor)
    found = next((c for c in team if c["id"] == caregiver_id), None)
    if found is None:
        raise NotFound("Intervenante inconnue dans votre agence.")
    declared = visit.service.planning_rpc.get_availability(visit.actor, caregiver_id)

    today = visit.today()
    upcoming = [
        item
        for item in declared["exceptions"]
        if date.fromisoformat(item["end"][:10]) >= today
    ]
    previous = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    return visit.render(
        "agency_caregiver.html",
        caregiver=found,
        statuses=ACCOUNT_STATUSES,
        hints=ACCOUNT_HINTS,
        week=_week(declared["weekly"]),
        exceptions=upcoming,
        past=len(declared["exceptions"]) - len(upcoming),
        timezone=declared.get("timezone") or visit.timezone,
        months=[
            (month_key(today), month_title(month_key(today)) + " (ce mois-ci)"),
            (month_key(previous), month_title(month_key(previous))),
        ],
    )


def _week(weekly: list[dict]) -> list[tuple[str, list[dict]]]:
    """The weekly slots under each French weekday, Monday first."""
    by_day: dict[str, list[dict]] = {code: [] for code in WEEKDAYS}
    for slot in weekly:
        by_day.setdefault(slot["weekday"], []).append(slot)
    return [
        (DAYS[index], sorted(by_day[code], key=lambda slot: slot["start"]))
        for index, code in enumerate(WEEKDAYS)
    ]


@view("/agence/disponibilites", role="staff")
def who_is_free(visit: Visit) -> Response:
    """Who is free for a slot typed in the agency's local time (a GET form:
    nothing changes, and the answer can be bookmarked or shared)."""
    args = visit.request.args
    typed = {name: args.get(name, "").strip() for name in ("date", "start", "end")}
    if not any(name in args for name in typed):
        typed["date"] = visit.today().isoformat()
        return visit.render("agency_availability.html", typed=typed, fields={})

    try:
        start_at, end_at, next_day = _slot(typed, visit.timezone)
        answer = visit.service.planning_rpc.who_is_available(
            visit.actor, start_at.isoformat(), end_at.isoformat()
        )
    except ServiceError as exc:
        error = problem(exc)
        fields = {SLOT_FIELDS.get(k, k): v for k, v in (error.fields or {}).items()}
        return visit.render(
            "agency_availability.html",
            error.status,
            typed=typed,
            error=error.message,
            fields=fields,
        )
    others = sorted(answer["others"], key=lambda item: item["status"] != "busy")
    return visit.render(
        "agency_availability.html",
        typed=typed,
        fields={},
        answer=answer,
        others=others,
        next_day=next_day,
        title=_slot_title(answer["from"], answer["to"]),
    )


def _slot_title(start: str, end: str) -> str:
    """``Lundi 2 novembre 2026, de 16:30 à 19:00`` (both days when two)."""
    first, last = datetime.fromisoformat(start), datetime.fromisoformat(end)
    if first.date() == last.date():
        return (
            f"{long_date(first.date()).capitalize()}, de {first:%H:%M} à {last:%H:%M}"
        )
    return (
        f"Du {long_date(first.date())} à {first:%H:%M} "
        f"au {long_date(last.date())} à {last:%H:%M}"
    )


def _slot(typed: dict, timezone: str) -> tuple[datetime, datetime, bool]:
    """The UTC instants of the typed local slot, and whether it ends the
    next day (an end at or before the start); InvalidInput names each field."""
    problems: dict[str, str] = {}
    day = _day(typed["date"], problems)
    start = _clock(typed["start"], "start", problems)
    end = _clock(typed["end"], "end", problems)
    if problems:
        raise InvalidInput(
            "Créneau incomplet ou illisible : corrigez les champs signalés.",
            problems,
        )

    next_day = end <= start
    start_at = _instant(day, start, timezone, "start", problems)
    end_at = _instant(
        day + timedelta(days=1) if next_day else day, end, timezone, "end", problems
    )
    if problems:
        raise InvalidInput(
            "Ce créneau ne peut pas être lu tel quel : voyez le champ signalé.",
            problems,
        )
    return start_at, end_at, next_day


def _day(text: str, problems: dict) -> date | None:
    if not text:
        problems["date"] = "Choisissez la date du créneau."
        return None
    short = SHORT_DATE.match(text)
    if short:
        text = f"{short[3]}-{int(short[2]):02d}-{int(short[1]):02d}"
    try:
        day = date.fromisoformat(text)
        localtime.check_year(day.year)
    except ValueError:
        problems["date"] = (
            "Date mal écrite ou qui n'existe pas : JJ/MM/AAAA ou AAAA-MM-JJ, "
            f"entre {localtime.FIRST_YEAR} et {localtime.LAST_YEAR}."
        )
        return None
    return day


def _clock(text: str, name: str, problems: dict) -> time | None:
    which = "de début" if name == "start" else "de fin"
    if not text:
        problems[name] = f"Indiquez l'heure {which}."
        return None
    found = CLOCK_TIME.match(text)
    hour = int(found[1]) if found else 99
    minute = int(found[2] or 0) if found else 99
    if hour > 23 or minute > 59:
        problems[name] = f"Heure {which} attendue au format HH:MM (exemple : 16:30)."
        return None
    return time(hour, minute)


def _instant(day: date, at: time, timezone: str, name: str, problems: dict):
    local = datetime.combine(day, at)
    if not localtime.FIRST_YEAR <= day.year <= localtime.LAST_YEAR:
        problems[name] = (
            f"Date attendue entre {localtime.FIRST_YEAR} et {localtime.LAST_YEAR}."
        )
        return None
    try:
        return localtime.to_utc(local, timezone)
    except localtime.LocalTimeError:
        when = f"Le {long_date(day)} à {at:%H:%M}"
        if _skipped(local, timezone):
            problems[name] = (
                f"{when} n'existe pas : cette nuit-là on avance d'une heure "
                "(heure d'été). Choisissez une heure qui existe."
            )
        else:
            problems[name] = (
                f"{when} existe deux fois : cette nuit-là on recule d'une heure "
                "(heure d'hiver). Choisissez une heure hors de ce doublon."
            )
        return None


def _skipped(local: datetime, timezone: str) -> bool:
    """Whether the clocks jump over ``local`` (rather than repeat it)."""
    zone = localtime.zone(timezone)
    there = local.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
    return there.replace(tzinfo=None) != local
