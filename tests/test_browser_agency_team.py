"""The agency's team pages in a real browser (headless Chromium), against the
real processes: the staff invites a caregiver through the form (a bad email
first), the invitation reaches the mailbox, the caregiver declares her week
through the API and the staff asks who is free; a caregiver of another
agency stays out of reach, and a caregiver is refused the agency's pages.
axe-core checks every page; screenshots go to test-artifacts/screenshots/.
"""

import sys
import uuid
from pathlib import Path

import pytest

from extranet_dev.mailbox import wait_for_mail

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser.helpers import (  # noqa: E402
    account_for,
    browser,
    needs_chromium,
    screenshot,
    serious_violations,
    sign_in,
    submit,
)

pytestmark = [
    pytest.mark.e2e,
    needs_chromium,
]

PASSWORD = "la sieste est à quatorze heures"
STAFF_PASSWORD = "mot de passe du personnel"
MONDAY_AFTER_SCHOOL = {
    "weekly": [{"weekday": "monday", "start": "16:00", "end": "19:30"}],
    "exceptions": [],
}


def ask_who_is_free(page, day: str, start: str, end: str):
    page.goto("/agence/disponibilites")
    page.get_by_label("Date").fill(day)
    page.get_by_label("Début").fill(start)
    page.get_by_label("Fin").fill(end)
    return submit(page, "Voir qui est libre")


def test_the_agency_team_pages_in_a_browser(system, october_evening, new_agency):
    agency, _ = new_agency()
    _, elsewhere = new_agency()
    stranger = elsewhere.post(
        "/api/v1/agency/caregivers",
        json={
            "first_name": "Zoé",
            "last_name": "Ailleurs",
            "email": f"zoe-{uuid.uuid4().hex[:8]}@example.org",
        },
    )
    assert stranger.status_code == 201, stranger.text
    email = f"ines.moreau-garnier-{uuid.uuid4().hex[:8]}@example.org"
    staff_email = f"staff-{agency['ref'].lower()}@example.org"
    problems = {}

    with browser() as chromium:
        desk = sign_in(chromium, system.url, staff_email, STAFF_PASSWORD)

        # A bad email is refused beside its field, with what was typed kept.
        desk.goto("/agence/intervenantes")
        desk.get_by_role("heading", name="Intervenantes", exact=True).wait_for()
        desk.get_by_label("Prénom").fill("Inès")
        desk.get_by_label("Nom", exact=True).fill("Moreau")
        desk.get_by_label("Adresse email").fill("ines.moreau@")
        desk.get_by_label("Téléphone (facultatif)").fill("06 12 34 56 78")
        refused = submit(desk, "Envoyer l'invitation")
        assert refused.status == 400
        assert "Adresse email invalide" in desk.locator("#email-error").inner_text()
        assert desk.get_by_label("Prénom").input_value() == "Inès"
        assert desk.get_by_label("Adresse email").input_value() == "ines.moreau@"
        assert desk.get_by_label("Téléphone (facultatif)").input_value() == (
            "06 12 34 56 78"
        )
        problems["invitation_refused"] = serious_violations(desk)

        # The right email: a confirmation, the email, her row as invited.
        desk.get_by_label("Adresse email").fill(email)
        sent = submit(desk, "Envoyer l'invitation")
        assert sent.status == 200
        status = desk.get_by_role("status").inner_text()
        assert "Invitation envoyée à Inès Moreau" in status and email in status
        invitation = wait_for_mail(system.mailbox, email, "votre extranet")
        assert invitation is not None, "the invitation email never arrived"
        assert invitation.links
        row = desk.get_by_role("row").filter(has_text="Inès Moreau")
        assert "Invitée" in row.inner_text()
        problems["caregivers"] = serious_violations(desk)
        screenshot(desk, "agency-caregivers")

        # She registers, confirms and declares Mondays 16:00-19:30.
        ines = account_for(system, email, PASSWORD, ("Inès", "Moreau"))
        try:
            declared = ines.put("/api/v1/me/availability", json=MONDAY_AFTER_SCHOOL)
            assert declared.status_code == 200, declared.text
        finally:
            ines.close()

        # Her page: her account confirmed, her week, her month of hours.
        desk.goto("/agence/intervenantes")
        row = desk.get_by_role("row").filter(has_text="Inès Moreau")
        assert "Compte confirmé" in row.inner_text()
        row.get_by_role("link", name="Inès Moreau").click()
        desk.get_by_role("heading", name="Inès Moreau").wait_for()
        monday = desk.get_by_role("row").filter(has_text="Lundi")
        assert "16:00–19:30" in monday.inner_text()
        hours = desk.get_by_role("link", name="Octobre 2026 (ce mois-ci)")
        caregiver_id = desk.url.rsplit("/", 1)[1]
        assert hours.get_attribute("href") == f"/agence/heures/2026-10/{caregiver_id}"
        problems["caregiver"] = serious_violations(desk)
        screenshot(desk, "agency-caregiver")

        # Free inside her Monday slot, not after it.
        inside = ask_who_is_free(desk, "2026-11-02", "16:30", "19:00")
        assert inside.status == 200
        desk.get_by_role("heading", name="Lundi 2 novembre 2026, de 16:30").wait_for()
        assert "Inès Moreau" in desk.locator("#libres").inner_text()
        problems["availability"] = serious_violations(desk)
        screenshot(desk, "agency-availability")
        outside = ask_who_is_free(desk, "2026-11-02", "20:00", "21:00")
        assert outside.status == 200
        assert desk.locator("#libres").count() == 0
        assert "disponibilité non déclarée" in desk.locator("#pas-libres").inner_text()

        # 02:30 on the night the clocks go forward does not exist in Paris.
        skipped = ask_who_is_free(desk, "2026-03-29", "02:30", "04:00")
        assert skipped.status == 400
        assert "n'existe pas" in desk.locator("#start-error").inner_text()
        assert desk.get_by_label("Début").input_value() == "02:30"
        problems["availability_refused"] = serious_violations(desk)

        # Another agency's caregiver is unknown here.
        other = desk.goto(f"/agence/intervenantes/{stranger.json()['id']}")
        assert other.status == 404
        assert "Ailleurs" not in desk.content()

        # A caregiver is refused the agency's pages.
        nanny = sign_in(chromium, system.url, email, PASSWORD)
        nanny.get_by_role("heading", name="Bonjour Inès").wait_for()
        for path in ("/agence/intervenantes", "/agence/disponibilites"):
            answer = nanny.goto(path)
            assert answer.status == 403
            nanny.get_by_role("heading", name="Accès refusé").wait_for()

    assert problems == {name: [] for name in problems}
