"""Month end, end to end: the reminder goes out once and the month closes
once while several timesheets processes run on the shared system.

Two more timesheets processes join the running system for this module,
with a one-second timer, so that closing and reminding are raced for real
on the shared database. Events are watched on a queue of the test's own,
bound to ``timesheets.events``.
"""

import subprocess
import time
import uuid
from datetime import datetime
from functools import partial
from pathlib import Path

import pytest
from kombu import Connection, Exchange, Queue

from extranet_dev import mailbox
from extranet_dev.mailbox import eventually
from extranet_dev.system import ROOT, SERVICES, tool

pytestmark = pytest.mark.e2e

EXTRA_INSTANCES = 2
FAMILIES = """ref,name,address,children
FA-MEN,Famille Mendès,"5 rue Créqui, 69006 Lyon","Jade (4 ans)"
"""
SHIFTS_HEADER = (
    "external_id,caregiver_email,family_ref,start,end,activity,car_transport,notes\n"
)


@pytest.fixture(scope="module", autouse=True)
def _restore_the_clock(system_clock):
    """Put the shared clock back where this module found it."""
    path = Path(system_clock.path)
    before = path.read_text() if path.exists() else None
    yield
    if before:
        system_clock.set(datetime.fromisoformat(before))


@pytest.fixture(scope="module")
def more_timesheets(system):
    """Extra timesheets processes on the shared system, as System.start_one
    starts them, with a short timer; stopped after the module."""
    folder, package, service_class, _ = SERVICES["timesheets"]
    env = system.env() | {"TIMESHEETS_JOBS_INTERVAL": "1"}
    processes = []
    for number in range(2, 2 + EXTRA_INSTANCES):
        log_path = system.logs / f"timesheets-{number}.log"
        with open(log_path, "ab") as log:
            processes.append(
                (
                    log_path,
                    subprocess.Popen(  # noqa: S603 - our own console script
                        [
                            tool("nameko"),
                            "run",
                            "--config",
                            f"{folder}/config.yaml",
                            f"{package}.service:{service_class}",
                        ],
                        cwd=ROOT,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    ),
                )
            )
    for log_path, process in processes:
        started = eventually(partial(_started, log_path, process), timeout=30)
        assert started and process.poll() is None, f"see {log_path}"
    yield len(processes) + 1
    for _, process in processes:
        process.terminate()
    for _, process in processes:
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _started(log_path, process) -> bool:
    if process.poll() is not None:
        return True
    return "starting services" in log_path.read_text(errors="replace")


@pytest.fixture
def watch_events(system):
    """A queue of our own on ``timesheets.events``; returns a function that
    drains it and gives the events received so far."""
    connection = Connection(system.amqp_uri)
    exchange = Exchange("timesheets.events", type="topic", durable=True)
    queue = Queue(
        f"test-timesheets-{uuid.uuid4().hex[:8]}",
        exchange=exchange,
        routing_key="#",
        auto_delete=True,
    )
    received = []

    def collect(body, message):
        received.append(body)
        message.ack()

    with connection:
        consumer = connection.Consumer(queue, callbacks=[collect], accept=["json"])
        with consumer:

            def drain(seconds: float = 0.5) -> list[dict]:
                end = time.monotonic() + seconds
                while time.monotonic() < end:
                    try:
                        connection.drain_events(timeout=0.2)
                    except TimeoutError:
                        pass
                return received

            yield drain


