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

    assert subjects["invitation"] == "💻 Crèche Étoile : votre extranet"
    assert subjects["account_confirmation"] == "Confirmation du compte"
    assert "réunion" in subjects["request_answered"]


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
