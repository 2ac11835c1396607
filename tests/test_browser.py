"""The caregiver's extranet in a real browser (headless Chromium), against
the real processes: first connection with the links read from the mailbox,
login, planning, hours (accept, refuse, accept-all with its confirmation), a
request; the agency's month view. axe-core checks the main pages and
screenshots at phone size go to test-artifacts/screenshots/.
"""

import sys
import uuid
from pathlib import Path

import pytest

from extranet_dev.mailbox import eventually

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser.helpers import (  # noqa: E402
    browser,
    link_in_mail,
    needs_chromium,
    phone_page,
    screenshot,
    serious_violations,
)

pytestmark = [
    pytest.mark.e2e,
    needs_chromium,
]

PASSWORD = "le goûter est à seize heures"
STAFF_PASSWORD = "mot de passe du personnel"
FAMILIES = """ref,name,address,children
FA-ROS,Famille Rossi,"8 rue Vendôme, 69006 Lyon","Léo (6 ans)"
"""
SHIFTS = (
    "external_id,caregiver_email,family_ref,start,end,activity,car_transport,notes\n"
    "B-1,{email},FA-ROS,2026-10-27 16:30,2026-10-27 19:00,Sortie d'école,non,\n"
    "B-2,{email},FA-ROS,2026-10-28 16:30,2026-10-28 19:00,Sortie d'école,non,\n"
    "B-3,{email},FA-ROS,2026-10-29 16:30,2026-10-29 19:00,Sortie d'école,oui,\n"
    "B-4,{email},FA-ROS,2026-11-02 16:30,2026-11-02 19:00,Sortie d'école,non,\n"
)


def agency_with_shifts(new_agency):
    """An agency, an invited caregiver and her four shifts (three ended)."""
    agency, staff = new_agency()
    email = f"lea-{uuid.uuid4().hex[:8]}@example.org"
    invited = staff.post(
        "/api/v1/agency/caregivers",
        json={"first_name": "Léa", "last_name": "Rossi", "email": email},
    )
    assert invited.status_code == 201, invited.text
    for path, text in (
        ("/api/v1/agency/families/import", FAMILIES),
        ("/api/v1/agency/shifts/import", SHIFTS.format(email=email)),
    ):
        imported = staff.post(
            path, content=text.encode(), headers={"Content-Type": "text/csv"}
        )
        assert imported.status_code == 200, imported.text
    caregiver_id = invited.json()["id"]

    def entries():
        view = staff.get(f"/api/v1/agency/timesheets/2026-10/caregivers/{caregiver_id}")
        lines = [
            entry for day in view.json().get("days", []) for entry in day["entries"]
        ]
        return lines if len(lines) == 3 else None

    assert eventually(entries), "timesheets never had the three October entries"
    return agency, staff, email


