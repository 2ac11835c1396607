"""The agency's pages, for its staff."""

from datetime import timedelta

from werkzeug.wrappers import Response

from extranet_common.errors import (
    InvalidInput,
    NotFound,
    ServiceError,
)
from extranet_common.localtime import month_days, month_key, parse_month
from extranet_gateway.pages.core import (
    STATUS_LABELS,
    Visit,
    check_csrf,
    checked_month,
    month_title,
    problem,
    read_duration,
    see,
    shown_entry,
    view,
)

ACTIONS = {
    "created": "Planifiée",
    "changed": "Modifiée par le planning",
    "reopened": "Rouverte par le planning",
    "restored": "Rétablie par le planning",
    "reassigned": "Réattribuée",
    "cancelled": "Annulée",
    "removed": "Retirée",
    "accepted": "Acceptée",
    "refused": "Refusée",
    "accepted_all": "Acceptée (tout accepter)",
    "settled": "Refus réglé par l'agence",
    "corrected": "Corrigée par l'agence",
    "not_validated": "Non validée à la clôture",
    "added_after_closing": "Ajoutée après la clôture",
    "ignored_after_closing": "Changement du planning ignoré (mois clos)",
}
AUTHORS = {
    "caregiver": "l'intervenante",
    "staff": "l'agence",
    "admin": "le réseau",
    "backoffice": "le logiciel de l'agence",
    "planning": "le planning",
    "system": "la clôture automatique",
}


@view("/agence", role="staff")
def agency(visit: Visit) -> Response:
    month = visit.request.args.get("mois") or month_key(visit.today())
    return _month_page(visit, checked_month(month))


def _month_page(visit: Visit, month: str, status: int = 200, **context) -> Response:
    summary = visit.service.timesheets_rpc.agency_month(visit.actor, month)
    first = parse_month(month)
    _, last = month_days(first)
    return visit.render(
        "agency.html",
        status,
        month=month,
        title=month_title(month),
        summary=summary,
        before=month_key(first - timedelta(days=1)),
        after=month_key(last + timedelta(days=1)),
        can_close=summary["status"] == "open" and visit.today() > last,
        closed_now=visit.request.args.get("clos"),
        **context,
    )


@view("/agence/clore/<month>", ["POST"], role="staff")
def close_month(visit: Visit, month: str) -> Response:
    """Close the month before the end of its grace period; the first POST
    shows what closing does, the second (``confirm=oui``) does it."""
    month = checked_month(month)
    check_csrf(visit.request)
    if visit.request.form.get("confirm") != "oui":
        return _month_page(visit, month, confirming=True)
    try:
        visit.service.timesheets_rpc.close_month(visit.actor, month)
    except ServiceError as exc:
        error = problem(exc)
        return _month_page(visit, month, error.status, error=error.message)
    return see(f"/agence?mois={month}&clos=1")


@view("/agence/heures/<month>/<caregiver_id>", role="staff")
def caregiver_month(visit: Visit, month: str, caregiver_id: str) -> Response:
    return _caregiver_page(visit, checked_month(month), caregiver_id)


@view("/agence/heures/<month>/<caregiver_id>/<entry_id>", ["POST"], role="staff")
def change_entry(visit: Visit, month: str, caregiver_id: str, entry_id: str):
    """Settle a refusal (open or closed month) or correct an entry of a
    closed month, as the form's ``action`` says."""
    month = checked_month(month)
    check_csrf(visit.request)
    sheet = visit.service.timesheets_rpc.caregiver_month(
        visit.actor, caregiver_id, month
    )
    if not shown_entry(sheet, entry_id):
        raise NotFound("Cette intervention n'est pas dans son mois.")
    form = visit.request.form
    action = form.get("action")
    problems: dict = {}
    comment = form.get("comment", "").strip() or None
    if action == "settle":
        change = {
            "minutes": read_duration(form, problems, "minutes"),
            "comment": comment,
        }
        call = visit.service.timesheets_rpc.settle
    elif action == "correct":
        change = {"comment": comment}
        if form.get("hours", "").strip() or form.get("minutes", "").strip():
            change["counted_minutes"] = read_duration(form, problems, "counted_minutes")
        if form.get("km", "").strip():
            change["km"] = form.get("km", "").strip().replace(",", ".")
        call = visit.service.timesheets_rpc.correct
    else:
        raise InvalidInput("Action inconnue.", {"action": "settle ou correct"})
    if not problems:
        try:
            call(visit.actor, month, entry_id, change)
            return see(
                f"/agence/heures/{month}/{caregiver_id}?ok={entry_id}#e-{entry_id}"
            )
        except ServiceError as exc:
            error = problem(exc)
            message, problems, status = error.message, error.fields or {}, error.status
    else:
        message, status = "Vérifiez les champs indiqués.", 400
    return _caregiver_page(
        visit,
        month,
        caregiver_id,
        status,
        failed=entry_id,
        error=message,
        fields=problems,
        typed=form.to_dict(),
    )


@view("/agence/heures/<month>/<caregiver_id>/<entry_id>/historique", role="staff")
def entry_history(visit: Visit, month: str, caregiver_id: str, entry_id: str):
    month = checked_month(month)
    rows = visit.service.timesheets_rpc.agency_entry_history(
        visit.actor, month, entry_id
    )
    for row in rows:
        row["action_label"] = ACTIONS.get(row["action"], row["action"])
        row["author"] = AUTHORS.get(row["actor_role"], row["actor_role"])
    return visit.render(
        "agency_entry_history.html",
        rows=rows,
        month=month,
        title=month_title(month),
        caregiver_id=caregiver_id,
        labels=STATUS_LABELS,
    )


def _caregiver_page(
    visit: Visit, month: str, caregiver_id: str, status: int = 200, **context
) -> Response:
    sheet = visit.service.timesheets_rpc.caregiver_month(
        visit.actor, caregiver_id, month
    )
    first = parse_month(month)
    _, last = month_days(first)
    context.setdefault("fields", {})
    context.setdefault("typed", {})
    if not shown_entry(sheet, context.get("failed")):
        context["failed"] = None
    return visit.render(
        "agency_caregiver_month.html",
        status,
        sheet=sheet,
        month=month,
        title=month_title(month),
        before=month_key(first - timedelta(days=1)),
        after=month_key(last + timedelta(days=1)),
        labels=STATUS_LABELS,
        done=visit.request.args.get("ok"),
        **context,
    )


@view("/agence/planning", ["GET", "POST"], role="staff")
def agency_import(visit: Visit) -> Response:
    """Import a planning CSV (file upload); each faulty line is listed."""
    if visit.request.method != "POST":
        return visit.render("agency_import.html", fields={})
    check_csrf(visit.request)
    upload = visit.request.files.get("file")
    raw = upload.stream.read() if upload else b""
    try:
        if not (upload and upload.filename):
            raise InvalidInput("Choisissez un fichier CSV.", {"file": "aucun fichier"})
        if not raw:
            raise InvalidInput(
                f"Le fichier « {upload.filename} » est vide.", {"file": "fichier vide"}
            )
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                "Le fichier doit être encodé en UTF-8.", {"file": "encodage non UTF-8"}
            ) from exc
        result = visit.service.planning_rpc.import_shifts_csv(visit.actor, text)
    except ServiceError as exc:
        error = problem(exc)
        return visit.render(
            "agency_import.html",
            error.status,
            error=error.message,
            fields=error.fields,
            lines=(error.data or {}).get("lines", []),
        )
    return visit.render("agency_import.html", result=result, fields={})
