"""Administrative documents (F7): PDFs published by the agency to one
caregiver or to all of its caregivers, listed and downloaded by each.

Files live on disk under ``DOCUMENTS_DIR`` (one file per document, named by
its id, written under a temporary name and then renamed), with their
SHA-256 in the database; a download checks it. A file is a PDF when it
starts with ``%PDF-``, whatever its name says, and holds at most
``DOCUMENT_MAX_BYTES`` (10 MiB by default).

Files cross RPC base64-encoded inside the message: RabbitMQ carries a 10 MiB
file as about 14 MB, under its default message limit of 16 MiB (RabbitMQ
4); a larger limit would need another path than RPC.

Only the caregiver a document is for (every caregiver of the agency for one
published to all) sees and downloads it; to anyone else it is unknown.
Staff list what their agency published, without the files.
"""

import base64
import binascii
import hashlib
import logging
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from extranet_common import clock
from extranet_common.errors import InvalidInput, NotFound, PermissionDenied
from extranet_common.localtime import parse_month
from notifications.models import MESSAGING, Document, Recipient

_log = logging.getLogger(__name__)

DEFAULT_DOCUMENTS_DIR = "data/documents"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
PDF_MAGIC = b"%PDF-"
TYPES = ("payslip", "contract", "certificate", "other")
FILENAME_MAX = 200
DOCUMENT_PUBLISHED = "document_published"

CAREGIVER = "caregiver"
PUBLISHERS = ("staff", "backoffice", "admin")

_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\\"]+")


class CorruptDocument(Exception):
    """A stored file no longer matches its checksum: a bug or a bad disk."""


