"""Shifts: created, changed and cancelled by the agency, one by one or by file.

A shift is known by the agency's external id (the back-office system's own
key), so pushing or importing the same shift again changes nothing and
publishes nothing. Each real change is published through the outbox:
``shift_scheduled`` for a new (or reinstated) shift, ``shift_changed`` with
what changed, ``shift_cancelled``. A caregiver's scheduled shifts never
overlap; intervals are half-open, so one may start when another ends.

Staff may plan a shift over an unavailability the caregiver declared: the
answer then carries a ``CAREGIVER_UNAVAILABLE`` warning, and the shift event
says ``over_unavailability`` so that she is told.

An import only adds and updates shifts: a shift missing from a later file is
left as it is, and is cancelled with :func:`cancel_shift`.
"""

import logging
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from extranet_common import clock, localtime
from extranet_common.errors import Conflict, InvalidInput, NotFound
from planning import access, availability
from planning.csvfiles import Faults, read_rows
from planning.families import by_ref
from planning.models import CANCELLED, MESSAGING, SCHEDULED, Agency, Family, Shift
from planning.views import shift_view

_log = logging.getLogger(__name__)

SHIFT_SCHEDULED = "shift_scheduled"
SHIFT_CHANGED = "shift_changed"
SHIFT_CANCELLED = "shift_cancelled"

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"

CAREGIVER_UNAVAILABLE = "CAREGIVER_UNAVAILABLE"

COLUMNS = (
    "external_id",
    "caregiver_email",
    "family_ref",
    "start",
    "end",
    "activity",
    "car_transport",
    "notes",
)
LOCAL_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S")
YES = {"oui", "o", "yes", "y", "true", "1", "x"}
NO = {"non", "n", "no", "false", "0", ""}

EXTERNAL_ID_LENGTH = 100
FAMILY_REF_LENGTH = 40
ACTIVITY_LENGTH = 200

NUL = "\x00"
HAS_NUL = "caractère nul interdit"
YEARS = f"année attendue entre {localtime.FIRST_YEAR} et {localtime.LAST_YEAR}"


@dataclass
class Planned:
    """A shift as a request or a file line wants it to be."""

    external_id: str
    caregiver_id: str
    family: Family
    start_at: datetime
    end_at: datetime
    activity: str
    car_transport: bool
    notes: str
    line: int | None = None


def put_shift(
    session: Session,
    actor: dict,
    external_id: str,
    shift: dict,
    agency_caregivers: Collection[str],
    agency_id: str | None = None,
) -> dict:
    """Create or update the shift the agency knows as ``external_id``.

    ``agency_caregivers`` holds the ids of the agency's caregivers (identity
    knows them). Returns the shift view with ``created`` and ``changed``.
    """
    agency = _agency(session, access.writable_agency(actor, agency_id))
    planned = _planned_from_request(
        session, agency.id, external_id, shift, agency_caregivers
    )
    existing = _by_external_id(session, agency.id, [planned.external_id])
    current = existing.get(planned.external_id)

    clashes = _overlapping(session, planned, current)
    if clashes:
        names = ", ".join(clash.external_id for clash in clashes)
        raise Conflict(
            f"Cette garde chevauche une autre garde de l'intervenante ({names}).",
            {"start": f"chevauche {names}"},
            {"overlaps": [clash.external_id for clash in clashes]},
        )

    row, outcome = _apply(session, agency, planned, current, clock.now())
    view = shift_view(row, agency.timezone)
    view["created"] = outcome == CREATED
    view["changed"] = outcome != UNCHANGED
    view["warnings"] = unavailability_warnings(session, row, agency.timezone)
    return view


def unavailability_warnings(session: Session, shift: Shift, timezone: str) -> list:
    """A warning per declared unavailability the shift falls on."""
    warnings = []
    for found in availability.unavailabilities_over(
        session, shift.caregiver_id, shift.start_at, shift.end_at
    ):
        start = localtime.to_local(found.start_at, timezone)
        end = localtime.to_local(found.end_at, timezone)
        comment = f" ({found.comment})" if found.comment else ""
        warnings.append(
            {
                "code": CAREGIVER_UNAVAILABLE,
                "message": (
                    "L'intervenante s'est déclarée indisponible du "
                    f"{start:%d/%m/%Y %H:%M} au {end:%d/%m/%Y %H:%M}{comment} ; "
                    "la garde est enregistrée et elle en est prévenue."
                ),
            }
        )
    return warnings


