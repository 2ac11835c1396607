"""The nameko entrypoints, run with ``worker_factory`` on a real database."""

from datetime import datetime

import pytest
from nameko.testing.services import worker_factory

from extranet_common import clock
from extranet_common.errors import ConfirmationRequired
from timesheets.service import TimesheetsService

CAMILLE = "caregiver-camille"
ME = {"id": CAMILLE, "role": "caregiver", "agency_id": "agency-1"}
LATE_OCTOBER = datetime.fromisoformat("2026-10-30T12:00:00+00:00")


@pytest.fixture
def service(db):
    return worker_factory(TimesheetsService, db=db)


def test_a_shift_event_handled_twice_gives_one_entry(service, shift_event):
    payload = shift_event(
        "shift_scheduled",
        "5b0c2f4e-9a43-4c57-9d0e-5b1f3c1e0002",
        "2026-10-12T14:00:00+00:00",
        "2026-10-12T17:00:00+00:00",
    )

    service.handle_shift_scheduled(payload)
    service.handle_shift_scheduled(payload)

    with clock.frozen(LATE_OCTOBER):
        view = service.month(ME, CAMILLE, "2026-10")
    assert view["totals"]["entries"] == 1
    assert view["totals"]["planned_minutes"] == 180


def test_entrypoints_decide_and_accept_all_through_the_session(service, shift_event):
    service.handle_shift_scheduled(
        shift_event(
            "shift_scheduled",
            "5b0c2f4e-9a43-4c57-9d0e-5b1f3c1e0003",
            "2026-10-12T14:00:00+00:00",
            "2026-10-12T17:00:00+00:00",
        )
    )
    with clock.frozen(LATE_OCTOBER):
        (day,) = service.month(ME, CAMILLE, "2026-10")["days"]
        refusal = {"status": "refused", "reason": "not_done", "declared_minutes": 0}
        service.decide(ME, CAMILLE, "2026-10", day["entries"][0]["id"], refusal)

        with pytest.raises(ConfirmationRequired):
            service.accept_all(ME, CAMILLE, "2026-10")
        view = service.accept_all(ME, CAMILLE, "2026-10", confirm=True)

    assert view["totals"]["accepted"] == 1
    assert view["totals"]["counted_minutes"] == 180
    assert [reason["code"] for reason in service.reasons()][-1] == "other"
