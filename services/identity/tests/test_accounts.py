"""Account rules on SQLite and PostgreSQL, without a broker."""

from datetime import UTC, datetime, timedelta

import pytest

from extranet_common import clock
from extranet_common.errors import (
    Conflict,
    InvalidInput,
    LinkExpired,
    NotAuthenticated,
)
from extranet_common.migrations import differences
from identity import accounts
from identity.models import MESSAGING, Base

PASSWORD = "une phrase assez longue"


def link_token(outcome):
    return outcome.emails[0]["context"]["link"].split("=", 1)[1]


def invite_and_register(
    db_session, settings, agency, email="Camille.Martin@Example.org"
):
    accounts.invite_caregiver(
        db_session, settings, agency["id"], "Camille", "Martin", email
    )
    outcome = accounts.register(
        db_session, settings, "Camille", "Martin", email.lower(), PASSWORD
    )
    db_session.commit()
    return link_token(outcome)


def test_models_and_migrations_agree(database_url):
    accounts_url = database_url

    from extranet_common.migrations import upgrade

    upgrade(accounts_url, "identity")

    assert differences(accounts_url, Base.metadata) == []


def test_invitation_publishes_an_event_without_secret(db_session, settings, agency):
    outcome = accounts.invite_caregiver(
        db_session, settings, agency["id"], "Inès", "Haddad", "ines@example.org"
    )
    db_session.commit()

    events = [row.payload for row in MESSAGING.pending(db_session)]
    invited = [e for e in events if "caregiver_invited" in e]
    assert len(invited) == 1
    assert link_token(outcome) not in invited[0]
    assert outcome.emails[0]["template"] == "invitation"
    assert outcome.result["first_name"] == "Inès"


def test_the_agency_list_gives_phone_and_reference(db_session, settings, agency):
    accounts.invite_caregiver(
        db_session,
        settings,
        agency["id"],
        "Inès",
        "Haddad",
        "ines@example.org",
        "06 12 34 56 78",
        "CG-002",
    )
    accounts.invite_caregiver(
        db_session, settings, agency["id"], "Anna", "Abadie", "anna@example.org"
    )
    db_session.commit()

    listed = accounts.list_caregivers(db_session, agency["id"])

    assert [(c["last_name"], c["phone"], c["ref"]) for c in listed] == [
        ("Abadie", None, None),
        ("Haddad", "06 12 34 56 78", "CG-002"),
    ]


def test_only_an_invited_email_can_register(db_session, settings, agency):
    with pytest.raises(InvalidInput) as error:
        accounts.register(
            db_session, settings, "X", "Y", "stranger@example.org", PASSWORD
        )

    assert "email" in error.value.fields


def test_registration_can_restart_and_kills_the_older_link(
    db_session, settings, agency
):
    first = invite_and_register(db_session, settings, agency)
    second = link_token(
        accounts.register(
            db_session,
            settings,
            "Camille",
            "Martin",
            "camille.martin@example.org",
            PASSWORD,
        )
    )
    db_session.commit()

    with pytest.raises(LinkExpired):
        accounts.confirm(db_session, settings, first, PASSWORD)
    user = accounts.confirm(db_session, settings, second, PASSWORD)

    assert user["status"] == "active"


def test_confirmed_account_cannot_register_again(db_session, settings, agency):
    token = invite_and_register(db_session, settings, agency)
    accounts.confirm(db_session, settings, token, PASSWORD)
    db_session.commit()

    with pytest.raises(Conflict) as error:
        accounts.register(
            db_session, settings, "C", "M", "CAMILLE.MARTIN@example.org", PASSWORD
        )

    assert error.value.data == {"next": "login"}
    with pytest.raises(LinkExpired):
        accounts.confirm(db_session, settings, token, PASSWORD)


def test_login_is_case_insensitive_and_unicode_normalised(db_session, settings, agency):
    nfd_email = "E\u0301loise.girard@example.org"
    token = invite_and_register(db_session, settings, agency, email=nfd_email)
    accounts.confirm(db_session, settings, token, PASSWORD)
    db_session.commit()

    result = accounts.login(
        db_session, settings, "\u00c9LOISE.Girard@Example.org", PASSWORD
    )

    assert result["user"]["email"] == nfd_email
    assert len(result["token"]) >= 43


def test_login_fails_alike_for_unknown_wrong_and_unconfirmed(
    db_session, settings, agency
):
    invite_and_register(db_session, settings, agency)
    messages = set()
    for email, password in [
        ("nobody@example.org", PASSWORD),
        ("camille.martin@example.org", PASSWORD),
    ]:
        with pytest.raises(NotAuthenticated) as error:
            accounts.login(db_session, settings, email, password)
        messages.add(error.value.message)

    assert len(messages) == 1