@dataclass(frozen=True)
class DocumentStore:
    """Where the files are, and how large one may be."""

    directory: str = DEFAULT_DOCUMENTS_DIR
    max_bytes: int = DEFAULT_MAX_BYTES

    @classmethod
    def from_config(cls, config) -> "DocumentStore":
        directory = str(config.get("DOCUMENTS_DIR") or "").strip()
        return cls(
            directory=directory or DEFAULT_DOCUMENTS_DIR,
            max_bytes=int(config.get("DOCUMENT_MAX_BYTES") or DEFAULT_MAX_BYTES),
        )

    def path(self, stored_name: str) -> Path:
        return Path(self.directory) / stored_name

    def save(self, document_id: str, content: bytes) -> str:
        """Write the file atomically; returns its name inside the folder."""
        stored_name = f"{document_id[:2]}/{document_id}.pdf"
        target = self.path(stored_name)
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = target.with_name(f".{target.name}.tmp")
        with open(scratch, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(scratch, target)
        return stored_name

    def discard(self, document_id: str) -> None:
        """Remove a file whose row was not committed (if it was written)."""
        self.path(f"{document_id[:2]}/{document_id}.pdf").unlink(missing_ok=True)

    def read(self, stored_name: str) -> bytes:
        return self.path(stored_name).read_bytes()


def publish_document(
    session: Session,
    actor: dict,
    store: DocumentStore,
    document_id: str,
    upload: object,
    doc_type: object,
    period: object = None,
    caregiver_id: object = None,
    all_caregivers: object = False,
) -> dict:
    """Keep a PDF for one caregiver of the agency, or for all of them.

    ``upload`` is ``{"filename", "content_base64"}``. Records
    ``document_published``. The file is written before the row: if the
    transaction then fails, the caller discards it with ``document_id``.
    """
    agency_id = _publisher_agency(actor)

    problems: dict[str, str] = {}
    if doc_type not in TYPES:
        problems["type"] = "payslip, contract, certificate ou other"
    period = _checked_period(period, problems)
    caregiver_id = _checked_audience(
        session, agency_id, caregiver_id, all_caregivers, problems
    )
    filename, content = _checked_file(upload, store.max_bytes, problems)
    if problems:
        _log.warning("document refused, fields: %s", sorted(problems))
        raise InvalidInput("Le document n'a pas été publié.", problems)

    stored_name = store.save(document_id, content)
    document = Document(
        id=document_id,
        agency_id=agency_id,
        caregiver_id=caregiver_id,
        type=doc_type,
        period=period,
        filename=filename,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        stored_name=stored_name,
        published_by=str(actor["id"]),
        published_at=clock.now(),
    )
    session.add(document)
    session.flush()
    MESSAGING.record(
        session,
        DOCUMENT_PUBLISHED,
        agency_id,
        {
            "document_id": document.id,
            "caregiver_id": caregiver_id,
            "type": doc_type,
            "period": period,
        },
    )
    _log.info(
        "document %s published (%s, %d bytes)", document.id, doc_type, len(content)
    )
    return document_view(document)


def list_documents(session: Session, actor: dict) -> list[dict]:
    """A caregiver's documents, or what staff's agency published; newest first."""
    role = _role(actor)
    query = select(Document).order_by(Document.published_at.desc(), Document.id)
    if role == CAREGIVER:
        query = query.where(_hers(actor))
    elif role == "admin" and not actor.get("agency_id"):
        pass
    else:
        query = query.where(Document.agency_id == _publisher_agency(actor))
    return [document_view(row) for row in session.scalars(query)]


def get_document_file(
    session: Session, actor: dict, store: DocumentStore, document_id: object
) -> dict:
    """The file of a document, base64-encoded, checked against its
    checksum: for the caregiver it is for, or the staff of the agency that
    published it (to check what went out). Anyone else gets NotFound."""
    role = _role(actor)
    if not isinstance(document_id, str) or "\x00" in document_id:
        raise NotFound("Document introuvable.")
    if role == CAREGIVER:
        reach = _hers(actor)
    elif role in PUBLISHERS and actor.get("agency_id"):
        reach = Document.agency_id == str(actor["agency_id"])
    else:
        raise NotFound("Document introuvable.")
    document = session.scalars(
        select(Document).where(Document.id == document_id, reach)
    ).first()
    if document is None:
        _log.warning("document %s out of reach of %s", document_id, actor["id"])
        raise NotFound("Document introuvable.")

    content = store.read(document.stored_name)
    if hashlib.sha256(content).hexdigest() != document.sha256:
        raise CorruptDocument(f"document {document.id} does not match its checksum")
    return {
        **document_view(document),
        "content_type": "application/pdf",
        "content_base64": base64.b64encode(content).decode("ascii"),
    }


def document_view(document: Document) -> dict:
    return {
        "id": document.id,
        "type": document.type,
        "period": document.period,
        "filename": document.filename,
        "size": document.size,
        "sha256": document.sha256,
        "for_all": document.caregiver_id is None,
        "caregiver_id": document.caregiver_id,
        "published_at": document.published_at.isoformat(),
    }


def new_id() -> str:
    return str(uuid.uuid4())


def _hers(actor: dict):
    return (Document.agency_id == actor.get("agency_id")) & or_(
        Document.caregiver_id == str(actor["id"]), Document.caregiver_id.is_(None)
    )


def _role(actor: dict) -> str:
    if not isinstance(actor, dict) or not actor.get("id"):
        raise PermissionDenied("Accès refusé.")
    role = actor.get("role")
    if role != CAREGIVER and role not in PUBLISHERS:
        raise PermissionDenied("Accès refusé.")
    return role


def _publisher_agency(actor: dict) -> str:
    role = _role(actor)
    if role not in PUBLISHERS or not actor.get("agency_id"):
        raise PermissionDenied("Seule une agence publie des documents.")
    return str(actor["agency_id"])


def _checked_period(period: object, problems: dict[str, str]) -> str | None:
    if period is None or period == "":
        return None
    try:
        if not isinstance(period, str):
            raise ValueError(period)
        parse_month(period)
    except ValueError:
        problems["period"] = "mois attendu (AAAA-MM)"
        return None
    return period


def _checked_audience(
    session: Session,
    agency_id: str,
    caregiver_id: object,
    all_caregivers: object,
    problems: dict[str, str],
) -> str | None:
    if all_caregivers is True:
        if caregiver_id:
            problems["caregiver_id"] = "une intervenante ou toutes, pas les deux"
        return None
    if not isinstance(caregiver_id, str) or not caregiver_id:
        problems["caregiver_id"] = "choisissez une intervenante, ou toutes"
        return None
    recipient = None if "\x00" in caregiver_id else session.get(Recipient, caregiver_id)
    if recipient is None or recipient.agency_id != agency_id:
        problems["caregiver_id"] = "intervenante inconnue dans l'agence"
        return None
    return caregiver_id


def _checked_file(
    upload: object, max_bytes: int, problems: dict[str, str]
) -> tuple[str, bytes]:
    if not isinstance(upload, dict) or not isinstance(
        upload.get("content_base64"), str
    ):
        problems["file"] = "fichier manquant"
        return "", b""
    encoded = upload["content_base64"]
    if len(encoded) > (max_bytes // 3 + 1) * 4:
        problems["file"] = _too_large(max_bytes)
        return "", b""
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        problems["file"] = "fichier illisible"
        return "", b""

    if not content:
        problems["file"] = "fichier vide"
    elif len(content) > max_bytes:
        problems["file"] = _too_large(max_bytes)
    elif not content.startswith(PDF_MAGIC):
        problems["file"] = "le fichier n'est pas un PDF"
    return _safe_filename(upload.get("filename")), content


def _too_large(max_bytes: int) -> str:
    return f"fichier trop lourd : {max_bytes // (1024 * 1024)} Mo au plus"


def _safe_filename(name: object) -> str:
    """A name fit for a download header: no path, no control characters."""
    text = name if isinstance(name, str) else ""
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = _UNSAFE_NAME.sub("_", text).strip(" .")
    if not text:
        text = "document"
    if not text.lower().endswith(".pdf"):
        text = f"{text}.pdf"
    if len(text) > FILENAME_MAX:
        text = text[: FILENAME_MAX - 4] + ".pdf"
    return text
