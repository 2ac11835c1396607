"""Read the emails that the notifications service left in the mailbox folder."""

import email
import email.policy
import re
import time
from dataclasses import dataclass
from pathlib import Path

LINK = re.compile(r"https?://\S+")


@dataclass
class Mail:
    path: Path
    to: str
    subject: str
    text: str
    html: str

    @property
    def links(self) -> list[str]:
        return LINK.findall(self.text)


def read(path: Path) -> Mail:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    return Mail(
        path=path,
        to=str(message["To"]),
        subject=str(message["Subject"]),
        text=text.get_content() if text else "",
        html=html.get_content() if html else "",
    )


def all_mail(folder: Path) -> list[Mail]:
    if not folder.exists():
        return []
    return [read(path) for path in sorted(folder.glob("*.eml"))]


def eventually(probe, timeout: float = 20.0, every: float = 0.2):
    """Ask ``probe`` until it returns something truthy, or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(every)


def mails_to(folder: Path, address: str, subject_part: str) -> list[Mail]:
    """The emails to ``address`` (any case) whose subject holds the text."""
    return [
        mail
        for mail in all_mail(folder)
        if address.lower() in mail.to.lower() and subject_part in mail.subject
    ]


def wait_for_mail(
    folder: Path, address: str, subject_part: str, count: int = 1
) -> Mail | None:
    """The newest such email once ``count`` of them arrived, else None."""
    found = eventually(
        lambda: (
            mails
            if len(mails := mails_to(folder, address, subject_part)) >= count
            else None
        )
    )
    return found[-1] if found else None
