"""The agency's pages for the requests caregivers send: the list, a
thread, the answer, the approval of an unplanned intervention.

Each action of the thread page posts to its own address (``/reponse``,
``/cloture``, ``/approbation``) and comes back to the thread with a short
confirmation. A refusal shows the thread again, with the message at the top
of the form that failed, each field's message beside its input and what was
typed kept.

The approval form is checked with the API's ``Approval`` schema, so the page
and ``POST /api/v1/agency/requests/{id}/approve`` hand the same decision to
the requests service; only the schema's (English) messages are replaced by
French ones here.
"""

from marshmallow import ValidationError
from werkzeug.wrappers import Response

from extranet_common.errors import Conflict, InvalidInput, ServiceError
from extranet_gateway.api.requests import Approval
from extranet_gateway.pages.core import (
    REQUEST_CATEGORIES,
    REQUEST_STATUSES,
    Visit,
    check_csrf,
    problem,
    see,
    view,
)

UNPLANNED_INTERVENTION = "unplanned_intervention"
CLOSED = "closed"

DONE = {
    "reponse": "Réponse envoyée à l'intervenante.",
    "reponse-fermee": "Réponse envoyée ; la demande est fermée.",
    "cloture": "La demande est fermée.",
    "approbation": "Intervention approuvée : la garde est ajoutée à son planning.",
}
"""The confirmations shown on the thread after each action (``?fait=``)."""

APPROVAL_PROBLEMS = {
    "family_ref": "Choisissez la famille chez qui l'intervention a eu lieu.",
    "date": "Date attendue au format AAAA-MM-JJ.",
    "start": "Heure de début attendue au format HH:MM.",
    "end": "Heure de fin attendue au format HH:MM.",
    "activity": "L'activité ne doit pas dépasser 200 caractères.",
    "message": "Le message ne doit pas dépasser 5000 caractères.",
}
"""French words for what the ``Approval`` schema refuses, field by field."""

APPROVAL_TEXTS = ("family_ref", "date", "start", "end", "activity", "message")
APPROVAL_CHECKS = ("car_transport", "close")


@view("/agence/demandes", role="staff")
def agency_requests(visit: Visit) -> Response:
    """The agency's requests, in the service's order, filtered by status and
    category (``?statut=open&type=pay``)."""
    wanted_status = visit.request.args.get("statut") or None
    wanted_category = visit.request.args.get("type") or None
    status, error, fields = 200, None, {}
    try:
        items = visit.service.requests_rpc.list_for_agency(
            visit.actor, wanted_status, wanted_category
        )
    except ServiceError as exc:
        refused = problem(exc)
        status, error, items = refused.status, refused.message, []
        fields = {
            {"status": "statut", "category": "type"}.get(key, key): why
            for key, why in refused.fields.items()
        }
    names = _caregiver_names(visit)
    return visit.render(
        "agency_requests.html",
        status,
        items=items,
        names=names,
        wanted={"statut": wanted_status or "", "type": wanted_category or ""},
        open_count=sum(1 for item in items if item["status"] == "open"),
        categories=REQUEST_CATEGORIES,
        statuses=REQUEST_STATUSES,
        error=error,
        fields=fields,
    )


@view("/agence/demandes/<request_id>", role="staff")
def agency_request(visit: Visit, request_id: str) -> Response:
    return _thread_page(visit, request_id)


@view("/agence/demandes/<request_id>/reponse", ["POST"], role="staff")
def answer(visit: Visit, request_id: str) -> Response:
    check_csrf(visit.request)
    body = visit.request.form.get("body", "")
    close = bool(visit.request.form.get("close"))
    try:
        visit.service.requests_rpc.reply(visit.actor, request_id, body, close)
    except ServiceError as exc:
        error = problem(exc)
        return _thread_page(
            visit,
            request_id,
            error.status,
            failed="reply",
            error=error.message,
            fields=error.fields,
            reply={"body": body, "close": close},
        )
    done = "reponse-fermee" if close else "reponse"
    return see(f"/agence/demandes/{request_id}?fait={done}")


