"""Request rules: a caregiver asks, her agency answers, the thread goes on.

Plain functions over a SQLAlchemy session, callable without a broker. Every
function takes the acting person first and checks what she may reach: a
caregiver her own requests, staff and back-office systems their agency's,
the network admin everything. A request out of reach is answered as unknown,
so that nobody learns that it exists. Events are written to the outbox in
the transaction of the change they describe.
"""

import json
import logging
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency_requests.categories import (
    HAS_NUL,
    NUL,
    check_details,
    intervention_instants,
)
from agency_requests.models import (
    ANSWERED,
    CAREGIVER,
    CATEGORIES,
    CLOSED,
    MESSAGING,
    OPEN,
    PLANNING_CHANGE,
    STAFF,
    STATUSES,
    UNPLANNED_INTERVENTION,
    Message,
    Request,
)
from extranet_common import clock
from extranet_common.errors import Conflict, InvalidInput, NotFound, PermissionDenied

_log = logging.getLogger(__name__)

SUBJECT_MAX = 200
BODY_MAX = 5000

ROLE_CAREGIVER = "caregiver"
ROLE_STAFF = "staff"
ROLE_BACKOFFICE = "backoffice"
ROLE_ADMIN = "admin"
AGENCY_ROLES = (ROLE_STAFF, ROLE_BACKOFFICE, ROLE_ADMIN)

REQUEST_SUBMITTED = "request_submitted"
REQUEST_ANSWERED = "request_answered"
REQUEST_CLOSED = "request_closed"


def submit(
    session: Session,
    actor: dict,
    category: str,
    subject: str,
    body: str,
    details: dict | None = None,
    timezone: str | None = None,
    shift: dict | None = None,
) -> dict:
    """A caregiver's new request; ``body`` is the first message of its thread.

    With the agency's ``timezone``, the local hours of an unplanned
    intervention are checked at once (a skipped or repeated hour is refused,
    and so is one that has not started yet); without it, the approval
    checks them. ``shift`` is the shift a
    planning change is about as planning found it among hers (an empty dict:
    planning found none); its day, hours and family are kept with the
    request, so that staff see which shift she means.
    """
    if _role(actor) != ROLE_CAREGIVER or not actor.get("agency_id"):
        raise PermissionDenied("Seule une intervenante peut envoyer une demande.")

    problems: dict[str, str] = {}
    subject = _checked_subject(subject, problems)
    body = _checked_body(body, problems)
    stored_details: dict = {}
    if category not in CATEGORIES:
        problems["category"] = "Choisissez le type de demande."
    else:
        stored_details, detail_problems = check_details(category, details)
        problems.update(detail_problems)
        if category == UNPLANNED_INTERVENTION and timezone and not detail_problems:
            start, _, hour_problems = intervention_instants(stored_details, timezone)
            problems.update(hour_problems)
            if not hour_problems and start > clock.now():
                problems["date"] = (
                    "Cette intervention n'a pas encore commencé : déclarez-la "
                    "une fois faite (une garde à venir se demande à l'agence)."
                )
        if category == PLANNING_CHANGE and shift is not None and not detail_problems:
            if shift:
                stored_details = _about_shift(shift)
            else:
                problems["shift_id"] = "Cette garde n'est pas dans votre planning."
    if problems:
        _log.warning("request refused, fields: %s", sorted(problems))
        raise InvalidInput("La demande est incomplète ou invalide.", problems)

    now = clock.now()
    request = Request(
        id=_new_id(),
        agency_id=actor["agency_id"],
        caregiver_id=actor["id"],
        category=category,
        subject=subject,
        status=OPEN,
        details=json.dumps(stored_details),
        created_at=now,
        updated_at=now,
    )
    session.add(request)
    append_message(session, request, actor["id"], CAREGIVER, body, now)
    session.flush()

    MESSAGING.record(
        session,
        REQUEST_SUBMITTED,
        request.agency_id,
        {
            "request_id": request.id,
            "caregiver_id": request.caregiver_id,
            "category": request.category,
            "subject": request.subject,
        },
    )
    return request_view(request, thread_of(session, request))


