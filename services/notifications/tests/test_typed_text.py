"""Text and ids holding a NUL character, which PostgreSQL can neither keep nor
compare, are refused with their field named or found to be nobody's, on
SQLite and PostgreSQL alike."""

import base64
import uuid

import pytest

from extranet_common.errors import InvalidInput, NotFound
from notifications import documents, news

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"


def staff(agency_id="agency-a"):
    return {"id": str(uuid.uuid4()), "role": "staff", "agency_id": agency_id}


@pytest.mark.parametrize(
    ("title", "body", "field"),
    [
        ("Fermeture\x00", "Le 1er novembre.", "title"),
        ("Fermeture", "Le 1er\x00", "body"),
    ],
)
def test_a_post_with_a_nul_names_its_field(db_session, title, body, field):
    with pytest.raises(InvalidInput) as refused:
        news.publish_news(db_session, staff(), title, body, "agency")

    assert refused.value.fields == {field: "caractère nul interdit"}


def test_a_post_id_with_a_nul_is_unknown(db_session):
    caregiver = {"id": str(uuid.uuid4()), "role": "caregiver", "agency_id": "agency-a"}

    with pytest.raises(NotFound):
        news.get_news(db_session, caregiver, "news\x00")
    with pytest.raises(NotFound):
        news.withdraw_news(db_session, staff(), "news\x00")


def test_a_document_for_a_caregiver_id_with_a_nul_names_it(
    db_session, tmp_path, make_agency
):
    store = documents.DocumentStore(directory=str(tmp_path), max_bytes=1024)
    agency_id = make_agency()
    upload = {
        "filename": "bulletin.pdf",
        "content_base64": base64.b64encode(PDF).decode("ascii"),
    }

    with pytest.raises(InvalidInput) as refused:
        documents.publish_document(
            db_session,
            staff(agency_id),
            store,
            documents.new_id(),
            upload=upload,
            doc_type="payslip",
            caregiver_id="cg\x00",
        )

    assert refused.value.fields == {
        "caregiver_id": "intervenante inconnue dans l'agence"
    }


def test_a_document_id_with_a_nul_is_unknown(db_session, tmp_path):
    store = documents.DocumentStore(directory=str(tmp_path), max_bytes=1024)
    caregiver = {"id": "cg-1", "role": "caregiver", "agency_id": "agency-a"}

    with pytest.raises(NotFound):
        documents.get_document_file(db_session, caregiver, store, "doc\x00")
