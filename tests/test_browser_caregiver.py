"""The caregiver's account and availability pages in a real browser
(headless Chromium) against the real processes: her weekly slots and dated
exceptions, a lost password from the login page to the emailed link, a
password change that ends her other session, and logout with the back
button. axe-core checks every page visited; screenshots at phone size go to
test-artifacts/screenshots/.
"""

import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from extranet_dev import mailbox
from extranet_dev.mailbox import eventually

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser.helpers import (  # noqa: E402
    browser,
    link_in_mail,
    needs_chromium,
    phone_page,
    register,
    screenshot,
    serious_violations,
    sign_in,
    submit,
)

pytestmark = [
    pytest.mark.e2e,
    needs_chromium,
]

PASSWORD = "le goûter est à seize heures"
NEW_PASSWORD = "une phrase neuve pour le soir"
AUTH_CACHE_SECONDS = 5
"""How long the gateway trusts identity's answer about a session (its
default ``AUTH_CACHE_SECONDS``): an ended session stops within that time."""


@pytest.fixture(scope="module")
def launched_chromium():
    with browser() as launched:
        yield launched


@pytest.fixture
def chromium(launched_chromium):
    """One headless Chromium for the module; each visitor of a test has her
    own context (cookies), closed after the test."""
    yield launched_chromium
    for context in launched_chromium.contexts:
        context.close()


@dataclass
class Caregiver:
    email: str
    staff: httpx.Client
    confirmation_link: str


def registered_caregiver(system, new_agency, first_name: str) -> Caregiver:
    """An invited caregiver of an agency of her own, registered through the
    API, with the link of her confirmation email."""
    _, staff = new_agency()
    email = f"{first_name.lower()}-{uuid.uuid4().hex[:8]}@example.org"
    invited = staff.post(
        "/api/v1/agency/caregivers",
        json={"first_name": first_name, "last_name": "Garnier", "email": email},
    )
    assert invited.status_code == 201, invited.text
    link = register(system, email, PASSWORD, (first_name, "Garnier"))
    return Caregiver(email, staff, link)


def confirmed_caregiver(system, new_agency, first_name: str) -> Caregiver:
    """The same, her account confirmed through the API with that link."""
    caregiver = registered_caregiver(system, new_agency, first_name)
    token = caregiver.confirmation_link.split("token=", 1)[1]
    confirmed = httpx.post(
        f"{system.url}/api/v1/auth/confirm",
        json={"token": token, "password": PASSWORD},
        timeout=30,
    )
    assert confirmed.status_code == 200, confirmed.text
    return caregiver


def slot(page, number: int):
    return page.get_by_role("group", name=f"Créneau {number}", exact=True)


def dated(page, number: int):
    return page.get_by_role("group", name=f"Date {number}", exact=True)


def fill_slot(page, number: int, day: str, start: str, end: str) -> None:
    row = slot(page, number)
    row.get_by_label("Jour", exact=True).select_option(day)
    row.get_by_label("De", exact=True).fill(start)
    row.get_by_label("À", exact=True).fill(end)


def fill_dated(page, number, kind, start, end, comment="") -> None:
    row = dated(page, number)
    row.get_by_label("Type", exact=True).select_option(kind)
    row.get_by_label("Du", exact=True).fill(start)
    row.get_by_label("Au", exact=True).fill(end)
    row.get_by_label("Commentaire", exact=True).fill(comment)


def typed_slot(page, number: int) -> tuple[str, str, str]:
    row = slot(page, number)
    return (
        row.get_by_label("Jour", exact=True).input_value(),
        row.get_by_label("De", exact=True).input_value(),
        row.get_by_label("À", exact=True).input_value(),
    )


def typed_dated(page, number: int) -> tuple[str, str, str, str]:
    row = dated(page, number)
    return (
        row.get_by_label("Type", exact=True).input_value(),
        row.get_by_label("Du", exact=True).input_value(),
        row.get_by_label("Au", exact=True).input_value(),
        row.get_by_label("Commentaire", exact=True).input_value(),
    )


def who_is_free(staff: httpx.Client, start: str, end: str) -> set[str]:
    answer = staff.get("/api/v1/agency/availability", params={"from": start, "to": end})
    assert answer.status_code == 200, answer.text
    return {item["email"] for item in answer.json()["available"]}