def agency_with_a_caregiver(new_agency, shifts: list[tuple[str, str]]):
    """An agency of its own, one invited caregiver, her shifts imported;
    waits until timesheets has her entries. Returns (agency, staff, caregiver)."""
    agency, staff = new_agency()
    email = f"lou-{uuid.uuid4().hex[:8]}@example.org"
    invited = staff.post(
        "/api/v1/agency/caregivers",
        json={"first_name": "Lou", "last_name": "Mendès", "email": email},
    )
    assert invited.status_code == 201, invited.text
    caregiver = invited.json()
    families = staff.post(
        "/api/v1/agency/families/import",
        content=FAMILIES.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert families.status_code == 200, families.text
    lines = "".join(
        f"T-{number},{email},FA-MEN,{start},{end},Garde,non,\n"
        for number, (start, end) in enumerate(shifts)
    )
    imported = staff.post(
        "/api/v1/agency/shifts/import",
        content=(SHIFTS_HEADER + lines).encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    return agency, staff, caregiver


def entries_of(staff, caregiver_id: str, month: str, count: int) -> list[dict]:
    def found():
        view = staff.get(f"/api/v1/agency/timesheets/{month}/caregivers/{caregiver_id}")
        if view.status_code == 404:
            return None
        assert view.status_code == 200, view.text
        lines = [entry for day in view.json()["days"] for entry in day["entries"]]
        return lines if len(lines) == count else None

    lines = eventually(found)
    assert lines, f"timesheets never had {count} entries for {month}"
    return lines


def test_the_reminder_is_sent_once_three_days_before_the_deadline(
    system, system_clock, new_agency, more_timesheets
):
    system_clock.set(datetime.fromisoformat("2026-02-20T10:00:00+00:00"))
    agency, staff, caregiver = agency_with_a_caregiver(
        new_agency,
        [
            ("2026-02-18 08:00", "2026-02-18 12:00"),
            ("2026-02-27 08:00", "2026-02-27 12:00"),
        ],
    )
    entries_of(staff, caregiver["id"], "2026-02", 2)

    system_clock.set(datetime.fromisoformat("2026-02-25T22:59:00+00:00"))
    time.sleep(2.5)
    early = [
        mail
        for mail in mailbox.all_mail(system.mailbox)
        if caregiver["email"] in mail.to
    ]
    system_clock.set(datetime.fromisoformat("2026-02-25T23:00:00+00:00"))

    def reminders():
        return [
            mail
            for mail in mailbox.all_mail(system.mailbox)
            if caregiver["email"] in mail.to and "février 2026" in mail.subject
        ]

    assert eventually(reminders), "no reminder in the mailbox"
    time.sleep(2.5)
    sent = reminders()
    assert not [mail for mail in early if "février 2026" in mail.subject]
    assert len(sent) == 1
    assert "samedi 28 février 2026 à 23:59" in sent[0].subject
    assert "2 interventions" in sent[0].text
    assert f"{system.url}/heures/2026-02" in sent[0].links


def test_the_month_closes_once_with_several_instances_running(
    system, system_clock, new_agency, more_timesheets, watch_events
):
    system_clock.set(datetime.fromisoformat("2026-03-31T21:00:00+00:00"))
    agency, staff, caregiver = agency_with_a_caregiver(
        new_agency,
        [
            ("2026-03-09 08:00", "2026-03-09 12:00"),
            ("2026-03-31 22:00", "2026-04-01 06:00"),
        ],
    )
    day, night = entries_of(staff, caregiver["id"], "2026-03", 2)
    assert night["date"] == "2026-03-31"

    system_clock.set(datetime.fromisoformat("2026-03-31T21:59:59+00:00"))
    time.sleep(2.5)
    still_open = staff.get("/api/v1/agency/timesheets/2026-03").json()
    system_clock.set(datetime.fromisoformat("2026-03-31T22:00:00+00:00"))

    def closed_events():
        return [
            event
            for event in watch_events()
            if event["event_type"] == "month_closed"
            and event["agency_id"] == agency["id"]
        ]

    assert eventually(closed_events), "no month_closed event"
    time.sleep(3)
    events = closed_events()
    assert still_open["status"] == "open"
    assert more_timesheets >= 2
    assert len(events) == 1
    figures = {line["entry_id"]: line for line in events[0]["data"]["entries"]}
    assert figures[night["id"]]["status"] == "not_validated"
    assert figures[night["id"]]["counted_minutes"] == 8 * 60
    month = staff.get("/api/v1/agency/timesheets/2026-03").json()
    assert month["status"] == "closed"
    assert month["totals"]["not_validated"] == 2

    corrected = staff.put(
        f"/api/v1/agency/timesheets/2026-03/entries/{day['id']}",
        json={"counted_minutes": 180, "comment": "Départ à 11h, vu avec la famille."},
    )
    no_comment = staff.put(
        f"/api/v1/agency/timesheets/2026-03/entries/{day['id']}",
        json={"counted_minutes": 0},
    )
    history = staff.get(
        f"/api/v1/agency/timesheets/2026-03/entries/{day['id']}/history"
    ).json()["items"]
    export = staff.get("/api/v1/agency/timesheets/2026-03/export.csv")

    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["counted_minutes"] == 180
    assert no_comment.status_code == 400
    assert [row["action"] for row in history] == [
        "created",
        "not_validated",
        "corrected",
    ]
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    lines = export.text.splitlines()
    assert lines[0].split(";")[:3] == ["caregiver_ref", "caregiver_name", "date"]
    assert f"{caregiver['id']};Lou Mendès;2026-03-09;2026-03-09 08:00" in lines[1]
    assert ";240;180;not_validated;" in lines[1]
    assert eventually(
        lambda: [
            event
            for event in watch_events()
            if event["event_type"] == "entry_corrected"
            and event["agency_id"] == agency["id"]
        ]
    ), "no entry_corrected event"


def test_staff_set_a_grace_period(system, system_clock, new_agency):
    system_clock.set(datetime.fromisoformat("2026-05-10T08:00:00+00:00"))
    agency, staff = new_agency()

    bad = staff.put("/api/v1/agency/timesheets/settings", json={"grace_days": 11})
    good = staff.put("/api/v1/agency/timesheets/settings", json={"grace_days": 3})
    month = staff.get("/api/v1/agency/timesheets/2026-05").json()

    assert bad.status_code == 400
    assert "grace_days" in bad.json()["error"]["fields"]
    assert good.status_code == 200, good.text
    assert good.json()["grace_days"] == 3
    assert staff.get("/api/v1/agency/timesheets/settings").json()["grace_days"] == 3
    assert month["deadline"] == "2026-06-03T23:59:59+02:00"
