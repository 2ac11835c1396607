"""Load the sample agency through the running system.

The agency and its staff account are created by RPC (there is no public
endpoint for that: the network sets agencies up); everything else goes
through the gateway's API as the agency would do it: caregivers invited,
families and the October 2026 planning imported, plus a demo planning for
the current month built from October's weekly pattern.
"""

import contextlib
import csv
import io
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib.resources import files

import httpx
from nameko.standalone.rpc import ClusterRpcProxy

from extranet_common import clock
from extranet_common.errors import Conflict

_log = logging.getLogger(__name__)

SAMPLE = files("extranet_dev") / "sample_agency"
STAFF_EMAIL = "agence.lyon6@example.org"
STAFF_PASSWORD = "demo agence lyon six"  # noqa: S105 - demo account, printed


@dataclass
class Agency:
    id: str
    name: str
    staff_email: str
    staff_password: str


def sample(name: str) -> str:
    return (SAMPLE / name).read_text(encoding="utf-8")


def create_agency(
    amqp_uri: str, staff_email=STAFF_EMAIL, staff_password=STAFF_PASSWORD
):
    """The sample agency and one staff account, by RPC; safe to repeat."""
    (row,) = csv.DictReader(io.StringIO(sample("agency.csv")))
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=30) as rpc:
        agency = rpc.identity.create_agency(
            row["ref"], row["name"], row["timezone"], row["email"]
        )
        with contextlib.suppress(Conflict):  # already there on a second run
            rpc.identity.create_staff(
                agency["id"], staff_email, "Accueil", "Lyon 6e", staff_password
            )
    return Agency(agency["id"], agency["name"], staff_email, staff_password)


def staff_client(base_url: str, agency: Agency) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=60)
    response = client.post(
        "/api/v1/auth/login",
        json={"email": agency.staff_email, "password": agency.staff_password},
    )
    response.raise_for_status()
    client.headers["Authorization"] = f"Bearer {response.json()['token']}"
    return client


def invite_caregivers(client: httpx.Client) -> int:
    known = {
        c["email"].lower()
        for c in client.get("/api/v1/agency/caregivers").json()["items"]
    }
    invited = 0
    for row in csv.DictReader(io.StringIO(sample("caregivers.csv"))):
        if row["email"].lower() in known:
            continue
        response = client.post(
            "/api/v1/agency/caregivers",
            json={
                "first_name": row["first_name"],
                "last_name": row["last_name"],
                "email": row["email"],
                "phone": row["phone"],
                "ref": row["ref"],
            },
        )
        response.raise_for_status()
        invited += 1
    return invited


def import_csv(client: httpx.Client, path: str, text: str) -> dict:
    response = client.post(
        path, content=text.encode(), headers={"Content-Type": "text/csv"}
    )
    if response.status_code >= 400:
        raise RuntimeError(f"{path}: {response.status_code} {response.text}")
    return response.json()


def demo_month(october_csv: str, month: date) -> str:
    """October's shifts moved by whole weeks onto ``month``'s calendar."""
    first_monday = lambda day: day + timedelta(days=(7 - day.weekday()) % 7)  # noqa: E731
    weeks = (first_monday(month) - first_monday(date(2026, 10, 1))).days // 7
    shift = timedelta(weeks=weeks)

    rows = list(csv.DictReader(io.StringIO(october_csv)))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for row in rows:
        start = datetime.fromisoformat(row["start"]) + shift
        end = datetime.fromisoformat(row["end"]) + shift
        if (start.year, start.month) != (month.year, month.month):
            continue
        row["external_id"] = f"DEMO-{row['external_id']}-{month:%Y%m}"
        row["start"] = f"{start:%Y-%m-%d %H:%M}"
        row["end"] = f"{end:%Y-%m-%d %H:%M}"
        writer.writerow(row)
    return out.getvalue()


def load_sample(base_url: str, amqp_uri: str) -> Agency:
    agency = create_agency(amqp_uri)
    with contextlib.closing(staff_client(base_url, agency)) as client:
        invited = invite_caregivers(client)
        import_csv(client, "/api/v1/agency/families/import", sample("families.csv"))
        october = sample("planning-2026-10.csv")
        result = import_csv(client, "/api/v1/agency/shifts/import", october)
        _log.info("invited %d caregivers; October: %s", invited, result)

        today = clock.now().date()
        current = date(today.year, today.month, 1)
        if current != date(2026, 10, 1):
            demo = demo_month(october, current)
            try:
                result = import_csv(client, "/api/v1/agency/shifts/import", demo)
                _log.info("demo planning for %s: %s", f"{current:%Y-%m}", result)
            except RuntimeError as exc:
                _log.warning("demo planning not loaded: %s", exc)
    return agency
