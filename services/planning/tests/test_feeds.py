"""The calendar feed: what calendar apps read, and its secret address."""

from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from extranet_common import clock
from extranet_common.errors import NotFound, PermissionDenied
from planning import feeds, shifts

DOMAIN = "extranet.test"
OCTOBER_20 = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def eloise(sample):
    return sample.actor("caregiver", user_id=sample.eloise)


def events_of(text: str) -> dict:
    """The VEVENTs of a feed by their shift reference."""
    calendar = Calendar.from_ical(text)
    found = {}
    for event in calendar.walk("VEVENT"):
        reference = str(event["description"]).rsplit("Référence : ", 1)[1]
        found[reference.splitlines()[0]] = event
    return found


def test_the_night_of_the_clock_change_is_right_in_utc(
    db_session, sample_planning, eloise
):
    with clock.frozen(OCTOBER_20):
        first = feeds.my_calendar(db_session, eloise, DOMAIN)
    with clock.frozen(OCTOBER_20.replace(minute=30)):
        second = feeds.my_calendar(db_session, eloise, DOMAIN)

    night = events_of(first)["SH-2026-10-0047"]
    assert night["dtstart"].dt == datetime(2026, 10, 24, 18, 0, tzinfo=UTC)
    assert night["dtend"].dt == datetime(2026, 10, 25, 3, 0, tzinfo=UTC)
    assert "DTSTART:20261024T180000Z" in first
    assert "DTEND:20261025T030000Z" in first
    assert str(night["uid"]).endswith(f"@{DOMAIN}")
    assert night["sequence"] == 0
    assert str(night["location"]) == "27 cours Vitton, 69006 Lyon"
    uids = {ref: str(event["uid"]) for ref, event in events_of(first).items()}
    assert len(uids) == 10
    assert second == first, "an unchanged planning must give the same feed"


def test_a_changed_then_cancelled_shift_replaces_the_event_in_the_app(
    db_session, sample_planning, staff, eloise, sample
):
    with clock.frozen(OCTOBER_20):
        before = events_of(feeds.my_calendar(db_session, eloise, DOMAIN))
        shifts.put_shift(
            db_session,
            staff,
            "SH-2026-10-0047",
            {
                "caregiver_id": sample.eloise,
                "family_ref": "FA-MOR",
                "start": "2026-10-24T21:00:00+02:00",
                "end": "2026-10-25T04:00:00+01:00",
                "activity": "Baby-sitting soirée",
            },
            set(sample.caregivers.values()),
        )
        changed = events_of(feeds.my_calendar(db_session, eloise, DOMAIN))
        shifts.cancel_shift(db_session, staff, "SH-2026-10-0047")
        cancelled = events_of(feeds.my_calendar(db_session, eloise, DOMAIN))

    uid = str(before["SH-2026-10-0047"]["uid"])
    assert str(changed["SH-2026-10-0047"]["uid"]) == uid
    assert changed["SH-2026-10-0047"]["sequence"] == 1
    assert changed["SH-2026-10-0047"]["dtstart"].dt == datetime(
        2026, 10, 24, 19, 0, tzinfo=UTC
    )
    assert str(cancelled["SH-2026-10-0047"]["status"]) == "CANCELLED"
    assert cancelled["SH-2026-10-0047"]["sequence"] == 2
    assert cancelled["SH-2026-10-0047"]["last-modified"].dt == OCTOBER_20


def test_renewing_the_address_kills_the_previous_one(
    db_session, sample_planning, eloise, sample
):
    old = feeds.renew_feed(db_session, eloise)["secret"]
    new = feeds.renew_feed(db_session, eloise)["secret"]

    owner = feeds.feed_owner(db_session, new)
    with pytest.raises(NotFound):
        feeds.feed_owner(db_session, old)

    assert owner == (sample.eloise, sample.agency_id)
    assert len(new) >= 32
    assert new not in str(db_session.execute(feeds.select(feeds.CalendarFeed)).all())


def test_a_password_change_kills_the_address(
    db_session, sample_planning, eloise, sample
):
    secret = feeds.renew_feed(db_session, eloise)["secret"]

    feeds.apply_password_changed(db_session, {"user_id": sample.eloise}, {})

    with pytest.raises(NotFound):
        feeds.feed_owner(db_session, secret)


def test_only_a_caregiver_has_a_feed(db_session, agency, staff):
    with pytest.raises(PermissionDenied):
        feeds.renew_feed(db_session, staff)
