"""Emails rendered from templates and sent: over SMTP, or into a mailbox folder.

Each template is three files under ``templates/email``: ``<name>.subject.txt``,
``<name>.txt`` (the plain text part) and ``<name>.html`` (the HTML part,
autoescaped). ``TEMPLATES`` says which context keys each one needs besides
the ones every email has; adding an email means adding its three files and
one line there.

With ``SMTP_HOST`` set, a message goes over SMTP (three attempts, a short
pause between them). Without it, the message is written as an ``.eml`` file
into ``MAILBOX_DIR``, which is how development and the end-to-end tests read
mail. Logs name the template and a masked recipient, never a link or a body.
"""

import logging
import os
import smtplib
import ssl
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from extranet_common import clock, french
from extranet_common.errors import InvalidInput

_log = logging.getLogger(__name__)

DEFAULT_MAIL_FROM = "Extranet intervenantes <no-reply@extranet.example.org>"
DEFAULT_MAILBOX_DIR = "data/mailbox"

COMMON_KEYS = frozenset({"first_name", "last_name", "agency_name"})

TEMPLATES: dict[str, frozenset[str]] = {
    "invitation": frozenset({"link", "expires_days"}),
    "account_confirmation": frozenset({"link"}),
    "password_reset": frozenset({"link"}),
    "password_changed": frozenset(),
    "request_answered": frozenset({"subject_of_request", "link"}),
    "planning_changed": frozenset(
        {
            "change",
            "shift_date",
            "start_time",
            "end_time",
            "family_name",
            "activity",
            "change_lines",
            "link",
        }
    ),
    "news_published": frozenset({"news_title", "from_network", "excerpt", "link"}),
    "document_published": frozenset({"document_label", "period_phrase", "link"}),
    "month_end_reminder": frozenset({"month_label", "undecided", "deadline", "link"}),
}

_PERMANENT_SMTP_ERRORS = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPAuthenticationError,
)

_environment = Environment(
    loader=PackageLoader("notifications", "templates/email"),
    autoescape=select_autoescape(
        enabled_extensions=("html",), default_for_string=False, default=False
    ),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)
_environment.filters["de"] = french.of


class DeliveryFailed(Exception):
    """The mail server could not take a message after every attempt."""


@dataclass(frozen=True)
class MailSettings:
    mail_from: str = DEFAULT_MAIL_FROM
    mailbox_dir: str = DEFAULT_MAILBOX_DIR
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_starttls: bool = False
    smtp_timeout: float = 10.0
    retry_delays: tuple[float, ...] = (0.5, 1.5)

    @classmethod
    def from_config(cls, config: Mapping) -> "MailSettings":
        """Settings from the service config; empty values count as unset."""
        return cls(
            mail_from=_text(config.get("MAIL_FROM")) or DEFAULT_MAIL_FROM,
            mailbox_dir=_text(config.get("MAILBOX_DIR")) or DEFAULT_MAILBOX_DIR,
            smtp_host=_text(config.get("SMTP_HOST")),
            smtp_port=int(config.get("SMTP_PORT") or 25),
            smtp_user=_text(config.get("SMTP_USER")),
            smtp_password=_text(config.get("SMTP_PASSWORD")),
            smtp_starttls=_flag(config.get("SMTP_STARTTLS")),
        )


@dataclass(frozen=True)
class RenderedEmail:
    template: str
    subject: str
    text: str
    html: str


def render(template: str, context: Mapping) -> RenderedEmail:
    """The subject and both parts of ``template`` filled with ``context``."""
    if template not in TEMPLATES:
        raise InvalidInput("Modèle d'email inconnu.", {"template": "modèle inconnu"})
    if not isinstance(context, Mapping):
        raise InvalidInput("Contexte d'email invalide.", {"context": "objet attendu"})
    missing = sorted((COMMON_KEYS | TEMPLATES[template]) - set(context))
    if missing:
        raise InvalidInput(
            "Il manque des informations pour écrire cet email.",
            {"context": "manque : " + ", ".join(missing)},
        )

    values = dict(context)
    subject = _environment.get_template(f"{template}.subject.txt").render(values)
    return RenderedEmail(
        template=template,
        subject=" ".join(subject.split()),
        text=_environment.get_template(f"{template}.txt").render(values),
        html=_environment.get_template(f"{template}.html").render(values),
    )