def cancel_shift(
    session: Session, actor: dict, external_id: str, agency_id: str | None = None
) -> dict:
    """Cancel a shift; cancelling it again changes and publishes nothing."""
    agency = _agency(session, access.writable_agency(actor, agency_id))
    shift = None
    if isinstance(external_id, str) and _searchable(external_id, EXTERNAL_ID_LENGTH):
        shift = _by_external_id(session, agency.id, [external_id]).get(external_id)
    if shift is None:
        raise NotFound("Garde inconnue.", {"external_id": "inconnu"})

    changed = shift.status != CANCELLED
    if changed:
        shift.status = CANCELLED
        shift.updated_at = clock.now()
        shift.sequence = (shift.sequence or 0) + 1
        session.flush()
        MESSAGING.record(
            session, SHIFT_CANCELLED, agency.id, event_data(shift, agency.timezone)
        )
        _log.info("shift %s of agency %s cancelled", external_id, agency.id)

    view = shift_view(shift, agency.timezone)
    view["changed"] = changed
    return view


def caregiver_emails(csv_text: str) -> list[str]:
    """The distinct caregiver emails of a shift file, to resolve in one call."""
    rows = read_rows(csv_text, COLUMNS, Faults())
    seen: dict[str, str] = {}
    for row in rows:
        email = row.get("caregiver_email")
        if email:
            seen.setdefault(email_key(email), email)
    return list(seen.values())


def import_shifts_csv(
    session: Session,
    actor: dict,
    csv_text: str,
    caregiver_ids: dict[str, str | None],
    timezone: str,
    agency_id: str | None = None,
) -> dict:
    """Create or update the agency's shifts from a CSV export.

    ``caregiver_ids`` maps each email of the file to the caregiver's id, or
    None when the agency has no such caregiver; ``timezone`` is the agency's,
    in which the file's times are read. The whole file is checked first: one
    bad line refuses all of it and nothing is written.
    """
    agency = _agency(session, access.writable_agency(actor, agency_id))
    faults = Faults()
    rows = read_rows(csv_text, COLUMNS, faults)
    families = by_ref(session, agency.id)
    ids = {email_key(email): found for email, found in caregiver_ids.items()}

    planned: list[Planned] = []
    first_line: dict[str, int] = {}
    for row in rows:
        item = _planned_from_row(row, ids, families, timezone, faults)
        external_id = row.get("external_id")
        if external_id in first_line:
            faults.add(
                row.line,
                "external_id",
                f"identifiant déjà vu ligne {first_line[external_id]}",
            )
            continue
        if external_id:
            first_line[external_id] = row.line
        if item is not None:
            planned.append(item)
    existing = _by_external_id(
        session, agency.id, [item.external_id for item in planned]
    )
    _check_file_overlaps(session, agency.id, planned, faults)
    faults.raise_if_any()

    counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0}
    warnings = []
    now = clock.now()
    for item in planned:
        row, outcome = _apply(
            session, agency, item, existing.get(item.external_id), now
        )
        counts[outcome] += 1
        for warning in unavailability_warnings(session, row, timezone):
            warnings.append(
                {"line": item.line, "external_id": item.external_id, **warning}
            )

    _log.info("shifts imported for agency %s: %s", agency.id, counts)
    return {**counts, "total": len(planned), "warnings": warnings}


def event_data(
    shift: Shift, timezone: str, over_unavailability: bool | None = None
) -> dict:
    """The data of a shift event: enough to act on it without asking.

    Scheduled and changed shifts also say ``over_unavailability``: whether
    the shift falls on an unavailability the caregiver declared.
    """
    data = {
        "shift_id": shift.id,
        "external_id": shift.external_id,
        "caregiver_id": shift.caregiver_id,
        "family_ref": shift.family.ref,
        "family_name": shift.family.name,
        "family_address": shift.family.address,
        "activity": shift.activity,
        "start": shift.start_at.isoformat(),
        "end": shift.end_at.isoformat(),
        "minutes": localtime.minutes_between(shift.start_at, shift.end_at),
        "local_date": shift.local_date.isoformat(),
        "timezone": timezone,
        "car_transport": shift.car_transport,
        "notes": shift.notes,
    }
    if over_unavailability is not None:
        data["over_unavailability"] = over_unavailability
    return data


def email_key(email: str) -> str:
    """Emails compare as identity compares them: NFC, trimmed, lower case."""
    return unicodedata.normalize("NFC", email).strip().lower()


