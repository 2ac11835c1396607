"""The nameko entrypoints: what they ask of identity, and how often."""

import contextlib
from unittest.mock import Mock

import pytest
import sqlalchemy as sa
from nameko.testing.services import worker_factory
from sqlalchemy.orm import sessionmaker

from extranet_common.db import tune_engine
from extranet_common.errors import NotFound, PermissionDenied
from extranet_common.migrations import upgrade
from planning.service import PlanningService


class FakeDatabase:
    """``get_session`` as nameko-sqlalchemy gives it: commit at the end."""

    def __init__(self, url):
        engine = sa.create_engine(url)
        tune_engine(engine)
        self.engine = engine
        self.Session = sessionmaker(bind=engine)

    @contextlib.contextmanager
    def get_session(self):
        session = self.Session()
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise
        finally:
            session.close()


@pytest.fixture
def service(database_url, sample):
    upgrade(database_url, "planning")
    database = FakeDatabase(database_url)
    identity = Mock()
    identity.get_agency.return_value = {
        "id": sample.agency_id,
        "ref": "AG-LYON6",
        "name": "Agence Lyon 6e",
        "timezone": "Europe/Paris",
        "email": "lyon6@agence.example.org",
    }
    identity.resolve_caregivers.side_effect = lambda _agency, emails: sample.resolve(
        emails
    )
    identity.list_caregivers.return_value = [
        {"id": caregiver_id} for caregiver_id in sample.caregivers.values()
    ]
    yield worker_factory(PlanningService, db=database, identity_rpc=identity)
    database.engine.dispose()


def test_an_import_asks_identity_once_for_every_email(service, staff, sample):
    service.import_families_csv(staff, sample.text("families.csv"))

    result = service.import_shifts_csv(staff, sample.text("planning-2026-10.csv"))

    assert result["created"] == 58
    service.identity_rpc.get_agency.assert_called_once_with(sample.agency_id)
    service.identity_rpc.resolve_caregivers.assert_called_once()
    _, emails = service.identity_rpc.resolve_caregivers.call_args.args
    assert sorted(email.lower() for email in emails) == sorted(sample.caregivers)


def test_a_caregiver_reads_her_month_through_the_service(service, staff, sample):
    service.import_families_csv(staff, sample.text("families.csv"))
    service.import_shifts_csv(staff, sample.text("planning-2026-10.csv"))
    camille = {"id": sample.camille, "role": "caregiver", "agency_id": sample.agency_id}

    month = service.caregiver_planning(camille, sample.camille, "month", "2026-10-05")

    assert (len(month["shifts"]), month["total_minutes"]) == (13, 3000)


def test_a_put_checks_the_caregiver_with_identity(service, staff, sample):
    service.import_families_csv(staff, sample.text("families.csv"))

    view = service.put_shift(
        staff,
        "EXT-1",
        {
            "caregiver_id": sample.camille,
            "family_ref": "FA-ROY",
            "start": "2026-10-24T20:00:00+02:00",
            "end": "2026-10-25T04:00:00+01:00",
            "activity": "Baby-sitting",
            "car_transport": False,
            "notes": "",
        },
    )

    assert view["minutes"] == 540
    service.identity_rpc.list_caregivers.assert_called_once_with(sample.agency_id)


def test_a_caregiver_is_refused_before_identity_is_asked(service, sample):
    caregiver = sample.actor("caregiver")

    with pytest.raises(PermissionDenied):
        service.import_shifts_csv(caregiver, sample.text("planning-2026-10.csv"))

    service.identity_rpc.resolve_caregivers.assert_not_called()


def test_identitys_password_changed_kills_the_feed_address(service, sample):
    camille = {"id": sample.camille, "role": "caregiver", "agency_id": sample.agency_id}
    service.put_availability(camille, {"weekly": []})
    secret = service.renew_calendar_feed(camille)["secret"]
    assert "BEGIN:VCALENDAR" in service.calendar_by_secret(secret)
    event = {
        "event_id": "e0000000-0000-4000-8000-000000000001",
        "event_type": "password_changed",
        "agency_id": sample.agency_id,
        "data": {"user_id": sample.camille},
    }

    service.handle_password_changed(event)
    service.handle_password_changed(event)

    with pytest.raises(NotFound):
        service.calendar_by_secret(secret)


def test_who_is_available_asks_identity_for_the_agencys_caregivers(
    service, staff, sample
):
    camille = {"id": sample.camille, "role": "caregiver", "agency_id": sample.agency_id}
    service.put_availability(
        camille, {"weekly": [{"weekday": "monday", "start": "16:00", "end": "19:30"}]}
    )

    answer = service.who_is_available(staff, "2026-10-26T16:30", "2026-10-26T19:00")

    assert [item["caregiver_id"] for item in answer["available"]] == [sample.camille]
    assert len(answer["others"]) == len(sample.caregivers) - 1
    service.identity_rpc.list_caregivers.assert_called_once_with(sample.agency_id)