def test_availability_is_kept_checked_row_by_row_and_removable(
    system, october_evening, new_agency, chromium
):
    nina = confirmed_caregiver(system, new_agency, "Nina")
    problems = {}

    page = sign_in(chromium, system.url, nina.email, PASSWORD)
    page.get_by_role("link", name="Disponibilités").click()
    page.get_by_role("heading", name="Mes disponibilités").wait_for()
    problems["empty"] = serious_violations(page)

    # Two weekly slots and a day off, saved and kept after a reload.
    fill_slot(page, 1, "monday", "16:00", "19:00")
    fill_slot(page, 2, "wednesday", "08:00", "12:00")
    fill_dated(page, 1, "unavailable", "2026-11-11", "", "Rendez-vous médical")
    saved = submit(page, "Enregistrer mes disponibilités").status
    page.get_by_text("Disponibilités enregistrées.").wait_for()
    problems["saved"] = serious_violations(page)
    screenshot(page, "availability-saved")
    page.reload()
    kept_slots = [typed_slot(page, 1), typed_slot(page, 2)]
    kept_day = typed_dated(page, 1)
    stored = page.request.get("/api/v1/me/availability").json()

    # A faulty row of each kind: refused, named beside its row, all kept.
    fill_slot(page, 3, "friday", "18:00", "17:00")
    fill_slot(page, 4, "saturday", "10:00", "11:00")
    # The list offers only real days: only a tampered form sends another.
    slot(page, 4).get_by_label("Jour", exact=True).evaluate(
        "select => { select.add(new Option('funday', 'funday'));"
        " select.value = 'funday'; }"
    )
    fill_dated(page, 2, "available", "2026-02-30", "2026-02-30", "Vacances")
    refused = submit(page, "Enregistrer mes disponibilités").status
    refused_alert = page.get_by_role("alert").inner_text()
    errors = {
        name: row.locator(".field-error").all_inner_texts()
        for name, row in (
            ("slot 1", slot(page, 1)),
            ("slot 2", slot(page, 2)),
            ("slot 3", slot(page, 3)),
            ("slot 4", slot(page, 4)),
            ("date 1", dated(page, 1)),
            ("date 2", dated(page, 2)),
        )
    }
    described = (
        slot(page, 3).get_by_label("À", exact=True).get_attribute("aria-describedby")
    )
    typed_after_refusal = (
        [typed_slot(page, number) for number in (1, 2, 3, 4)],
        [typed_dated(page, number) for number in (1, 2)],
    )
    problems["refused"] = serious_violations(page)
    screenshot(page, "availability-refused")

    # Corrected, then the Wednesday slot removed with its own control.
    slot(page, 3).get_by_label("À", exact=True).fill("20:00")
    slot(page, 4).get_by_label("Jour", exact=True).select_option("saturday")
    fill_dated(page, 2, "available", "2026-12-24", "2026-12-26", "Vacances")
    corrected = submit(page, "Enregistrer mes disponibilités").status
    slot(page, 2).get_by_label("Supprimer ce créneau").check()
    after_removal = submit(page, "Enregistrer mes disponibilités").status
    remaining = page.request.get("/api/v1/me/availability").json()
    remaining_on_page = [typed_slot(page, number) for number in (1, 2, 3)]

    assert saved == 200
    assert kept_slots == [("monday", "16:00", "19:00"), ("wednesday", "08:00", "12:00")]
    assert kept_day == (
        "unavailable",
        "2026-11-11",
        "2026-11-11",
        "Rendez-vous médical",
    )
    assert stored["weekly"] == [
        {"weekday": "monday", "start": "16:00", "end": "19:00"},
        {"weekday": "wednesday", "start": "08:00", "end": "12:00"},
    ]
    assert stored["exceptions"] == [
        {
            "kind": "unavailable",
            "start": "2026-11-11",
            "end": "2026-11-11",
            "whole_days": True,
            "comment": "Rendez-vous médical",
        }
    ]

    assert refused == 400
    assert "n'ont pas été enregistrées" in refused_alert
    assert errors["slot 1"] == errors["slot 2"] == errors["date 1"] == []
    assert errors["slot 3"] == ["la fin doit être après le début"]
    assert errors["slot 4"] == ["Choisissez un jour de la liste."]
    assert errors["date 2"] and all("AAAA-MM-JJ" in text for text in errors["date 2"])
    assert described == "weekly-2-end-error"
    assert typed_after_refusal == (
        [
            ("monday", "16:00", "19:00"),
            ("wednesday", "08:00", "12:00"),
            ("friday", "18:00", "17:00"),
            ("funday", "10:00", "11:00"),
        ],
        [
            ("unavailable", "2026-11-11", "2026-11-11", "Rendez-vous médical"),
            ("available", "2026-02-30", "2026-02-30", "Vacances"),
        ],
    )

    assert (corrected, after_removal) == (200, 200)
    assert [item["weekday"] for item in remaining["weekly"]] == [
        "monday",
        "friday",
        "saturday",
    ]
    assert remaining_on_page[1] == ("friday", "18:00", "20:00")
    assert [(item["start"], item["end"]) for item in remaining["exceptions"]] == [
        ("2026-11-11", "2026-11-11"),
        ("2026-12-24", "2026-12-26"),
    ]
    assert {name: found for name, found in problems.items() if found} == {}


