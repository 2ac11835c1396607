"""Typed text that a column cannot hold is refused with its field named, on
SQLite and PostgreSQL alike (PostgreSQL refuses too long a value and any NUL
character, where SQLite keeps both)."""

import pytest

from extranet_common.errors import InvalidInput, NotAuthenticated, NotFound
from identity import accounts, apikeys, passwords
from identity.models import User

PASSWORD = "une phrase assez longue"
EMAIL = "camille.martin@example.org"
STAFF_PASSWORD = "le personnel de l'agence"


def link_token(outcome):
    return outcome.emails[0]["context"]["link"].split("=", 1)[1]


@pytest.fixture
def invited(db_session, settings, agency):
    accounts.invite_caregiver(
        db_session, settings, agency["id"], "Camille", "Martin", EMAIL
    )
    db_session.commit()
    return EMAIL


class TestRegistration:
    @pytest.mark.parametrize("field", ["first_name", "last_name"])
    def test_a_name_longer_than_100_characters_is_refused(
        self, db_session, settings, invited, field
    ):
        names = {"first_name": "Camille", "last_name": "Martin", field: "é" * 101}

        with pytest.raises(InvalidInput) as refused:
            accounts.register(
                db_session, settings, **names, email=invited, password=PASSWORD
            )

        assert refused.value.fields == {field: "100 caractères au plus"}

    def test_names_of_100_characters_go_through_confirmation(
        self, db_session, settings, invited
    ):
        first, last = "É" * 100, "  " + "m" * 100 + "  "

        outcome = accounts.register(
            db_session, settings, first, last, invited, PASSWORD
        )
        db_session.commit()
        user = accounts.confirm(db_session, settings, link_token(outcome), PASSWORD)
        db_session.commit()

        assert (user["first_name"], user["last_name"]) == (first, "m" * 100)

    def test_a_registration_kept_from_before_the_checks_cannot_confirm_too_long(
        self, db_session, settings, invited
    ):
        user = db_session.query(User).one()
        token = accounts._issue_token(
            db_session,
            user,
            accounts.CONFIRMATION,
            pending={
                "first_name": "C" * 101,
                "last_name": "Martin",
                "password_hash": passwords.hash_password(PASSWORD, 4),
            },
        )
        db_session.commit()

        with pytest.raises(InvalidInput) as refused:
            accounts.confirm(db_session, settings, token, PASSWORD)

        assert refused.value.fields == {"first_name": "100 caractères au plus"}
        assert "recommencez l'inscription" in refused.value.message

    @pytest.mark.parametrize(
        ("first_name", "last_name", "fields"),
        [
            ("   ", "Martin", {"first_name": "obligatoire"}),
            ("Camille", "\t", {"last_name": "obligatoire"}),
            ("Cam\x00ille", "Martin", {"first_name": "caractère nul interdit"}),
            (
                "",
                "Mar\x00tin",
                {"first_name": "obligatoire", "last_name": "caractère nul interdit"},
            ),
        ],
    )
    def test_blank_names_and_nul_characters_are_refused(
        self, db_session, settings, invited, first_name, last_name, fields
    ):
        with pytest.raises(InvalidInput) as refused:
            accounts.register(
                db_session, settings, first_name, last_name, invited, PASSWORD
            )

        assert refused.value.fields == fields
        assert "corrigez les champs signalés" in refused.value.message

    def test_the_fields_and_the_password_are_named_together(
        self, db_session, settings, invited
    ):
        with pytest.raises(InvalidInput) as refused:
            accounts.register(
                db_session, settings, "x" * 101, "Martin", invited, "court"
            )

        assert set(refused.value.fields) == {"first_name", "password"}

    def test_a_short_password_alone_keeps_its_own_sentence(
        self, db_session, settings, invited
    ):
        with pytest.raises(InvalidInput) as refused:
            accounts.register(
                db_session, settings, "Camille", "Martin", invited, "court"
            )

        assert list(refused.value.fields) == ["password"]
        assert refused.value.message == refused.value.fields["password"]

    @pytest.mark.parametrize(
        ("email", "why"),
        [
            ("camille\x00@example.org", "caractère nul interdit"),
            ("c" * 310 + "@example.org", "320 caractères au plus"),
        ],
    )
    def test_an_email_no_column_can_hold_is_refused(
        self, db_session, settings, invited, email, why
    ):
        with pytest.raises(InvalidInput) as refused:
            accounts.register(
                db_session, settings, "Camille", "Martin", email, PASSWORD
            )

        assert refused.value.fields == {"email": why}


