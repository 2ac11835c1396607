"""A caregiver's shifts as an iCalendar feed, and its secret address.

Calendar apps fetch a feed by an address without signing in, so each
caregiver may have one secret feed address: 192 random bits, of which only a
SHA-256 hash is stored. Renewing it kills the previous one, and so does a
change of her password (identity's ``password_changed``).

Events are written in UTC (``DTSTART:20261024T180000Z``), so summer-time
changes cannot shift them; each has a UID that never changes (shift id @
domain), a SEQUENCE raised at each change and LAST-MODIFIED, so an app
replaces the event it already holds; cancelled shifts stay in the feed with
``STATUS:CANCELLED`` so apps remove them.
"""

import hashlib
import logging
import secrets
from datetime import timedelta

from icalendar import Calendar, Event
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload

from extranet_common import clock, localtime
from extranet_common.errors import NotFound, PermissionDenied
from planning import access
from planning.models import CANCELLED, Agency, CalendarFeed, Shift

_log = logging.getLogger(__name__)

DEFAULT_DOMAIN = "extranet-intervenantes"
PAST = timedelta(days=92)
FUTURE = timedelta(days=400)
SECRET_BYTES = 24
PRODID = "-//Extranet des intervenantes//Planning//FR"


def renew_feed(session: Session, actor: dict) -> dict:
    """Give the signed-in caregiver a new secret feed address.

    The secret is returned once, here; the previous one stops working.
    """
    caregiver_id, agency_id = _own(actor)
    secret = secrets.token_urlsafe(SECRET_BYTES)

    feed = session.get(CalendarFeed, caregiver_id)
    if feed is None:
        feed = CalendarFeed(caregiver_id=caregiver_id)
        session.add(feed)
    feed.agency_id = agency_id
    feed.secret_hash = secret_hash(secret)
    feed.created_at = clock.now()
    session.flush()

    _log.info("calendar feed of caregiver %s renewed", caregiver_id)
    return {"secret": secret, "created_at": feed.created_at.isoformat()}


def revoke_feed(session: Session, caregiver_id: str) -> bool:
    """Kill the caregiver's feed address, if she has one."""
    result = session.execute(
        delete(CalendarFeed).where(CalendarFeed.caregiver_id == caregiver_id)
    )
    if result.rowcount:
        _log.info("calendar feed of caregiver %s revoked", caregiver_id)
    return bool(result.rowcount)


def apply_password_changed(session: Session, data: dict, payload: dict) -> None:
    """Effect of identity's ``password_changed``: the feed address dies."""
    user_id = data.get("user_id")
    if user_id:
        revoke_feed(session, user_id)


def feed_owner(session: Session, secret: str) -> tuple[str, str]:
    """The caregiver and agency a secret feed address belongs to."""
    if not isinstance(secret, str) or not 16 <= len(secret) <= 100:
        raise NotFound("Calendrier inconnu.")
    feed = session.scalars(
        select(CalendarFeed).where(CalendarFeed.secret_hash == secret_hash(secret))
    ).first()
    if feed is None:
        raise NotFound("Calendrier inconnu ou renouvelé.")
    return feed.caregiver_id, feed.agency_id


def my_calendar(session: Session, actor: dict, domain: str) -> str:
    caregiver_id, agency_id = _own(actor)
    return calendar_text(session, caregiver_id, agency_id, domain)


def calendar_text(
    session: Session, caregiver_id: str, agency_id: str, domain: str
) -> str:
    """The caregiver's shifts from three months ago to a year ahead."""
    agency = session.get(Agency, agency_id)
    timezone = agency.timezone if agency else localtime.DEFAULT_TIMEZONE
    now = clock.now()
    shifts = session.scalars(
        select(Shift)
        .options(joinedload(Shift.family))
        .where(
            Shift.caregiver_id == caregiver_id,
            Shift.agency_id == agency_id,
            Shift.start_at >= now - PAST,
            Shift.start_at < now + FUTURE,
        )
        .order_by(Shift.start_at, Shift.external_id)
    )

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Mes gardes – {agency.name if agency else ''}")
    calendar.add("x-wr-timezone", timezone)
    calendar.add(
        "refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"}
    )
    calendar.add("x-published-ttl", "PT1H")
    for shift in shifts:
        calendar.add_component(_event(shift, timezone, domain))
    return calendar.to_ical().decode("utf-8")


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _event(shift: Shift, timezone: str, domain: str) -> Event:
    family = shift.family
    event = Event()
    event.add("uid", f"{shift.id}@{domain}")
    # The last change, not the time of the request: the same planning gives
    # the same bytes, so the gateway's ETag spares calendar apps a download.
    event.add("dtstamp", shift.updated_at)
    event.add("last-modified", shift.updated_at)
    event.add("created", shift.created_at)
    event.add("sequence", shift.sequence or 0)
    event.add("dtstart", shift.start_at)
    event.add("dtend", shift.end_at)
    title = " – ".join(part for part in (shift.activity, family.name) if part)
    event.add("summary", title or "Garde")
    if family.address:
        event.add("location", family.address)
    event.add("description", _description(shift, timezone))
    if shift.status == CANCELLED:
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def _description(shift: Shift, timezone: str) -> str:
    start = localtime.to_local(shift.start_at, timezone)
    end = localtime.to_local(shift.end_at, timezone)
    lines = [
        f"Famille : {shift.family.name}",
        f"Horaires : {start:%d/%m/%Y %H:%M} – {end:%d/%m/%Y %H:%M} ({timezone})",
    ]
    if shift.family.children:
        lines.append(f"Enfants : {shift.family.children}")
    if shift.activity:
        lines.append(f"Activité : {shift.activity}")
    lines.append(
        "Voiture avec les enfants : " + ("oui" if shift.car_transport else "non")
    )
    if shift.notes:
        lines.append(f"Notes : {shift.notes}")
    lines.append(f"Référence : {shift.external_id}")
    if shift.status == CANCELLED:
        lines.insert(0, "GARDE ANNULÉE")
    return "\n".join(lines)


def _own(actor: dict) -> tuple[str, str]:
    if not isinstance(actor, dict) or actor.get("role") != access.CAREGIVER:
        raise PermissionDenied("Réservé aux intervenantes.")
    if not actor.get("id") or not actor.get("agency_id"):
        raise PermissionDenied("Aucune agence n'est associée à ce compte.")
    return actor["id"], actor["agency_id"]