def test_availability_keeps_her_local_hours_on_the_day_summer_time_ends(
    system, october_evening, new_agency, chromium
):
    zoe = confirmed_caregiver(system, new_agency, "Zoé")
    days_off = [
        f"2027-{month:02d}-{day:02d}" for month in (1, 2) for day in range(1, 27)
    ]

    page = sign_in(chromium, system.url, zoe.email, PASSWORD)
    # A long list of days off already stored, more than the page once read.
    stored_before = page.request.put(
        "/api/v1/me/availability",
        headers={"X-CSRF-Token": page.locator("[name=csrf_token]").first.input_value()},
        data={
            "exceptions": [
                {"kind": "unavailable", "start": day, "end": day} for day in days_off
            ]
        },
    )
    page.goto("/disponibilites")
    fill_slot(page, 1, "sunday", "08:00", "12:00")
    fill_dated(
        page, len(days_off) + 1, "available", "2026-10-25T01:00", "2026-10-25T05:00"
    )
    saved = submit(page, "Enregistrer mes disponibilités").status
    on_page = (typed_slot(page, 1), typed_dated(page, 1))
    stored = page.request.get("/api/v1/me/availability").json()
    problems = serious_violations(page)

    assert stored_before.status == 200, stored_before.text()
    assert saved == 200
    assert on_page == (
        ("sunday", "08:00", "12:00"),
        ("available", "2026-10-25T01:00", "2026-10-25T05:00", ""),
    )
    assert stored["weekly"] == [{"weekday": "sunday", "start": "08:00", "end": "12:00"}]
    summer_end, *kept = stored["exceptions"]
    assert (summer_end["start"], summer_end["end"]) == (
        "2026-10-25T01:00:00+02:00",
        "2026-10-25T05:00:00+01:00",
    )
    assert [item["start"] for item in kept] == days_off
    # The agency sees her free at the local hours she typed, on both sides
    # of the change, and not an hour off.
    assert zoe.email in who_is_free(zoe.staff, "2026-10-18T08:00", "2026-10-18T12:00")
    assert zoe.email in who_is_free(zoe.staff, "2026-10-25T08:00", "2026-10-25T12:00")
    assert zoe.email not in who_is_free(
        zoe.staff, "2026-10-25T07:00", "2026-10-25T08:00"
    )
    assert zoe.email in who_is_free(zoe.staff, "2026-10-25T01:00", "2026-10-25T05:00")
    assert zoe.email not in who_is_free(
        zoe.staff, "2026-10-25T04:00", "2026-10-25T06:00"
    )
    assert problems == []


