"""Parked events, end to end: a handler that fails three times parks the
event; ``extranet-parked`` lists it and replays it once its cause is gone."""

import json
import os
import sqlite3
import subprocess
import uuid
from datetime import UTC, datetime

import pytest
from kombu import Connection, Exchange
from nameko.standalone.rpc import ClusterRpcProxy

from extranet_dev.mailbox import eventually
from extranet_dev.system import tool

pytestmark = pytest.mark.e2e


def parked(system, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [tool("extranet-parked"), "timesheets", *args],
        env={**os.environ, "AMQP_URI": system.amqp_uri},
        capture_output=True,
        text=True,
        timeout=120,
    )


def envelope(event_type: str, agency_id: str, data: dict) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "occurred_at": datetime.now(UTC).isoformat(),
        "agency_id": agency_id,
        "version": 1,
        "data": data,
    }


def test_a_parked_event_is_listed_and_replayed(system):
    agency_id = str(uuid.uuid4())
    broken = envelope("agency_created", agency_id, {"name": "sans identifiant"})
    with Connection(system.amqp_uri.replace("pyamqp://", "amqp://")) as connection:
        producer = connection.Producer(serializer="json")
        producer.publish(
            broken,
            exchange=Exchange("identity.events", type="topic", durable=True),
            routing_key="agency_created",
            declare=[Exchange("identity.events", type="topic", durable=True)],
        )

    def listed():
        found = parked(system)
        assert found.returncode == 0, found.stderr
        lines = [
            line for line in found.stdout.splitlines() if broken["event_id"] in line
        ]
        return lines or None

    (line,) = eventually(listed, timeout=30)
    parked_id, _, event_type, consumer, _, error = line.split("\t")
    assert (event_type, consumer) == (
        "agency_created",
        "timesheets.handle_agency_created",
    )
    assert "KeyError" in error

    # Still broken: replaying parks it again, and says so.
    again = parked(system, "replay", parked_id)
    assert again.returncode == 1
    outcome = json.loads(again.stdout)
    assert outcome["parked_again"] == [int(parked_id)]
    assert len(listed()) == 1

    # An event whose cause is gone (here: written as parked by hand, as if
    # the database had been down) is applied once by the replay.
    fixed = envelope(
        "agency_created",
        agency_id,
        {
            "agency_id": agency_id,
            "ref": "AG-P",
            "name": "Agence P",
            "timezone": "America/Montreal",
        },
    )
    with sqlite3.connect(system.data_dir / "timesheets.sqlite") as db:
        row = db.execute(
            "INSERT INTO parked_events (event_id, consumer, payload, error, parked_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                fixed["event_id"],
                "timesheets.handle_agency_created",
                json.dumps(fixed),
                "OperationalError('database is locked')",
                datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"),
            ),
        ).lastrowid
    replayed = parked(system, "replay", str(row))
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert json.loads(replayed.stdout)["replayed"] == [row]
    staff = {"id": "operator-check", "role": "staff", "agency_id": agency_id}
    with ClusterRpcProxy({"AMQP_URI": system.amqp_uri}, timeout=30) as rpc:
        assert rpc.timesheets.settings(staff)["timezone"] == "America/Montreal"
        remaining = rpc.timesheets.parked_events()
    assert fixed["event_id"] not in {item["event_id"] for item in remaining}