def list_mine(session: Session, actor: dict) -> list[dict]:
    """The caregiver's own requests, newest first, without their threads."""
    if _role(actor) != ROLE_CAREGIVER:
        raise PermissionDenied("Cette liste est celle d'une intervenante.")

    requests = session.scalars(
        select(Request)
        .where(Request.caregiver_id == actor["id"])
        .order_by(Request.created_at.desc(), Request.id)
    )
    return [request_view(request) for request in requests]


def get(session: Session, actor: dict, request_id: str) -> dict:
    """One request with its thread in order."""
    request = reachable(session, actor, request_id)
    return request_view(request, thread_of(session, request))


def add_message(session: Session, actor: dict, request_id: str, body: str) -> dict:
    """A message on the thread, from the caregiver or from her agency.

    The caregiver's message puts an answered request back to open; a closed
    request takes no more messages from her. A message from the agency is an
    answer (see :func:`reply`).
    """
    if _role(actor) in AGENCY_ROLES:
        return reply(session, actor, request_id, body)

    request = reachable(session, actor, request_id)
    body = _valid_body(body)
    if request.status == CLOSED:
        raise Conflict(
            "Cette demande est close : envoyez une nouvelle demande.",
            {"status": "close"},
        )

    now = clock.now()
    append_message(session, request, actor["id"], CAREGIVER, body, now)
    request.status = OPEN
    request.updated_at = now
    session.flush()
    return request_view(request, thread_of(session, request))


def reply(
    session: Session, actor: dict, request_id: str, body: str, close: bool = False
) -> dict:
    """The agency's answer: the request becomes answered, or closed."""
    require_agency_role(actor)
    request = reachable(session, actor, request_id)
    body = _valid_body(body)

    now = clock.now()
    append_message(session, request, actor["id"], STAFF, body, now)
    request.status = CLOSED if close else ANSWERED
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
    return request_view(request, thread_of(session, request))


def close(session: Session, actor: dict, request_id: str) -> dict:
    """The agency closes the request; closing a closed one changes nothing."""
    require_agency_role(actor)
    request = reachable(session, actor, request_id)
    if request.status == CLOSED:
        return request_view(request, thread_of(session, request))

    request.status = CLOSED
    request.updated_at = clock.now()
    session.flush()

    MESSAGING.record(
        session,
        REQUEST_CLOSED,
        request.agency_id,
        {
            "request_id": request.id,
            "caregiver_id": request.caregiver_id,
            "subject": request.subject,
        },
    )
    return request_view(request, thread_of(session, request))


def list_for_agency(
    session: Session,
    actor: dict,
    status: str | None = None,
    category: str | None = None,
) -> list[dict]:
    """The agency's requests, newest first, optionally of one status or
    category. The network admin without an agency sees every agency's."""
    require_agency_role(actor)

    problems = {}
    if status is not None and status not in STATUSES:
        problems["status"] = "Statut inconnu."
    if category is not None and category not in CATEGORIES:
        problems["category"] = "Type de demande inconnu."
    if problems:
        raise InvalidInput("Filtre invalide.", problems)

    query = select(Request).order_by(Request.created_at.desc(), Request.id)
    if actor.get("agency_id"):
        query = query.where(Request.agency_id == actor["agency_id"])
    if status is not None:
        query = query.where(Request.status == status)
    if category is not None:
        query = query.where(Request.category == category)
    return [request_view(request) for request in session.scalars(query)]


def request_view(request: Request, messages: list[Message] | None = None) -> dict:
    """A request as callers see it; the thread only when ``messages`` is given."""
    view = {
        "id": request.id,
        "agency_id": request.agency_id,
        "caregiver_id": request.caregiver_id,
        "category": request.category,
        "subject": request.subject,
        "status": request.status,
        "details": json.loads(request.details),
        "created_at": request.created_at.isoformat(),
        "updated_at": request.updated_at.isoformat(),
    }
    if request.approval:
        view["approval"] = json.loads(request.approval)
    if messages is not None:
        view["messages"] = [message_view(message) for message in messages]
    return view