class TestInvitation:
    def test_every_field_too_long_is_named_at_once(self, db_session, settings, agency):
        with pytest.raises(InvalidInput) as refused:
            accounts.invite_caregiver(
                db_session,
                settings,
                agency["id"],
                "I" * 101,
                "H" * 101,
                "i" * 320 + "@example.org",
                "0" * 41,
                "R" * 41,
            )

        assert refused.value.fields == {
            "first_name": "100 caractères au plus",
            "last_name": "100 caractères au plus",
            "email": "320 caractères au plus",
            "phone": "40 caractères au plus",
            "ref": "40 caractères au plus",
        }
        assert db_session.query(User).count() == 0

    @pytest.mark.parametrize("field", ["phone", "ref"])
    def test_a_nul_in_phone_or_reference_is_refused(
        self, db_session, settings, agency, field
    ):
        optional = {"phone": None, "ref": None, field: "06\x0012"}

        with pytest.raises(InvalidInput) as refused:
            accounts.invite_caregiver(
                db_session,
                settings,
                agency["id"],
                "Inès",
                "Haddad",
                "ines@example.org",
                **optional,
            )

        assert refused.value.fields == {field: "caractère nul interdit"}

    def test_limits_are_reached_exactly_and_blank_options_are_none(
        self, db_session, settings, agency
    ):
        accounts.invite_caregiver(
            db_session,
            settings,
            agency["id"],
            " " + "I" * 100,
            "H" * 100,
            "ines@example.org",
            "0" * 40,
            "  ",
        )
        db_session.commit()

        [listed] = accounts.list_caregivers(db_session, agency["id"])
        assert listed["first_name"] == "I" * 100
        assert (listed["phone"], listed["ref"]) == ("0" * 40, None)


class TestOtherTypedText:
    def test_staff_names_are_checked(self, db_session, settings, agency):
        with pytest.raises(InvalidInput) as refused:
            accounts.create_staff(
                db_session,
                settings,
                agency["id"],
                "staff@example.org",
                "Anne\x00",
                "B" * 101,
                STAFF_PASSWORD,
            )

        assert refused.value.fields == {
            "first_name": "caractère nul interdit",
            "last_name": "100 caractères au plus",
        }

    def test_an_agency_reference_or_name_too_long_is_refused(self, db_session):
        with pytest.raises(InvalidInput) as refused:
            accounts.create_agency(
                db_session, "R" * 41, "N\x00", "Europe/Paris", "agence@example.org"
            )

        assert refused.value.fields == {
            "ref": "40 caractères au plus",
            "name": "caractère nul interdit",
        }

    def test_an_api_key_name_with_a_nul_is_refused(self, db_session, agency):
        with pytest.raises(InvalidInput) as refused:
            apikeys.create(db_session, agency["id"], "staff-1", "Paie\x00")

        assert refused.value.fields == {"name": "caractère nul interdit"}

    def test_a_key_id_with_a_nul_is_unknown(self, db_session, agency):
        with pytest.raises(NotFound):
            apikeys.revoke(db_session, agency["id"], "key\x00")


class TestLookups:
    """Text that no stored address can be matches nobody, without an error."""

    def test_login_with_a_nul_is_refused_like_any_failure(
        self, db_session, settings, invited
    ):
        with pytest.raises(NotAuthenticated) as refused:
            accounts.login(db_session, settings, EMAIL + "\x00", PASSWORD)

        assert refused.value.message == accounts.LOGIN_REFUSED

    def test_a_reset_for_an_impossible_address_sends_nothing(
        self, db_session, settings, invited
    ):
        outcome = accounts.request_password_reset(
            db_session, settings, "x" * 400 + "\x00"
        )

        assert outcome.emails == []

    def test_resolving_impossible_addresses_finds_nobody(
        self, db_session, settings, agency, invited
    ):
        found = accounts.resolve_caregivers(
            db_session, agency["id"], [EMAIL, "camille\x00@example.org"]
        )

        assert found[EMAIL] is not None
        assert found["camille\x00@example.org"] is None
