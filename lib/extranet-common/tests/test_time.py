"""The clock and the local-time rules."""

from datetime import UTC, date, datetime

import pytest

from extranet_common import clock, localtime


def test_clock_file_sets_the_time_of_every_reader(tmp_path, monkeypatch):
    path = tmp_path / "now"
    instant = datetime(2026, 10, 31, 22, 59, 59, tzinfo=UTC)
    monkeypatch.setenv(clock.CLOCK_FILE_ENV, str(path))

    clock.set_clock_file(path, instant)

    assert clock.now() == instant
    with clock.frozen(datetime(2027, 1, 1, tzinfo=UTC)):
        assert clock.now().year == 2027
    assert clock.now() == instant


def test_an_instant_without_offset_is_refused():
    with pytest.raises(ValueError):
        clock.parse_instant("2026-10-31T23:00:00")


@pytest.mark.parametrize(
    "local, expected",
    [
        ("2026-10-24 20:00", "2026-10-24T18:00:00+00:00"),
        ("2026-10-25 04:00", "2026-10-25T03:00:00+00:00"),
        ("2026-03-29 03:00", "2026-03-29T01:00:00+00:00"),
    ],
)
def test_local_times_map_to_one_instant(local, expected):
    instant = localtime.to_utc(datetime.fromisoformat(local), "Europe/Paris")

    assert instant.isoformat() == expected


@pytest.mark.parametrize(
    "local, word",
    [("2026-03-29 02:30", "does not exist"), ("2026-10-25 02:30", "happens twice")],
)
def test_summer_time_gaps_and_repeats_are_refused(local, word):
    with pytest.raises(localtime.LocalTimeError, match=word):
        localtime.to_utc(datetime.fromisoformat(local), "Europe/Paris")


def test_month_bounds_follow_the_agency_zone():
    start, end = localtime.month_bounds(date(2026, 3, 1), "Europe/Paris")

    assert start.isoformat() == "2026-02-28T23:00:00+00:00"
    assert end.isoformat() == "2026-03-31T22:00:00+00:00"


def test_week_starts_on_monday_and_night_shift_minutes_come_from_utc():
    monday, sunday = localtime.week_days(date(2026, 10, 25))
    start = localtime.to_utc(datetime(2026, 10, 24, 20), "Europe/Paris")
    end = localtime.to_utc(datetime(2026, 10, 25, 4), "Europe/Paris")

    assert (monday, sunday) == (date(2026, 10, 19), date(2026, 10, 25))
    assert localtime.minutes_between(start, end) == 540


@pytest.mark.parametrize("text", ["0001-01", "9999-12", "2026-13", "2026-1", "oct"])
def test_months_out_of_range_or_malformed_are_refused(text):
    with pytest.raises(ValueError):
        localtime.parse_month(text)


def test_local_times_far_off_are_refused():
    with pytest.raises(localtime.LocalTimeError):
        localtime.to_utc(datetime(9999, 12, 31, 23, 30), "Europe/Paris")