def message_view(message: Message) -> dict:
    return {
        "id": message.id,
        "author_role": message.author_role,
        "author_id": message.author_id,
        "body": message.body,
        "created_at": message.created_at.isoformat(),
    }


def _role(actor: dict) -> str | None:
    if not isinstance(actor, dict) or not actor.get("id"):
        raise PermissionDenied("Personne non identifiée.")
    return actor.get("role")


def require_agency_role(actor: dict) -> None:
    role = _role(actor)
    if role not in AGENCY_ROLES:
        raise PermissionDenied("Réservé à l'agence.")
    if role != ROLE_ADMIN and not actor.get("agency_id"):
        raise PermissionDenied("Réservé à l'agence.")


def reachable(session: Session, actor: dict, request_id: str) -> Request:
    """The request if ``actor`` may reach it; otherwise it is unknown to her."""
    role = _role(actor)
    request = (
        session.get(Request, request_id)
        if isinstance(request_id, str) and NUL not in request_id
        else None
    )

    if request is None:
        visible = False
    elif role == ROLE_CAREGIVER:
        visible = request.caregiver_id == actor["id"]
    elif role == ROLE_ADMIN:
        visible = True
    elif role in AGENCY_ROLES:
        visible = bool(actor.get("agency_id")) and (
            request.agency_id == actor["agency_id"]
        )
    else:
        visible = False

    if not visible:
        _log.warning("request %s out of reach of %s", request_id, actor["id"])
        raise NotFound("Demande introuvable.")
    return request


def append_message(
    session: Session,
    request: Request,
    author_id: str,
    author_role: str,
    body: str,
    now,
) -> Message:
    position = session.scalar(
        select(func.count(Message.id)).where(Message.request_id == request.id)
    )
    message = Message(
        id=_new_id(),
        request_id=request.id,
        position=(position or 0) + 1,
        author_id=author_id,
        author_role=author_role,
        body=body,
        created_at=now,
    )
    session.add(message)
    return message


def thread_of(session: Session, request: Request) -> list[Message]:
    return list(
        session.scalars(
            select(Message)
            .where(Message.request_id == request.id)
            .order_by(Message.position)
        )
    )


def _checked_subject(subject: object, problems: dict[str, str]) -> str:
    text = subject.strip() if isinstance(subject, str) else ""
    if not text:
        problems["subject"] = "Indiquez l'objet de la demande."
    elif NUL in text:
        problems["subject"] = HAS_NUL
    elif len(text) > SUBJECT_MAX:
        problems["subject"] = f"L'objet ne doit pas dépasser {SUBJECT_MAX} caractères."
    return text


def _checked_body(body: object, problems: dict[str, str]) -> str:
    text = body.strip() if isinstance(body, str) else ""
    if not text:
        problems["body"] = "Écrivez votre message."
    elif NUL in text:
        problems["body"] = HAS_NUL
    elif len(text) > BODY_MAX:
        problems["body"] = f"Le message ne doit pas dépasser {BODY_MAX} caractères."
    return text


def _valid_body(body: object) -> str:
    problems: dict[str, str] = {}
    text = _checked_body(body, problems)
    if problems:
        raise InvalidInput(problems["body"], problems)
    return text


def _new_id() -> str:
    return str(uuid.uuid4())


def _about_shift(shift: dict) -> dict:
    """What a planning change keeps of the shift it is about."""
    return {
        "shift_id": shift["id"],
        "shift_ref": shift.get("external_id"),
        "date": shift.get("local_date"),
        "start": shift.get("start"),
        "end": shift.get("end"),
        "family": (shift.get("family") or {}).get("name"),
    }