def test_sessions_expire_when_idle_and_end_at_logout(db_session, settings, agency):
    accounts.confirm(
        db_session,
        settings,
        invite_and_register(db_session, settings, agency),
        PASSWORD,
    )
    start = datetime(2026, 10, 31, 20, 0, tzinfo=UTC)
    with clock.frozen(start):
        token = accounts.login(
            db_session, settings, "camille.martin@example.org", PASSWORD
        )["token"]
        db_session.commit()

    with clock.frozen(start + settings.session_idle - timedelta(seconds=1)):
        assert accounts.authenticate(db_session, settings, token)["role"] == "caregiver"
    with clock.frozen(start + 2 * settings.session_idle):
        with pytest.raises(NotAuthenticated):
            accounts.authenticate(db_session, settings, token)

    with clock.frozen(start):
        fresh = accounts.login(
            db_session, settings, "camille.martin@example.org", PASSWORD
        )["token"]
        accounts.logout(db_session, fresh)
        with pytest.raises(NotAuthenticated):
            accounts.authenticate(db_session, settings, fresh)


def test_reset_link_is_single_use_and_ends_sessions(db_session, settings, agency):
    accounts.confirm(
        db_session,
        settings,
        invite_and_register(db_session, settings, agency),
        PASSWORD,
    )
    session_token = accounts.login(
        db_session, settings, "camille.martin@example.org", PASSWORD
    )["token"]
    reset = link_token(
        accounts.request_password_reset(
            db_session, settings, "Camille.Martin@example.org"
        )
    )

    outcome = accounts.reset_password(
        db_session, settings, reset, "un tout autre secret"
    )

    assert outcome.emails[0]["template"] == "password_changed"
    with pytest.raises(NotAuthenticated):
        accounts.authenticate(db_session, settings, session_token)
    with pytest.raises(LinkExpired):
        accounts.reset_password(db_session, settings, reset, "encore un autre secret")
    assert accounts.login(
        db_session, settings, "camille.martin@example.org", "un tout autre secret"
    )


def test_reset_request_for_unknown_email_sends_nothing(db_session, settings, agency):
    outcome = accounts.request_password_reset(
        db_session, settings, "nobody@example.org"
    )

    assert outcome.emails == []


@pytest.mark.parametrize(
    "password, accepted",
    [
        ("kqzv" * 3, True),
        ("kqzvkqzvkqz", False),
        ("kqzv" * 16, True),
        ("kqzv" * 16 + "k", False),
        ("éàè" * 12, True),
        ("éàè" * 12 + "a", False),
    ],
)
def test_password_rules(password, accepted):
    from identity.passwords import problem

    assert (problem(password) is None) is accepted


def test_account_emails_wait_for_notifications_then_leave(db_session, settings, agency):
    from sqlalchemy.orm import sessionmaker

    from identity import mail
    from identity.models import OutgoingEmail

    outcome = accounts.invite_caregiver(
        db_session, settings, agency["id"], "Lucas", "Bernard", "lucas@example.org"
    )
    mail.queue(db_session, outcome.emails)
    db_session.commit()
    factory = sessionmaker(bind=db_session.get_bind())
    sent = []

    def away(*args):
        raise ConnectionError("notifications is away")

    assert mail.deliver(factory, away) == 0
    assert db_session.query(OutgoingEmail).count() == 1
    assert mail.deliver(factory, lambda *args: sent.append(args)) == 1

    db_session.expire_all()
    assert db_session.query(OutgoingEmail).count() == 0
    assert sent[0][0] == "invitation"
    assert sent[0][1] == "lucas@example.org"


def test_someone_registering_an_invited_address_cannot_take_the_account(
    db_session, settings, agency
):
    email = "ines.haddad@example.org"
    accounts.invite_caregiver(
        db_session, settings, agency["id"], "Inès", "Haddad", email
    )
    intruder = accounts.register(
        db_session, settings, "Attaquant", "Evil", email, "le mot de passe de l'intrus"
    )
    db_session.commit()

    with pytest.raises(InvalidInput) as error:
        accounts.confirm(db_session, settings, link_token(intruder), PASSWORD)
    listed = accounts.list_caregivers(db_session, agency["id"])
    with pytest.raises(NotAuthenticated):
        accounts.login(db_session, settings, email, "le mot de passe de l'intrus")

    assert "password" in error.value.fields
    assert [(c["first_name"], c["last_name"]) for c in listed] == [("Inès", "Haddad")]
    mine = accounts.register(db_session, settings, "Inès", "Haddad", email, PASSWORD)
    assert accounts.confirm(db_session, settings, link_token(mine), PASSWORD)
    with pytest.raises(LinkExpired):
        accounts.confirm(
            db_session, settings, link_token(intruder), "le mot de passe de l'intrus"
        )


def test_the_invitation_link_tells_who_is_invited_until_she_confirms(
    db_session, settings, agency
):
    invited = accounts.invite_caregiver(
        db_session, settings, agency["id"], "Inès", "Haddad", "ines@example.org"
    )
    db_session.commit()
    link = link_token(invited)

    first = accounts.invitation(db_session, link)
    again = accounts.invitation(db_session, link)
    registered = accounts.register(
        db_session, settings, "Inès", "Haddad", "ines@example.org", PASSWORD
    )
    accounts.confirm(db_session, settings, link_token(registered), PASSWORD)
    db_session.commit()

    assert first == again
    assert (first["email"], first["first_name"], first["last_name"]) == (
        "ines@example.org",
        "Inès",
        "Haddad",
    )
    assert first["agency_name"]
    for dead in (link, "not-a-token", "x" * 500, None):
        with pytest.raises(LinkExpired):
            accounts.invitation(db_session, dead)