def test_lost_password_from_the_login_page(
    system, october_evening, new_agency, chromium
):
    lou = confirmed_caregiver(system, new_agency, "Lou")
    nobody = f"personne-{uuid.uuid4().hex[:8]}@example.org"
    problems = {}

    page = phone_page(chromium, system.url)
    page.goto("/connexion")
    problems["login"] = serious_violations(page)
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    page.get_by_role("heading", name="Mot de passe oublié").wait_for()
    problems["lost"] = serious_violations(page)

    # The same answer for an address nobody has as for hers.
    page.get_by_label("Adresse email").fill(nobody)
    unknown_status = submit(page, "Recevoir un lien").status
    unknown_answer = page.get_by_role("status").inner_text()
    page.goto("/mot-de-passe/oublie")
    page.get_by_label("Adresse email").fill(lou.email.upper())
    known_status = submit(page, "Recevoir un lien").status
    known_answer = page.get_by_role("status").inner_text()
    problems["asked"] = serious_violations(page)
    screenshot(page, "lost-password")
    link = link_in_mail(system, lou.email, "Choisir un nouveau mot de passe")
    token = link.split("token=", 1)[1]

    # Opening the link twice shows the form and leaves the token alone.
    page.goto(link)
    page.goto(link)
    form_after_two_visits = page.get_by_label("Nouveau mot de passe").is_visible()
    problems["new"] = serious_violations(page)
    screenshot(page, "new-password")

    page.get_by_label("Nouveau mot de passe").fill("trop court")
    too_short = submit(page, "Enregistrer").status
    short_error = page.locator(".field-error").inner_text()
    rules_shown = page.locator("#rules").inner_text()
    token_kept = page.locator("input[name=token]").get_attribute("value")
    problems["too_short"] = serious_violations(page)
    page.get_by_label("Nouveau mot de passe").fill(NEW_PASSWORD)
    reset = submit(page, "Enregistrer").status
    done = page.locator("main").inner_text()

    old = sign_in(chromium, system.url, lou.email, PASSWORD)
    old_refused = (old.url, old.get_by_role("alert").inner_text())
    new = sign_in(chromium, system.url, lou.email, NEW_PASSWORD)
    new.get_by_role("heading", name="Bonjour Lou").wait_for()

    # The same link again: refused, and the way to a new one is shown.
    page.goto(link)
    page.get_by_label("Nouveau mot de passe").fill("encore une autre phrase")
    reused = submit(page, "Enregistrer").status
    reused_alert = page.get_by_role("alert").inner_text()
    fresh_link = page.get_by_role("link", name="Demander un nouveau lien")
    reused_form = page.get_by_label("Nouveau mot de passe").count()
    problems["reused"] = serious_violations(page)
    fresh_href = fresh_link.get_attribute("href")

    assert unknown_status == known_status == 202
    assert unknown_answer.replace(nobody, "@") == known_answer.replace(
        lou.email.upper(), "@"
    )
    assert not mailbox.mails_to(system.mailbox, nobody, "mot de passe")
    assert form_after_two_visits
    assert too_short == 400
    assert "au moins 12 caractères" in short_error
    assert "Entre 12 et 64 caractères" in rules_shown
    assert token_kept == token
    assert reset == 200 and "Votre mot de passe est changé" in done
    assert "/connexion" in old_refused[0] and old_refused[1]
    assert reused == 410
    assert "plus valable" in reused_alert
    assert reused_form == 0
    assert fresh_href == "/mot-de-passe/oublie"
    assert {name: found for name, found in problems.items() if found} == {}


