"""The agency's month in a real browser (headless Chromium) against the
real processes: a caregiver's refusal settled by the staff (a comment is
asked when the minutes differ), the month closed early during its grace
period after a confirmation, an entry of the closed month corrected and its
history shown. axe-core checks each page; screenshots go to
test-artifacts/screenshots/.
"""

import sys
import uuid
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from extranet_dev.mailbox import eventually

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
FA-DUP,Famille Dupont,"3 rue Juliette Récamier, 69006 Lyon","Zoé (4 ans)"
"""
SHIFTS = (
    "external_id,caregiver_email,family_ref,start,end,activity,car_transport,notes\n"
    "M-1,{email},FA-DUP,2026-10-26 16:30,2026-10-26 19:00,Sortie d'école,non,\n"
    "M-2,{email},FA-DUP,2026-10-27 16:30,2026-10-27 19:00,Sortie d'école,oui,\n"
    "M-3,{email},FA-DUP,2026-10-28 16:30,2026-10-28 19:00,Sortie d'école,non,\n"
)
IN_THE_GRACE_PERIOD = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def october_with_a_refusal(system, new_agency):
    """An agency with two days of grace and Léa's three ended October
    shifts, the second refused (left late: 2 h 45 instead of 2 h 30)."""
    agency, staff = new_agency()
    grace = staff.put("/api/v1/agency/timesheets/settings", json={"grace_days": 2})
    assert grace.status_code == 200, grace.text
    email = f"lea-{uuid.uuid4().hex[:8]}@example.org"
    caregiver_id, lea = confirmed_caregiver(system, staff, email, PASSWORD)
    for path, text in (
        ("/api/v1/agency/families/import", FAMILIES),
        ("/api/v1/agency/shifts/import", SHIFTS.format(email=email)),
    ):
        imported = staff.post(
            path, content=text.encode(), headers={"Content-Type": "text/csv"}
        )
        assert imported.status_code == 200, imported.text

    def entries():
        sheet = lea.get("/api/v1/me/timesheets/2026-10").json()
        found = [entry for day in sheet.get("days", []) for entry in day["entries"]]
        return found if len(found) == 3 else None

    first, second, third = eventually(entries)
    refused = lea.put(
        f"/api/v1/me/timesheets/2026-10/entries/{second['id']}",
        json={"status": "refused", "reason": "left_late", "declared_minutes": 165},
    )
    assert refused.status_code == 200, refused.text
    return agency, (email, lea), caregiver_id, [first["id"], second["id"], third["id"]]


def test_the_agency_settles_closes_and_corrects_its_month(
    system, system_clock, october_evening, new_agency
):
    agency, (lea_email, lea), caregiver_id, ids = october_with_a_refusal(
        system, new_agency
    )
    staff_email = f"staff-{agency['ref'].lower()}@example.org"
    problems = {}

    with browser() as chromium, closing(lea):
        desk = sign_in(chromium, system.url, staff_email, STAFF_PASSWORD)
        desk.get_by_role("heading", name="Heures d'octobre 2026").wait_for()
        # On 31 October the month is still the caregivers': no way to close it.
        assert desk.get_by_role("button", name="Clore octobre 2026").count() == 0
        assert "délai de grâce de 2 jours" in desk.content()

        # Settling her refusal: other minutes than hers need a comment.
        desk.get_by_role("link", name="Léa Rossi").click()
        desk.get_by_role("heading", name="Léa Rossi : octobre 2026").wait_for()
        card = desk.locator(f"#e-{ids[1]}")
        assert "Départ plus tard que prévu" in card.inner_text()
        assert "durée déclarée 2 h 45" in card.inner_text()
        card.get_by_label("Minutes").first.fill("40")
        card.get_by_role("button", name="Régler ce refus").click()
        card = desk.locator(f"#e-{ids[1]}")
        assert card.locator(".field-error").is_visible()
        assert card.get_by_label("Minutes").first.input_value() == "40"
        problems["caregiver_month_error"] = serious_violations(desk)
        card.get_by_label("Commentaire").fill("Vu avec la famille : 2 h 40.")
        card.get_by_role("button", name="Régler ce refus").click()
        desk.get_by_text("Modification enregistrée.").wait_for()
        settled = desk.locator(f"#e-{ids[1]}").inner_text()
        assert "Réglée par l'agence" in settled and "compté 2 h 40" in settled

        # In the grace period, the month can be closed after a confirmation.
        # (Eleven hours later both sessions have ended: sign in again.)
        system_clock.set(IN_THE_GRACE_PERIOD)
        desk = sign_in(chromium, system.url, staff_email, STAFF_PASSWORD)
        again = lea.post(
            "/api/v1/auth/login", json={"email": lea_email, "password": PASSWORD}
        )
        lea.headers["Authorization"] = f"Bearer {again.json()['token']}"
        desk.goto("/agence?mois=2026-10")
        desk.get_by_role("button", name="Clore octobre 2026 maintenant").click()
        desk.get_by_role("heading", name="Clore octobre 2026 maintenant ?").wait_for()
        assert "2 interventions encore à valider" in desk.locator("main").inner_text()
        problems["close_confirm"] = serious_violations(desk)
        desk.get_by_role("button", name="Oui, clore octobre 2026").click()
        desk.get_by_text("Le mois est clos").wait_for()
        assert "Mois clos" in desk.locator("main").inner_text()
        problems["agency_month_closed"] = serious_violations(desk)
        screenshot(desk, "agency-month-closed")

        # She can no longer change anything in October.
        late = lea.put(
            f"/api/v1/me/timesheets/2026-10/entries/{ids[0]}",
            json={"status": "accepted"},
        )
        assert late.status_code == 409, late.text
        sheet = lea.get("/api/v1/me/timesheets/2026-10").json()
        statuses = [e["status"] for d in sheet["days"] for e in d["entries"]]
        assert statuses == ["not_validated", "settled", "not_validated"]

        # A correction of the closed month: kilometres, with a reason.
        desk.goto(f"/agence/heures/2026-10/{caregiver_id}")
        card = desk.locator(f"#e-{ids[2]}")
        card.get_by_text("Corriger cette intervention").click()
        card.get_by_label("Kilomètres").fill("douze")
        card.get_by_role("button", name="Corriger").click()
        card = desk.locator(f"#e-{ids[2]}")
        assert card.locator(".field-error").count() >= 1
        assert card.get_by_label("Kilomètres").input_value() == "douze"
        card.get_by_label("Kilomètres").fill("12,5")
        card.get_by_label("Pourquoi (obligatoire)").fill("Trajet piscine oublié")
        card.get_by_role("button", name="Corriger").click()
        desk.get_by_text("Modification enregistrée.").wait_for()
        assert "12,5 km" in desk.locator(f"#e-{ids[2]}").inner_text()
        problems["caregiver_month"] = serious_violations(desk)
        screenshot(desk, "agency-caregiver-month", for_docs=True)

        desk.locator(f"#e-{ids[2]}").get_by_role("link", name="Historique").click()
        desk.get_by_role("heading", name="Historique d'une intervention").wait_for()
        history = desk.locator("tbody").inner_text()
        assert "Non validée à la clôture" in history
        assert "Corrigée par l'agence" in history and "Trajet piscine" in history
        problems["history"] = serious_violations(desk)

    assert {page: found for page, found in problems.items() if found} == {}
