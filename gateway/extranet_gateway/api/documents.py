"""Administrative documents: the agency publishes PDFs; she lists and
downloads her own.

Publishing takes ``multipart/form-data`` (a ``file`` part, ``type``,
``period``, ``caregiver_id`` or ``all``), so the route has no JSON body
schema and reads the form itself. The file crosses RPC base64-encoded; the
notifications service checks that it is a PDF and not too large.
"""

import base64
import unicodedata
from urllib.parse import quote

from werkzeug.wrappers import Response

from extranet_gateway.errors import HttpError
from extranet_gateway.routing import CAREGIVER, STAFF, Call, route

ME = "/api/v1/me"
AGENCY = "/api/v1/agency"

TRUE = {"true", "1", "on", "oui", "yes"}
FALSE = {"false", "0", "off", "non", "no", ""}
FIELD_MAX = 100


@route(f"{AGENCY}/documents", ["POST"], STAFF, "Publish a PDF document", status=201)
def publish_document(call: Call):
    form, files = call.request.form, call.request.files
    if not call.request.mimetype == "multipart/form-data":
        raise HttpError(
            400,
            "INVALID_INPUT",
            "Envoyez le document en multipart/form-data.",
            {"file": "formulaire multipart attendu"},
        )
    upload = files.get("file")
    if upload is None:
        raise HttpError(
            400, "INVALID_INPUT", "Le fichier manque.", {"file": "obligatoire"}
        )

    problems = {
        name: f"{FIELD_MAX} caractères au plus"
        for name in ("type", "period", "caregiver_id")
        if len(form.get(name, "")) > FIELD_MAX
    }
    everyone = form.get("all", "").strip().lower()
    if everyone not in TRUE | FALSE:
        problems["all"] = "vrai ou faux attendu"
    if problems:
        raise HttpError(
            400, "INVALID_INPUT", "Certains champs sont invalides.", problems
        )

    content = upload.stream.read()
    return call.service.notifications_rpc.publish_document(
        call.actor,
        {
            "filename": upload.filename or "",
            "content_base64": base64.b64encode(content).decode("ascii"),
        },
        form.get("type", "").strip(),
        form.get("period", "").strip() or None,
        form.get("caregiver_id", "").strip() or None,
        everyone in TRUE,
    )


@route(f"{AGENCY}/documents", ["GET"], STAFF, "Documents the agency published")
def agency_documents(call: Call):
    return {"items": call.service.notifications_rpc.list_documents(call.actor)}


@route(f"{ME}/documents", ["GET"], CAREGIVER, "My documents")
def my_documents(call: Call):
    return {"items": call.service.notifications_rpc.list_documents(call.actor)}


@route(
    f"{ME}/documents/<document_id>/file",
    ["GET"],
    CAREGIVER,
    "Download one of my documents (PDF)",
)
def my_document_file(call: Call, document_id: str):
    document = call.service.notifications_rpc.get_document_file(call.actor, document_id)
    response = Response(
        base64.b64decode(document["content_base64"]), mimetype="application/pdf"
    )
    response.headers["Content-Disposition"] = attachment(document["filename"])
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def attachment(filename: str) -> str:
    """A Content-Disposition naming the file, for old and new browsers."""
    plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore")
    fallback = plain.decode("ascii").replace('"', "_").replace("\\", "_")
    return (
        f'attachment; filename="{fallback or "document.pdf"}"; '
        f"filename*=UTF-8''{quote(filename, safe='')}"
    )
