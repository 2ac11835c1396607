"""The publishing pages without a broker: news and documents on the agency's
side, news on the caregiver's; fake services record the RPCs and answer
from a script. The document form reader is shared with the JSON API, whose
view is checked here too."""

import base64
import html
import io

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from extranet_common.errors import InvalidInput, NotAuthenticated, NotFound
from extranet_gateway import pages
from extranet_gateway.auth import SESSION_COOKIE, csrf_token_for
from extranet_gateway.routing import dispatch

AGENCY = {"id": "A", "name": "Agence Lyon", "timezone": "Europe/Paris"}
STAFF = {
    "id": "s1",
    "role": "staff",
    "email": "accueil@example.org",
    "first_name": "Accueil",
    "last_name": "Lyon",
    "agency": AGENCY,
}
STAFF_ACTOR = {"id": "s1", "role": "staff", "agency_id": "A"}
LEA = {**STAFF, "id": "c1", "role": "caregiver", "first_name": "Léa"}
LEA.update(last_name="Rossi", status="active")
LEA_ACTOR = {"id": "c1", "role": "caregiver", "agency_id": "A"}
PDF = b"%PDF-1.4\n% un bulletin\n%%EOF\n"
NEWS = {
    "id": "n1",
    "title": "Fermeture le 11 novembre",
    "body": "L'agence est fermée.\n\nBonne journée <b>à toutes</b>",
    "body_html": "<p>L'agence est fermée.</p>\n<p>Bonne journée &lt;b&gt;à toutes"
    "&lt;/b&gt;</p>",
    "scope": "agency",
    "published_at": "2026-10-31T21:30:00+00:00",
    "read": False,
}
NETWORK_NEWS = {**NEWS, "id": "n0", "scope": "network", "title": "Le réseau"}
DOCUMENT = {
    "id": "d1",
    "type": "payslip",
    "period": "2026-10",
    "filename": "bulletin.pdf",
    "size": len(PDF),
    "sha256": "x",
    "for_all": False,
    "caregiver_id": "c1",
    "published_at": "2026-11-05T08:00:00+00:00",
}


def news_page(*items, unread=1):
    return {
        "items": list(items),
        "page": 1,
        "per_page": 20,
        "total": len(items),
        "unread": unread,
    }


class FakeRpc:
    """Records each call; answers from ``answers`` (a value or an exception)."""

    def __init__(self, **answers):
        self.answers = answers
        self.calls = []

    def __getattr__(self, name):
        def call(*args):
            self.calls.append((name, args))
            answer = self.answers.get(name)
            if isinstance(answer, Exception):
                raise answer
            return answer

        return call


class FakeAuthenticator:
    def __init__(self, principal):
        self.who = principal

    def principal(self, token, identity_rpc):
        if token != "session":
            raise NotAuthenticated("Connectez-vous.")
        return self.who


class FakeGateway:
    def __init__(self, notifications, principal=STAFF, config=None):
        self.authenticator = FakeAuthenticator(principal)
        self.identity_rpc = FakeRpc(agency_caregivers=[LEA])
        self.notifications_rpc = notifications
        self.planning_rpc = FakeRpc(caregiver_planning={"shifts": []})
        self.timesheets_rpc = FakeRpc(month={"status": "open", "days": []})
        self.config = config or {}


OPENED: list = []


@pytest.fixture(autouse=True)
def _close_requests():
    """Close each request and its builder: the large forms here spool to
    temporary files."""
    yield
    while OPENED:
        OPENED.pop().close()


def request(method, path, form=None, csrf=True, bearer=False):
    data = None
    if form is not None:
        data = {"csrf_token": csrf_token_for("session"), **form} if csrf else form
    headers = (
        {"Authorization": "Bearer session"}
        if bearer
        else {"Cookie": f"{SESSION_COOKIE}=session"}
    )
    builder = EnvironBuilder(method=method, path=path, data=data, headers=headers)
    made = Request(builder.get_environ())
    OPENED.extend([builder, made, made.environ["wsgi.input"]])
    return made


def text_of(answer) -> str:
    return " ".join(html.unescape(answer.get_data(as_text=True)).split())


def pdf_form(content=PDF, filename="bulletin.pdf", **fields):
    return {
        "file": (io.BytesIO(content), filename, "application/pdf"),
        "type": "payslip",
        "period": "2026-10",
        "all": "false",
        "caregiver_id": "c1",
        **fields,
    }