def _apply(
    session: Session,
    agency: Agency,
    planned: Planned,
    current: Shift | None,
    now: datetime,
) -> tuple[Shift, str]:
    """Write ``planned`` over ``current`` and record the event it makes."""
    if current is None:
        shift = Shift(
            id=str(uuid.uuid4()),
            agency_id=agency.id,
            external_id=planned.external_id,
            status=SCHEDULED,
            created_at=now,
        )
        _copy(shift, planned, agency.timezone, now)
        shift.sequence = 0
        session.add(shift)
        session.flush()
        MESSAGING.record(
            session,
            SHIFT_SCHEDULED,
            agency.id,
            event_data(shift, agency.timezone, _over_unavailability(session, shift)),
        )
        return shift, CREATED

    before = _facts(current)
    reinstated = current.status == CANCELLED
    after = _facts_of_planned(planned)
    changes = {
        key: [before[key], after[key]] for key in before if before[key] != after[key]
    }
    if not changes and not reinstated:
        return current, UNCHANGED

    _copy(current, planned, agency.timezone, now)
    current.status = SCHEDULED
    current.sequence = (current.sequence or 0) + 1
    session.flush()
    data = event_data(current, agency.timezone, _over_unavailability(session, current))
    if reinstated:
        MESSAGING.record(session, SHIFT_SCHEDULED, agency.id, data)
    else:
        MESSAGING.record(
            session, SHIFT_CHANGED, agency.id, {**data, "changes": changes}
        )
    return current, UPDATED


def _over_unavailability(session: Session, shift: Shift) -> bool:
    return bool(
        availability.unavailabilities_over(
            session, shift.caregiver_id, shift.start_at, shift.end_at
        )
    )


def _copy(shift: Shift, planned: Planned, timezone: str, now: datetime) -> None:
    shift.caregiver_id = planned.caregiver_id
    shift.family = planned.family
    shift.start_at = planned.start_at
    shift.end_at = planned.end_at
    shift.local_date = localtime.local_date(planned.start_at, timezone)
    shift.activity = planned.activity
    shift.car_transport = planned.car_transport
    shift.notes = planned.notes
    shift.updated_at = now


def _facts(shift: Shift) -> dict:
    return {
        "caregiver_id": shift.caregiver_id,
        "family_ref": shift.family.ref,
        "start": shift.start_at.isoformat(),
        "end": shift.end_at.isoformat(),
        "activity": shift.activity,
        "car_transport": shift.car_transport,
        "notes": shift.notes,
    }


def _facts_of_planned(planned: Planned) -> dict:
    return {
        "caregiver_id": planned.caregiver_id,
        "family_ref": planned.family.ref,
        "start": planned.start_at.isoformat(),
        "end": planned.end_at.isoformat(),
        "activity": planned.activity,
        "car_transport": planned.car_transport,
        "notes": planned.notes,
    }


def _searchable(text: str, limit: int) -> bool:
    """Whether ``text`` could be a stored value of a column of ``limit``
    signs: one with a NUL, which PostgreSQL cannot even compare, is not."""
    return NUL not in text and len(text) <= limit


def _agency(session: Session, agency_id: str) -> Agency:
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound("Agence inconnue.")
    return agency


def _by_external_id(
    session: Session, agency_id: str, external_ids: list[str]
) -> dict[str, Shift]:
    if not external_ids:
        return {}
    shifts = session.scalars(
        select(Shift).where(
            Shift.agency_id == agency_id, Shift.external_id.in_(external_ids)
        )
    )
    return {shift.external_id: shift for shift in shifts}


def _overlapping(
    session: Session, planned: Planned, current: Shift | None
) -> list[Shift]:
    """The caregiver's other scheduled shifts that share time with ``planned``."""
    query = select(Shift).where(
        Shift.caregiver_id == planned.caregiver_id,
        Shift.status == SCHEDULED,
        Shift.start_at < planned.end_at,
        Shift.end_at > planned.start_at,
    )
    if current is not None:
        query = query.where(Shift.id != current.id)
    return list(session.scalars(query.order_by(Shift.start_at)))


