"""Monthly hours validation: the month view, decisions, "accept all", deadline,
and the agency's side: a caregiver's month, settling refusals, corrections
after closing, the history and the payroll export.

Plain functions over a SQLAlchemy session, callable without a broker; the
service commits the session after each call, so a refused call writes
nothing.

Rules (DESIGN.md F12 to F16):

- Each entry of the month gets a status: accepted (the planned hours are
  right) or refused with a reason from ``REASONS`` and the minutes the agency
  must count instead. Kilometres driven with the children go on the entry.
- Counted minutes: accepted and pending count as planned (pending is shown,
  not final), refused counts the declared minutes, cancelled counts nothing;
  minutes set by staff (settling a refusal, correcting a closed month) win
  over all of these. An entry still undecided when its month closes becomes
  ``not_validated`` and counts as planned: the agency pays the planned hours
  unless told otherwise.
- Only an entry that has ended can be decided. A month is open until its last
  day 23:59:59 in the agency's time zone, plus the agency's grace period
  (see ``deadlines``); from then on nothing in it can be decided any more,
  and once the closing job has closed it only staff can change it, each
  change with a comment, kept in the history and published.
- Staff settle a refusal by accepting the declared minutes or setting
  others; the caregiver cannot change a settled entry.
- "Accept all" accepts every ended pending entry and overwrites every
  refusal with the planned hours; it asks for confirmation first when a
  refusal would be lost.
- Kilometres are entered with at most one decimal (``12,5``): a second
  decimal or an exponent is refused rather than rounded away; totals add
  the figures as entered, so a total is always the sum of its lines.

Known gap: ``entry_validated`` is published for decisions only. When a
planning change reopens a decided entry, or a cancellation marks it
cancelled, no event says so; a subscriber learns it from planning's own
shift events, and the month's final figures will settle it.
"""

