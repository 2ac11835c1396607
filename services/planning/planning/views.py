"""What a caregiver sees of her planning: a week or a month of shifts.

A shift belongs to the local day on which it starts; times are shown in the
agency's time zone with their offset; durations come from UTC differences,
so the night the clocks go back counts one hour more.
"""

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from extranet_common import localtime
from extranet_common.errors import InvalidInput, NotFound
from planning import access
from planning.families import family_view
from planning.models import SCHEDULED, Agency, Shift

WEEK = "week"
MONTH = "month"


def caregiver_planning(
    session: Session, actor: dict, caregiver_id: str, view: str, day: str
) -> dict:
    """The caregiver's scheduled shifts of the week or month holding ``day``."""
    scope = access.reading_agency(actor, caregiver_id)
    first, last = period(view, day)
    timezone = _timezone(session, scope, caregiver_id)

    query = (
        select(Shift)
        .options(joinedload(Shift.family))
        .where(
            Shift.caregiver_id == caregiver_id,
            Shift.status == SCHEDULED,
            Shift.start_at >= localtime.day_start(first, timezone),
            Shift.start_at < localtime.day_start(last + timedelta(days=1), timezone),
        )
        .order_by(Shift.start_at, Shift.external_id)
    )
    if scope is not None:
        query = query.where(Shift.agency_id == scope)
    shifts = [shift_view(shift, timezone) for shift in session.scalars(query)]

    return {
        "view": view,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "timezone": timezone,
        "shifts": shifts,
        "total_minutes": sum(shift["minutes"] for shift in shifts),
    }


def period(view: str, day: str) -> tuple[date, date]:
    """First and last local day of the week (Monday first) or month."""
    try:
        anchor = date.fromisoformat(day)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            "Date illisible : format attendu AAAA-MM-JJ.", {"day": "date illisible"}
        ) from exc

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
