"""Rendering every template, and delivery to the mailbox folder and to SMTP."""

import re
from email import message_from_bytes, policy

import pytest

from extranet_common.errors import InvalidInput
from notifications import emails

URL = re.compile(r"https?://\S+")

COMMON = {"first_name": "Inès", "last_name": "Haddad", "agency_name": "Crèche Étoile"}

CONTEXTS = {
    "invitation": {
        "link": "https://x.example/premiere-connexion?invitation=abc",
        "expires_days": 30,
    },
    "account_confirmation": {"link": "https://x.example/confirmation?token=abc"},
    "password_reset": {"link": "https://x.example/mot-de-passe/nouveau?token=abc"},
    "password_changed": {},
    "request_answered": {
        "subject_of_request": "Heures du 12 « réunion »",
        "link": "https://x.example/demandes/42",
    },
    "planning_changed": {
        "change": "changed",
        "shift_date": "mardi 20 octobre 2026",
        "start_time": "19:00",
        "end_time": "21:30",
        "family_name": "Durand",
        "activity": "Sortie d'école",
        "change_lines": ["Horaires : mardi 20 octobre 2026, 18:00–20:00 → …"],
        "link": "https://x.example/planning",
    },
    "news_published": {
        "news_title": "Fermeture le 1er novembre",
        "from_network": False,
        "excerpt": "L'agence sera fermée.",
        "link": "https://x.example/actualites",
    },
    "document_published": {
        "document_label": "bulletin de paie",
        "period_phrase": "d'octobre 2026",
        "link": "https://x.example/documents",
    },
    "month_end_reminder": {
        "month_label": "novembre 2026",
        "undecided": 3,
        "deadline": "30 novembre 2026 à 23:59",
        "link": "https://x.example/heures/2026-11",
    },
}


def context(template):
    return {**COMMON, **CONTEXTS[template]}


def parse(raw: bytes):
    return message_from_bytes(raw, policy=policy.default)