def _check_file_overlaps(
    session: Session, agency_id: str, planned: list[Planned], faults: Faults
) -> None:
    """Report each file line that overlaps another shift of its caregiver.

    The shifts of the file replace those with the same external id; the
    caregivers' other scheduled shifts stay and are checked against too.
    """
    if not planned:
        return

    in_file = {item.external_id for item in planned}
    stored = session.scalars(
        select(Shift).where(
            Shift.caregiver_id.in_({item.caregiver_id for item in planned}),
            Shift.status == SCHEDULED,
            Shift.start_at < max(item.end_at for item in planned),
            Shift.end_at > min(item.start_at for item in planned),
        )
    )
    by_caregiver: dict[str, list[tuple]] = defaultdict(list)
    for item in planned:
        by_caregiver[item.caregiver_id].append(
            (item.start_at, item.end_at, item.line, item.external_id)
        )
    for shift in stored:
        if shift.agency_id == agency_id and shift.external_id in in_file:
            continue
        by_caregiver[shift.caregiver_id].append(
            (shift.start_at, shift.end_at, None, shift.external_id)
        )

    for intervals in by_caregiver.values():
        intervals.sort(key=lambda interval: (interval[0], interval[2] or 0))
        running: list[tuple] = []
        for interval in intervals:
            running = [other for other in running if other[1] > interval[0]]
            for other in running:
                _report_overlap(faults, interval, other)
            running.append(interval)


def _report_overlap(faults: Faults, one: tuple, other: tuple) -> None:
    """Put the overlap on a file line, naming what it overlaps."""
    if one[2] is None and other[2] is None:
        return
    line, against = (one, other) if one[2] is not None else (other, one)
    if against[2] is None:
        what = f"la garde {against[3]} déjà planifiée"
    else:
        what = f"la ligne {against[2]} ({against[3]})"
    faults.add(line[2], "start", f"chevauche {what} de la même intervenante")


def _planned_from_row(
    row,
    caregiver_ids: dict[str, str | None],
    families: dict[str, Family],
    timezone: str,
    faults: Faults,
) -> Planned | None:
    """The shift a file line asks for, or None after reporting its faults."""
    count = len(faults.lines)

    external_id = row.get("external_id")
    if not external_id:
        faults.add(row.line, "external_id", "identifiant manquant")
    elif len(external_id) > EXTERNAL_ID_LENGTH:
        faults.add(
            row.line,
            "external_id",
            f"identifiant de plus de {EXTERNAL_ID_LENGTH} signes",
        )

    email = row.get("caregiver_email")
    caregiver_id = caregiver_ids.get(email_key(email)) if email else None
    if not email:
        faults.add(row.line, "caregiver_email", "adresse de l'intervenante manquante")
    elif caregiver_id is None:
        faults.add(
            row.line,
            "caregiver_email",
            f"aucune intervenante de l'agence n'a l'adresse {email}",
        )

    family_ref = row.get("family_ref")
    family = families.get(family_ref)
    if family is None:
        faults.add(
            row.line,
            "family_ref",
            f"famille inconnue : « {family_ref} » (importez d'abord les familles)"
            if family_ref
            else "référence de la famille manquante",
        )

    start_at = _file_instant(row, "start", timezone, faults)
    end_at = _file_instant(row, "end", timezone, faults)
    too_long = duration_problem(start_at, end_at)
    if too_long:
        faults.add(row.line, "end", too_long)

    activity = row.get("activity")
    if len(activity) > ACTIVITY_LENGTH:
        faults.add(
            row.line, "activity", f"activité de plus de {ACTIVITY_LENGTH} signes"
        )

    car = row.get("car_transport").lower()
    if car not in YES | NO:
        faults.add(row.line, "car_transport", "valeur attendue : oui ou non")

    if len(faults.lines) > count:
        return None
    return Planned(
        external_id=external_id,
        caregiver_id=caregiver_id,
        family=family,
        start_at=start_at,
        end_at=end_at,
        activity=activity,
        car_transport=car in YES,
        notes=row.get("notes"),
        line=row.line,
    )


LONGEST_SHIFT = timedelta(hours=24)
"""No shift lasts longer: the timesheets count at most a day per entry."""


def duration_problem(start_at, end_at) -> str | None:
    """Why a shift's times cannot be, or None when they are fine."""
    if not (start_at and end_at):
        return None
    if end_at <= start_at:
        return "la fin doit être après le début"
    if end_at - start_at > LONGEST_SHIFT:
        return "une garde dure au plus 24 heures"
    return None


def _file_instant(row, column: str, timezone: str, faults: Faults) -> datetime | None:
    """The UTC instant a local time of the file names, or None and a fault."""
    text = row.get(column)
    if not text:
        faults.add(row.line, column, "date et heure manquantes")
        return None

    for pattern in LOCAL_FORMATS:
        try:
            local = datetime.strptime(text, pattern)
            break
        except ValueError:
            continue
    else:
        faults.add(
            row.line,
            column,
            f"date illisible ou inexistante « {text} » : format attendu "
            "AAAA-MM-JJ HH:MM",
        )
        return None

    if not localtime.FIRST_YEAR <= local.year <= localtime.LAST_YEAR:
        faults.add(row.line, column, YEARS)
        return None
    try:
        return localtime.to_utc(local, timezone)
    except localtime.LocalTimeError:
        faults.add(row.line, column, _local_time_problem(local, timezone))
        return None


