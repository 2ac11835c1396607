"""Documents on SQLite and PostgreSQL: what is published, who sees it, who
downloads it, and the files on disk behind them."""

import base64
import hashlib
import json
import uuid
from datetime import UTC, datetime

import pytest
from nameko.testing.services import worker_factory

from extranet_common import clock
from extranet_common.errors import InvalidInput, NotFound, PermissionDenied
from notifications import documents
from notifications.models import MESSAGING, Document
from notifications.service import NotificationsService

NOON = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"


def upload(content=PDF, filename="bulletin-octobre.pdf"):
    return {
        "filename": filename,
        "content_base64": base64.b64encode(content).decode("ascii"),
    }


def staff(agency_id):
    return {"id": str(uuid.uuid4()), "role": "staff", "agency_id": agency_id}


def caregiver(caregiver_id, agency_id):
    return {"id": caregiver_id, "role": "caregiver", "agency_id": agency_id}


@pytest.fixture
def store(tmp_path):
    return documents.DocumentStore(
        directory=str(tmp_path / "documents"), max_bytes=1024
    )


@pytest.fixture
def agency(make_agency, make_caregiver):
    agency_id = make_agency()
    return {
        "id": agency_id,
        "ines": make_caregiver(agency_id, "Inès", "ines@example.org"),
        "lea": make_caregiver(agency_id, "Léa", "lea@example.org"),
    }


@pytest.fixture
def publish(db_session, store):
    def publish_one(actor, **kwargs):
        arguments = {"upload": upload(), "doc_type": "payslip", **kwargs}
        with clock.frozen(NOON):
            view = documents.publish_document(
                db_session, actor, store, documents.new_id(), **arguments
            )
        db_session.commit()
        return view

    return publish_one


def test_a_payslip_for_one_caregiver_is_kept_with_its_checksum(
    db_session, store, agency, publish
):
    view = publish(staff(agency["id"]), caregiver_id=agency["ines"], period="2026-10")

    row = db_session.get(Document, view["id"])
    on_disk = store.path(row.stored_name).read_bytes()
    (event,) = [json.loads(r.payload) for r in MESSAGING.pending(db_session)]
    assert on_disk == PDF
    assert view["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert (view["type"], view["period"], view["size"]) == (
        "payslip",
        "2026-10",
        len(PDF),
    )
    assert view["filename"] == "bulletin-octobre.pdf"
    assert view["published_at"] == NOON.isoformat()
    assert event["event_type"] == "document_published"
    assert event["agency_id"] == agency["id"]
    assert event["data"] == {
        "document_id": view["id"],
        "caregiver_id": agency["ines"],
        "type": "payslip",
        "period": "2026-10",
    }


def test_a_file_named_pdf_that_is_not_one_is_refused(db_session, agency, publish):
    with pytest.raises(InvalidInput) as error:
        publish(
            staff(agency["id"]),
            caregiver_id=agency["ines"],
            upload=upload(b"MZ\x90\x00 not a pdf", "bulletin.pdf"),
        )

    assert error.value.fields == {"file": "le fichier n'est pas un PDF"}
    assert MESSAGING.pending(db_session) == []


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (PDF + b"x" * 1024, "fichier trop lourd"),
        (b"", "fichier vide"),
    ],
)
def test_too_large_and_empty_files_are_refused(agency, publish, content, why):
    with pytest.raises(InvalidInput) as error:
        publish(
            staff(agency["id"]), caregiver_id=agency["ines"], upload=upload(content)
        )

    assert error.value.fields["file"].startswith(why)


def test_a_huge_upload_is_refused_before_decoding(agency, publish):
    huge = {"filename": "x.pdf", "content_base64": "A" * 10_000}

    with pytest.raises(InvalidInput) as error:
        publish(staff(agency["id"]), caregiver_id=agency["ines"], upload=huge)

    assert "trop lourd" in error.value.fields["file"]


def test_every_bad_field_is_named(agency, publish):
    with pytest.raises(InvalidInput) as error:
        publish(
            staff(agency["id"]),
            doc_type="invoice",
            period="2026-13",
            caregiver_id=str(uuid.uuid4()),
            upload={"filename": "x.pdf", "content_base64": "###"},
        )

    assert set(error.value.fields) == {"type", "period", "caregiver_id", "file"}


