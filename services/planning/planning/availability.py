"""A caregiver's availability: weekly slots, dated exceptions, who is free.

Weekly slots are kept in local terms (a weekday and local times), so Monday
16:00–19:30 stays 16:00 in the agency's time zone on both sides of a
summer-time change; they are turned into UTC instants only when a question
is asked about a given slot. Dated availabilities and unavailabilities are
stored as UTC instants. Unavailability wins over any availability, and a
caregiver is free for a slot when her availabilities cover all of it and no
unavailability or scheduled shift touches it (intervals are half-open).
"""

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from extranet_common import localtime
from extranet_common.errors import InvalidInput, PermissionDenied
from planning import access
from planning.models import (
    AVAILABLE,
    MESSAGING,
    SCHEDULED,
    UNAVAILABLE,
    DatedAvailability,
    Shift,
    WeeklySlot,
)

_log = logging.getLogger(__name__)

AVAILABILITY_CHANGED = "availability_changed"

WEEKDAYS = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
KINDS = (AVAILABLE, UNAVAILABLE)
DAY_MINUTES = 24 * 60
MAX_WEEKLY_SLOTS = 50
MAX_EXCEPTIONS = 500
COMMENT_LENGTH = 500
LONGEST_QUERY = timedelta(days=31)

FREE = "available"
BUSY = "busy"
NOT_DECLARED = "not_declared"


@dataclass(frozen=True)
class Slot:
    weekday: int
    start_minute: int
    end_minute: int


@dataclass(frozen=True)
class DatedSpan:
    kind: str
    start_at: datetime
    end_at: datetime
    whole_days: bool
    comment: str


def get_availability(
    session: Session, actor: dict, caregiver_id: str, timezone: str
) -> dict:
    """The caregiver's weekly slots and dated exceptions, in local terms."""
    scope = access.reading_agency(actor, caregiver_id)
    slots = _stored_slots(session, caregiver_id, scope)
    exceptions = _stored_exceptions(session, caregiver_id, scope)
    return availability_view(slots, exceptions, timezone)


def put_availability(
    session: Session, actor: dict, wanted: dict, timezone: str
) -> dict:
    """Replace the signed-in caregiver's availability as a whole.

    Every field is checked before anything is written; an identical
    availability changes nothing and publishes nothing.
    """
    caregiver_id, agency_id = _own(actor)
    slots, exceptions = parse_availability(wanted, timezone)

    before = availability_view(
        _stored_slots(session, caregiver_id, agency_id),
        _stored_exceptions(session, caregiver_id, agency_id),
        timezone,
    )
    after = availability_view(slots, exceptions, timezone)
    if _comparable(before) == _comparable(after):
        return {**after, "changed": False}

    session.execute(delete(WeeklySlot).where(WeeklySlot.caregiver_id == caregiver_id))
    session.execute(
        delete(DatedAvailability).where(DatedAvailability.caregiver_id == caregiver_id)
    )
    for slot in slots:
        session.add(
            WeeklySlot(
                id=str(uuid.uuid4()),
                agency_id=agency_id,
                caregiver_id=caregiver_id,
                weekday=slot.weekday,
                start_minute=slot.start_minute,
                end_minute=slot.end_minute,
            )
        )
    for item in exceptions:
        session.add(
            DatedAvailability(
                id=str(uuid.uuid4()),
                agency_id=agency_id,
                caregiver_id=caregiver_id,
                kind=item.kind,
                start_at=item.start_at,
                end_at=item.end_at,
                whole_days=item.whole_days,
                comment=item.comment,
            )
        )
    session.flush()
    MESSAGING.record(
        session, AVAILABILITY_CHANGED, agency_id, {"caregiver_id": caregiver_id}
    )
    _log.info("availability of caregiver %s replaced", caregiver_id)
    return {**after, "changed": True}


