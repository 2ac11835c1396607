"""Approving an unplanned intervention (F18): the request becomes a shift.

Approval runs in three steps so that no database transaction stays open
while planning is called: :func:`prepare` reads the request and checks who
approves what; the service asks planning's ``put_shift`` for the shift;
:func:`record` writes the approval, the agency's message and the events.

The shift's external id is ``REQ-<request id>``, and planning's ``put_shift``
is idempotent on it: approving twice, or again after a crash between the
call and the record, leaves one shift. Once the approval is recorded, a
second approval answers the same request without calling planning.
"""

import json
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from agency_requests.categories import (
    HAS_NUL,
    NUL,
    check_details,
    intervention_instants,
)
from agency_requests.models import (
    ANSWERED,
    CLOSED,
    MESSAGING,
    STAFF,
    UNPLANNED_INTERVENTION,
)
from agency_requests.threads import (
    REQUEST_ANSWERED,
    append_message,
    reachable,
    request_view,
    require_agency_role,
    thread_of,
)
from extranet_common import clock, localtime
from extranet_common.errors import Conflict, InvalidInput

_log = logging.getLogger(__name__)

UNPLANNED_INTERVENTION_APPROVED = "unplanned_intervention_approved"
EXTERNAL_ID_PREFIX = "REQ-"
FAMILY_REF_MAX = 40
ACTIVITY_MAX = 200
MESSAGE_MAX = 5000
OVERRIDABLE = ("date", "start", "end")


@dataclass(frozen=True)
class Plan:
    """What an approval will ask of planning, or its earlier answer."""

    request_id: str
    agency_id: str
    caregiver_id: str
    external_id: str
    details: dict
    family_ref: str
    activity: str
    car_transport: bool
    message: str | None
    close: bool
    done: dict | None = None


def external_id_for(request_id: str) -> str:
    """The shift's external id in planning: the same for every approval."""
    return f"{EXTERNAL_ID_PREFIX}{request_id}"


def prepare(session: Session, actor: dict, request_id: str, decision: dict) -> Plan:
    """Check the approval and the decision; read what planning needs.

    ``decision`` holds ``family_ref`` (required: the caregiver typed the
    family's name as free text), optionally ``date``, ``start``, ``end`` to
    correct her hours, ``activity``, ``car_transport``, ``message`` (the
    agency's word in the thread) and ``close``. An approved request answers
    with its view in ``done``.
    """
    require_agency_role(actor)
    request = reachable(session, actor, request_id)
    if request.category != UNPLANNED_INTERVENTION:
        raise Conflict(
            "Seule une demande d'intervention non planifiée peut être approuvée.",
            {"category": request.category},
        )
    if not isinstance(decision, dict):
        raise InvalidInput("Décision illisible.", {"decision": "objet attendu"})

    if request.approved_shift_external_id:
        view = request_view(request, thread_of(session, request))
        return _plan(request, {}, "", "", False, None, False, done=view)

    problems: dict[str, str] = {}
    family_ref = _text(decision.get("family_ref"))
    if not family_ref:
        problems["family_ref"] = "Indiquez la référence de la famille."
    elif len(family_ref) > FAMILY_REF_MAX:
        problems["family_ref"] = f"{FAMILY_REF_MAX} caractères au plus."
    activity = _text(decision.get("activity"))
    if len(activity) > ACTIVITY_MAX:
        problems["activity"] = f"{ACTIVITY_MAX} caractères au plus."
    message = _text(decision.get("message")) or None
    if message and len(message) > MESSAGE_MAX:
        problems["message"] = f"{MESSAGE_MAX} caractères au plus."
    for name, text in (
        ("family_ref", family_ref),
        ("activity", activity),
        ("message", message),
    ):
        if text and NUL in text:
            problems[name] = HAS_NUL
    car_transport = decision.get("car_transport") or False
    if not isinstance(car_transport, bool):
        problems["car_transport"] = "Vrai ou faux attendu."

    asked = json.loads(request.details)
    corrected = {key: decision[key] for key in OVERRIDABLE if decision.get(key)}
    details, detail_problems = check_details(
        UNPLANNED_INTERVENTION, {**asked, **corrected}
    )
    problems.update(
        {key: why for key, why in detail_problems.items() if key in OVERRIDABLE}
    )
    if problems:
        _log.warning("approval of %s refused, fields: %s", request.id, problems)
        raise InvalidInput("L'approbation est incomplète ou invalide.", problems)

    return _plan(
        request,
        details,
        family_ref,
        activity,
        car_transport,
        message,
        bool(decision.get("close")),
    )


