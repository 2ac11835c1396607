"""Importing the agency's CSV exports: families, then shifts."""

import pytest
from sqlalchemy import func, select

from extranet_common.errors import InvalidInput, PermissionDenied
from extranet_common.migrations import differences, upgrade
from planning import families, shifts
from planning.models import Base, Family, Shift

HEADER = "external_id,caregiver_email,family_ref,start,end,activity,car_transport,notes"

EVENT_FIELDS = {
    "shift_id",
    "external_id",
    "caregiver_id",
    "family_ref",
    "family_name",
    "family_address",
    "activity",
    "start",
    "end",
    "minutes",
    "local_date",
    "timezone",
    "car_transport",
    "notes",
    "over_unavailability",
}


def shift_count(db_session):
    return db_session.scalar(select(func.count()).select_from(Shift))


def fault_lines(error):
    return [(fault["line"], fault["field"]) for fault in error.value.data["lines"]]


def shift_file(*lines):
    return "\n".join([HEADER, *lines]) + "\n"


def test_models_and_migrations_agree(database_url):
    upgrade(database_url, "planning")

    found = differences(database_url, Base.metadata)

    assert found == []


def test_families_import_creates_then_changes_nothing(
    db_session, agency, staff, sample
):
    text = sample.text("families.csv")

    first = families.import_families_csv(db_session, staff, text)
    db_session.commit()
    second = families.import_families_csv(db_session, staff, text)
    third = families.import_families_csv(
        db_session, staff, text.replace("12 rue des Tilleuls", "14 rue des Tilleuls")
    )

    assert first == {"created": 4, "updated": 0, "unchanged": 0}
    assert second == {"created": 0, "updated": 0, "unchanged": 4}
    assert third == {"created": 0, "updated": 1, "unchanged": 3}
    lefevre = db_session.scalars(select(Family).where(Family.ref == "FA-LEF")).one()
    assert lefevre.address == "14 rue des Tilleuls, 69006 Lyon"
    assert lefevre.children == "Léa (6 ans), Tom (3 ans)"


def test_a_bad_family_line_refuses_the_whole_file(db_session, agency, staff):
    text = "ref,name,address,children\nFA-A,Famille A,1 rue,\n,Sans ref,2 rue,\n"

    with pytest.raises(InvalidInput) as error:
        families.import_families_csv(db_session, staff, text)

    assert fault_lines(error) == [(3, "ref")]
    assert db_session.scalar(select(func.count()).select_from(Family)) == 0


def test_the_sample_planning_imports_58_shifts(
    db_session, sample_families, import_shifts, sample
):
    result = import_shifts(sample.text("planning-2026-10.csv"))

    assert result == {
        "created": 58,
        "updated": 0,
        "unchanged": 0,
        "total": 58,
        "warnings": [],
    }
    assert shift_count(db_session) == 58
    scheduled = sample.events(db_session, "shift_scheduled")
    assert len(scheduled) == 58
    assert scheduled[0]["agency_id"] == sample.agency_id
    assert set(scheduled[0]["data"]) == EVENT_FIELDS
    assert scheduled[0]["data"]["start"] == "2026-10-01T05:30:00+00:00"
    assert scheduled[0]["data"]["family_name"] == "Famille N'Diaye"


def test_importing_the_same_file_again_writes_and_publishes_nothing(
    db_session, sample_planning, import_shifts, sample
):
    published = len(sample.events(db_session))

    again = import_shifts(sample.text("planning-2026-10.csv"))

    assert again == {
        "created": 0,
        "updated": 0,
        "unchanged": 58,
        "total": 58,
        "warnings": [],
    }
    assert shift_count(db_session) == 58
    assert len(sample.events(db_session)) == published


def test_a_changed_line_updates_its_shift_and_says_what_changed(
    db_session, sample_planning, import_shifts, sample
):
    changed = sample.text("planning-2026-10.csv").replace(
        "SH-2026-10-0001,ines.haddad@example.org,FA-NDI,2026-10-01 07:30,",
        "SH-2026-10-0001,ines.haddad@example.org,FA-NDI,2026-10-01 07:00,",
    )

    result = import_shifts(changed)

    assert result == {
        "created": 0,
        "updated": 1,
        "unchanged": 57,
        "total": 58,
        "warnings": [],
    }
    (event,) = sample.events(db_session, "shift_changed")
    assert event["data"]["external_id"] == "SH-2026-10-0001"
    assert event["data"]["changes"] == {
        "start": ["2026-10-01T05:30:00+00:00", "2026-10-01T05:00:00+00:00"]
    }
    assert event["data"]["minutes"] == 105


def test_summer_time_gaps_and_repeats_are_refused_by_line(
    db_session, sample_families, import_shifts, sample
):
    text = shift_file(
        "X-1,camille.martin@example.org,FA-LEF,2026-03-28 20:00,2026-03-28 23:00,"
        "Soirée,non,",
        "X-2,camille.martin@example.org,FA-LEF,2026-03-29 02:30,2026-03-29 06:00,"
        "Nuit,non,",
        "X-3,ines.haddad@example.org,FA-NDI,2026-10-25 01:00,2026-10-25 02:30,"
        "Nuit,non,",
    )

    with pytest.raises(InvalidInput) as error:
        import_shifts(text)

    assert fault_lines(error) == [(3, "start"), (4, "end")]
    messages = [fault["message"] for fault in error.value.data["lines"]]
    assert "n'existe pas" in messages[0]
    assert "existe deux fois" in messages[1]
    assert error.value.fields == {"file": "2 lignes en erreur"}
    assert shift_count(db_session) == 0
    assert sample.events(db_session) == []