def who_is_available(
    session: Session,
    actor: dict,
    caregivers: list[dict],
    start: str,
    end: str,
    timezone: str,
) -> dict:
    """Which of the agency's ``caregivers`` are free for the whole slot.

    ``caregivers`` are identity's views of the agency's caregivers; each is
    answered with a ``status``: available, busy (an unavailability or a
    shift touches the slot) or not_declared (her availability does not
    cover all of it).
    """
    agency_id = access.writable_agency(actor)
    problems: dict[str, str] = {}
    start_at = _local_or_instant(start, "from", timezone, problems)
    end_at = _local_or_instant(end, "to", timezone, problems)
    if start_at and end_at and end_at <= start_at:
        problems["to"] = "la fin doit être après le début"
    elif start_at and end_at and end_at - start_at > LONGEST_QUERY:
        problems["to"] = "créneau de 31 jours au plus"
    if problems:
        raise InvalidInput("Créneau illisible.", problems)

    ids = [caregiver["id"] for caregiver in caregivers]
    statuses = statuses_for(session, agency_id, ids, start_at, end_at, timezone)
    available, others = [], []
    for caregiver in caregivers:
        status, reason = statuses[caregiver["id"]]
        item = {
            "caregiver_id": caregiver["id"],
            "first_name": caregiver.get("first_name"),
            "last_name": caregiver.get("last_name"),
            "email": caregiver.get("email"),
            "phone": caregiver.get("phone"),
            "status": status,
        }
        if status == FREE:
            available.append(item)
        else:
            others.append({**item, "reason": reason})
    return {
        "from": localtime.to_local(start_at, timezone).isoformat(),
        "to": localtime.to_local(end_at, timezone).isoformat(),
        "timezone": timezone,
        "available": available,
        "others": others,
    }


def statuses_for(
    session: Session,
    agency_id: str,
    caregiver_ids: list[str],
    start_at: datetime,
    end_at: datetime,
    timezone: str,
) -> dict[str, tuple[str, str]]:
    """Each caregiver's status for [start_at, end_at), with a French reason."""
    slots: dict[str, list[Slot]] = {cid: [] for cid in caregiver_ids}
    for row in session.scalars(
        select(WeeklySlot).where(
            WeeklySlot.agency_id == agency_id,
            WeeklySlot.caregiver_id.in_(caregiver_ids),
        )
    ):
        slots[row.caregiver_id].append(_slot_of(row))

    dated: dict[str, list[DatedAvailability]] = {cid: [] for cid in caregiver_ids}
    for row in session.scalars(
        select(DatedAvailability).where(
            DatedAvailability.agency_id == agency_id,
            DatedAvailability.caregiver_id.in_(caregiver_ids),
            DatedAvailability.start_at < end_at,
            DatedAvailability.end_at > start_at,
        )
    ):
        dated[row.caregiver_id].append(row)

    busy = {
        caregiver_id: external_id
        for caregiver_id, external_id in session.execute(
            select(Shift.caregiver_id, Shift.external_id).where(
                Shift.caregiver_id.in_(caregiver_ids),
                Shift.status == SCHEDULED,
                Shift.start_at < end_at,
                Shift.end_at > start_at,
            )
        )
    }

    answer = {}
    for caregiver_id in caregiver_ids:
        unavailable = [row for row in dated[caregiver_id] if row.kind == UNAVAILABLE]
        if unavailable:
            answer[caregiver_id] = (BUSY, "indisponibilité déclarée")
        elif caregiver_id in busy:
            answer[caregiver_id] = (BUSY, f"garde {busy[caregiver_id]}")
        else:
            covering = list(
                weekly_occurrences(slots[caregiver_id], start_at, end_at, timezone)
            )
            covering += [
                (row.start_at, row.end_at)
                for row in dated[caregiver_id]
                if row.kind == AVAILABLE
            ]
            if covers(covering, start_at, end_at):
                answer[caregiver_id] = (FREE, "")
            else:
                answer[caregiver_id] = (NOT_DECLARED, "disponibilité non déclarée")
    return answer


