"""The agency's pages, for its staff."""

from werkzeug.wrappers import Response

from extranet_common.errors import (
    InvalidInput,
    ServiceError,
)
from extranet_common.localtime import month_key
from extranet_gateway.pages.core import (
    Visit,
    check_csrf,
    checked_month,
    month_title,
    problem,
    view,
)


@view("/agence", role="staff")
def agency(visit: Visit) -> Response:
    month = visit.request.args.get("mois") or month_key(visit.today())
    month = checked_month(month)
    summary = visit.service.timesheets_rpc.agency_month(visit.actor, month)
    return visit.render(
        "agency.html", month=month, title=month_title(month), summary=summary
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
        if not raw:
            raise InvalidInput("Choisissez un fichier CSV.", {"file": "aucun fichier"})
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
