"""Security rules of identity on SQLite and PostgreSQL, without a broker:
password list, throttling, password change, reset links, API keys, actors."""

import unicodedata
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from extranet_common import clock
from extranet_common.errors import (
    InvalidInput,
    LinkExpired,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
)
from identity import access, accounts, apikeys, passwords, throttle
from identity.models import MESSAGING, ApiKey, Throttle

PASSWORD = "une phrase assez longue"
NOW = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def camille(db_session, settings, agency):
    """An active caregiver; returns her email."""
    email = "camille.martin@example.org"
    accounts.invite_caregiver(db_session, settings, agency["id"], "C", "M", email)
    outcome = accounts.register(db_session, settings, "C", "M", email, PASSWORD)
    token = outcome.emails[0]["context"]["link"].split("=", 1)[1]
    accounts.confirm(db_session, settings, token, PASSWORD)
    db_session.commit()
    return email


def reset_token(outcome) -> str:
    return outcome.emails[0]["context"]["link"].split("token=", 1)[1]


@pytest.mark.parametrize(
    "password", ["motdepasse123", "MOTDEPASSE123", "azertyuiop123", "123456789012"]
)
def test_common_passwords_are_refused(password):
    assert "courants" in passwords.problem(password)


def test_the_rules_are_published_with_their_limits():
    rules = passwords.rules()

    assert (rules["min_length"], rules["max_length"], rules["max_bytes"]) == (
        12,
        64,
        72,
    )
    assert "12" in rules["text"] and "64" in rules["text"]


def test_the_72_byte_edge_is_refused_not_truncated():
    nfc = "éàè" * 12
    nfd = unicodedata.normalize("NFD", nfc)

    assert passwords.problem(nfc) is None
    assert passwords.problem(nfd) is None
    assert "octets" in passwords.problem(nfc + "a")
    assert passwords.verify_password(nfd, passwords.hash_password(nfc, 4), 4), (
        "NFD and NFC spellings of one password are the same password"
    )


def test_delays_double_and_are_capped():
    free = throttle.ACCOUNT_FREE

    assert throttle.delay(free - 1, free) is None
    assert throttle.delay(free, free) == timedelta(seconds=1)
    assert throttle.delay(free + 3, free) == timedelta(seconds=8)
    assert throttle.delay(free + 100, free) == throttle.MAX_DELAY


def test_failures_slow_one_address_down_without_locking_the_account(
    db_session, settings, camille
):
    with clock.frozen(NOW):
        for _ in range(throttle.ACCOUNT_FREE):
            with pytest.raises(NotAuthenticated):
                accounts.login(db_session, settings, camille, "faux " * 3, "10.0.0.9")
            db_session.rollback()

        with pytest.raises(TooManyAttempts) as waiting:
            accounts.login(db_session, settings, camille, PASSWORD, "10.0.0.9")
        db_session.rollback()
        from_home = accounts.login(db_session, settings, camille, PASSWORD, "10.0.0.1")

    assert waiting.value.data == {"retry_after": 1}
    assert from_home["token"]
    with clock.frozen(NOW + timedelta(seconds=1)):
        again = accounts.login(db_session, settings, camille, PASSWORD, "10.0.0.9")
        db_session.commit()
    assert again["token"]
    assert db_session.scalars(select(Throttle.key)).all() == [
        throttle.login_keys("x", "10.0.0.9").address
    ], "a success clears the account-from-address counter only"


def test_an_address_that_tries_many_emails_is_slowed_down(
    db_session, settings, camille
):
    with clock.frozen(NOW):
        for n in range(throttle.ADDRESS_FREE):
            with pytest.raises(NotAuthenticated):
                accounts.login(
                    db_session, settings, f"x{n}@example.org", PASSWORD, "10.0.0.66"
                )

        with pytest.raises(TooManyAttempts):
            accounts.login(db_session, settings, camille, PASSWORD, "10.0.0.66")
        elsewhere = accounts.login(db_session, settings, camille, PASSWORD, "10.0.0.1")

    assert elsewhere["token"]


def test_a_password_change_ends_the_other_sessions_only(db_session, settings, camille):
    first = accounts.login(db_session, settings, camille, PASSWORD)
    second = accounts.login(db_session, settings, camille, PASSWORD)
    actor = {"id": first["user"]["id"], "role": "caregiver", "agency_id": "x"}
    db_session.commit()

    outcome = accounts.change_password(
        db_session, settings, actor, first["token"], PASSWORD, "une toute autre phrase"
    )
    db_session.commit()

    assert outcome.emails[0]["template"] == "password_changed"
    assert accounts.authenticate(db_session, settings, first["token"])
    with pytest.raises(NotAuthenticated):
        accounts.authenticate(db_session, settings, second["token"])
    events = [row.payload for row in MESSAGING.pending(db_session)]
    assert any("password_changed" in event for event in events)