def unavailabilities_over(
    session: Session, caregiver_id: str, start_at: datetime, end_at: datetime
) -> list[DatedAvailability]:
    """The caregiver's declared unavailabilities that touch [start_at, end_at)."""
    return list(
        session.scalars(
            select(DatedAvailability)
            .where(
                DatedAvailability.caregiver_id == caregiver_id,
                DatedAvailability.kind == UNAVAILABLE,
                DatedAvailability.start_at < end_at,
                DatedAvailability.end_at > start_at,
            )
            .order_by(DatedAvailability.start_at)
        )
    )


def weekly_occurrences(
    slots: Iterable[Slot], start_at: datetime, end_at: datetime, timezone: str
) -> Iterable[tuple[datetime, datetime]]:
    """The UTC intervals the weekly ``slots`` give around [start_at, end_at).

    Each occurrence is placed on its local day, so it keeps its local time
    whatever the UTC offset of that day.
    """
    first = localtime.local_date(start_at, timezone) - timedelta(days=1)
    last = localtime.local_date(end_at, timezone)
    slots = list(slots)
    day = first
    while day <= last:
        for slot in slots:
            if slot.weekday == day.weekday():
                yield (
                    _local_instant(day, slot.start_minute, timezone),
                    _local_instant(day, slot.end_minute, timezone),
                )
        day += timedelta(days=1)


def covers(
    intervals: list[tuple[datetime, datetime]], start_at: datetime, end_at: datetime
) -> bool:
    """Whether the union of ``intervals`` holds all of [start_at, end_at)."""
    reached = start_at
    for begin, finish in sorted(intervals):
        if begin > reached:
            break
        reached = max(reached, finish)
        if reached >= end_at:
            return True
    return reached >= end_at


def parse_availability(
    wanted: dict, timezone: str
) -> tuple[list[Slot], list[DatedSpan]]:
    """Check a whole availability; InvalidInput names every field at fault."""
    if not isinstance(wanted, dict):
        raise InvalidInput("Disponibilités illisibles.", {"body": "objet attendu"})
    problems: dict[str, str] = {}

    weekly = wanted.get("weekly") or []
    exceptions = wanted.get("exceptions") or []
    if not isinstance(weekly, list):
        problems["weekly"] = "liste attendue"
        weekly = []
    elif len(weekly) > MAX_WEEKLY_SLOTS:
        problems["weekly"] = f"{MAX_WEEKLY_SLOTS} créneaux au plus"
        weekly = []
    if not isinstance(exceptions, list):
        problems["exceptions"] = "liste attendue"
        exceptions = []
    elif len(exceptions) > MAX_EXCEPTIONS:
        problems["exceptions"] = f"{MAX_EXCEPTIONS} dates au plus"
        exceptions = []

    indexed = [
        (index, slot)
        for index, item in enumerate(weekly)
        if (slot := _slot(item, f"weekly.{index}", problems)) is not None
    ]
    _check_slot_overlaps(indexed, problems)
    slots = [slot for _, slot in indexed]
    dated = [
        found
        for index, item in enumerate(exceptions)
        if (found := _exception(item, f"exceptions.{index}", timezone, problems))
        is not None
    ]

    if problems:
        raise InvalidInput(
            "Vos disponibilités n'ont pas été enregistrées : corrigez les "
            "champs signalés.",
            problems,
        )
    slots.sort(key=lambda slot: (slot.weekday, slot.start_minute))
    dated.sort(key=lambda item: (item.start_at, item.end_at, item.kind))
    return slots, dated


def availability_view(
    slots: Iterable[Slot], exceptions: Iterable[DatedSpan], timezone: str
) -> dict:
    return {
        "timezone": timezone,
        "weekly": [
            {
                "weekday": WEEKDAYS[slot.weekday],
                "start": _hhmm(slot.start_minute),
                "end": _hhmm(slot.end_minute),
            }
            for slot in slots
        ],
        "exceptions": [_exception_view(item, timezone) for item in exceptions],
    }