def build_message(rendered: RenderedEmail, to: str, mail_from: str) -> EmailMessage:
    """A multipart/alternative message: plain text first, then HTML."""
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = mail_from
    message["To"] = to
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid(domain=_domain(mail_from))
    message["Content-Language"] = "fr"
    message.set_content(rendered.text, cte="8bit")
    message.add_alternative(rendered.html, subtype="html", cte="8bit")
    return message


def send(
    template: str,
    to: str,
    context: Mapping,
    settings: MailSettings,
    sleep: Callable[[float], None] = time.sleep,
) -> dict:
    """Render ``template`` for ``to`` and deliver it; says how it went out."""
    address = _check_address(to)
    rendered = render(template, context)
    message = build_message(rendered, address, settings.mail_from)
    transport = deliver(message, template, settings, sleep)
    _log.info("sent %s to %s by %s", template, mask(address), transport)
    return {"template": template, "transport": transport}


def deliver(
    message: EmailMessage,
    template: str,
    settings: MailSettings,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Hand ``message`` to SMTP or the mailbox folder; returns which one."""
    if settings.smtp_host:
        _send_smtp(message, template, settings, sleep)
        return "smtp"
    write_to_mailbox(message, template, settings.mailbox_dir)
    return "mailbox"


def write_to_mailbox(message: EmailMessage, template: str, folder: str) -> Path:
    """Write ``message`` as ``<UTC time>-<template>-<uuid>.eml``, atomically.

    The file is written under a hidden temporary name in the same folder and
    then renamed, so a reader never sees half a message.
    """
    directory = Path(folder)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = clock.now().strftime("%Y%m%dT%H%M%S%fZ")
    target = directory / f"{stamp}-{template}-{uuid.uuid4()}.eml"
    scratch = directory / f".{target.name}.tmp"

    with open(scratch, "wb") as stream:
        stream.write(message.as_bytes())
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(scratch, target)
    return target


def mask(address: str) -> str:
    """An address fit for a log line: ``c***@example.org``."""
    local, _, domain = address.rpartition("@")
    if not local:
        return "***"
    return f"{local[0]}***@{domain}"


def _send_smtp(
    message: EmailMessage,
    template: str,
    settings: MailSettings,
    sleep: Callable[[float], None],
) -> None:
    attempts = len(settings.retry_delays) + 1
    for attempt in range(1, attempts + 1):
        try:
            with smtplib.SMTP(
                settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout
            ) as smtp:
                if settings.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if settings.smtp_user:
                    smtp.login(settings.smtp_user, settings.smtp_password or "")
                smtp.send_message(message)
            return
        except _PERMANENT_SMTP_ERRORS as exc:
            raise DeliveryFailed(
                f"{template}: the SMTP server refused it ({type(exc).__name__})"
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            if attempt == attempts:
                raise DeliveryFailed(
                    f"{template}: SMTP failed {attempts} times ({type(exc).__name__})"
                ) from exc
            _log.warning(
                "SMTP attempt %d of %d for %s failed: %s",
                attempt,
                attempts,
                template,
                type(exc).__name__,
            )
            sleep(settings.retry_delays[attempt - 1])


def _check_address(to: object) -> str:
    address = to.strip() if isinstance(to, str) else ""
    _, parsed = parseaddr(address)
    local, _, domain = parsed.rpartition("@")
    if (
        not local
        or "." not in domain
        or parsed != address
        or len(address) > 320
        or any(char.isspace() for char in address)
    ):
        raise InvalidInput("Adresse email invalide.", {"to": "adresse invalide"})
    return address


def _domain(mail_from: str) -> str:
    _, address = parseaddr(mail_from)
    return address.rpartition("@")[2] or "localhost"


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in {"1", "true", "yes", "on"}