def test_password_change_on_the_profile_ends_her_other_session(
    system, october_evening, new_agency, chromium
):
    mia = confirmed_caregiver(system, new_agency, "Mia")
    problems = {}

    elsewhere = sign_in(chromium, system.url, mia.email, PASSWORD)
    elsewhere.get_by_role("heading", name="Bonjour Mia").wait_for()
    page = sign_in(chromium, system.url, mia.email, PASSWORD)
    page.get_by_role("link", name="Profil").click()
    page.get_by_role("heading", name="Mon profil").wait_for()
    problems["profile"] = serious_violations(page)

    page.get_by_label("Mot de passe actuel").fill("pas le bon mot de passe")
    page.get_by_label("Nouveau mot de passe").fill(NEW_PASSWORD)
    wrong = submit(page, "Changer le mot de passe").status
    wrong_field = page.get_by_label("Mot de passe actuel")
    wrong_named = (
        wrong_field.get_attribute("aria-invalid"),
        page.locator("#" + wrong_field.get_attribute("aria-describedby")).inner_text(),
    )
    problems["wrong"] = serious_violations(page)

    page.get_by_label("Mot de passe actuel").fill(PASSWORD)
    page.get_by_label("Nouveau mot de passe").fill("court")
    short = submit(page, "Changer le mot de passe").status
    new_field = page.get_by_label("Nouveau mot de passe")
    short_named = (
        new_field.get_attribute("aria-invalid"),
        new_field.get_attribute("aria-describedby"),
        page.locator("#new_password-error").inner_text(),
        page.locator("#rules").inner_text(),
    )
    problems["short"] = serious_violations(page)

    page.get_by_label("Mot de passe actuel").fill(PASSWORD)
    page.get_by_label("Nouveau mot de passe").fill(NEW_PASSWORD)
    changed = submit(page, "Changer le mot de passe").status
    confirmation = page.get_by_role("status").inner_text()
    problems["changed"] = serious_violations(page)
    screenshot(page, "profile-changed")
    notice = mailbox.wait_for_mail(
        system.mailbox, mia.email, "Votre mot de passe a été changé"
    )

    # Her other session ends (within the gateway's short cache of
    # sessions); this one stays.
    started = time.monotonic()

    def sent_to_login():
        elsewhere.goto("/planning")
        return "/connexion" in elsewhere.url

    ended = eventually(sent_to_login, AUTH_CACHE_SECONDS + 3, 0.5)
    delay = time.monotonic() - started
    elsewhere_heading = elsewhere.get_by_role("heading", level=1).inner_text()
    page.goto("/planning")
    still_here = page.url

    assert wrong == 400
    assert wrong_named[0] == "true" and wrong_named[1]
    assert short == 400
    assert short_named[0] == "true"
    assert short_named[1].split() == ["rules", "new_password-error"]
    assert "au moins 12 caractères" in short_named[2]
    assert "Entre 12 et 64 caractères" in short_named[3]
    assert changed == 200 and "Mot de passe changé" in confirmation
    assert notice is not None
    assert ended and delay <= AUTH_CACHE_SECONDS + 1.5
    assert elsewhere_heading == "Connexion"
    assert still_here.endswith("/planning")
    assert {name: found for name, found in problems.items() if found} == {}


def test_after_logout_back_and_reload_lead_to_login_then_to_the_page_asked(
    system, october_evening, new_agency, chromium
):
    eva = registered_caregiver(system, new_agency, "Eva")
    problems = {}

    # She confirms her account on the page of the emailed link.
    page = phone_page(chromium, system.url)
    page.goto("/")
    problems["welcome"] = serious_violations(page)
    page.goto(eva.confirmation_link)
    problems["confirmation"] = serious_violations(page)
    page.get_by_label("Mot de passe choisi").fill("pas celui de l'inscription")
    mistaken = submit(page, "Confirmer mon compte").status
    mistake_named = page.get_by_label("Mot de passe choisi").get_attribute(
        "aria-invalid"
    )
    problems["confirmation_refused"] = serious_violations(page)
    page.get_by_label("Mot de passe choisi").fill(PASSWORD)
    confirmed = submit(page, "Confirmer mon compte").status
    page.get_by_role("link", name="Se connecter").click()
    page.get_by_label("Adresse email").fill(eva.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name="Bonjour Eva").wait_for()

    # Signed out, the back button and a reload of her planning ask to sign
    # in, and signing in again goes back to that very page.
    page.goto("/planning?vue=mois&date=2026-11-01")
    page.get_by_role("heading", name="Novembre 2026", exact=True).wait_for()
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_role("heading", name="Connexion").wait_for()
    page.go_back()
    page.get_by_role("heading", name="Connexion").wait_for()
    after_back = page.url
    page.reload()
    page.get_by_role("heading", name="Connexion").wait_for()
    after_reload = page.url
    problems["login"] = serious_violations(page)
    page.get_by_label("Adresse email").fill(eva.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name="Novembre 2026", exact=True).wait_for()
    landed = page.url

    assert (mistaken, mistake_named, confirmed) == (400, "true", 200)
    wanted = "/connexion?suite=/planning%3Fvue%3Dmois%26date%3D2026-11-01"
    assert after_back.endswith(wanted)
    assert after_reload.endswith(wanted)
    assert landed.endswith("/planning?vue=mois&date=2026-11-01")
    assert {name: found for name, found in problems.items() if found} == {}
