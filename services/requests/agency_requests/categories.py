"""The fields each category of request carries, and how they are checked.

A caregiver's request names a category; some categories need more than a
subject and a message. Each checker returns the details to store, in a fixed
shape, and the problems found, keyed by the field the caregiver filled in
(``date``, ``start``, ``shift_id`` and so on), so that a form can show each
message beside its field.
"""

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from agency_requests.models import OTHER, PAY, PLANNING_CHANGE, UNPLANNED_INTERVENTION
from extranet_common import localtime

FAMILY_MAX = 200
COMMENT_MAX = 1000
SHIFT_ID_MAX = 100

NUL = "\x00"
HAS_NUL = "Le caractère nul (\\0) n'est pas permis dans un texte."
YEARS = f"Indiquez une date des années {localtime.FIRST_YEAR} à {localtime.LAST_YEAR}."

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")

Checked = tuple[dict, dict[str, str]]


def check_details(category: str, details: object) -> Checked:
    """The details to store for ``category`` and the problems, field by field.

    Fields a category does not use are left out rather than refused, so a
    form may send every field it has.
    """
    if details is None:
        details = {}
    if not isinstance(details, dict):
        return {}, {"details": "Les précisions de la demande sont mal formées."}
    return _CHECKERS[category](details)


def _unplanned_intervention(details: dict) -> Checked:
    problems: dict[str, str] = {}

    day = _date(details.get("date"))
    if day is None:
        problems["date"] = "Indiquez la date de l'intervention (AAAA-MM-JJ)."
    elif not localtime.FIRST_YEAR <= day.year <= localtime.LAST_YEAR:
        problems["date"] = YEARS

    start = _time(details.get("start"))
    if start is None:
        problems["start"] = "Indiquez l'heure de début (HH:MM)."

    end = _time(details.get("end"))
    if end is None:
        problems["end"] = "Indiquez l'heure de fin (HH:MM)."
    elif end == start:
        problems["end"] = (
            "L'heure de fin est celle du début : indiquez quand l'intervention "
            "s'est terminée (une fin plus tôt que le début veut dire le lendemain)."
        )

    family = _text(details.get("family"))
    if not family:
        problems["family"] = "Indiquez la famille chez qui vous êtes intervenue."
    elif NUL in family:
        problems["family"] = HAS_NUL
    elif len(family) > FAMILY_MAX:
        problems["family"] = f"Le nom de la famille dépasse {FAMILY_MAX} caractères."

    raw_comment = details.get("comment")
    comment = _text(raw_comment)
    if raw_comment is not None and not isinstance(raw_comment, str):
        problems["comment"] = "Le commentaire doit être un texte."
    elif NUL in comment:
        problems["comment"] = HAS_NUL
    elif len(comment) > COMMENT_MAX:
        problems["comment"] = f"Le commentaire dépasse {COMMENT_MAX} caractères."

    if problems:
        return {}, problems

    return {
        "date": day.isoformat(),
        "start": start,
        "end": end,
        "ends_next_day": end <= start,
        "family": family,
        "comment": comment or None,
    }, {}


def _planning_change(details: dict) -> Checked:
    shift_id = details.get("shift_id")
    if not isinstance(shift_id, str) or not shift_id.strip():
        return {}, {"shift_id": "Indiquez la garde concernée."}
    if len(shift_id.strip()) > SHIFT_ID_MAX or NUL in shift_id:
        return {}, {"shift_id": "Cette garde est inconnue."}
    return {"shift_id": shift_id.strip()}, {}


def _nothing(_details: dict) -> Checked:
    return {}, {}


_CHECKERS: dict[str, Callable[[dict], Checked]] = {
    UNPLANNED_INTERVENTION: _unplanned_intervention,
    PLANNING_CHANGE: _planning_change,
    PAY: _nothing,
    OTHER: _nothing,
}


def _date(value: object) -> date | None:
    if not isinstance(value, str) or not _DATE.match(value.strip()):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def _time(value: object) -> str | None:
    """``HH:MM`` (an hour of one digit is accepted and padded), or None."""
    if not isinstance(value, str):
        return None
    found = _TIME.match(value.strip())
    if not found:
        return None
    return f"{int(found.group(1)):02d}:{found.group(2)}"


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def intervention_instants(
    details: dict, timezone: str
) -> tuple[datetime | None, datetime | None, dict[str, str]]:
    """The UTC start and end of an unplanned intervention's local date and
    hours in the agency's ``timezone``, and the problems, field by field.

    The end falls on the next day when ``ends_next_day``. A local time that
    the zone skips (spring forward) or repeats (fall back) names no single
    instant: it is refused with a sentence saying so, never guessed.
    """
    day = date.fromisoformat(details["date"])
    end_day = day + timedelta(days=1) if details.get("ends_next_day") else day
    problems: dict[str, str] = {}

    start = _instant(day, details["start"], timezone, "start", problems)
    end = _instant(end_day, details["end"], timezone, "end", problems)
    if start and end and end <= start:
        problems["end"] = "La fin doit être après le début."
    return start, end, problems


def _instant(
    day: date, hour: str, timezone: str, key: str, problems: dict[str, str]
) -> datetime | None:
    hours, minutes = (int(part) for part in hour.split(":"))
    local = datetime.combine(day, time(hours, minutes))
    if not localtime.FIRST_YEAR <= local.year <= localtime.LAST_YEAR:
        problems[key] = YEARS
        return None
    try:
        return localtime.to_utc(local, timezone)
    except localtime.LocalTimeError:
        problems[key] = _local_time_problem(local, timezone)
        return None


def _local_time_problem(local: datetime, timezone: str) -> str:
    """Say in French why a local time names no single instant."""
    earlier = local.replace(tzinfo=localtime.zone(timezone), fold=0)
    back = localtime.to_local(earlier.astimezone(UTC), timezone)
    when = f"Le {local:%d/%m/%Y à %H:%M}"
    if back.replace(tzinfo=None) == local:
        return (
            f"{when} existe deux fois ({timezone}) : on recule les horloges "
            "cette nuit-là ; précisez une heure hors de ce créneau."
        )
    return (
        f"{when} n'existe pas ({timezone}) : on avance les horloges cette "
        "nuit-là ; indiquez une heure qui existe."
    )
