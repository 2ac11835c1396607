"""What planning keeps of a caller's text and dates is refused with its field
(or its file line and column) named when PostgreSQL could not keep it or the
date arithmetic would overflow, on SQLite and PostgreSQL alike."""

import pytest
from sqlalchemy import func, select

from extranet_common.errors import InvalidInput, NotFound
from planning import availability, families, shifts, views
from planning.models import Family, Shift

HEADER = "external_id,caregiver_email,family_ref,start,end,activity,car_transport,notes"
FAMILIES = "ref,name,address,children\n"
NUL_IN_FILE = "caractère nul interdit (fichier abîmé ou mal exporté ?)"
YEARS = "année attendue entre 2000 et 2100"


def count(db_session, model):
    return db_session.scalar(select(func.count()).select_from(model))


def faults(error):
    return [
        (fault["line"], fault["field"], fault["message"])
        for fault in error.value.data["lines"]
    ]


def shift_line(external_id="EXT-1", notes="", activity="Sortie d'école"):
    return (
        f"{external_id},camille.martin@example.org,FA-LEF,2026-10-01 16:30,"
        f"2026-10-01 19:00,{activity},non,{notes}"
    )


def shift_request(sample, **extra):
    return {
        "caregiver_id": sample.camille,
        "family_ref": "FA-LEF",
        "start": "2026-10-01T16:30:00+02:00",
        "end": "2026-10-01T19:00:00+02:00",
        "activity": "Sortie d'école",
        "car_transport": False,
        "notes": "",
        **extra,
    }


class TestFilesWithANul:
    def test_a_family_line_with_a_nul_is_refused_on_its_line_and_column(
        self, db_session, agency, staff
    ):
        text = FAMILIES + "FA-A,Famille A,1 rue,\nFA-B,Famille B,2 rue\x00,Zoé\n"

        with pytest.raises(InvalidInput) as refused:
            families.import_families_csv(db_session, staff, text)

        assert refused.value.fields == {"file": "1 ligne en erreur"}
        assert faults(refused) == [(3, "address", NUL_IN_FILE)]
        assert count(db_session, Family) == 0

    def test_a_shift_line_with_a_nul_is_refused_with_the_others(
        self, db_session, sample_families, import_shifts
    ):
        text = "\n".join(
            [
                HEADER,
                shift_line("EXT-1", notes="Piscine\x00"),
                shift_line("EXT-2\x00"),
                shift_line("EXT-3"),
            ]
        )

        with pytest.raises(InvalidInput) as refused:
            import_shifts(text)

        assert faults(refused) == [
            (2, "notes", NUL_IN_FILE),
            (3, "external_id", NUL_IN_FILE),
        ]
        assert count(db_session, Shift) == 0

    def test_a_nul_in_the_header_refuses_the_file(self, db_session, agency, staff):
        text = "ref,name\x00,address,children\nFA-A,Famille A,1 rue,\n"

        with pytest.raises(InvalidInput) as refused:
            families.import_families_csv(db_session, staff, text)

        assert faults(refused) == [(1, "file", "en-tête : " + NUL_IN_FILE)]

    def test_a_value_too_long_for_the_reader_is_a_fault_of_its_line(
        self, db_session, agency, staff
    ):
        text = FAMILIES + "FA-A,Famille A,1 rue,\nFA-B,Famille B," + "x" * 200_000

        with pytest.raises(InvalidInput) as refused:
            families.import_families_csv(db_session, staff, text)

        [(line, field, message)] = faults(refused)
        assert (line, field) == (3, "file")
        assert "illisible" in message

    def test_an_email_with_a_nul_is_not_asked_of_identity(self):
        text = "\n".join([HEADER, shift_line().replace("camille", "cam\x00ille")])

        assert shifts.caregiver_emails(text) == []