def parts(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_every_template_has_a_context_here():
    assert set(CONTEXTS) == set(emails.TEMPLATES)


@pytest.mark.parametrize("template", sorted(emails.TEMPLATES))
def test_every_template_renders_both_parts_in_french(template):
    rendered = emails.render(template, context(template))

    assert rendered.subject and "\n" not in rendered.subject
    assert "Bonjour Inès," in rendered.text
    assert "Inès" in rendered.html and "Crèche Étoile" in rendered.html
    assert '<html lang="fr">' in rendered.html
    link = CONTEXTS[template].get("link")
    if link:
        assert link in URL.findall(rendered.text)
        assert f"\n{link}\n" in rendered.text
    else:
        assert URL.findall(rendered.text) == []


def test_subjects_say_what_the_email_is_about():
    subjects = {name: emails.render(name, context(name)).subject for name in CONTEXTS}

    assert subjects == {
        "invitation": "💻 Crèche Étoile : votre extranet",
        "account_confirmation": "Confirmation du compte",
        "password_reset": "Choisir un nouveau mot de passe",
        "password_changed": "Votre mot de passe a été changé",
        "request_answered": "Réponse à votre demande : Heures du 12 « réunion »",
        "planning_changed": "Garde modifiée : mardi 20 octobre 2026",
        "news_published": "Actualité de Crèche Étoile : Fermeture le 1er novembre",
        "document_published": "Bulletin de paie d'octobre 2026 disponible",
        "month_end_reminder": (
            "⏰ Vos heures de novembre 2026 à valider avant le 30 novembre 2026 à 23:59"
        ),
    }


@pytest.mark.parametrize(
    ("change", "subject", "sentence"),
    [
        ("changed", "Garde modifiée : ", "a modifié une de vos gardes"),
        ("cancelled", "Garde annulée : ", "a annulé une de vos gardes"),
        ("assigned", "Nouvelle garde : ", "vous a confié une garde"),
        ("removed", "Garde retirée : ", "elle n'est plus dans votre planning"),
        (
            "scheduled_over_unavailability",
            "Nouvelle garde pendant une indisponibilité : ",
            "où vous aviez indiqué ne pas être disponible",
        ),
    ],
)
def test_each_planning_change_has_its_words(change, subject, sentence):
    rendered = emails.render(
        "planning_changed", {**context("planning_changed"), "change": change}
    )

    assert rendered.subject == subject + "mardi 20 octobre 2026"
    assert sentence in rendered.text
    assert sentence in rendered.html
    assert "de 19:00 à 21:30 — Durand (Sortie d'école)" in rendered.text


def test_planning_change_lists_what_changed_in_both_parts():
    rendered = emails.render("planning_changed", context("planning_changed"))

    assert "- Horaires : mardi 20 octobre 2026, 18:00–20:00 → …" in rendered.text
    assert "<li>Horaires : mardi 20 octobre 2026, 18:00–20:00 → …</li>" in (
        rendered.html
    )


def test_optional_emails_say_they_can_be_turned_off():
    optional = {"planning_changed", "news_published"}

    said = {
        name
        for name in emails.TEMPLATES
        if "dans vos préférences" in emails.render(name, context(name)).text
    }

    assert said == optional


def test_network_news_says_it_comes_from_the_network():
    rendered = emails.render(
        "news_published", {**context("news_published"), "from_network": True}
    )

    assert rendered.subject == "Actualité du réseau : Fermeture le 1er novembre"


def test_a_document_without_period_reads_well():
    rendered = emails.render(
        "document_published",
        {
            **context("document_published"),
            "document_label": "attestation",
            "period_phrase": None,
        },
    )

    assert rendered.subject == "Attestation disponible"
    assert "a déposé votre attestation dans votre extranet" in rendered.text


def test_password_changed_tells_her_to_contact_the_agency():
    rendered = emails.render("password_changed", context("password_changed"))

    assert "Si ce n'est pas vous, contactez tout de suite Crèche Étoile" in (
        rendered.text
    )


def test_html_part_escapes_the_context_and_text_part_keeps_it():
    hostile = {**context("request_answered"), "subject_of_request": "<b>&</b>"}

    rendered = emails.render("request_answered", hostile)

    assert "&lt;b&gt;&amp;&lt;/b&gt;" in rendered.html
    assert "<b>&</b>" not in rendered.html
    assert "« <b>&</b> »" in rendered.text


def test_unknown_template_is_refused():
    with pytest.raises(InvalidInput) as error:
        emails.render("nope", COMMON)

    assert "template" in error.value.fields


def test_missing_context_is_refused_with_what_is_missing():
    with pytest.raises(InvalidInput) as error:
        emails.render("invitation", COMMON)

    assert "expires_days" in error.value.fields["context"]
    assert "link" in error.value.fields["context"]


@pytest.mark.parametrize("address", ["", "ines", "a b@example.org", "x@y", None])
def test_a_bad_address_is_refused(address, mailbox_settings):
    with pytest.raises(InvalidInput) as error:
        emails.send("invitation", address, context("invitation"), mailbox_settings)

    assert "to" in error.value.fields


def test_mask_keeps_only_the_first_letter_and_the_domain():
    assert emails.mask("camille@example.org") == "c***@example.org"


def test_without_smtp_the_email_lands_in_the_mailbox_folder(mailbox, mailbox_settings):
    outcome = emails.send(
        "invitation", "ines@example.org", context("invitation"), mailbox_settings
    )

    files = list(mailbox.iterdir())
    assert outcome == {"template": "invitation", "transport": "mailbox"}
    assert len(files) == 1
    assert re.fullmatch(r"\d{8}T\d{12}Z-invitation-[0-9a-f-]{36}\.eml", files[0].name)
    message = parse(files[0].read_bytes())
    assert message.get_content_type() == "multipart/alternative"
    assert message["To"] == "ines@example.org"
    assert message["From"] == emails.DEFAULT_MAIL_FROM
    assert message["Subject"] == "💻 Crèche Étoile : votre extranet"
    text, html = parts(message)
    assert URL.findall(text) == [CONTEXTS["invitation"]["link"]]
    assert "Créer mon compte" in html


def test_the_raw_mailbox_file_shows_the_link_unencoded(mailbox, mailbox_settings):
    emails.send(
        "password_reset",
        "ines@example.org",
        context("password_reset"),
        mailbox_settings,
    )

    raw = next(mailbox.iterdir()).read_bytes().decode("utf-8")
    assert CONTEXTS["password_reset"]["link"] in raw
    assert "À bientôt" in raw


def test_over_smtp_the_server_receives_the_message(smtp_server, smtp_settings):
    outcome = emails.send(
        "account_confirmation",
        "ines@example.org",
        context("account_confirmation"),
        smtp_settings,
    )

    (envelope,) = smtp_server.handler.messages
    assert outcome["transport"] == "smtp"
    assert envelope.rcpt_tos == ["ines@example.org"]
    assert envelope.mail_from == "no-reply@extranet.example.org"
    message = parse(envelope.original_content)
    assert message["Subject"] == "Confirmation du compte"
    text, _ = parts(message)
    assert CONTEXTS["account_confirmation"]["link"] in URL.findall(text)


def test_smtp_is_retried_after_a_temporary_refusal(smtp_server, smtp_settings):
    smtp_server.handler.refuse_data = 2
    pauses = []

    emails.send(
        "password_changed",
        "ines@example.org",
        context("password_changed"),
        smtp_settings,
        sleep=pauses.append,
    )

    assert len(smtp_server.handler.messages) == 1
    assert pauses == [0, 0]


def test_smtp_gives_up_after_three_attempts(smtp_server, smtp_settings):
    smtp_server.handler.refuse_data = 3

    with pytest.raises(emails.DeliveryFailed):
        emails.send(
            "password_changed",
            "ines@example.org",
            context("password_changed"),
            smtp_settings,
        )

    assert smtp_server.handler.messages == []


def test_settings_come_from_config_with_empty_values_unset():
    settings = emails.MailSettings.from_config(
        {
            "SMTP_HOST": "",
            "SMTP_PORT": "2525",
            "SMTP_STARTTLS": "true",
            "MAIL_FROM": None,
            "MAILBOX_DIR": "/tmp/box",
        }
    )

    assert settings.smtp_host is None
    assert settings.smtp_port == 2525
    assert settings.smtp_starttls is True
    assert settings.mail_from == emails.DEFAULT_MAIL_FROM
    assert settings.mailbox_dir == "/tmp/box"


def test_the_reminder_elides_de_before_a_vowel():
    october = {**context("month_end_reminder"), "month_label": "octobre 2026"}

    rendered = emails.render("month_end_reminder", october)

    assert rendered.subject.startswith("⏰ Vos heures d'octobre 2026 à valider")
    assert "d'octobre 2026 à valider" in rendered.text
