"""A request's whole life in a real browser (headless Chromium), against the
real processes: the caregiver asks for an unplanned intervention; the staff
find it among the open requests, approve it as a shift after two refused
tries, answer and close it; the caregiver reads the answer and the closed
status. axe-core checks the agency's list and thread pages, and screenshots
at phone size go to test-artifacts/screenshots/.
"""

import sys
import uuid
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from extranet_dev.mailbox import wait_for_mail

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
FAMILIES = """ref,name,address,children
FA-ROS,Famille Rossi,"8 rue Vendôme, 69006 Lyon","Léo (6 ans)"
FA-MAR,Famille Martin,"3 place Puvis, 69006 Lyon","Inès (4 ans)"
"""
SUBJECT = "Garde imprévue du mardi 20"


def caregiver_with_account(system, staff) -> tuple[str, httpx.Client]:
    """An invited caregiver whose account is confirmed through the API (the
    link of her confirmation email); her email and a client signed in as
    her."""
    email = f"nina-{uuid.uuid4().hex[:8]}@example.org"
    _, her = confirmed_caregiver(system, staff, email, PASSWORD, ("Nina", "Durand"))
    return email, her


def test_the_agency_approves_answers_and_closes_a_request(
    system, october_evening, new_agency
):
    agency, staff = new_agency()
    imported = staff.post(
        "/api/v1/agency/families/import",
        content=FAMILIES.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    email, her = caregiver_with_account(system, staff)
    problems = {}

    with browser() as chromium, closing(her):
        # She asks for an evening she worked without a planned shift.
        page = sign_in(chromium, system.url, email, PASSWORD)
        page.goto("/demandes/nouvelle")
        page.get_by_label("Type de demande").select_option("unplanned_intervention")
        page.get_by_label("Objet").fill(SUBJECT)
        page.get_by_label("Message", exact=True).fill("Mme Rossi m'a appelée à 18 h.")
        page.get_by_label("Date (AAAA-MM-JJ)").fill("2026-10-20")
        page.get_by_label("Début (HH:MM)").fill("18:30")
        page.get_by_label("Fin (HH:MM)").fill("21:00")
        page.get_by_label("Famille").fill("Les Rossi, rue Vendôme")
        page.get_by_role("button", name="Envoyer la demande").click()
        page.get_by_text("Votre demande est envoyée à l'agence.").wait_for()
        request_id = page.url.split("/demandes/", 1)[1].split("?", 1)[0]
        assert "mardi 20 octobre 2026, 18:30 – 21:00" in page.inner_text("main")

        # The staff find it among the open requests.
        desk = sign_in(
            chromium,
            system.url,
            f"staff-{agency['ref'].lower()}@example.org",
            STAFF_PASSWORD,
        )
        desk.goto("/agence/demandes")
        desk.get_by_label("Statut").select_option("open")
        desk.get_by_role("button", name="Filtrer").click()
        desk.wait_for_url("**/agence/demandes?statut=open*")
        item = desk.locator("li.card.open", has_text=SUBJECT)
        assert "Nina Durand" in item.inner_text()
        assert "Intervention non planifiée" in item.inner_text()
        problems["list"] = serious_violations(desk)
        screenshot(desk, "agency-requests")

        # An approval with no family, then with an hour that happens twice,
        # is refused beside its field and keeps what was typed.
        item.get_by_role("link", name=SUBJECT).click()
        desk.get_by_role("heading", name=SUBJECT, level=1).wait_for()
        assert "Les Rossi, rue Vendôme" in desk.inner_text("main")
        assert desk.get_by_label("Date", exact=True).input_value() == "2026-10-20"
        assert desk.get_by_label("Début", exact=True).input_value() == "18:30"
        assert desk.get_by_label("Fin", exact=True).input_value() == "21:00"
        desk.get_by_label("Activité (facultatif)").fill("Garde du soir")
        approve = desk.get_by_role("button", name="Approuver et ajouter au planning")
        approve.click()
        assert "Choisissez la famille" in desk.locator("#family_ref-error").inner_text()
        assert desk.get_by_label("Activité (facultatif)").input_value() == (
            "Garde du soir"
        )
        desk.get_by_label("Famille", exact=True).select_option("FA-ROS")
        desk.get_by_label("Date", exact=True).fill("2026-10-25")
        desk.get_by_label("Début", exact=True).fill("02:30")
        desk.get_by_label("Fin", exact=True).fill("05:00")
        approve.click()
        assert "existe deux fois" in desk.locator("#start-error").inner_text()
        assert desk.get_by_label("Date", exact=True).input_value() == "2026-10-25"
        assert desk.get_by_label("Famille", exact=True).input_value() == "FA-ROS"
        problems["thread"] = serious_violations(desk)
        screenshot(desk, "agency-request", for_docs=True)

        # With her own hours back, the approval makes the shift.
        desk.get_by_label("Date", exact=True).fill("2026-10-20")
        desk.get_by_label("Début", exact=True).fill("18:30")
        desk.get_by_label("Fin", exact=True).fill("21:00")
        approve.click()
        desk.get_by_text("Intervention approuvée : la garde est ajoutée").wait_for()
        assert f"REQ-{request_id}" in desk.inner_text("main")
        assert not approve.is_visible()

        week = her.get("/api/v1/me/planning?view=week&date=2026-10-20")
        (shift,) = [
            s for s in week.json()["shifts"] if s["external_id"] == f"REQ-{request_id}"
        ]
        assert (shift["start"], shift["end"]) == (
            "2026-10-20T18:30:00+02:00",
            "2026-10-20T21:00:00+02:00",
        )
        assert (shift["family"]["ref"], shift["activity"]) == (
            "FA-ROS",
            "Garde du soir",
        )
        answered = f"Réponse à votre demande : {SUBJECT}"
        assert wait_for_mail(system.mailbox, email, answered), "no answer email"

        # She replies in her thread; the request is open again.
        page.goto(f"/demandes/{request_id}")
        assert "Approuvée : garde ajoutée" in page.inner_text("main")
        page.get_by_label("Votre message").fill("Merci ! J'ai fini à 21 h 15.")
        page.get_by_role("button", name="Envoyer", exact=True).click()
        page.get_by_text("Votre message est envoyé à l'agence.").wait_for()
        assert "J'ai fini à 21 h 15." in page.inner_text("main")

        # The staff answer it (an empty answer is refused), then close it.
        desk.goto("/agence/demandes?statut=open")
        desk.get_by_role("link", name=SUBJECT).click()
        assert "J'ai fini à 21 h 15." in desk.inner_text("main")
        desk.get_by_label("Votre réponse").fill("   ")
        send = desk.get_by_role("button", name="Envoyer la réponse")
        send.click()
        assert "Écrivez votre message." in desk.locator("#body-error").inner_text()
        desk.get_by_label("Votre réponse").fill("Nous comptons le quart d'heure.")
        send.click()
        desk.get_by_text("Réponse envoyée à l'intervenante.").wait_for()
        desk.get_by_role("button", name="Fermer la demande").click()
        desk.get_by_text("La demande est fermée.").wait_for()
        assert "Fermée" in desk.locator("h1 + p").inner_text()

        # She sees the answer and the closed status.
        page.goto(f"/demandes/{request_id}")
        thread = page.inner_text("main")
        assert "Nous comptons le quart d'heure." in thread and "Fermée" in thread
        assert page.get_by_label("Votre message").count() == 0
        problems["her_thread"] = serious_violations(page)

    assert problems == {"list": [], "thread": [], "her_thread": []}
