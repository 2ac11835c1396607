"""What a caregiver sees of her planning: a week or a month of shifts.

A shift belongs to the local day on which it starts; times are shown in the
agency's time zone with their offset; durations come from UTC differences,
so the night the clocks go back counts one hour more.

Each time the caregiver opens her planning, the moment is kept; the next
view marks each shift created or changed since (``changed_since_last_visit``)
and lists the shifts of the period cancelled since.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from extranet_common import clock, localtime
from extranet_common.errors import InvalidInput, NotFound
from planning import access
from planning.families import family_view
from planning.models import CANCELLED, SCHEDULED, Agency, PlanningVisit, Shift

WEEK = "week"
MONTH = "month"


def caregiver_planning(
    session: Session,
    actor: dict,
    caregiver_id: str,
    view: str,
    day: str,
    mark_seen: bool = True,
) -> dict:
    """The caregiver's scheduled shifts of the week or month holding ``day``.

    When the caregiver herself reads it (and ``mark_seen``), the moment is
    kept as her last visit; shifts are marked against the previous one.
    """
    scope = access.reading_agency(actor, caregiver_id)
    first, last = period(view, day)
    timezone = _timezone(session, scope, caregiver_id)
    previous = _visit(session, actor, caregiver_id, mark_seen)

    query = (
        select(Shift)
        .options(joinedload(Shift.family))
        .where(
            Shift.caregiver_id == caregiver_id,
            Shift.status.in_([SCHEDULED, CANCELLED]),
            Shift.start_at >= localtime.day_start(first, timezone),
            Shift.start_at < localtime.day_start(last + timedelta(days=1), timezone),
        )
        .order_by(Shift.start_at, Shift.external_id)
    )
    if scope is not None:
        query = query.where(Shift.agency_id == scope)
    shifts, cancelled = [], []
    for shift in session.scalars(query):
        item = shift_view(shift, timezone)
        item["changed_since_last_visit"] = bool(
            previous and shift.updated_at > previous
        )
        if shift.status == SCHEDULED:
            shifts.append(item)
        elif item["changed_since_last_visit"]:
            cancelled.append(item)

    return {
        "view": view,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "timezone": timezone,
        "shifts": shifts,
        "total_minutes": sum(shift["minutes"] for shift in shifts),
        "last_visit_at": previous.isoformat() if previous else None,
        "cancelled_since_last_visit": cancelled,
    }


def _visit(
    session: Session, actor: dict, caregiver_id: str, mark_seen: bool
) -> datetime | None:
    """The caregiver's previous visit; her own reading moves it to now.

    A first visit has nothing to compare with: nothing is marked. Two first
    views of hers committed at the same moment race on the insert, and the
    loser answers an error (a reload works); no savepoint guards it.
    """
    visit = session.get(PlanningVisit, caregiver_id)
    previous = visit.last_seen_at if visit else None
    if not mark_seen or actor.get("id") != caregiver_id:
        return previous

    now = clock.now()
    if visit is None:
        session.add(PlanningVisit(caregiver_id=caregiver_id, last_seen_at=now))
    elif now > visit.last_seen_at:
        visit.last_seen_at = now
    session.flush()
    return previous


def period(view: str, day: str) -> tuple[date, date]:
    """First and last local day of the week (Monday first) or month."""
    try:
        anchor = date.fromisoformat(day)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            "Date illisible : format attendu AAAA-MM-JJ.", {"date": "date illisible"}
        ) from exc
    if not localtime.FIRST_YEAR <= anchor.year <= localtime.LAST_YEAR:
        years = f"entre {localtime.FIRST_YEAR} et {localtime.LAST_YEAR}"
        raise InvalidInput(
            f"Le planning se consulte pour une année {years}.",
            {"date": f"année attendue {years}"},
        )

    if view == WEEK:
        return localtime.week_days(anchor)
    if view == MONTH:
        return localtime.month_days(anchor.replace(day=1))
    raise InvalidInput(
        "Vue inconnue : choisissez la semaine ou le mois.",
        {"view": "week ou month attendu"},
    )


def shift_view(shift: Shift, timezone: str) -> dict:
    return {
        "id": shift.id,
        "external_id": shift.external_id,
        "caregiver_id": shift.caregiver_id,
        "family": family_view(shift.family),
        "activity": shift.activity,
        "start": localtime.to_local(shift.start_at, timezone).isoformat(),
        "end": localtime.to_local(shift.end_at, timezone).isoformat(),
        "local_date": shift.local_date.isoformat(),
        "minutes": localtime.minutes_between(shift.start_at, shift.end_at),
        "car_transport": shift.car_transport,
        "notes": shift.notes,
        "status": shift.status,
        "updated_at": shift.updated_at.isoformat(),
    }


def caregiver_shift(session: Session, actor: dict, reference: object) -> dict:
    """One of the caregiver's own shifts (scheduled or cancelled), named by
    its id or its agency's reference, as ``shift_view`` shows it.

    NotFound for a shift that is not hers, whoever's it is: a request about
    a shift must be about one of hers.
    """
    if not isinstance(actor, dict) or actor.get("role") != "caregiver":
        raise NotFound("Garde introuvable dans votre planning.")
    scope = access.reading_agency(actor, actor["id"])
    if (
        not isinstance(reference, str)
        or not 0 < len(reference.strip()) <= 100
        or "\x00" in reference
    ):
        raise InvalidInput(
            "Indiquez la garde concernée.", {"shift_id": "référence de garde"}
        )
    reference = reference.strip()
    found = session.scalars(
        select(Shift)
        .options(joinedload(Shift.family))
        .where(
            Shift.caregiver_id == actor["id"],
            Shift.agency_id == scope,
            (Shift.id == reference) | (Shift.external_id == reference),
        )
        .limit(1)
    ).first()
    if found is None:
        raise NotFound(
            "Garde introuvable dans votre planning.",
            {"shift_id": "cette garde n'est pas dans votre planning"},
        )
    return shift_view(found, _timezone(session, scope, actor["id"]))


def _timezone(session: Session, scope: str | None, caregiver_id: str) -> str:
    """The time zone of the agency whose planning is read.

    The admin reads across agencies: the caregiver's agency is then the one
    of her shifts (a caregiver works for one agency).
    """
    agency_id = (
        scope
        or session.scalars(
            select(Shift.agency_id).where(Shift.caregiver_id == caregiver_id).limit(1)
        ).first()
    )
    if agency_id is None:
        return localtime.DEFAULT_TIMEZONE

    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound("Agence inconnue.")
    return agency.timezone