def test_staff_publish_news_for_their_agency_then_see_it_confirmed():
    notifications = FakeRpc(publish_news=NEWS, list_news=news_page(NEWS))
    gateway = FakeGateway(notifications)

    answer = pages.page(
        gateway,
        request("POST", "/agence/actualites", {"title": " Titre ", "body": "Texte"}),
    )

    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/agence/actualites?publiee=1")
    assert notifications.calls == [
        ("publish_news", (STAFF_ACTOR, " Titre ", "Texte", "agency"))
    ]


def test_a_refused_news_item_keeps_the_text_and_names_the_field():
    refusal = InvalidInput("L'actualité n'est pas complète.", {"title": "obligatoire"})
    notifications = FakeRpc(publish_news=refusal, list_news=news_page())

    answer = pages.page(
        FakeGateway(notifications),
        request("POST", "/agence/actualites", {"title": "", "body": "Mon <texte>"}),
    )

    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "Mon &lt;texte&gt;</textarea>" in page
    assert 'id="title-error">obligatoire' in page
    assert 'aria-invalid="true" aria-describedby="title-error title-help"' in page


def test_the_staff_list_offers_to_withdraw_agency_news_only():
    notifications = FakeRpc(list_news=news_page(NEWS, NETWORK_NEWS))

    answer = pages.page(
        FakeGateway(notifications), request("GET", "/agence/actualites")
    )

    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert 'action="/agence/actualites/n1/retrait"' in page
    assert "/agence/actualites/n0/retrait" not in page
    assert "samedi 31 octobre 2026 à 22:30" in text_of(answer)
    assert "&lt;b&gt;à toutes&lt;/b&gt;" in page


def test_withdrawing_needs_the_csrf_token_and_says_when_it_is_gone():
    notifications = FakeRpc(
        withdraw_news=NotFound("Actualité introuvable."), list_news=news_page()
    )
    gateway = FakeGateway(notifications)

    forged = pages.page(
        gateway, request("POST", "/agence/actualites/n1/retrait", {}, csrf=False)
    )
    gone = pages.page(gateway, request("POST", "/agence/actualites/n1/retrait", {}))

    assert forged.status_code == 403
    assert gone.status_code == 404 and "plus publiée" in text_of(gone)
    assert [c for c in notifications.calls if c[0] == "withdraw_news"] == [
        ("withdraw_news", (STAFF_ACTOR, "n1"))
    ]


def test_opening_an_unread_item_marks_it_read_once():
    notifications = FakeRpc(get_news=NEWS, mark_news_read={"read": True})
    read = FakeRpc(get_news={**NEWS, "read": True})

    answer = pages.page(
        FakeGateway(notifications, LEA), request("GET", "/actualites/n1")
    )
    again = pages.page(FakeGateway(read, LEA), request("GET", "/actualites/n1"))

    assert answer.status_code == 200 and again.status_code == 200
    assert notifications.calls == [
        ("get_news", (LEA_ACTOR, "n1")),
        ("mark_news_read", (LEA_ACTOR, "n1")),
    ]
    assert [name for name, _ in read.calls] == ["get_news"]
    assert "<p>L'agence est fermée.</p>" in answer.get_data(as_text=True)


def test_her_home_links_the_latest_news_with_their_unread_mark():
    read = {**NEWS, "id": "n2", "title": "Déjà lue", "read": True}
    notifications = FakeRpc(list_news=news_page(NEWS, read))

    answer = pages.page(FakeGateway(notifications, LEA), request("GET", "/"))

    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert notifications.calls == [("list_news", (LEA_ACTOR, 1, 3))]
    assert '<a href="/actualites/n1">Fermeture le 11 novembre</a> <span' in page
    assert '<a href="/actualites/n2">Déjà lue</a></h3>' in page
    assert text_of(answer).count("Non lue") == 1
    assert '<a href="/actualites">Toutes les actualités</a>' in page


def test_her_list_marks_unread_items_and_pages_with_odd_numbers_made_sane():
    listing = news_page(NEWS, {**NEWS, "id": "n2", "read": True})
    listing.update(total=25, per_page=10)
    notifications = FakeRpc(list_news=listing)
    gateway = FakeGateway(notifications, LEA)

    answer = pages.page(gateway, request("GET", "/actualites?page=abc"))
    pages.page(gateway, request("GET", "/actualites?page=99999999999999999999"))

    assert answer.status_code == 200
    assert text_of(answer).count("Non lue") == 1
    assert "Page 1 sur 3" in text_of(answer)
    assert [args[1:] for _, args in notifications.calls] == [(1, 10), (10_000, 10)]