def test_the_caregiver_journey_in_a_browser(system, october_evening, new_agency):
    agency, staff, email = agency_with_shifts(new_agency)
    problems = {}

    with browser() as chromium:
        page = phone_page(chromium, system.url)

        # First connection from her invitation email: the form knows her.
        invitation = link_in_mail(system, email, "votre extranet")
        page.goto(invitation)
        assert page.get_by_label("Adresse email").input_value() == email
        assert page.get_by_label("Prénom").input_value() == "Léa"
        # A mistake keeps what was typed.
        page.get_by_label("Prénom").fill("Léa")
        page.get_by_label("Nom", exact=True).fill("Rossi")
        page.get_by_label("Adresse email").fill(email)
        page.get_by_label("Mot de passe").fill("court")
        page.get_by_role("button", name="Créer mon accès").click()
        assert page.get_by_label("Adresse email").input_value() == email
        assert page.locator(".field-error").count() >= 1
        problems["first_connection"] = serious_violations(page)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Créer mon accès").click()
        page.get_by_text("C'est presque fini").wait_for()

        page.goto(link_in_mail(system, email, "Confirmation"))
        page.get_by_label("Mot de passe choisi").fill(PASSWORD)
        page.get_by_role("button", name="Confirmer mon compte").click()
        page.get_by_text("Votre compte est confirmé").wait_for()
        # The invitation has served: opening it again steers her to login.
        page.goto(invitation)
        assert page.get_by_label("Adresse email").input_value() == ""
        page.get_by_role("link", name="Se connecter").first.wait_for()
        assert "déjà servi" in page.locator("main").inner_text()

        # Login: a wrong password keeps the email; the right one opens home.
        page.goto("/connexion")
        problems["login"] = serious_violations(page)
        page.get_by_label("Adresse email").fill(email)
        page.get_by_label("Mot de passe").fill("pas le bon mot de passe")
        page.get_by_role("button", name="Se connecter").click()
        assert page.get_by_role("alert").is_visible()
        assert page.get_by_label("Adresse email").input_value() == email
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.get_by_role("heading", name="Bonjour Léa").wait_for()
        assert "3 interventions à valider" in page.content()
        assert page.get_by_text("lundi 2 novembre 2026").is_visible()
        problems["home"] = serious_violations(page)
        screenshot(page, "home", for_docs=True)

        # Planning of the month, with the print view one link away.
        page.get_by_role("link", name="Planning", exact=True).click()
        page.get_by_role("link", name="Mois").click()
        page.get_by_role("heading", name="Octobre 2026", exact=True).wait_for()
        assert page.get_by_text("Famille Rossi").count() == 3
        page.get_by_role("link", name="Suivant →").click()
        page.get_by_role("heading", name="Novembre 2026", exact=True).wait_for()
        assert page.get_by_text("Famille Rossi").count() == 1
        page.get_by_role("link", name="← Précédent").click()
        page.get_by_role("heading", name="Octobre 2026", exact=True).wait_for()
        printable = page.get_by_role("link", name="Version à imprimer")
        assert "/planning/imprimer?vue=mois" in printable.get_attribute("href")
        problems["planning"] = serious_violations(page)
        screenshot(page, "planning", for_docs=True)

        # Hours: accept one, refuse one with its reason and duration.
        page.goto("/heures/2026-10")
        cards = page.locator("section.card")
        assert cards.count() == 3
        cards.nth(0).get_by_role("button", name="Accepter").click()
        assert "Acceptée" in page.locator("section.card").nth(0).inner_text()
        second = page.locator("section.card").nth(1)
        second.get_by_text("Refuser ces horaires").click()
        second.get_by_label("Motif").select_option("left_late")
        second.get_by_label("Heures").fill("2")
        second.get_by_label("Minutes").fill("75")
        second.get_by_role("button", name="Refuser avec ce motif").click()
        second = page.locator("section.card").nth(1)
        assert second.locator(".field-error").is_visible()
        assert second.get_by_label("Minutes").input_value() == "75"
        second.get_by_label("Minutes").fill("45")
        second.get_by_role("button", name="Refuser avec ce motif").click()
        refused = page.locator("section.card").nth(1).inner_text()
        assert "Refusée" in refused and "2 h 45" in refused
        problems["hours"] = serious_violations(page)
        screenshot(page, "hours", for_docs=True)

        # Accept-all warns, lists what would be lost, then does it.
        page.get_by_role("button", name="Tout accepter").click()
        page.get_by_role("heading", name="Confirmer « Tout accepter »").wait_for()
        assert "2 h 45" in page.locator("main ul").inner_text()
        problems["accept_all"] = serious_violations(page)
        screenshot(page, "accept-all")
        page.get_by_role("button", name="Oui, tout accepter").click()
        page.get_by_text("Toutes vos interventions terminées sont acceptées").wait_for()
        assert page.locator(".badge.accepted").count() == 3

        # A request to the agency, then its thread.
        page.get_by_role("link", name="Demandes").click()
        page.get_by_role("link", name="Nouvelle demande").click()
        page.get_by_label("Type de demande").select_option("pay")
        page.get_by_label("Objet").fill("Fiche de paie d'octobre")
        page.get_by_label("Message").fill("Bonjour, quand sera-t-elle en ligne ?")
        page.get_by_role("button", name="Envoyer la demande").click()
        page.get_by_role("heading", name="Fiche de paie d'octobre").wait_for()
        assert page.get_by_text("quand sera-t-elle en ligne").is_visible()
        problems["request"] = serious_violations(page)
        screenshot(page, "request")

        # A change about one shift starts from that shift in her planning.
        page.goto("/planning?vue=mois&date=2026-10-01")
        page.get_by_role("link", name="Demander un changement").first.click()
        assert page.get_by_label("Garde concernée (référence)").input_value() == "B-1"
        page.get_by_label("Message").fill("Puis-je commencer à 17 h ?")
        page.get_by_role("button", name="Envoyer la demande").click()
        page.get_by_text("Garde concernée :").wait_for()
        asked = page.locator("main").inner_text()
        assert "mardi 27 octobre 2026, 16:30 – 19:00, Famille Rossi (réf. B-1)" in asked

        for path, name in (
            ("/disponibilites", "availability"),
            ("/documents", "documents"),
            ("/profil", "profile"),
        ):
            page.goto(path)
            problems[name] = serious_violations(page)
            screenshot(page, name)
        # A page that does not exist says so, in a page with her menu.
        missing = page.goto("/nulle-part")
        assert missing.status == 404
        page.get_by_role("heading", name="Page introuvable").wait_for()
        problems["not_found"] = serious_violations(page)
        plain = page.goto("/planning/imprimer?utm_source=sms")
        assert plain.status == 200, "the print view defaults to this week"
        wrong = page.goto("/planning/imprimer?vue=annee")
        assert wrong.status == 400
        page.get_by_role("heading", name="Demande incomplète ou invalide").wait_for()
        assert "« vue » : « semaine » ou « mois » attendu." in page.inner_text("main")
        page.get_by_role("button", name="Se déconnecter").click()
        page.get_by_role("heading", name="Connexion").wait_for()
        # Signed out, the print view's link leads to the login page.
        page.goto("/planning/imprimer?vue=mois&date=2026-10-01")
        page.get_by_role("heading", name="Connexion").wait_for()
        assert "suite=/planning/imprimer" in page.url

        # The agency's month view, from the staff's own login.
        desk = phone_page(chromium, system.url)
        desk.goto("/connexion")
        desk.get_by_label("Adresse email").fill(
            f"staff-{agency['ref'].lower()}@example.org"
        )
        desk.get_by_label("Mot de passe").fill(STAFF_PASSWORD)
        desk.get_by_role("button", name="Se connecter").click()
        desk.get_by_role("heading", name="Heures d'octobre 2026").wait_for()
        assert desk.get_by_role("rowheader", name="Léa Rossi").is_visible()
        problems["agency"] = serious_violations(desk)
        screenshot(desk, "agency-month")

        # The agency imports a planning: a faulty line is named, then fixed.
        desk.get_by_role("link", name="Importer un planning").click()
        bad = (
            SHIFTS.splitlines()[0]
            + f"\nB-5,{email},FA-ROS,demain,2026-11-03 19:00,,non,\n"
        )
        desk.get_by_label("Fichier CSV").set_input_files(
            {"name": "planning.csv", "mimeType": "text/csv", "buffer": bad.encode()}
        )
        desk.get_by_role("button", name="Importer").click()
        desk.get_by_role("table").wait_for()
        assert desk.get_by_role("cell", name="start", exact=True).is_visible()
        problems["agency_import"] = serious_violations(desk)
        screenshot(desk, "agency-import-errors")
        good = bad.replace("demain", "2026-11-03 16:30")
        desk.get_by_label("Fichier CSV").set_input_files(
            {"name": "planning.csv", "mimeType": "text/csv", "buffer": good.encode()}
        )
        desk.get_by_role("button", name="Importer").click()
        desk.get_by_text("Planning importé : 1 garde(s), 1 créée(s)").wait_for()

    assert {page: found for page, found in problems.items() if found} == {}