@view("/agence/demandes/<request_id>/cloture", ["POST"], role="staff")
def close(visit: Visit, request_id: str) -> Response:
    check_csrf(visit.request)
    try:
        visit.service.requests_rpc.close(visit.actor, request_id)
    except ServiceError as exc:
        error = problem(exc)
        return _thread_page(
            visit, request_id, error.status, failed="close", error=error.message
        )
    return see(f"/agence/demandes/{request_id}?fait=cloture")


@view("/agence/demandes/<request_id>/approbation", ["POST"], role="staff")
def approve(visit: Visit, request_id: str) -> Response:
    """Turn an unplanned intervention into a shift (planning's ``REQ-<id>``).

    The requests service answers a second approval with the first one and
    changes nothing; the page says so instead of confirming a new shift.
    """
    check_csrf(visit.request)
    form = visit.request.form
    typed = {name: form.get(name, "").strip() for name in APPROVAL_TEXTS}
    typed.update({name: bool(form.get(name)) for name in APPROVAL_CHECKS})
    rpc = visit.service.requests_rpc
    try:
        decision = _approval(typed)
        earlier = rpc.get(visit.actor, request_id).get("approval")
        if earlier:
            raise Conflict(
                "Cette intervention est déjà approuvée (garde "
                f"{earlier['shift_external_id']}) : rien n'a été changé.",
                {},
            )
        rpc.approve(visit.actor, request_id, decision)
    except ServiceError as exc:
        error = problem(exc)
        return _thread_page(
            visit,
            request_id,
            error.status,
            failed="approval",
            error=error.message,
            fields=error.fields,
            approval=typed,
        )
    return see(f"/agence/demandes/{request_id}?fait=approbation")


def _approval(typed: dict) -> dict:
    """The decision the API's ``approve`` view would build from the same
    values; empty optional fields are left out (the request's own date and
    hours then stand, and the service writes its usual message)."""
    given = {
        name: value
        for name, value in typed.items()
        if name == "family_ref" or value not in ("", None)
    }
    try:
        return Approval().load(given)
    except ValidationError as exc:
        problems = {
            name: APPROVAL_PROBLEMS.get(name, "Valeur refusée.")
            for name in exc.messages
        }
        raise InvalidInput("Vérifiez les champs indiqués.", problems) from exc


def _thread_page(
    visit: Visit, request_id: str, status: int = 200, **context
) -> Response:
    """The thread with its forms; ``context`` carries a refused form's
    ``failed`` name, ``error``, ``fields`` and typed values."""
    thread = visit.service.requests_rpc.get(visit.actor, request_id)
    names = _caregiver_names(visit)
    approvable = (
        thread["category"] == UNPLANNED_INTERVENTION
        and not thread.get("approval")
        and thread["status"] != CLOSED
    )
    families = (
        visit.service.planning_rpc.list_families(visit.actor) if approvable else []
    )
    details = thread.get("details") or {}
    context.setdefault(
        "approval",
        {
            "date": details.get("date", ""),
            "start": details.get("start", ""),
            "end": details.get("end", ""),
        },
    )
    context.setdefault("reply", {})
    context.setdefault("failed", None)
    context.setdefault("fields", {})
    return visit.render(
        "agency_request.html",
        status,
        thread=thread,
        caregiver=names.get(thread["caregiver_id"], "Intervenante inconnue"),
        approvable=approvable,
        families=families,
        done=DONE.get(visit.request.args.get("fait", "")),
        categories=REQUEST_CATEGORIES,
        statuses=REQUEST_STATUSES,
        **context,
    )


def _caregiver_names(visit: Visit) -> dict[str, str]:
    caregivers = visit.service.identity_rpc.agency_caregivers(visit.actor)
    return {
        caregiver["id"]: f"{caregiver['first_name']} {caregiver['last_name']}"
        for caregiver in caregivers
    }
