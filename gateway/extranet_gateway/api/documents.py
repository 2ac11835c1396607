"""Administrative documents: the agency publishes PDFs; she lists and
downloads her own.

Publishing takes ``multipart/form-data`` (a ``file`` part, ``type``,
``period``, ``caregiver_id`` or ``all``), so the route has no JSON body
schema and reads the form itself. The file crosses RPC base64-encoded; the
notifications service checks that it is a PDF and not too large.

:func:`read_document_form` and :func:`publish_document_form` are shared with
the agency's web page (pages/publishing.py): both read the same form the
same way. The gateway refuses a file above ``DOCUMENT_MAX_BYTES`` (the
variable notifications reads, with the same 10 MiB default) before it
crosses RPC, and still asks notifications about the other fields, so one
answer names every faulty field.
"""

import base64
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from extranet_common.errors import InvalidInput
from extranet_gateway.errors import HttpError
from extranet_gateway.routing import CAREGIVER, STAFF, Call, route

ME = "/api/v1/me"
AGENCY = "/api/v1/agency"

TRUE = {"true", "1", "on", "oui", "yes"}
FALSE = {"false", "0", "off", "non", "no", ""}
FIELD_MAX = 100
DEFAULT_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
MEBIBYTE = 1024 * 1024


@route(f"{AGENCY}/documents", ["POST"], STAFF, "Publish a PDF document", status=201)
def publish_document(call: Call):
    document = read_document_form(call.request, document_max_bytes(call.service))
    return publish_document_form(call.service.notifications_rpc, call.actor, document)


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
    return _pdf(
        call.service.notifications_rpc.get_document_file(call.actor, document_id)
    )


@route(
    f"{AGENCY}/documents/<document_id>/file",
    ["GET"],
    STAFF,
    "Download a document the agency published (PDF)",
)
def published_document_file(call: Call, document_id: str):
    return _pdf(
        call.service.notifications_rpc.get_document_file(call.actor, document_id)
    )


def _pdf(document: dict) -> Response:
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


@dataclass
class DocumentForm:
    """A document's multipart form, read and checked as far as the gateway
    can: the arguments of notifications' ``publish_document``."""

    upload: dict | None
    doc_type: str
    period: str | None
    caregiver_id: str | None
    all_caregivers: bool
    problems: dict[str, str] = field(default_factory=dict)
    """What the gateway already found wrong with the file (``upload`` is
    then None); notifications is still asked about the other fields."""


def document_max_bytes(service) -> int:
    """The largest PDF: ``DOCUMENT_MAX_BYTES``, as the notifications service
    reads it (same variable, same default)."""
    return int(service.config.get("DOCUMENT_MAX_BYTES") or DEFAULT_DOCUMENT_MAX_BYTES)


def read_document_form(request: Request, max_bytes: int) -> DocumentForm:
    """Read a document's form; a malformed one is refused at once
    (HttpError 400 naming the fields), a missing, empty or too large file is
    kept in ``problems`` for :func:`publish_document_form`."""
    if request.mimetype != "multipart/form-data":
        raise HttpError(
            400,
            "INVALID_INPUT",
            "Envoyez le document en multipart/form-data.",
            {"file": "formulaire multipart attendu"},
        )
    form = request.form

    problems = {}
    for name in ("type", "period", "caregiver_id"):
        if len(form.get(name, "")) > FIELD_MAX:
            problems[name] = f"{FIELD_MAX} caractères au plus"
        elif "\x00" in form.get(name, ""):
            problems[name] = "caractère nul interdit"
    everyone = form.get("all", "").strip().lower()
    if everyone not in TRUE | FALSE:
        problems["all"] = "vrai ou faux attendu"
    if problems:
        raise HttpError(
            400, "INVALID_INPUT", "Certains champs sont invalides.", problems
        )

    upload = request.files.get("file")
    content = upload.stream.read(max_bytes + 1) if upload is not None else b""
    file_problems = {}
    if upload is None or (not upload.filename and not content):
        file_problems["file"] = "obligatoire : choisissez un fichier PDF"
    elif len(content) > max_bytes:
        file_problems["file"] = (
            f"fichier trop lourd : {max_bytes // MEBIBYTE} Mo au plus"
        )
    return DocumentForm(
        upload=None
        if file_problems
        else {
            "filename": upload.filename or "",
            "content_base64": base64.b64encode(content).decode("ascii"),
        },
        doc_type=form.get("type", "").strip(),
        period=form.get("period", "").strip() or None,
        caregiver_id=form.get("caregiver_id", "").strip() or None,
        all_caregivers=everyone in TRUE,
        problems=file_problems,
    )


def publish_document_form(notifications_rpc, actor: dict, document: DocumentForm):
    """Publish a document read by :func:`read_document_form`.

    With a file problem the upload is None, which notifications always
    refuses ("fichier manquant"): its answer names the other faulty fields,
    and the gateway's word about the file replaces its own.
    """
    try:
        return notifications_rpc.publish_document(
            actor,
            document.upload,
            document.doc_type,
            document.period,
            document.caregiver_id,
            document.all_caregivers,
        )
    except InvalidInput as refused:
        raise InvalidInput(
            refused.message, {**refused.fields, **document.problems}, refused.data
        ) from refused
