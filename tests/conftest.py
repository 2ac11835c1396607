"""The whole system as real processes, for the end-to-end tests.

Each test session gets its own RabbitMQ vhost (made through the management
API, removed afterwards), its own data folder (SQLite files, mailbox, logs)
and its own clock file, so it never meets a ``make run`` on the same machine
and can set the time of every process.
"""

import os
import socket
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from extranet_common import clock
from extranet_dev.system import System

STAFF_PASSWORD = "mot de passe du personnel"
MANAGEMENT = os.environ.get("RABBITMQ_MANAGEMENT_URL", "http://127.0.0.1:15672")
AUTH = ("guest", "guest")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def vhost():
    name = f"extranet-e2e-{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=MANAGEMENT, auth=AUTH, timeout=10) as api:
        api.put(f"/api/vhosts/{name}").raise_for_status()
        api.put(
            f"/api/permissions/{name}/guest",
            json={"configure": ".*", "write": ".*", "read": ".*"},
        ).raise_for_status()
        yield name
        api.delete(f"/api/vhosts/{name}")


class Clock:
    """Sets the time every process of the system reads."""

    def __init__(self, path):
        self.path = path

    def set(self, instant: datetime) -> None:
        clock.set_clock_file(self.path, instant)


@pytest.fixture(scope="session")
def system_clock(tmp_path_factory):
    return Clock(tmp_path_factory.mktemp("clock") / "now")


@pytest.fixture
def new_agency(system):
    """An agency of its own for a test, with a signed-in staff client.

    Returns ``(agency, staff_client)``; the client is closed after the test.
    Use distinct caregiver emails per test: the system is shared by the
    whole session.
    """
    opened = []

    def make(ref=None, timezone="Europe/Paris"):
        ref = ref or f"AG-{uuid.uuid4().hex[:8]}"
        with ClusterRpcProxy({"AMQP_URI": system.amqp_uri}, timeout=30) as rpc:
            agency = rpc.identity.create_agency(ref, f"Agence {ref}", timezone, None)
            email = f"staff-{ref.lower()}@example.org"
            rpc.identity.create_staff(
                agency["id"], email, "Accueil", ref, STAFF_PASSWORD
            )
        staff = httpx.Client(base_url=system.url, timeout=30)
        opened.append(staff)
        token = staff.post(
            "/api/v1/auth/login", json={"email": email, "password": STAFF_PASSWORD}
        ).json()["token"]
        staff.headers["Authorization"] = f"Bearer {token}"
        return agency, staff

    yield make
    for client in opened:
        client.close()


@pytest.fixture(scope="session")
def system(tmp_path_factory, vhost, system_clock):
    system_clock.set(datetime.fromisoformat("2026-10-31T21:30:00+00:00"))
    running = System(
        data_dir=tmp_path_factory.mktemp("extranet"),
        amqp_uri=f"pyamqp://guest:guest@127.0.0.1:5672/{vhost}",
        address=f"127.0.0.1:{free_port()}",
        extra_env={
            clock.CLOCK_FILE_ENV: str(system_clock.path),
        },
    )
    running.migrate()
    try:
        running.start()
        running.wait_for_services()
        yield running
    finally:
        running.stop()


@pytest.fixture
def october_evening(system_clock):
    """The shared clock on 31 October 2026, 22:30 in Lyon; put back after."""
    path = Path(system_clock.path)
    before = path.read_text() if path.exists() else None
    system_clock.set(datetime(2026, 10, 31, 21, 30, tzinfo=UTC))
    yield
    if before:
        system_clock.set(datetime.fromisoformat(before))