import logging
import re
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from extranet_common import clock
from extranet_common.errors import (
    Closed,
    ConfirmationRequired,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from extranet_common.localtime import (
    DEFAULT_TIMEZONE,
    FIRST_YEAR,
    LAST_YEAR,
    month_key,
    parse_month,
    to_local,
)
from timesheets import access, deadlines, directory, history
from timesheets.deadlines import MonthDeadline
from timesheets.models import (
    ACCEPTED,
    CANCELLED,
    MESSAGING,
    NOT_VALIDATED,
    PENDING,
    REFUSED,
    SETTLED,
    Entry,
)

_log = logging.getLogger(__name__)

REASONS = {
    "arrived_early": "Arrivée en avance",
    "arrived_late": "Arrivée en retard",
    "left_early": "Départ anticipé",
    "left_late": "Départ plus tard que prévu",
    "cancelled_by_family": "Garde annulée par la famille",
    "not_done": "Garde non effectuée",
    "other": "Autre motif",
}
OTHER = "other"

MAX_DECLARED_MINUTES = 1440
DAY_LIMIT = f"24 h au plus ({MAX_DECLARED_MINUTES} minutes)"
MAX_KM = Decimal("1000")
KM_STEP = Decimal("0.1")
KM_PATTERN = re.compile(r"[0-9]{1,7}(?:[.,][0-9])?")
KM_EXPECTED = "nombre de km avec au plus une décimale, ex. 12,5"
MAX_COMMENT = 1000
MONTH_SHAPE = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")

OPEN = "open"
CLOSED = "closed"


def reasons() -> list[dict]:
    """The fixed list of refusal reasons, in the order a form shows them."""
    return [{"code": code, "label": label} for code, label in REASONS.items()]


def month_view(session: Session, actor: dict, caregiver_id: str, month: str) -> dict:
    """A caregiver's month: deadline, status, entries day by day, totals."""
    month = check_month(month)
    access.check_caregiver(session, actor, caregiver_id)
    return _month(session, actor, caregiver_id, month)


def caregiver_month(
    session: Session, actor: dict, caregiver_id: str, month: str
) -> dict:
    """A caregiver's month as her agency sees it, with her name.

    A caregiver timesheets knows (from an entry or from identity's
    invitation) gets her month, empty when she worked none of it; an id it
    has never heard of is NotFound.
    """
    month = check_month(month)
    if access.check_actor(actor)["role"] == access.CAREGIVER:
        raise PermissionDenied("Réservé au personnel de l'agence.")
    access.check_caregiver(session, actor, caregiver_id)
    if not access.is_known(session, caregiver_id):
        raise NotFound("Intervenante inconnue.", {"caregiver_id": "inconnue"})
    view = _month(session, actor, caregiver_id, month)
    view["caregiver"] = directory.caregiver_view(
        caregiver_id, directory.caregiver(session, caregiver_id)
    )
    return view


def decide(
    session: Session,
    actor: dict,
    caregiver_id: str,
    month: str,
    entry_id: str,
    decision: dict,
) -> dict:
    """Accept an entry, or refuse it with a reason and the minutes to count.

    Returns the entry as the month view shows it. Deciding again the same
    way changes nothing and publishes nothing.
    """
    month = check_month(month)
    actor = access.check_caregiver(session, actor, caregiver_id)
    entry = _entry(session, caregiver_id, month, entry_id)
    _check_open(_deadline_of(session, entry.agency_id, entry.month, entry.timezone))
    if entry.status == CANCELLED:
        raise Conflict("Cette intervention a été annulée par l'agence.")
    if entry.status == SETTLED:
        raise Conflict(
            "L'agence a déjà réglé cette intervention : adressez-lui une demande "
            "pour la revoir."
        )
    if not _ended(entry):
        raise InvalidInput(
            "Cette intervention n'est pas terminée : vous pourrez la valider "
            "une fois finie.",
            {"entry_id": "intervention pas encore terminée"},
        )

    wanted = _read_decision(decision)
    before = history.snapshot(entry)
    entry.status = wanted["status"]
    entry.reason = wanted["reason"]
    entry.comment = wanted["comment"]
    entry.declared_minutes = wanted["declared_minutes"]
    entry.km = wanted["km"]
    if history.snapshot(entry) == before:
        return _entry_view(entry, closed=False)

    _record_decision(session, entry, actor, wanted["status"], before)
    return _entry_view(entry, closed=False)


def accept_all(
    session: Session,
    actor: dict,
    caregiver_id: str,
    month: str,
    confirm: bool = False,
) -> dict:
    """Accept every ended entry of the month as planned, all or nothing.

    Refusals are overwritten with the planned hours (kilometres stay). When
    that would drop a refusal and ``confirm`` is not true, nothing changes
    and ConfirmationRequired lists what would be lost.
    """
    month = check_month(month)
    actor = access.check_caregiver(session, actor, caregiver_id)
    entries = _entries(session, caregiver_id, month)
    _check_open(_month_deadline(session, actor, caregiver_id, month, entries))

    dropped = [entry for entry in entries if entry.status == REFUSED]
    if dropped and confirm is not True:
        _log.info("accept-all for %s %s awaits confirmation", caregiver_id, month)
        raise ConfirmationRequired(
            _confirmation_message(dropped),
            data={
                "dropped": [
                    {
                        "entry_id": entry.id,
                        "date": entry.local_date.isoformat(),
                        "reason": entry.reason,
                        "declared_minutes": entry.declared_minutes,
                        "planned_minutes": entry.planned_minutes,
                    }
                    for entry in dropped
                ],
                "minutes_at_stake": sum(
                    abs(entry.declared_minutes - entry.planned_minutes)
                    for entry in dropped
                ),
            },
        )

    for entry in entries:
        if entry.status == REFUSED or (entry.status == PENDING and _ended(entry)):
            before = history.snapshot(entry)
            entry.status = ACCEPTED
            entry.reason = None
            entry.comment = None
            entry.declared_minutes = None
            _record_decision(session, entry, actor, history.ACCEPTED_ALL, before)

    return _month(session, actor, caregiver_id, month)


def agency_month(
    session: Session, actor: dict, month: str, agency_id: str | None = None
) -> dict:
    """An agency's month: totals per caregiver and the refusals to look at.

    Staff and back-office systems see their own agency; the network admin
    names the agency.
    """
    month = check_month(month)
    agency_id = access.check_agency(actor, agency_id)
    entries = session.scalars(
        select(Entry)
        .where(Entry.agency_id == agency_id, Entry.month == month)
        .order_by(Entry.caregiver_id, Entry.start_at)
    ).all()
    limit = deadlines.for_month(
        session,
        agency_id,
        month,
        entries[0].timezone if entries else DEFAULT_TIMEZONE,
    )
    closed = limit.is_closed()

    by_caregiver: dict[str, list[dict]] = defaultdict(list)
    for entry in entries:
        by_caregiver[entry.caregiver_id].append(_entry_view(entry, closed))
    names = directory.caregivers(session, set(by_caregiver))

    caregivers = [
        {
            "caregiver_id": caregiver_id,
            "caregiver": directory.caregiver_view(
                caregiver_id, names.get(caregiver_id)
            ),
            "totals": _totals(views),
            "refused": [
                {
                    "entry_id": view["id"],
                    "date": view["date"],
                    "start": view["start"],
                    "end": view["end"],
                    "family_name": view["family_name"],
                    "planned_minutes": view["planned_minutes"],
                    "declared_minutes": view["declared_minutes"],
                    "reason": view["reason"],
                    "reason_label": view["reason_label"],
                    "comment": view["comment"],
                    "settled": view["status"] == SETTLED,
                    "counted_minutes": view["counted_minutes"],
                    "staff_comment": view["staff_comment"],
                }
                for view in views
                if view["status"] in (REFUSED, SETTLED)
            ],
        }
        for caregiver_id, views in by_caregiver.items()
    ]
    every_line = [view for views in by_caregiver.values() for view in views]
    return {
        "month": month,
        "agency_id": agency_id,
        **_deadline_fields(limit, closed),
        "caregivers": caregivers,
        "totals": _totals(every_line),
    }


def entry_history(
    session: Session,
    actor: dict,
    caregiver_id: str,
    entry_id: str,
    month: str | None = None,
) -> list[dict]:
    """Who changed an entry, when and how, oldest first."""
    access.check_caregiver(session, actor, caregiver_id)
    entry = _stored_entry(session, entry_id)
    if entry is None or entry.caregiver_id != caregiver_id:
        raise NotFound("Intervention introuvable.")
    if month is not None and entry.month != check_month(month):
        raise NotFound("Intervention introuvable dans ce mois.")
    return history.rows(session, entry_id)


def agency_entry_history(
    session: Session, actor: dict, month: str, entry_id: str
) -> list[dict]:
    """The history of one entry of the agency's month, for staff."""
    entry = _agency_entry(session, actor, month, entry_id)
    return history.rows(session, entry.id)


def settle(
    session: Session, actor: dict, month: str, entry_id: str, settlement: object
) -> dict:
    """Staff settle a refusal: the declared minutes, or others with a comment.

    Works before and after the month closes; after, it is a correction of
    the closed month like ``correct``. Publishes ``entry_corrected``.
    """
    entry = _agency_entry(session, actor, month, entry_id, change=True)
    if entry.status not in (REFUSED, SETTLED):
        raise Conflict(
            "Seule une intervention refusée par l'intervenante se règle ainsi.",
            {"entry_id": "intervention non refusée"},
        )

    wanted = settlement if isinstance(settlement, dict) else {}
    errors: dict = {}
    minutes = wanted.get("minutes")
    if minutes is None:
        minutes = entry.declared_minutes or 0
    elif _minutes_problem(minutes):
        errors["minutes"] = _minutes_problem(minutes)
    comment = _read_comment(wanted.get("comment"), errors)
    if not errors and minutes != entry.declared_minutes and not comment:
        errors["comment"] = "expliquez pourquoi vous comptez une autre durée"
    if errors:
        raise InvalidInput("Vérifiez les champs indiqués.", errors)

    before = history.snapshot(entry)
    entry.status = SETTLED
    entry.counted_override = minutes
    entry.staff_comment = comment
    if history.snapshot(entry) == before:
        return _entry_view(entry, closed=True)
    _record_staff_change(session, entry, actor, history.SETTLED, before)
    return _entry_view(entry, closed=True)


def correct(
    session: Session, actor: dict, month: str, entry_id: str, correction: object
) -> dict:
    """Staff correct an entry of a closed month: counted minutes and/or km,
    always with a comment. Kept in the history, published as
    ``entry_corrected``."""
    entry = _agency_entry(session, actor, month, entry_id, change=True)
    if not deadlines.is_recorded_closed(session, entry.agency_id, entry.month):
        raise Conflict(
            "Ce mois n'est pas encore clos : l'intervenante valide encore ses "
            "heures (réglez un refus avec « régler »).",
            {"month": "mois encore ouvert"},
        )

    wanted = correction if isinstance(correction, dict) else {}
    errors: dict = {}
    minutes = wanted.get("counted_minutes")
    if minutes is not None and _minutes_problem(minutes):
        errors["counted_minutes"] = _minutes_problem(minutes)
    km = _read_km(wanted.get("km"), errors) if "km" in wanted else entry.km
    comment = _read_comment(wanted.get("comment"), errors)
    if not comment and "comment" not in errors:
        errors["comment"] = "obligatoire : dites pourquoi vous corrigez"
    if minutes is None and "km" not in wanted and not errors:
        errors["counted_minutes"] = "indiquez les minutes comptées ou les km"
    if errors:
        raise InvalidInput("Vérifiez les champs indiqués.", errors)

    before = history.snapshot(entry)
    if minutes is not None:
        entry.counted_override = minutes
    entry.km = km
    entry.staff_comment = comment
    _record_staff_change(session, entry, actor, history.CORRECTED, before)
    return _entry_view(entry, closed=True)


def counted_minutes(entry: Entry) -> int:
    if entry.counted_override is not None:
        return entry.counted_override
    if entry.status == REFUSED:
        return entry.declared_minutes or 0
    if entry.status == CANCELLED:
        return 0
    return entry.planned_minutes


def entry_figures(entry: Entry) -> dict:
    """The final figures of an entry as payroll reads them in events."""
    return {
        "entry_id": entry.id,
        "shift_id": entry.shift_id,
        "caregiver_id": entry.caregiver_id,
        "status": entry.status,
        "planned_minutes": entry.planned_minutes,
        "counted_minutes": counted_minutes(entry),
        "km": km_text(entry.km),
    }


def km_text(value: Decimal | None) -> str | None:
    """Kilometres as text with one decimal (``"12.5"``); None when not entered."""
    if value is None:
        return None
    return str(Decimal(value).quantize(KM_STEP, rounding=ROUND_HALF_UP))


def _month(session: Session, actor: dict, caregiver_id: str, month: str) -> dict:
    entries = _entries(session, caregiver_id, month)
    limit = _month_deadline(session, actor, caregiver_id, month, entries)
    closed = limit.is_closed()

    days: dict[date, list[dict]] = {}
    for entry in entries:
        days.setdefault(entry.local_date, []).append(_entry_view(entry, closed))
    lines = [view for views in days.values() for view in views]

    return {
        "month": month,
        "caregiver_id": caregiver_id,
        **_deadline_fields(limit, closed),
        "days": [
            {"date": day.isoformat(), "entries": views} for day, views in days.items()
        ],
        "totals": _totals(lines),
    }


def _entry_view(entry: Entry, closed: bool) -> dict:
    ended = _ended(entry)
    return {
        "id": entry.id,
        "shift_id": entry.shift_id,
        "date": entry.local_date.isoformat(),
        "start": to_local(entry.start_at, entry.timezone).isoformat(),
        "end": to_local(entry.end_at, entry.timezone).isoformat(),
        "planned_minutes": entry.planned_minutes,
        "family_name": entry.family_name,
        "activity": entry.activity,
        "car_transport": entry.car_transport,
        "status": entry.status,
        "reason": entry.reason,
        "reason_label": REASONS.get(entry.reason) if entry.reason else None,
        "comment": entry.comment,
        "declared_minutes": entry.declared_minutes,
        "counted_minutes": counted_minutes(entry),
        "staff_comment": entry.staff_comment,
        "km": None if entry.status == CANCELLED else km_text(entry.km),
        "change_note": entry.change_note,
        "ended": ended,
        "can_decide": ended
        and not closed
        and entry.status not in (CANCELLED, SETTLED, NOT_VALIDATED),
    }


def _deadline_fields(limit: MonthDeadline, closed: bool) -> dict:
    return {
        "timezone": limit.timezone,
        "deadline": limit.deadline.isoformat(),
        "grace_days": limit.grace_days,
        "status": CLOSED if closed else OPEN,
        "closed_at": limit.closed_at.isoformat() if limit.closed_at else None,
    }


def _totals(lines: list[dict]) -> dict:
    """Sums of the lines as shown; cancelled lines add no planned minutes."""
    live = [line for line in lines if line["status"] != CANCELLED]
    km = sum((Decimal(line["km"]) for line in lines if line["km"]), Decimal("0"))
    return {
        "planned_minutes": sum(line["planned_minutes"] for line in live),
        "counted_minutes": sum(line["counted_minutes"] for line in lines),
        "km": km_text(km),
        "entries": len(live),
        "pending": sum(1 for line in live if line["status"] == PENDING),
        "accepted": sum(1 for line in live if line["status"] == ACCEPTED),
        "refused": sum(1 for line in live if line["status"] == REFUSED),
        "settled": sum(1 for line in live if line["status"] == SETTLED),
        "not_validated": sum(1 for line in live if line["status"] == NOT_VALIDATED),
        "cancelled": len(lines) - len(live),
    }


def _record_decision(
    session: Session, entry: Entry, actor: dict, action: str, before: dict
) -> None:
    """Stamp, keep in the history and publish a decision on ``entry``."""
    entry.decided_at = clock.now()
    entry.decided_by = actor["id"]
    entry.updated_at = entry.decided_at
    history.record(session, entry, actor, action, before, history.snapshot(entry))
    MESSAGING.record(
        session,
        "entry_validated",
        entry.agency_id,
        {
            "entry_id": entry.id,
            "shift_id": entry.shift_id,
            "caregiver_id": entry.caregiver_id,
            "month": entry.month,
            "status": entry.status,
            "planned_minutes": entry.planned_minutes,
            "counted_minutes": counted_minutes(entry),
            "reason": entry.reason,
            "km": km_text(entry.km),
        },
    )
    session.flush()


def _record_staff_change(
    session: Session, entry: Entry, actor: dict, action: str, before: dict
) -> None:
    """Stamp, keep in the history and publish a change made by staff."""
    entry.updated_at = clock.now()
    history.record(session, entry, actor, action, before, history.snapshot(entry))
    publish_correction(session, entry, action, actor.get("id"))
    session.flush()


def publish_correction(
    session: Session, entry: Entry, action: str, by: str | None
) -> None:
    """``entry_corrected``: an entry's figures changed by staff or, after the
    month closed, by a shift planned late."""
    MESSAGING.record(
        session,
        "entry_corrected",
        entry.agency_id,
        {
            **entry_figures(entry),
            "month": entry.month,
            "action": action,
            "reason": entry.reason,
            "comment": entry.staff_comment,
            "month_closed": deadlines.is_recorded_closed(
                session, entry.agency_id, entry.month
            ),
            "by": by,
        },
    )


def _read_decision(decision: object) -> dict:
    """The decision sent by a form, checked field by field."""
    if not isinstance(decision, dict):
        raise InvalidInput("Décision illisible.", {"status": "obligatoire"})

    errors = {}
    status = decision.get("status")
    if status not in (ACCEPTED, REFUSED):
        errors["status"] = "choisissez « acceptée » ou « refusée »"

    comment = _read_comment(decision.get("comment"), errors)

    reason = declared = None
    if status == REFUSED:
        reason = decision.get("reason")
        if reason not in REASONS:
            errors["reason"] = "choisissez un motif dans la liste"
        elif reason == OTHER and not comment:
            errors["comment"] = "précisez le motif dans le commentaire"
        declared = decision.get("declared_minutes")
        if _minutes_problem(declared):
            errors["declared_minutes"] = _minutes_problem(declared)

    km = _read_km(decision.get("km"), errors)
    if errors:
        raise InvalidInput("Vérifiez les champs indiqués.", errors)
    return {
        "status": status,
        "reason": reason,
        "comment": comment,
        "declared_minutes": declared,
        "km": km,
    }


def _read_comment(value: object, errors: dict) -> str | None:
    if value is not None and not isinstance(value, str):
        errors["comment"] = "texte attendu"
        return None
    comment = (value or "").strip() or None
    if comment and "\x00" in comment:
        errors["comment"] = "caractère nul interdit"
    elif comment and len(comment) > MAX_COMMENT:
        errors["comment"] = f"{MAX_COMMENT} caractères au plus"
    return comment


def _minutes_problem(value: object) -> str | None:
    """Why ``value`` is not a duration to count (whole minutes, 0 to a day),
    in words that read right whether it was typed in minutes or in hours and
    minutes; None when it is one."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"durée attendue en minutes entières, {DAY_LIMIT}"
    if value < 0:
        return "une durée ne peut pas être négative"
    if value > MAX_DECLARED_MINUTES:
        return DAY_LIMIT
    return None


def _read_km(value: object, errors: dict) -> Decimal | None:
    """Kilometres as typed: a plain decimal number with at most one decimal
    (comma or point), from 0 to ``MAX_KM``. Anything else, an exponent or a
    second decimal that would be rounded away included, is refused."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        errors["km"] = KM_EXPECTED
        return None
    text = str(value).strip()
    if not KM_PATTERN.fullmatch(text):
        errors["km"] = KM_EXPECTED
        return None
    km = Decimal(text.replace(",", "."))
    if km > MAX_KM:
        errors["km"] = f"entre 0 et {MAX_KM} km"
        return None
    return km.quantize(KM_STEP)


def _confirmation_message(dropped: list[Entry]) -> str:
    count = len(dropped)
    what = (
        "votre modification" if count == 1 else f"vos {count} modifications d'horaires"
    )
    return (
        "« Tout accepter » valide toutes vos interventions terminées aux horaires "
        f"prévus et annule {what}. Confirmez pour continuer."
    )


def check_month(month: object) -> str:
    """``YYYY-MM`` of a year from ``FIRST_YEAR`` to ``LAST_YEAR``, or
    InvalidInput naming ``month``."""
    if not isinstance(month, str):
        raise InvalidInput("Mois invalide.", {"month": "format AAAA-MM"})
    shape = MONTH_SHAPE.fullmatch(month)
    if shape and not FIRST_YEAR <= int(shape.group(1)) <= LAST_YEAR:
        years = f"entre {FIRST_YEAR} et {LAST_YEAR}"
        raise InvalidInput(
            f"Mois invalide : année attendue {years}.",
            {"month": f"année attendue {years}"},
        )
    try:
        return month_key(parse_month(month))
    except ValueError as exc:
        raise InvalidInput("Mois invalide.", {"month": "format AAAA-MM"}) from exc


def _check_open(limit: MonthDeadline) -> None:
    """Closed when the month is: closed early by the agency (on the local
    date of its ``closed_months`` row), or past its deadline."""
    if not limit.is_closed():
        return
    which = f"Le mois {deadlines.of_month(limit.month)}"
    if limit.closed_early:
        closed_on = to_local(limit.closed_at, limit.timezone)
        raise Closed(
            f"{which} a été clos par l'agence le {closed_on:%d/%m/%Y} : ses "
            "heures ne peuvent plus être validées ; adressez-lui une demande "
            "pour en revoir une."
        )
    raise Closed(
        f"{which} est clos : ses heures pouvaient être validées jusqu'au "
        f"{limit.deadline:%d/%m/%Y} à 23:59:59."
    )


def _ended(entry: Entry) -> bool:
    return entry.end_at <= clock.now()


def _entries(session: Session, caregiver_id: str, month: str) -> list[Entry]:
    return list(
        session.scalars(
            select(Entry)
            .where(Entry.caregiver_id == caregiver_id, Entry.month == month)
            .order_by(Entry.start_at, Entry.id)
        )
    )


def _stored_entry(session: Session, entry_id: object) -> Entry | None:
    """The entry of that id; None for an id no entry can have (not text, or
    holding a NUL that PostgreSQL cannot even compare)."""
    if not access.usable_id(entry_id):
        return None
    return session.get(Entry, entry_id)


def _entry(session: Session, caregiver_id: str, month: str, entry_id: str) -> Entry:
    entry = _stored_entry(session, entry_id)
    if entry is None or entry.caregiver_id != caregiver_id or entry.month != month:
        raise NotFound("Intervention introuvable dans ce mois.")
    return entry


def _agency_entry(
    session: Session, actor: dict, month: str, entry_id: str, change: bool = False
) -> Entry:
    """An entry of the staff member's agency in ``month``, or NotFound.

    ``change``: the caller changes it, which a back-office key may not.
    """
    month = check_month(month)
    check = access.check_staff if change else access.check_agency
    agency_id = check(actor, None)
    entry = _stored_entry(session, entry_id)
    if entry is None or entry.month != month or entry.agency_id != agency_id:
        raise NotFound("Intervention introuvable dans ce mois.")
    return entry


def _deadline_of(
    session: Session, agency_id: str | None, month: str, tz: str
) -> MonthDeadline:
    return deadlines.for_month(session, agency_id, month, tz)


def _month_deadline(
    session: Session,
    actor: dict,
    caregiver_id: str,
    month: str,
    entries: list[Entry],
) -> MonthDeadline:
    """The deadline of her month: her agency's rules, in its zone.

    Her agency is that of the month's entries, else the one timesheets knows
    for her, else the actor's; the zone falls back on her latest entry's.
    """
    if entries:
        return _deadline_of(session, entries[0].agency_id, month, entries[0].timezone)
    agency_id = access.caregiver_agency(session, caregiver_id) or actor.get("agency_id")
    latest = session.scalars(
        select(Entry.timezone)
        .where(Entry.caregiver_id == caregiver_id)
        .order_by(Entry.start_at.desc())
        .limit(1)
    ).first()
    return _deadline_of(session, agency_id, month, latest or DEFAULT_TIMEZONE)