def test_a_pdf_for_one_caregiver_goes_to_notifications_base64_encoded():
    notifications = FakeRpc(publish_document=DOCUMENT, list_documents=[DOCUMENT])

    answer = pages.page(
        FakeGateway(notifications),
        request("POST", "/agence/documents", pdf_form(all="false")),
    )

    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/agence/documents?publie=d1")
    name, args = notifications.calls[0]
    assert name == "publish_document"
    upload = args[1]
    assert base64.b64decode(upload["content_base64"]) == PDF
    assert args[:1] + args[2:] == (STAFF_ACTOR, "payslip", "2026-10", "c1", False)


def test_choosing_all_ignores_the_caregiver_select():
    notifications = FakeRpc(publish_document=DOCUMENT)

    pages.page(
        FakeGateway(notifications),
        request("POST", "/agence/documents", pdf_form(all="true")),
    )

    assert notifications.calls[0][1][4:] == (None, True)


def test_a_too_large_file_is_named_without_crossing_rpc_and_fields_are_kept():
    refusal = InvalidInput(
        "Le document n'a pas été publié.",
        {"file": "fichier manquant", "caregiver_id": "choisissez une intervenante"},
    )
    notifications = FakeRpc(publish_document=refusal, list_documents=[])
    gateway = FakeGateway(notifications, config={"DOCUMENT_MAX_BYTES": 2 * 1048576})

    answer = pages.page(
        gateway,
        request(
            "POST",
            "/agence/documents",
            pdf_form(PDF + b"0" * (2 * 1048576), caregiver_id="", type="contract"),
        ),
    )

    page = text_of(answer)
    assert answer.status_code == 400
    assert "fichier trop lourd : 2 Mo au plus" in page
    assert "choisissez une intervenante" in page
    assert "Choisissez à nouveau le fichier" in page
    assert '<option value="contract" selected>' in answer.get_data(as_text=True)
    assert notifications.calls[0][1][1] is None


def test_the_staff_list_names_each_recipient_and_the_type_in_french():
    notifications = FakeRpc(list_documents=[DOCUMENT, {**DOCUMENT, "for_all": True}])

    answer = pages.page(
        FakeGateway(notifications), request("GET", "/agence/documents?publie=d1")
    )

    page = text_of(answer)
    assert "Document publié : Bulletin de paie, octobre 2026" in page
    assert "Léa Rossi" in page and "Toutes" in page


def test_the_api_shares_the_reader_and_names_a_missing_file():
    refusal = InvalidInput(
        "Le document n'a pas été publié.", {"file": "fichier manquant"}
    )
    notifications = FakeRpc(publish_document=refusal)
    form = pdf_form()
    form["file"] = (io.BytesIO(b"x"), "x.txt", "text/plain")
    form["other"] = form.pop("file")

    answer = dispatch(
        FakeGateway(notifications),
        request("POST", "/api/v1/agency/documents", form, csrf=False, bearer=True),
    )

    assert answer.status_code == 400
    assert answer.json["error"]["fields"] == {
        "file": "obligatoire : choisissez un fichier PDF"
    }


@pytest.mark.parametrize(
    ("asked", "page"), [("2", 2), ("²", 1), ("0", 1), ("9" * 5000, 10_000), (None, 1)]
)
def test_an_odd_page_number_is_read_without_failing(asked, page):
    from extranet_gateway.pages.publishing import _page_number

    assert _page_number(asked) == page


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (
            (io.BytesIO(b""), "octobre.csv", "text/csv"),
            "Le fichier « octobre.csv » est vide.",
        ),
        (
            (io.BytesIO(b""), "", "application/octet-stream"),
            "Choisissez un fichier CSV.",
        ),
    ],
)
def test_an_empty_planning_file_is_told_apart_from_no_file(file, message):
    gateway = FakeGateway(FakeRpc())

    answer = pages.page(gateway, request("POST", "/agence/planning", {"file": file}))

    assert answer.status_code == 400
    assert message in text_of(answer)
    assert gateway.planning_rpc.calls == []
