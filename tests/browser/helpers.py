"""Headless Chromium from Debian driven by Playwright, an axe-core check and
phone-size screenshots, for the browser tests.

Playwright never downloads a browser here: it drives ``/usr/bin/chromium``
(Debian's package, installed by ``make test``). axe-core comes inside the
PyPI package ``axe-playwright-python``.
"""

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

from extranet_dev import mailbox
from extranet_dev.mailbox import eventually

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--lang=fr-FR",
]
PHONE = {"width": 390, "height": 844}
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
SERIOUS = {"serious", "critical"}


# The browser tests are skipped where Chromium is missing, except under CI
# (EXTRANET_REQUIRE_CHROMIUM=1), where they must fail rather than pass unrun.
needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and os.environ.get("EXTRANET_REQUIRE_CHROMIUM") != "1",
    reason=f"{CHROMIUM} missing",
)


@contextmanager
def browser():
    """One headless Chromium for a test."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


def phone_page(launched, base_url: str):
    """A new visitor (own cookies) on a phone-sized screen, in French."""
    context = launched.new_context(
        base_url=base_url, viewport=PHONE, locale="fr-FR", device_scale_factor=1
    )
    context.set_default_timeout(15_000)
    return context.new_page()


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page, as text, and
    a page wider than the screen (it would scroll sideways on a phone)."""
    results = Axe().run(page)
    found = [
        f"{violation['id']}: {violation['help']} "
        f"({[node['target'] for node in violation['nodes']][:3]})"
        for violation in results.response["violations"]
        if violation.get("impact") in SERIOUS
    ]
    extra = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if extra > 0:
        found.append(f"wider than the screen by {extra} px")
    return found


def screenshot(page, name: str, for_docs: bool = False) -> Path:
    """A full-page screenshot at phone size in test-artifacts/screenshots/.

    With ``for_docs``, it also replaces the README's copy in docs/screenshots/,
    but only when ``UPDATE_DOC_SCREENSHOTS=1`` is set: a plain test run must
    not change tracked files.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if for_docs and os.environ.get("UPDATE_DOC_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SCREENSHOTS / path.name)
    return path


def link_in_mail(system, address: str, subject_part: str) -> str:
    """The first link of the latest email to ``address`` whose subject has
    ``subject_part``, waiting for it to arrive."""

    def found():
        return [
            mail
            for mail in mailbox.all_mail(system.mailbox)
            if address in mail.to.lower() and subject_part in mail.subject
        ]

    mails = eventually(found)
    assert mails, f"no email '{subject_part}' to {address}"
    return mails[-1].links[0]


def sign_in(launched, base_url: str, email: str, password: str):
    """A new phone-sized visitor signed in through the login form."""
    page = phone_page(launched, base_url)
    page.goto("/connexion")
    page.get_by_label("Adresse email").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    return page


def register(system, email: str, password: str, names=("Léa", "Rossi")) -> str:
    """Her first connection through the API; the link of her confirmation
    email."""
    first, last = names
    registered = httpx.post(
        f"{system.url}/api/v1/auth/register",
        json={
            "first_name": first,
            "last_name": last,
            "email": email,
            "password": password,
        },
        timeout=30,
    )
    assert registered.status_code == 202, registered.text
    return link_in_mail(system, email, "Confirmation")


def account_for(
    system, email: str, password: str, names=("Léa", "Rossi")
) -> httpx.Client:
    """An invited caregiver's account registered and confirmed through the
    API; a client signed in as her (the caller closes it)."""
    token = register(system, email, password, names).split("token=", 1)[1]
    client = httpx.Client(base_url=system.url, timeout=30)
    confirmed = client.post(
        "/api/v1/auth/confirm", json={"token": token, "password": password}
    )
    assert confirmed.status_code == 200, confirmed.text
    signed_in = client.post(
        "/api/v1/auth/login", json={"email": email, "password": password}
    )
    assert signed_in.status_code == 200, signed_in.text
    client.headers["Authorization"] = f"Bearer {signed_in.json()['token']}"
    return client


def confirmed_caregiver(
    system, staff, email: str, password: str, names=("Léa", "Rossi")
) -> tuple[str, httpx.Client]:
    """Invite ``email`` with the ``staff`` client, then ``account_for``; her
    id and a client signed in as her (the caller closes it)."""
    first, last = names
    invited = staff.post(
        "/api/v1/agency/caregivers",
        json={"first_name": first, "last_name": last, "email": email},
    )
    assert invited.status_code == 201, invited.text
    return invited.json()["id"], account_for(system, email, password, names)


def submit(page, button: str):
    """Click a form's button; the response of the page it leads to (after
    any redirect: a refused form answers its 4xx itself)."""
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name=button).click()
    return navigation.value
