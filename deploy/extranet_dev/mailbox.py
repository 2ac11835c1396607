"""Read the emails that the notifications service left in the mailbox folder."""

import email
import email.policy
import re
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