def _local_time_problem(local: datetime, timezone: str) -> str:
    """Say in French why a local time names no single instant."""
    earlier = local.replace(tzinfo=localtime.zone(timezone), fold=0)
    back = localtime.to_local(earlier.astimezone(UTC), timezone)
    when = f"{local:%d/%m/%Y à %H:%M}"
    if back.replace(tzinfo=None) == local:
        return (
            f"l'heure du {when} existe deux fois ({timezone}) : on recule les "
            "horloges cette nuit-là ; indiquez une heure hors de ce créneau"
        )
    return (
        f"l'heure du {when} n'existe pas ({timezone}) : on avance les horloges "
        "cette nuit-là"
    )


def _planned_from_request(
    session: Session,
    agency_id: str,
    external_id: str,
    shift: dict,
    agency_caregivers: Collection[str],
) -> Planned:
    """The shift a ``put_shift`` call asks for; InvalidInput names each fault."""
    if not isinstance(shift, dict):
        raise InvalidInput("Garde illisible.", {"shift": "objet attendu"})
    problems: dict[str, str] = {}

    if not isinstance(external_id, str) or not external_id.strip():
        problems["external_id"] = "identifiant manquant"
    elif NUL in external_id:
        problems["external_id"] = HAS_NUL
    elif len(external_id.strip()) > EXTERNAL_ID_LENGTH:
        problems["external_id"] = f"plus de {EXTERNAL_ID_LENGTH} signes"

    caregiver_id = shift.get("caregiver_id")
    if (
        not isinstance(caregiver_id, str)
        or not caregiver_id
        or caregiver_id not in agency_caregivers
    ):
        problems["caregiver_id"] = "intervenante inconnue dans l'agence"

    family_ref = shift.get("family_ref")
    family = None
    if isinstance(family_ref, str) and NUL in family_ref:
        problems["family_ref"] = HAS_NUL
    elif isinstance(family_ref, str) and len(family_ref) > FAMILY_REF_LENGTH:
        problems["family_ref"] = f"plus de {FAMILY_REF_LENGTH} signes"
    else:
        if isinstance(family_ref, str) and family_ref:
            family = session.scalars(
                select(Family).where(
                    Family.agency_id == agency_id, Family.ref == family_ref
                )
            ).first()
        if family is None:
            problems["family_ref"] = "famille inconnue dans l'agence"

    start_at = _request_instant(shift, "start", problems)
    end_at = _request_instant(shift, "end", problems)
    too_long = duration_problem(start_at, end_at)
    if too_long:
        problems["end"] = too_long

    activity = _text(shift, "activity", problems, ACTIVITY_LENGTH)
    notes = _text(shift, "notes", problems)
    car_transport = shift.get("car_transport") or False
    if not isinstance(car_transport, bool):
        problems["car_transport"] = "vrai ou faux attendu"

    if problems:
        raise InvalidInput("La garde n'a pas été enregistrée.", problems)
    return Planned(
        external_id=external_id.strip(),
        caregiver_id=caregiver_id,
        family=family,
        start_at=start_at,
        end_at=end_at,
        activity=activity,
        car_transport=car_transport,
        notes=notes,
    )


def _request_instant(shift: dict, key: str, problems: dict) -> datetime | None:
    """The instant of ``shift[key]``, whose local year and UTC year must both
    lie within the years a shift may have (near year 1 or 9999 the offset
    alone overflows)."""
    text = shift.get(key)
    try:
        parsed = datetime.fromisoformat(text.strip())
    except (AttributeError, TypeError, ValueError):
        problems[key] = "date et heure ISO 8601 avec décalage attendues"
        return None
    if parsed.tzinfo is None:
        problems[key] = "date et heure ISO 8601 avec décalage attendues"
        return None
    if not localtime.FIRST_YEAR <= parsed.year <= localtime.LAST_YEAR:
        problems[key] = YEARS
        return None
    return clock.parse_instant(text)


def _text(shift: dict, key: str, problems: dict, limit: int | None = None) -> str:
    value = shift.get(key) or ""
    if not isinstance(value, str):
        problems[key] = "texte attendu"
        return ""
    value = value.strip()
    if NUL in value:
        problems[key] = HAS_NUL
    elif limit and len(value) > limit:
        problems[key] = f"plus de {limit} signes"
    return value
