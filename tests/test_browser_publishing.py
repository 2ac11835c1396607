"""News and documents in a real browser (headless Chromium) against the real
processes: the agency publishes a news item (a refusal first), its
caregiver sees it unread on her home, opens it and it is read; the agency
withdraws it and it is gone. The agency publishes a PDF for her (a fake PDF
first), she downloads it from her documents and its email arrives. A
caregiver of another agency sees neither. axe-core checks each new page;
screenshots go to test-artifacts/screenshots/.
"""

import sys
import uuid
from pathlib import Path

import pytest

from extranet_dev import mailbox

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser.helpers import (  # noqa: E402
    browser,
    confirmed_caregiver,
    needs_chromium,
    screenshot,
    serious_violations,
    sign_in,
)

pytestmark = [
    pytest.mark.e2e,
    needs_chromium,
]

PASSWORD = "le goûter est à seize heures"
STAFF_PASSWORD = "mot de passe du personnel"
TITLE = f"Fermeture du 11 novembre {uuid.uuid4().hex[:6]}"
BODY = "Bonjour à toutes,\n\nL'agence sera fermée le <b>11 novembre</b>.\nÀ bientôt"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def posted(page, path: str):
    """Wait for the answer to the POST to ``path`` that the next action sends."""
    return page.expect_response(
        lambda answer: answer.request.method == "POST" and answer.url.endswith(path)
    )