class TestShiftPutOneByOne:
    @pytest.fixture
    def put(self, db_session, sample_families, staff, sample):
        def run(external_id, request):
            return shifts.put_shift(
                db_session, staff, external_id, request, set(sample.caregivers.values())
            )

        return run

    @pytest.mark.parametrize("field", ["activity", "notes", "family_ref"])
    def test_a_nul_in_a_field_is_named(self, db_session, put, sample, field):
        request = shift_request(sample, **{field: "FA-\x00LEF"})

        with pytest.raises(InvalidInput) as refused:
            put("EXT-1", request)

        assert refused.value.fields == {field: "caractère nul interdit"}
        assert count(db_session, Shift) == 0

    def test_a_nul_in_the_external_id_is_named(self, put, sample):
        with pytest.raises(InvalidInput) as refused:
            put("EXT\x001", shift_request(sample))

        assert refused.value.fields == {"external_id": "caractère nul interdit"}

    def test_a_family_reference_longer_than_its_column_is_named(self, put, sample):
        with pytest.raises(InvalidInput) as refused:
            put("EXT-1", shift_request(sample, family_ref="F" * 41))

        assert refused.value.fields == {"family_ref": "plus de 40 signes"}

    @pytest.mark.parametrize(
        ("start", "end"),
        [
            ("0001-01-01T00:30:00+01:00", "0001-01-01T02:00:00+01:00"),
            ("9999-12-31T22:00:00-05:00", "9999-12-31T23:00:00-05:00"),
            ("1999-12-31T22:00:00+01:00", "2101-01-01T01:00:00+01:00"),
        ],
    )
    def test_a_year_outside_2000_2100_is_named(self, put, sample, start, end):
        with pytest.raises(InvalidInput) as refused:
            put("EXT-1", shift_request(sample, start=start, end=end))

        assert refused.value.fields == {"start": YEARS, "end": YEARS}

    def test_a_time_without_offset_is_still_refused(self, put, sample):
        with pytest.raises(InvalidInput) as refused:
            put("EXT-1", shift_request(sample, start="2026-10-01T16:30:00"))

        assert "start" in refused.value.fields

    def test_cancelling_an_impossible_reference_finds_nothing(
        self, db_session, sample_families, staff
    ):
        for external_id in ("EXT\x001", "E" * 101):
            with pytest.raises(NotFound):
                shifts.cancel_shift(db_session, staff, external_id)


class TestFileYears:
    def test_a_shift_file_far_off_names_the_line_and_column(
        self, db_session, sample_families, import_shifts
    ):
        line = shift_line().replace("2026-10-01 16:30", "0001-01-01 00:30")

        with pytest.raises(InvalidInput) as refused:
            import_shifts("\n".join([HEADER, line]))

        assert faults(refused) == [(2, "start", YEARS)]


class TestAvailabilityComment:
    def test_a_nul_in_a_comment_is_named(self, db_session, agency, sample):
        me = sample.actor("caregiver", user_id=sample.camille)
        wanted = {
            "exceptions": [
                {
                    "kind": "unavailable",
                    "start": "2026-10-26",
                    "end": "2026-10-26",
                    "comment": "médecin\x00",
                }
            ]
        }

        with pytest.raises(InvalidInput) as refused:
            availability.put_availability(db_session, me, wanted, sample.timezone)

        assert refused.value.fields == {
            "exceptions.0.comment": "caractère nul interdit"
        }

    @pytest.mark.parametrize(
        ("start", "end", "field"),
        [
            ("9999-12-31T10:00", "9999-12-31T12:00", "from"),
            ("2026-10-26T10:00", "0001-01-01T00:00:00+01:00", "to"),
        ],
    )
    def test_who_is_available_far_off_is_refused(
        self, db_session, agency, staff, sample, start, end, field
    ):
        with pytest.raises(InvalidInput) as refused:
            availability.who_is_available(
                db_session, staff, [], start, end, sample.timezone
            )

        assert refused.value.fields[field] == YEARS


class TestPlanningYears:
    @pytest.mark.parametrize("view", ["week", "month"])
    @pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31"])
    def test_a_year_outside_2000_2100_is_refused_with_the_date(
        self, db_session, agency, sample, view, day
    ):
        me = sample.actor("caregiver", user_id=sample.camille)

        with pytest.raises(InvalidInput) as refused:
            views.caregiver_planning(db_session, me, sample.camille, view, day, False)

        assert refused.value.fields == {"date": YEARS}

    @pytest.mark.parametrize("day", ["2000-01-01", "2100-12-31"])
    def test_the_first_and_last_years_are_read(self, db_session, agency, sample, day):
        me = sample.actor("caregiver", user_id=sample.camille)

        for view in ("week", "month"):
            found = views.caregiver_planning(
                db_session, me, sample.camille, view, day, False
            )
            assert found["shifts"] == []

    def test_a_shift_reference_with_a_nul_is_refused(self, db_session, agency, sample):
        me = sample.actor("caregiver", user_id=sample.camille)

        with pytest.raises(InvalidInput) as refused:
            views.caregiver_shift(db_session, me, "EXT\x001")

        assert "shift_id" in refused.value.fields