def _exception_view(item: DatedSpan, timezone: str) -> dict:
    if item.whole_days:
        start = localtime.local_date(item.start_at, timezone).isoformat()
        last = localtime.local_date(item.end_at, timezone) - timedelta(days=1)
        end = last.isoformat()
    else:
        start = localtime.to_local(item.start_at, timezone).isoformat()
        end = localtime.to_local(item.end_at, timezone).isoformat()
    return {
        "kind": item.kind,
        "start": start,
        "end": end,
        "whole_days": item.whole_days,
        "comment": item.comment,
    }


def _comparable(view: dict) -> tuple:
    return (
        [tuple(sorted(item.items())) for item in view["weekly"]],
        [tuple(sorted(item.items())) for item in view["exceptions"]],
    )


def _own(actor: dict) -> tuple[str, str]:
    if not isinstance(actor, dict) or actor.get("role") != access.CAREGIVER:
        raise PermissionDenied("Seule l'intervenante déclare ses disponibilités.")
    if not actor.get("id") or not actor.get("agency_id"):
        raise PermissionDenied("Aucune agence n'est associée à ce compte.")
    return actor["id"], actor["agency_id"]


def _stored_slots(session: Session, caregiver_id: str, scope: str | None) -> list[Slot]:
    query = select(WeeklySlot).where(WeeklySlot.caregiver_id == caregiver_id)
    if scope is not None:
        query = query.where(WeeklySlot.agency_id == scope)
    slots = [_slot_of(row) for row in session.scalars(query)]
    return sorted(slots, key=lambda slot: (slot.weekday, slot.start_minute))


def _stored_exceptions(
    session: Session, caregiver_id: str, scope: str | None
) -> list[DatedSpan]:
    query = select(DatedAvailability).where(
        DatedAvailability.caregiver_id == caregiver_id
    )
    if scope is not None:
        query = query.where(DatedAvailability.agency_id == scope)
    found = [
        DatedSpan(row.kind, row.start_at, row.end_at, row.whole_days, row.comment)
        for row in session.scalars(query)
    ]
    return sorted(found, key=lambda item: (item.start_at, item.end_at, item.kind))


def _slot_of(row: WeeklySlot) -> Slot:
    return Slot(row.weekday, row.start_minute, row.end_minute)


def _slot(item, where: str, problems: dict) -> Slot | None:
    if not isinstance(item, dict):
        problems[where] = "objet attendu (weekday, start, end)"
        return None
    count = len(problems)

    weekday = item.get("weekday")
    if weekday not in WEEKDAYS:
        problems[f"{where}.weekday"] = "jour attendu : " + ", ".join(WEEKDAYS)
    start = _minute_of(item.get("start"), f"{where}.start", problems)
    end = _minute_of(item.get("end"), f"{where}.end", problems, allow_midnight=True)
    if start is not None and end is not None and end <= start:
        problems[f"{where}.end"] = "la fin doit être après le début"

    if len(problems) > count:
        return None
    return Slot(WEEKDAYS.index(weekday), start, end)


def _check_slot_overlaps(indexed: list[tuple[int, Slot]], problems: dict) -> None:
    """Two weekly slots of the same day must not share time."""
    ordered = sorted(indexed, key=lambda pair: (pair[1].weekday, pair[1].start_minute))
    for (one_index, one), (other_index, other) in zip(
        ordered, ordered[1:], strict=False
    ):
        if one.weekday == other.weekday and other.start_minute < one.end_minute:
            problems[f"weekly.{other_index}.start"] = (
                f"chevauche le créneau n° {one_index + 1} du même jour"
            )


def _minute_of(
    text, where: str, problems: dict, allow_midnight: bool = False
) -> int | None:
    """Minutes since local midnight of ``HH:MM`` (``24:00`` ends a day)."""
    if allow_midnight and text == "24:00":
        return DAY_MINUTES
    try:
        if not isinstance(text, str) or len(text) != 5 or text[2] != ":":
            raise ValueError(text)
        parsed = time.fromisoformat(text)
    except ValueError:
        problems[where] = "heure attendue au format HH:MM"
        return None
    return parsed.hour * 60 + parsed.minute