def test_news_and_a_document_from_the_agency_reach_her_alone(system, new_agency):
    agency, staff = new_agency()
    _, other_staff = new_agency()
    email = f"lea-{uuid.uuid4().hex[:8]}@example.org"
    outsider = f"ines-{uuid.uuid4().hex[:8]}@example.org"
    for agency_staff, address, names in (
        (staff, email, ("Léa", "Rossi")),
        (other_staff, outsider, ("Inès", "Garnier")),
    ):
        _, client = confirmed_caregiver(system, agency_staff, address, PASSWORD, names)
        client.close()
    problems = {}

    with browser() as chromium:
        desk = sign_in(
            chromium,
            system.url,
            f"staff-{agency['ref'].lower()}@example.org",
            STAFF_PASSWORD,
        )

        # The agency publishes a news item: without a title it is refused,
        # the body is kept and the title named.
        desk.goto("/agence/actualites")
        desk.get_by_label("Texte").fill(BODY)
        with posted(desk, "/agence/actualites") as refusal:
            desk.get_by_role("button", name="Publier", exact=True).click()
        assert refusal.value.status == 400
        assert desk.get_by_label("Texte").input_value() == BODY
        assert desk.locator("#title-error").inner_text() == "obligatoire"
        assert desk.get_by_label("Titre").get_attribute("aria-invalid") == "true"
        problems["agency_news_refused"] = serious_violations(desk)
        desk.get_by_label("Titre").fill(TITLE)
        desk.get_by_role("button", name="Publier", exact=True).click()
        desk.get_by_text("Actualité publiée").wait_for()
        assert desk.get_by_role("heading", name=TITLE).is_visible()
        problems["agency_news"] = serious_violations(desk)
        screenshot(desk, "agency-news")

        # She sees it unread on her home, opens it from there, and it is read.
        her = sign_in(chromium, system.url, email, PASSWORD)
        her.get_by_role("heading", name="Bonjour Léa").wait_for()
        card = her.locator("article.news").filter(has_text=TITLE)
        assert card.get_by_text("Non lue").is_visible()
        card.get_by_role("link", name=TITLE).click()
        her.get_by_role("heading", name=TITLE, level=1).wait_for()
        item_path = her.url.removeprefix(system.url)
        assert item_path.startswith("/actualites/")
        assert her.get_by_text("L'agence sera fermée le <b>11 novembre</b>.").count()
        assert her.locator("article p").filter(has_text="Bonjour à toutes").count()
        problems["news_item"] = serious_violations(her)
        her.get_by_role("link", name="Accueil").click()
        card = her.locator("article.news").filter(has_text=TITLE)
        card.wait_for()
        assert card.get_by_text("Non lue").count() == 0
        her.get_by_role("link", name="Toutes les actualités").click()
        her.get_by_role("heading", name="Actualités", level=1).wait_for()
        assert her.get_by_role("link", name=TITLE).is_visible()
        problems["news"] = serious_violations(her)
        screenshot(her, "news")

        # A second item, sent twice as a double click does: published once.
        desk.goto("/agence/actualites")
        form = desk.locator('form[action="/agence/actualites"]')
        sent = {
            name: form.locator(f'input[name="{name}"]').input_value()
            for name in ("csrf_token", "form_id")
        }
        sent.update(title="Réunion d'équipe", body="Jeudi à 18 h à l'agence.")
        answers = [desk.request.post("/agence/actualites", form=sent) for _ in "12"]
        assert [answer.ok for answer in answers] == [True, True]
        desk.goto("/agence/actualites")
        assert desk.get_by_role("heading", name="Réunion d'équipe").count() == 1
        her.goto("/actualites")
        assert her.locator(".badge", has_text="Non lue").count() == 1
        her.get_by_role("button", name="Tout marquer comme lu").click()
        her.get_by_text("Toutes les actualités sont marquées lues.").wait_for()
        assert her.locator(".badge", has_text="Non lue").count() == 0

        # A caregiver of another agency sees neither the list entry nor the item.
        other = sign_in(chromium, system.url, outsider, PASSWORD)
        other.goto("/actualites")
        assert other.get_by_text(TITLE).count() == 0
        assert other.goto(item_path).status == 404

        # The agency withdraws it: it is gone for her.
        desk.goto("/agence/actualites")
        article = desk.locator("article").filter(has_text=TITLE)
        article.get_by_text("Retirer cette actualité").click()
        article.get_by_role("button", name=f"Oui, retirer « {TITLE} »").click()
        desk.get_by_text("Actualité retirée").wait_for()
        assert desk.get_by_role("heading", name=TITLE).count() == 0
        her.goto("/actualites")
        assert her.get_by_text(TITLE).count() == 0
        assert her.goto(item_path).status == 404

        # The agency publishes her payslip: a text file named .pdf is refused
        # with the file named and the other fields kept, then the real one.
        desk.goto("/agence/documents")
        problems["agency_documents_empty"] = serious_violations(desk)
        desk.get_by_label("Fichier PDF").set_input_files(
            {
                "name": "Bulletin_de_paie_octobre_2026_ROSSI_Lea_CG005.pdf",
                "mimeType": "application/pdf",
                "buffer": b"Bulletin d'octobre, en texte.",
            }
        )
        desk.get_by_label("Type de document").select_option(label="Bulletin de paie")
        desk.get_by_label("Mois concerné").fill("2026-10")
        desk.get_by_label("Intervenante", exact=True).select_option(label="Rossi Léa")
        with posted(desk, "/agence/documents") as refusal:
            desk.get_by_role("button", name="Publier le document").click()
        assert refusal.value.status == 400
        assert "pas un PDF" in desk.locator("#file-error").inner_text()
        assert (
            "Choisissez à nouveau le fichier" in desk.get_by_role("alert").inner_text()
        )
        assert desk.get_by_label("Type de document").input_value() == "payslip"
        assert desk.get_by_label("Mois concerné").input_value() == "2026-10"
        assert desk.get_by_label("Intervenante", exact=True).input_value()
        problems["agency_documents_refused"] = serious_violations(desk)
        desk.get_by_label("Fichier PDF").set_input_files(
            {
                "name": "Bulletin_de_paie_octobre_2026_ROSSI_Lea_CG005.pdf",
                "mimeType": "application/pdf",
                "buffer": PDF,
            }
        )
        desk.get_by_role("button", name="Publier le document").click()
        desk.get_by_text("Document publié : Bulletin de paie, octobre 2026").wait_for()
        assert desk.get_by_role("cell", name="Léa Rossi").is_visible()
        problems["agency_documents"] = serious_violations(desk)
        screenshot(desk, "agency-documents")
        with desk.expect_download() as checking:
            desk.get_by_role(
                "link", name="Bulletin_de_paie_octobre_2026_ROSSI_Lea_CG005.pdf"
            ).click()
        assert Path(checking.value.path()).read_bytes() == PDF

        # She downloads it from her documents, with its name and its bytes.
        her.goto("/documents")
        her.get_by_role("heading", name="Bulletin de paie · octobre 2026").wait_for()
        problems["documents"] = serious_violations(her)
        with her.expect_download() as downloading:
            her.get_by_role(
                "link",
                name="Télécharger Bulletin_de_paie_octobre_2026_ROSSI_Lea_CG005.pdf",
            ).click()
        download = downloading.value
        assert (
            download.suggested_filename
            == "Bulletin_de_paie_octobre_2026_ROSSI_Lea_CG005.pdf"
        )
        assert Path(download.path()).read_bytes() == PDF

        # Not the caregiver of the other agency.
        other.goto("/documents")
        other.get_by_role("heading", name="Mes documents").wait_for()
        assert (
            other.get_by_text(
                "Bulletin_de_paie_octobre_2026_ROSSI_Lea_CG005.pdf"
            ).count()
            == 0
        )

    mail = mailbox.wait_for_mail(system.mailbox, email, "Bulletin de paie")
    assert mail, f"no payslip email to {email}"
    assert mail.links[0].endswith("/documents")
    assert mailbox.mails_to(system.mailbox, outsider, "Bulletin de paie") == []
    assert {page: found for page, found in problems.items() if found} == {}
