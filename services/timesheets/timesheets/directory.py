"""The local copy of agencies and caregivers, and each agency's settings.

Timesheets needs an agency's time zone and grace period to know when its
months close, and a caregiver's name and email to remind her and to name
her in the payroll export. Only identity holds them; it announces them with
``agency_created`` {agency_id, ref, name, timezone} and ``caregiver_invited``
{caregiver_id, first_name, last_name, email, ref} (the agency in the
envelope), which the handlers below apply once each.
"""

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from extranet_common import clock
from extranet_common.errors import InvalidInput
from extranet_common.localtime import DEFAULT_TIMEZONE, LocalTimeError, zone
from timesheets import access
from timesheets.deadlines import MAX_GRACE_DAYS
from timesheets.models import Agency, Caregiver

_log = logging.getLogger(__name__)


def apply_agency_created(session: Session, data: dict, payload: dict) -> None:
    """Effect of identity's ``agency_created``; keeps a grace period already set."""
    agency = session.get(Agency, data["agency_id"])
    if agency is None:
        agency = Agency(id=data["agency_id"], grace_days=0)
        session.add(agency)

    agency.ref = data.get("ref")
    agency.name = data.get("name")
    agency.timezone = _zone_or_default(data.get("timezone"))
    agency.updated_at = clock.now()
    _log.info("timesheets knows agency %s", agency.id)


def apply_caregiver_invited(session: Session, data: dict, payload: dict) -> None:
    """Effect of identity's ``caregiver_invited``."""
    caregiver = session.get(Caregiver, data["caregiver_id"])
    if caregiver is None:
        caregiver = Caregiver(id=data["caregiver_id"])
        session.add(caregiver)

    caregiver.agency_id = payload.get("agency_id")
    caregiver.first_name = data.get("first_name") or ""
    caregiver.last_name = data.get("last_name") or ""
    caregiver.email = data.get("email") or ""
    caregiver.ref = data.get("ref")
    caregiver.updated_at = clock.now()
    _log.info("timesheets knows caregiver %s", caregiver.id)


def ensure_agency(session: Session, agency_id: str, timezone: str) -> Agency:
    """The agency's row, created from a shift's zone when identity's event is
    still to come, and locked (PostgreSQL) until the end of the transaction.

    The closing job takes the same lock, so a shift event and the closing of
    its month never interleave.
    """
    agency = session.scalars(
        select(Agency).where(Agency.id == agency_id).with_for_update()
    ).first()
    if agency is None:
        agency = Agency(
            id=agency_id,
            timezone=_zone_or_default(timezone),
            grace_days=0,
            updated_at=clock.now(),
        )
        session.add(agency)
        session.flush()
    return agency


def lock_agency(session: Session, agency_id: str) -> Agency | None:
    return session.scalars(
        select(Agency)
        .where(Agency.id == agency_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def settings(session: Session, actor: dict, agency_id: str | None = None) -> dict:
    """The agency's timesheet settings (staff of that agency)."""
    agency_id = access.check_agency(actor, agency_id)
    agency = session.get(Agency, agency_id)
    return _settings_view(agency_id, agency)


def set_settings(
    session: Session, actor: dict, wanted: object, agency_id: str | None = None
) -> dict:
    """Set the grace period: ``{"grace_days": 0..MAX_GRACE_DAYS}``.

    It moves the deadline of every month not closed yet; a closed month
    stays closed.
    """
    agency_id = access.check_staff(actor, agency_id)
    grace = wanted.get("grace_days") if isinstance(wanted, dict) else None
    if (
        isinstance(grace, bool)
        or not isinstance(grace, int)
        or not 0 <= grace <= MAX_GRACE_DAYS
    ):
        raise InvalidInput(
            "Délai de grâce invalide.",
            {"grace_days": f"nombre entier de jours, de 0 à {MAX_GRACE_DAYS}"},
        )

    agency = session.get(Agency, agency_id)
    if agency is None:
        agency = Agency(id=agency_id, timezone=DEFAULT_TIMEZONE)
        session.add(agency)
    if agency.grace_days != grace:
        _log.info(
            "agency %s grace period %s -> %s days by %s",
            agency_id,
            agency.grace_days,
            grace,
            actor["id"],
        )
    agency.grace_days = grace
    agency.updated_at = clock.now()
    session.flush()
    return _settings_view(agency_id, agency)


def caregiver(session: Session, caregiver_id: str) -> Caregiver | None:
    return session.get(Caregiver, caregiver_id)


def caregivers(session: Session, ids: set[str]) -> dict[str, Caregiver]:
    if not ids:
        return {}
    found = session.scalars(select(Caregiver).where(Caregiver.id.in_(sorted(ids))))
    return {row.id: row for row in found}


def caregiver_view(caregiver_id: str, row: Caregiver | None) -> dict:
    """Her names as the agency sees them; empty names when identity's event
    has not reached timesheets."""
    return {
        "id": caregiver_id,
        "ref": row.ref if row else None,
        "first_name": row.first_name if row else None,
        "last_name": row.last_name if row else None,
    }


def _settings_view(agency_id: str, agency: Agency | None) -> dict:
    return {
        "agency_id": agency_id,
        "timezone": agency.timezone if agency else DEFAULT_TIMEZONE,
        "grace_days": agency.grace_days if agency else 0,
        "max_grace_days": MAX_GRACE_DAYS,
    }


def _zone_or_default(name: object) -> str:
    if not isinstance(name, str) or not name:
        return DEFAULT_TIMEZONE
    try:
        zone(name)
    except LocalTimeError:
        _log.warning("unknown time zone %r; using %s", name, DEFAULT_TIMEZONE)
        return DEFAULT_TIMEZONE
    return name