def _exception(item, where: str, timezone: str, problems: dict) -> DatedSpan | None:
    if not isinstance(item, dict):
        problems[where] = "objet attendu (kind, start, end, comment)"
        return None
    count = len(problems)

    kind = item.get("kind")
    if kind not in KINDS:
        problems[f"{where}.kind"] = "available ou unavailable attendu"
    start_text, end_text = item.get("start"), item.get("end")
    whole_days = _is_date(start_text) and _is_date(end_text)
    if whole_days and not all(
        localtime.FIRST_YEAR <= day.year <= localtime.LAST_YEAR
        for day in (date.fromisoformat(start_text), date.fromisoformat(end_text))
    ):
        problems[f"{where}.start"] = (
            f"année attendue entre {localtime.FIRST_YEAR} et {localtime.LAST_YEAR}"
        )
        return None
    if whole_days:
        first = date.fromisoformat(start_text)
        last = date.fromisoformat(end_text)
        start_at = localtime.day_start(first, timezone)
        end_at = localtime.day_start(last + timedelta(days=1), timezone)
        if last < first:
            problems[f"{where}.end"] = "le dernier jour doit suivre le premier"
    else:
        start_at = _local_or_instant(start_text, f"{where}.start", timezone, problems)
        end_at = _local_or_instant(end_text, f"{where}.end", timezone, problems)
        if start_at and end_at and end_at <= start_at:
            problems[f"{where}.end"] = "la fin doit être après le début"

    comment = item.get("comment") or ""
    if not isinstance(comment, str):
        problems[f"{where}.comment"] = "texte attendu"
    elif "\x00" in comment:
        problems[f"{where}.comment"] = "caractère nul interdit"
    elif len(comment.strip()) > COMMENT_LENGTH:
        problems[f"{where}.comment"] = f"{COMMENT_LENGTH} signes au plus"

    if len(problems) > count:
        return None
    return DatedSpan(kind, start_at, end_at, whole_days, comment.strip())


def _is_date(text) -> bool:
    if not isinstance(text, str) or len(text) != 10:
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _local_or_instant(
    text, where: str, timezone: str, problems: dict
) -> datetime | None:
    """An ISO instant with offset, or a local date and time of the agency."""
    try:
        if not isinstance(text, str) or "T" not in text:
            raise ValueError(text)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        problems[where] = (
            "date AAAA-MM-JJ, ou date et heure AAAA-MM-JJTHH:MM (heure locale "
            "ou avec décalage) attendue"
        )
        return None
    if not localtime.FIRST_YEAR <= parsed.year <= localtime.LAST_YEAR:
        problems[where] = (
            f"année attendue entre {localtime.FIRST_YEAR} et {localtime.LAST_YEAR}"
        )
        return None
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    try:
        return localtime.to_utc(parsed, timezone)
    except localtime.LocalTimeError:
        problems[where] = (
            f"l'heure du {parsed:%d/%m/%Y à %H:%M} n'existe pas ou existe deux "
            "fois à cause du changement d'heure ; donnez le décalage (+01:00 "
            "ou +02:00)"
        )
        return None


def _local_instant(day: date, minute: int, timezone: str) -> datetime:
    """The instant of ``minute`` past local midnight of ``day`` (1440: next day).

    A wall time skipped by the spring change lands on the later offset, as
    zoneinfo reads it; an hour repeated in autumn takes its first occurrence.
    """
    if minute >= DAY_MINUTES:
        return localtime.day_start(day + timedelta(days=1), timezone)
    wall = datetime.combine(day, time(minute // 60, minute % 60))
    return wall.replace(tzinfo=localtime.zone(timezone)).astimezone(UTC)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