def shift_for(plan: Plan, timezone: str) -> dict:
    """The shift to hand to planning's ``put_shift``: the request's local
    date and hours as instants of the agency's ``timezone``."""
    start, end, problems = intervention_instants(plan.details, timezone)
    if problems:
        _log.warning("approval of %s: local time refused %s", plan.request_id, problems)
        raise InvalidInput(
            "Ces heures ne désignent pas un moment précis dans le fuseau de "
            "l'agence : corrigez-les dans l'approbation.",
            problems,
        )

    notes = f"Demande {plan.request_id} de l'intervenante."
    if plan.details.get("comment"):
        notes = f"{notes} {plan.details['comment']}"
    return {
        "caregiver_id": plan.caregiver_id,
        "family_ref": plan.family_ref,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "activity": plan.activity,
        "car_transport": plan.car_transport,
        "notes": notes,
    }


def record(
    session: Session, actor: dict, plan: Plan, shift: dict, timezone: str
) -> dict:
    """Write the approval once: the agency's message, the status, and the
    ``request_answered`` and ``unplanned_intervention_approved`` events.

    ``shift`` is planning's answer; its warnings (a shift over the
    caregiver's unavailability) are kept with the approval. If another
    approval was recorded in the meantime, that one stands and nothing more
    is written.
    """
    request = reachable(session, actor, plan.request_id)
    if request.approved_shift_external_id:
        return request_view(request, thread_of(session, request))

    now = clock.now()
    start = clock.parse_instant(shift["start"])
    end = clock.parse_instant(shift["end"])
    approval = {
        "shift_external_id": plan.external_id,
        "shift_id": shift.get("id"),
        "family_ref": plan.family_ref,
        "date": localtime.local_date(start, timezone).isoformat(),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "warnings": shift.get("warnings") or [],
        "approved_by": actor["id"],
        "approved_at": now.isoformat(),
    }
    body = plan.message or _default_message(start, end, timezone)
    append_message(session, request, actor["id"], STAFF, body, now)
    request.approved_shift_external_id = plan.external_id
    request.approval = json.dumps(approval)
    request.status = CLOSED if plan.close else ANSWERED
    request.updated_at = now
    session.flush()

    MESSAGING.record(
        session,
        REQUEST_ANSWERED,
        request.agency_id,
        {
            "request_id": request.id,
            "caregiver_id": request.caregiver_id,
            "subject": request.subject,
        },
    )
    MESSAGING.record(
        session,
        UNPLANNED_INTERVENTION_APPROVED,
        request.agency_id,
        {
            "request_id": request.id,
            "caregiver_id": request.caregiver_id,
            "shift_external_id": plan.external_id,
            "shift_id": approval["shift_id"],
            "date": approval["date"],
            "start": approval["start"],
            "end": approval["end"],
        },
    )
    _log.info("request %s approved as shift %s", request.id, plan.external_id)
    return request_view(request, thread_of(session, request))


def _plan(request, details, family_ref, activity, car, message, close, done=None):
    return Plan(
        request_id=request.id,
        agency_id=request.agency_id,
        caregiver_id=request.caregiver_id,
        external_id=external_id_for(request.id),
        details=details,
        family_ref=family_ref,
        activity=activity,
        car_transport=car,
        message=message,
        close=close,
        done=done,
    )


def _default_message(start: datetime, end: datetime, timezone: str) -> str:
    local_start = localtime.to_local(start, timezone)
    local_end = localtime.to_local(end, timezone)
    return (
        "Intervention approuvée : elle est ajoutée à votre planning le "
        f"{local_start:%d/%m/%Y} de {local_start:%H:%M} à {local_end:%H:%M}."
    )


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""