def test_a_password_change_needs_the_current_password_and_her_session(
    db_session, settings, camille
):
    session = accounts.login(db_session, settings, camille, PASSWORD)
    actor = {"id": session["user"]["id"], "role": "caregiver", "agency_id": "x"}
    someone_else = {"id": "another-user", "role": "caregiver", "agency_id": "x"}
    db_session.commit()

    with pytest.raises(InvalidInput) as wrong:
        accounts.change_password(
            db_session, settings, actor, session["token"], "pas le bon", "nouveau tout"
        )
    with pytest.raises(PermissionDenied):
        accounts.change_password(
            db_session, settings, someone_else, session["token"], PASSWORD, "x" * 20
        )
    with pytest.raises(InvalidInput) as common:
        accounts.change_password(
            db_session, settings, actor, session["token"], PASSWORD, "motdepasse123"
        )

    assert "current_password" in wrong.value.fields
    assert "new_password" in common.value.fields
    assert db_session.scalars(select(Throttle)).first().failures == 1


def test_an_older_reset_link_dies_when_a_newer_one_is_used(
    db_session, settings, camille
):
    older = reset_token(accounts.request_password_reset(db_session, settings, camille))
    newer = reset_token(accounts.request_password_reset(db_session, settings, camille))

    accounts.reset_password(db_session, settings, newer, "une toute autre phrase")

    with pytest.raises(LinkExpired):
        accounts.reset_password(db_session, settings, older, "encore une autre phrase")


def test_reset_links_expire_after_an_hour(db_session, settings, camille):
    with clock.frozen(NOW):
        token = reset_token(
            accounts.request_password_reset(db_session, settings, camille)
        )

    with clock.frozen(NOW + accounts.LIFETIMES[accounts.RESET]):
        with pytest.raises(LinkExpired):
            accounts.reset_password(db_session, settings, token, "une autre phrase ok")


def test_reset_requests_are_capped_per_hour(db_session, settings, camille):
    with clock.frozen(NOW):
        sent = [
            accounts.request_password_reset(db_session, settings, camille).emails
            for _ in range(accounts.RESETS_PER_HOUR + 2)
        ]

    assert [len(emails) for emails in sent] == [1] * accounts.RESETS_PER_HOUR + [0, 0]


def test_api_keys_are_hashed_scoped_and_revocable(db_session, settings, agency):
    other = accounts.create_agency(db_session, "AG-2", "Autre", "Europe/Paris", None)
    created = apikeys.create(db_session, agency["id"], "staff-1", "Logiciel de paie")
    db_session.commit()

    principal = accounts.authenticate(db_session, settings, created["key"])
    stored = db_session.scalars(select(ApiKey)).one()
    with pytest.raises(NotFound):
        apikeys.revoke(db_session, other["id"], created["id"])
    apikeys.revoke(db_session, agency["id"], created["id"])

    assert (principal["role"], principal["agency"]["id"]) == (
        "backoffice",
        agency["id"],
    )
    assert created["key"] not in (stored.key_hash, stored.prefix)
    assert created["key"].startswith(stored.prefix)
    assert apikeys.list_for(db_session, other["id"]) == []
    assert "key" not in apikeys.list_for(db_session, agency["id"])[0]
    with pytest.raises(NotAuthenticated):
        accounts.authenticate(db_session, settings, created["key"])


@pytest.mark.parametrize(
    "actor",
    [
        {"id": "c", "role": "caregiver", "agency_id": "A"},
        {"id": "k", "role": "backoffice", "agency_id": "A"},
        {"id": "n", "role": "admin", "agency_id": None},
        {"id": "s", "role": "staff", "agency_id": None},
        None,
    ],
)
def test_only_staff_manage_keys(actor):
    with pytest.raises(PermissionDenied):
        access.staff_agency_of(actor)


def test_agency_operations_act_for_the_actors_own_agency():
    staff = {"id": "s", "role": "staff", "agency_id": "A"}
    backoffice = {"id": "k", "role": "backoffice", "agency_id": "B"}

    assert access.agency_of(staff) == "A"
    assert access.agency_of(backoffice) == "B"
    with pytest.raises(PermissionDenied):
        access.agency_of({"id": "c", "role": "caregiver", "agency_id": "A"})


@pytest.mark.parametrize("password", [" " * 15, "a" * 12, "abababababab", "é" * 36])
def test_a_password_of_a_few_repeated_characters_is_refused(password):
    assert "3 caractères différents" in passwords.problem(password)
