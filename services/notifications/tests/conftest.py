"""Fixtures of the notifications tests: a migrated database on each engine,
a mailbox folder, a real SMTP server, and factories for agencies, caregivers
and actors."""

import socket
import uuid
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from nameko_sqlalchemy.database import Session as CommittingSession
from sqlalchemy.orm import sessionmaker

from extranet_common.db import tune_engine
from extranet_common.migrations import upgrade
from notifications import directory, emails


@pytest.fixture
def engine(database_url):
    upgrade(database_url, "notifications")
    engine = sa.create_engine(database_url)
    tune_engine(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db_session(engine):
    with sessionmaker(bind=engine)() as session:
        yield session


@pytest.fixture
def get_session(engine):
    """Sessions that commit when their block ends, as the service's do."""
    maker = sessionmaker(bind=engine, class_=CommittingSession)
    return lambda: maker(close_on_exit=True)


@pytest.fixture
def mailbox(tmp_path):
    return tmp_path / "mailbox"


@pytest.fixture
def mailbox_settings(mailbox):
    return emails.MailSettings(mailbox_dir=str(mailbox))


@dataclass
class CollectingHandler:
    """An aiosmtpd handler that keeps what it receives.

    ``refuse_data`` first DATA commands are answered with a temporary error.
    """

    refuse_data: int = 0
    messages: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.refuse_data > 0:
            self.refuse_data -= 1
            return "451 4.3.0 try again later"
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def smtp_settings(smtp_server):
    return emails.MailSettings(
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        retry_delays=(0, 0),
    )


@pytest.fixture
def make_agency(db_session):
    def make(name="Agence des Étoiles"):
        agency_id = str(uuid.uuid4())
        directory.agency_created(
            db_session,
            {
                "agency_id": agency_id,
                "ref": name[:10],
                "name": name,
                "timezone": "Europe/Paris",
            },
            {"agency_id": agency_id},
        )
        db_session.commit()
        return agency_id

    return make


@pytest.fixture
def make_caregiver(db_session):
    def make(agency_id, first_name="Inès", email="ines@example.org"):
        caregiver_id = str(uuid.uuid4())
        directory.caregiver_invited(
            db_session,
            {
                "caregiver_id": caregiver_id,
                "first_name": first_name,
                "last_name": "Haddad",
                "email": email,
                "ref": None,
            },
            {"agency_id": agency_id},
        )
        db_session.commit()
        return caregiver_id

    return make