@pytest.mark.parametrize(
    ("caregiver_id", "all_caregivers"), [(None, False), ("set", True)]
)
def test_one_caregiver_or_all_but_not_both_nor_none(
    agency, publish, caregiver_id, all_caregivers
):
    with pytest.raises(InvalidInput) as error:
        publish(
            staff(agency["id"]),
            caregiver_id=caregiver_id and agency["ines"],
            all_caregivers=all_caregivers,
        )

    assert "caregiver_id" in error.value.fields


def test_staff_cannot_publish_to_a_caregiver_of_another_agency(
    make_agency, agency, publish
):
    with pytest.raises(InvalidInput) as error:
        publish(staff(make_agency("Autre")), caregiver_id=agency["ines"])

    assert error.value.fields["caregiver_id"] == "intervenante inconnue dans l'agence"


def test_a_caregiver_cannot_publish(agency, publish):
    with pytest.raises(PermissionDenied):
        publish(caregiver(agency["ines"], agency["id"]), caregiver_id=agency["ines"])


def test_the_path_in_a_filename_is_dropped():
    assert documents._safe_filename('../../etc/"passwd') == "_passwd.pdf"
    assert documents._safe_filename("C:\\Users\\x\\Fiche été.PDF") == "Fiche été.PDF"
    assert documents._safe_filename(None) == "document.pdf"


def test_each_caregiver_lists_her_own_and_the_agencys(
    db_session, agency, make_agency, make_caregiver, publish
):
    boss = staff(agency["id"])
    hers = publish(boss, caregiver_id=agency["ines"], period="2026-10")
    publish(boss, caregiver_id=agency["lea"])
    for_all = publish(boss, all_caregivers=True, doc_type="other")
    elsewhere = make_agency("Ailleurs")
    publish(staff(elsewhere), all_caregivers=True)

    listed = documents.list_documents(
        db_session, caregiver(agency["ines"], agency["id"])
    )
    published = documents.list_documents(db_session, boss)

    assert {item["id"] for item in listed} == {hers["id"], for_all["id"]}
    assert for_all["for_all"] is True and for_all["caregiver_id"] is None
    assert len(published) == 3


def test_she_and_her_agency_download_her_file_and_nobody_else_does(
    db_session, store, agency, make_agency, publish
):
    view = publish(staff(agency["id"]), caregiver_id=agency["ines"])

    got = documents.get_document_file(
        db_session, caregiver(agency["ines"], agency["id"]), store, view["id"]
    )
    checked = documents.get_document_file(
        db_session, staff(agency["id"]), store, view["id"]
    )

    assert base64.b64decode(got["content_base64"]) == PDF
    assert got["content_type"] == "application/pdf"
    assert checked == got
    for outsider in (
        caregiver(agency["lea"], agency["id"]),
        staff(make_agency("Autre")),
        caregiver(agency["ines"], make_agency("Encore une autre")),
    ):
        with pytest.raises(NotFound):
            documents.get_document_file(db_session, outsider, store, view["id"])


def test_a_file_changed_on_disk_is_not_served(db_session, store, agency, publish):
    view = publish(staff(agency["id"]), caregiver_id=agency["ines"])
    row = db_session.get(Document, view["id"])
    store.path(row.stored_name).write_bytes(PDF + b"tampered")

    with pytest.raises(documents.CorruptDocument):
        documents.get_document_file(
            db_session, caregiver(agency["ines"], agency["id"]), store, view["id"]
        )


class FailingDatabase:
    """Sessions whose commit fails, as a database going away would."""

    def __init__(self, get_session):
        self._get_session = get_session

    def get_session(self):
        session = self._get_session()

        def refuse():
            raise RuntimeError("database went away")

        session.commit = refuse
        return session


def test_a_failed_commit_leaves_no_file_behind(get_session, tmp_path, agency):
    folder = tmp_path / "docs"
    service = worker_factory(
        NotificationsService,
        db=FailingDatabase(get_session),
        config={"DOCUMENTS_DIR": str(folder)},
    )

    with pytest.raises(RuntimeError):
        service.publish_document(
            staff(agency["id"]), upload(), "payslip", None, agency["ines"]
        )

    assert [path for path in folder.rglob("*") if path.is_file()] == []