def test_every_kind_of_bad_line_is_reported_and_nothing_is_written(
    db_session, sample_families, import_shifts
):
    text = shift_file(
        "OK-1,camille.martin@example.org,FA-LEF,2026-10-01 08:00,2026-10-01 09:00,"
        "Garde,non,",
        "BAD-2,nobody@example.org,FA-LEF,2026-10-01 08:00,2026-10-01 09:00,Garde,non,",
        "BAD-3,ines.haddad@example.org,FA-NONE,2026-10-01 08:00,2026-10-01 09:00,"
        "Garde,non,",
        "BAD-4,ines.haddad@example.org,FA-NDI,01/10/2026 8h,2026-10-01 09:00,"
        "Garde,non,",
        "BAD-5,ines.haddad@example.org,FA-NDI,2026-10-02 10:00,2026-10-02 09:00,"
        "Garde,peut-être,",
        "OK-1,lucas.bernard@example.org,FA-ROY,2026-10-03 08:00,2026-10-03 09:00,"
        "Garde,oui,",
    )

    with pytest.raises(InvalidInput) as error:
        import_shifts(text)

    assert fault_lines(error) == [
        (3, "caregiver_email"),
        (4, "family_ref"),
        (5, "start"),
        (6, "end"),
        (6, "car_transport"),
        (7, "external_id"),
    ]
    assert shift_count(db_session) == 0


def test_a_file_without_its_columns_is_refused_on_line_1(
    db_session, sample_families, import_shifts
):
    text = "external_id,family_ref,start,end\nX-1,FA-LEF,2026-10-01 08:00,"

    with pytest.raises(InvalidInput) as error:
        import_shifts(text)

    (fault,) = error.value.data["lines"]
    assert fault["line"] == 1
    assert "caregiver_email" in fault["message"]


def test_overlapping_lines_of_one_caregiver_are_refused(
    db_session, sample_families, import_shifts
):
    text = shift_file(
        "N-1,camille.martin@example.org,FA-LEF,2026-10-10 22:00,2026-10-11 04:00,"
        "Nuit,non,",
        "N-2,camille.martin@example.org,FA-ROY,2026-10-11 02:00,2026-10-11 08:00,"
        "Matin,non,",
        "N-3,camille.martin@example.org,FA-ROY,2026-10-11 08:00,2026-10-11 09:00,"
        "Suite,non,",
    )

    with pytest.raises(InvalidInput) as error:
        import_shifts(text)

    assert fault_lines(error) == [(3, "start")]
    assert "ligne 2" in error.value.data["lines"][0]["message"]
    assert shift_count(db_session) == 0


def test_a_line_overlapping_a_shift_already_planned_is_refused(
    db_session, sample_planning, import_shifts
):
    text = shift_file(
        "NEW-1,camille.martin@example.org,FA-ROY,2026-10-01 18:00,2026-10-01 20:00,"
        "Soirée,non,",
    )

    with pytest.raises(InvalidInput) as error:
        import_shifts(text)

    assert fault_lines(error) == [(2, "start")]
    assert "SH-2026-10-0002" in error.value.data["lines"][0]["message"]
    assert shift_count(db_session) == 58


def test_a_caregiver_cannot_import(db_session, sample_families, sample):
    caregiver = sample.actor("caregiver")

    with pytest.raises(PermissionDenied):
        shifts.import_shifts_csv(
            db_session,
            caregiver,
            sample.text("planning-2026-10.csv"),
            {},
            sample.timezone,
        )

    assert shift_count(db_session) == 0


def test_staff_of_another_agency_cannot_import(db_session, sample_families, sample):
    other_staff = sample.actor("staff", sample.other_agency_id)

    with pytest.raises(PermissionDenied):
        shifts.import_shifts_csv(
            db_session,
            other_staff,
            sample.text("planning-2026-10.csv"),
            sample.resolve(sample.caregivers),
            sample.timezone,
            agency_id=sample.agency_id,
        )
    with pytest.raises(PermissionDenied):
        families.import_families_csv(
            db_session,
            other_staff,
            sample.text("families.csv"),
            agency_id=sample.agency_id,
        )

    assert shift_count(db_session) == 0


def test_semicolon_exports_are_read_too(db_session, sample_families, import_shifts):
    text = (
        HEADER.replace(",", ";")
        + "\nS-1;camille.martin@example.org;FA-LEF;2026-10-01 08:00;2026-10-01 09:00;"
        "Garde;OUI;Clés chez la voisine\n"
    )

    result = import_shifts(text)

    assert result["created"] == 1
    shift = db_session.scalars(select(Shift)).one()
    assert shift.car_transport is True
    assert shift.notes == "Clés chez la voisine"


@pytest.mark.parametrize(
    "bad_line",
    [
        # A quote never closed: a lenient reader would import "Garde,non,x".
        "Q-2,camille.martin@example.org,FA-LEF,2026-10-02 08:00,2026-10-02 09:00,"
        '"Garde,non,x',
        # Text glued to the closing quote.
        "Q-2,camille.martin@example.org,FA-LEF,2026-10-02 08:00,2026-10-02 09:00,"
        '"Garde"x,non,',
    ],
)
def test_a_line_with_badly_closed_quotes_is_refused_on_its_line(
    db_session, sample_families, import_shifts, bad_line
):
    text = shift_file(
        "Q-1,camille.martin@example.org,FA-LEF,2026-10-01 08:00,2026-10-01 09:00,"
        '"Garde, sortie d\'école",non,',
        bad_line,
    )

    with pytest.raises(InvalidInput) as error:
        import_shifts(text)

    (fault,) = error.value.data["lines"]
    assert (fault["line"], fault["field"]) == (3, "file")
    assert "guillemets" in fault["message"]
    assert shift_count(db_session) == 0
