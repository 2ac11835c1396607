"""Account rules: invitation, first connection, confirmation, login, reset.

Plain functions over a SQLAlchemy session, callable without a broker. Each
returns what happened plus the emails to send; the service sends them after
the transaction commits, so a link never leaves for an account that was not
written. Secret links are returned here and never put on an event.
"""

import hashlib
import json
import secrets
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session as DbSession

from extranet_common import clock
from extranet_common.errors import (
    Conflict,
    InvalidInput,
    LinkExpired,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
)
from extranet_common.localtime import LocalTimeError, zone
from identity import apikeys, passwords, texts, throttle
from identity.models import (
    ACTIVE,
    CAREGIVER,
    INVITED,
    MESSAGING,
    PENDING,
    STAFF,
    Agency,
    Session,
    Token,
    User,
)

INVITATION = "invitation"
CONFIRMATION = "confirmation"
RESET = "reset"

LIFETIMES = {
    INVITATION: timedelta(days=30),
    CONFIRMATION: timedelta(days=2),
    RESET: timedelta(hours=1),
}

RESETS_PER_HOUR = 3
"""Reset links sent to one account in an hour; more requests send nothing."""

LOGIN_REFUSED = "Adresse ou mot de passe incorrect, ou compte pas encore confirmé."


@dataclass
class Settings:
    public_url: str = "http://127.0.0.1:8000"
    bcrypt_rounds: int = 12
    session_idle: timedelta = timedelta(hours=2)
    session_absolute: timedelta = timedelta(hours=12)


@dataclass
class Outcome:
    """What an account operation returns, plus the emails it asks to send."""

    result: object = None
    emails: list[dict] = field(default_factory=list)


def email_key(email: str) -> str:
    """The form under which emails are compared: NFC, trimmed, lower case."""
    return unicodedata.normalize("NFC", email).strip().lower()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_id() -> str:
    return str(uuid.uuid4())


def create_agency(
    session: DbSession, ref: str, name: str, timezone: str, email: str | None
) -> dict:
    problems = {}
    try:
        zone(timezone)
    except LocalTimeError as exc:
        problems["timezone"] = str(exc)
    typed = texts.check(
        "L'agence n'a pas été créée : corrigez les champs signalés.",
        {
            "ref": (ref, texts.REF_LENGTH, True),
            "name": (name, texts.AGENCY_NAME_LENGTH, True),
            "email": (email, texts.EMAIL_LENGTH, False),
        },
        problems,
    )
    ref, name, email = typed["ref"], typed["name"], typed["email"]

    existing = session.scalars(select(Agency).where(Agency.ref == ref)).first()
    if existing:
        return agency_view(existing)

    agency = Agency(
        id=new_id(),
        ref=ref,
        name=name,
        timezone=timezone,
        email=email,
        created_at=clock.now(),
    )
    session.add(agency)
    session.flush()
    MESSAGING.record(
        session,
        "agency_created",
        agency.id,
        {"agency_id": agency.id, "ref": ref, "name": name, "timezone": timezone},
    )
    return agency_view(agency)


def create_staff(
    session: DbSession,
    settings: Settings,
    agency_id: str | None,
    email: str,
    first_name: str,
    last_name: str,
    password: str,
    role: str = STAFF,
) -> dict:
    """An agency staff member (or network admin) with a ready account."""
    typed = _checked_person(
        "Le compte n'a pas été créé : corrigez les champs signalés.",
        first_name,
        last_name,
        email,
        password=password,
    )
    first_name, last_name = typed["first_name"], typed["last_name"]
    if _user_by_email(session, email):
        raise Conflict("Cette adresse a déjà un compte.", {"email": "déjà utilisée"})

    user = User(
        id=new_id(),
        agency_id=agency_id,
        role=role,
        email=email.strip(),
        email_key=email_key(email),
        first_name=first_name,
        last_name=last_name,
        status=ACTIVE,
        password_hash=passwords.hash_password(password, settings.bcrypt_rounds),
        created_at=clock.now(),
        confirmed_at=clock.now(),
    )
    session.add(user)
    session.flush()
    return user_view(user, session.get(Agency, agency_id) if agency_id else None)


def invite_caregiver(
    session: DbSession,
    settings: Settings,
    agency_id: str,
    first_name: str,
    last_name: str,
    email: str,
    phone: str | None = None,
    ref: str | None = None,
) -> Outcome:
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound("Agence inconnue.")
    typed = _checked_person(
        "L'invitation n'est pas partie : corrigez les champs signalés.",
        first_name,
        last_name,
        email,
        phone=phone,
        ref=ref,
    )
    phone, ref = typed["phone"], typed["ref"]

    user = _user_by_email(session, email)
    if user is not None and (user.agency_id != agency_id or user.role != CAREGIVER):
        raise Conflict(
            "Cette adresse appartient déjà à un autre compte.",
            {"email": "déjà utilisée"},
        )
    if user is not None and user.status == ACTIVE:
        raise Conflict(
            "Cette intervenante a déjà activé son compte.",
            {"email": "compte déjà actif"},
        )

    if user is None:
        user = User(
            id=new_id(),
            agency_id=agency_id,
            role=CAREGIVER,
            email=email.strip(),
            email_key=email_key(email),
            first_name=typed["first_name"],
            last_name=typed["last_name"],
            phone=phone,
            ref=ref,
            status=INVITED,
            created_at=clock.now(),
        )
        session.add(user)
        session.flush()
        MESSAGING.record(
            session,
            "caregiver_invited",
            agency_id,
            {
                "caregiver_id": user.id,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "ref": ref,
            },
        )

    token = _issue_token(session, user, INVITATION)
    link = f"{settings.public_url}/premiere-connexion?invitation={token}"
    return Outcome(
        result=user_view(user, agency),
        emails=[
            _email(
                "invitation",
                user,
                agency,
                link=link,
                expires_days=LIFETIMES[INVITATION].days,
            )
        ],
    )


def register(
    session: DbSession,
    settings: Settings,
    first_name: str,
    last_name: str,
    email: str,
    password: str,
) -> Outcome:
    """First connection: an invited caregiver chooses her password.

    An unconfirmed registration may be started again; each new confirmation
    link kills the previous one. The names are checked here as the columns
    they will go to on confirmation hold them.
    """
    typed = _checked_person(
        "Votre inscription n'a pas été enregistrée : corrigez les champs signalés.",
        first_name,
        last_name,
        email,
        password=password,
    )
    user = _user_by_email(session, email)
    if user is None or user.role != CAREGIVER:
        raise InvalidInput(
            "Cette adresse n'a pas été invitée par une agence : utilisez "
            "l'adresse donnée à votre agence.",
            {"email": "adresse non invitée"},
        )
    if user.status == ACTIVE:
        raise Conflict(
            "Votre compte existe déjà : connectez-vous avec votre adresse et "
            "votre mot de passe.",
            {"email": "compte déjà actif"},
            {"next": "login"},
        )

    password_hash = passwords.hash_password(password, settings.bcrypt_rounds)
    _kill_tokens(session, user, CONFIRMATION)
    token = _issue_token(
        session,
        user,
        CONFIRMATION,
        pending={
            "first_name": typed["first_name"],
            "last_name": typed["last_name"],
            "password_hash": password_hash,
        },
    )
    agency = session.get(Agency, user.agency_id)
    link = f"{settings.public_url}/confirmation?token={token}"
    return Outcome(
        result={"status": PENDING},
        emails=[_email("account_confirmation", user, agency, link=link)],
    )


def confirm(session: DbSession, settings: Settings, token: str, password: str) -> dict:
    """Activate an account with the emailed link and the password chosen.

    Asking for the password proves that whoever confirms also registered:
    someone who registered an invited address that is not theirs cannot get
    its owner to activate their password by clicking the emailed link. The
    names and password of the registration apply only now, so a registration
    that is never confirmed changes nothing on the account. Names that the
    account's columns cannot hold (a registration kept from before they were
    checked at registration) are refused, naming the field.
    """
    row = _usable_token(session, token, CONFIRMATION)
    wanted = json.loads(row.pending or "{}")
    if not passwords.verify_password(
        password, wanted.get("password_hash"), settings.bcrypt_rounds
    ):
        raise InvalidInput(
            "Ce n'est pas le mot de passe choisi à l'inscription. Si vous "
            "l'avez oublié, recommencez l'inscription.",
            {"password": "différent de celui choisi à l'inscription"},
        )

    names = texts.problems_of(
        {
            "first_name": (wanted.get("first_name"), texts.NAME_LENGTH, True),
            "last_name": (wanted.get("last_name"), texts.NAME_LENGTH, True),
        }
    )
    if names:
        raise InvalidInput(
            "Les noms donnés à l'inscription ne peuvent pas être gardés : "
            "recommencez l'inscription.",
            names,
        )

    user = session.get(User, row.user_id)
    row.used_at = clock.now()
    row.pending = None
    user.first_name = wanted["first_name"]
    user.last_name = wanted["last_name"]
    user.password_hash = wanted["password_hash"]
    user.status = ACTIVE
    user.confirmed_at = clock.now()
    _kill_tokens(session, user, INVITATION)
    MESSAGING.record(session, "account_confirmed", user.agency_id, {"user_id": user.id})
    return user_view(user, session.get(Agency, user.agency_id))


def invitation(session: DbSession, token: object) -> dict:
    """Who an invitation link was sent to, without using it: the first
    connection page fills in her names and email from it.

    LinkExpired once she has confirmed her account (the link then steers
    her to the login page) or after its 30 days.
    """
    if not isinstance(token, str) or not texts.usable(token, 100):
        raise LinkExpired("Ce lien d'invitation n'est pas valable.")
    row = _usable_token(session, token, INVITATION)
    user = session.get(User, row.user_id)
    agency = session.get(Agency, user.agency_id) if user.agency_id else None
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "agency_name": agency.name if agency else None,
    }


def login(
    session: DbSession,
    settings: Settings,
    email: str,
    password: str,
    client_address: str | None = None,
) -> dict:
    """Open a session. The same answer, in the same time, for every failure.

    An unknown email, a wrong password and an unconfirmed account all cost
    one bcrypt computation and get the same message. Failures are counted
    (see ``throttle``) and committed even though the call then fails.
    """
    keys = throttle.login_keys(email_key(email), client_address)
    throttle.check(session, keys)
    user = _user_by_email(session, email)
    password_hash = user.password_hash if user else None
    valid = passwords.verify_password(password, password_hash, settings.bcrypt_rounds)
    if not valid or user.status != ACTIVE:
        throttle.failed(session, keys)
        session.commit()
        raise NotAuthenticated(LOGIN_REFUSED)

    throttle.succeeded(session, keys)
    token = secrets.token_urlsafe(32)
    while apikeys.looks_like_key(token):
        token = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(
        Session(
            id=new_id(),
            user_id=user.id,
            token_hash=hash_token(token),
            created_at=now,
            last_seen_at=now,
            expires_at=now + settings.session_absolute,
        )
    )
    agency = session.get(Agency, user.agency_id) if user.agency_id else None
    return {
        "token": token,
        "expires_at": _session_expiry(now, now + settings.session_absolute, settings),
        "user": user_view(user, agency),
    }


def authenticate(session: DbSession, settings: Settings, token: str) -> dict:
    """Who holds this session token (or back-office key); refreshes idle expiry."""
    if apikeys.looks_like_key(token):
        return apikeys.authenticate(session, token)

    row = session.scalars(
        select(Session).where(Session.token_hash == hash_token(token))
    ).first()
    now = clock.now()
    if (
        row is None
        or row.revoked_at is not None
        or now >= row.expires_at
        or now >= row.last_seen_at + settings.session_idle
    ):
        raise NotAuthenticated("Session expirée : reconnectez-vous.")

    row.last_seen_at = now
    user = session.get(User, row.user_id)
    agency = session.get(Agency, user.agency_id) if user.agency_id else None
    principal = user_view(user, agency)
    principal["session_id"] = row.id
    principal["session_expires_at"] = _session_expiry(now, row.expires_at, settings)
    return principal


def logout(session: DbSession, token: str) -> None:
    session.execute(
        update(Session)
        .where(Session.token_hash == hash_token(token), Session.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )


def request_password_reset(
    session: DbSession, settings: Settings, email: str
) -> Outcome:
    """Queue a reset link if the account exists; the caller answers the same.

    Nothing is delivered here: the email waits in ``outgoing_emails`` and
    leaves after the answer, so an existing account does not take longer to
    answer than an unknown email. At most ``RESETS_PER_HOUR`` links a user
    an hour: more requests queue nothing (and still get the same answer).
    """
    user = _user_by_email(session, email)
    if user is None or user.status != ACTIVE:
        return Outcome()
    recent = session.scalars(
        select(Token.id).where(
            Token.user_id == user.id,
            Token.purpose == RESET,
            Token.created_at > clock.now() - timedelta(hours=1),
        )
    ).all()
    if len(recent) >= RESETS_PER_HOUR:
        return Outcome()

    token = _issue_token(session, user, RESET)
    agency = session.get(Agency, user.agency_id) if user.agency_id else None
    link = f"{settings.public_url}/mot-de-passe/nouveau?token={token}"
    return Outcome(emails=[_email("password_reset", user, agency, link=link)])


def reset_password(
    session: DbSession, settings: Settings, token: str, password: str
) -> Outcome:
    """Set a new password from a reset link; ends every session of the user."""
    _check_password(password)
    row = _usable_token(session, token, RESET)
    user = session.get(User, row.user_id)
    password_hash = passwords.hash_password(password, settings.bcrypt_rounds)

    user.password_hash = password_hash
    _kill_tokens(session, user, RESET)
    _end_sessions(session, user, keep=None)
    return _password_changed(session, user)


def change_password(
    session: DbSession,
    settings: Settings,
    actor: dict,
    token: str,
    current: str,
    new: str,
    client_address: str | None = None,
) -> Outcome:
    """A signed-in person changes her password, proving the current one.

    Every other session ends; this one stays. A wrong current password is
    counted by the login throttle, so a stolen session cannot guess it fast.
    """
    row = session.scalars(
        select(Session).where(Session.token_hash == hash_token(token or ""))
    ).first()
    if row is None or not isinstance(actor, dict) or row.user_id != actor.get("id"):
        raise PermissionDenied("Seule la personne connectée change son mot de passe.")
    user = session.get(User, row.user_id)
    keys = throttle.login_keys(user.email_key, client_address)
    throttle.check(session, keys)
    valid = passwords.verify_password(
        current, user.password_hash, settings.bcrypt_rounds
    )
    if not valid:
        throttle.failed(session, keys)
        session.commit()
        raise InvalidInput(
            "Le mot de passe actuel est incorrect.",
            {"current_password": "incorrect"},
        )
    _check_password(new, "new_password")
    if passwords.verify_password(new, user.password_hash, settings.bcrypt_rounds):
        raise InvalidInput(
            "Le nouveau mot de passe doit être différent de l'actuel.",
            {"new_password": "identique à l'actuel"},
        )

    throttle.succeeded(session, keys)
    user.password_hash = passwords.hash_password(new, settings.bcrypt_rounds)
    _kill_tokens(session, user, RESET)
    _end_sessions(session, user, keep=row.id)
    return _password_changed(session, user)


def resolve_caregivers(session: DbSession, agency_id: str, emails: list[str]) -> dict:
    """Map each given email to the id of a caregiver of the agency, if any."""
    keys = {email_key(email): email for email in emails if isinstance(email, str)}
    searched = [key for key in keys if texts.usable(key, texts.EMAIL_LENGTH)]
    users = session.scalars(
        select(User).where(
            User.email_key.in_(searched),
            User.agency_id == agency_id,
            User.role == CAREGIVER,
        )
    )
    found = {user.email_key: user for user in users}
    return {
        email: found[key].id if key in found else None for key, email in keys.items()
    }


def list_caregivers(session: DbSession, agency_id: str) -> list[dict]:
    agency = session.get(Agency, agency_id)
    users = session.scalars(
        select(User)
        .where(User.agency_id == agency_id, User.role == CAREGIVER)
        .order_by(User.last_name, User.first_name)
    )
    return [
        {**user_view(user, agency), "phone": user.phone, "ref": user.ref}
        for user in users
    ]


def agency_view(agency: Agency) -> dict:
    return {
        "id": agency.id,
        "ref": agency.ref,
        "name": agency.name,
        "timezone": agency.timezone,
        "email": agency.email,
    }


def user_view(user: User, agency: Agency | None) -> dict:
    return {
        "id": user.id,
        "role": user.role,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "status": user.status,
        "agency": agency_view(agency) if agency else None,
    }


def _session_expiry(now, absolute, settings: Settings) -> str:
    return min(absolute, now + settings.session_idle).isoformat()


def _check_password(password: str, field_name: str = "password") -> None:
    problem = passwords.problem(password)
    if problem:
        raise InvalidInput(problem, {field_name: problem})


def _checked_person(
    message: str,
    first_name: object,
    last_name: object,
    email: object,
    password: object = texts.NOTHING,
    **optional: object,
) -> dict[str, str | None]:
    """A person's typed names, email and optional phone or reference, checked
    against their columns, and the password's rules when one is given.

    InvalidInput names every field at fault at once; a password alone at
    fault keeps its own sentence as the message.
    """
    limits = {"phone": texts.PHONE_LENGTH, "ref": texts.REF_LENGTH}
    wanted = {
        "first_name": (first_name, texts.NAME_LENGTH, True),
        "last_name": (last_name, texts.NAME_LENGTH, True),
        "email": (email, texts.EMAIL_LENGTH, True),
        **{name: (value, limits[name], False) for name, value in optional.items()},
    }
    problems = texts.problems_of(wanted)
    if "email" not in problems and len(email_key(email)) > texts.EMAIL_LENGTH:
        problems["email"] = texts.too_long(texts.EMAIL_LENGTH)
    if password is not texts.NOTHING:
        why = passwords.problem(password) if isinstance(password, str) else None
        if why or not isinstance(password, str):
            problems["password"] = why or texts.NOT_TEXT
    if list(problems) == ["password"]:
        raise InvalidInput(problems["password"], problems)
    if problems:
        raise InvalidInput(message, problems)
    return texts.stripped(wanted)


def _end_sessions(session: DbSession, user: User, keep: str | None) -> None:
    """Revoke every open session of ``user`` except ``keep``."""
    query = update(Session).where(
        Session.user_id == user.id, Session.revoked_at.is_(None)
    )
    if keep is not None:
        query = query.where(Session.id != keep)
    session.execute(query.values(revoked_at=clock.now()))


def _password_changed(session: DbSession, user: User) -> Outcome:
    MESSAGING.record(session, "password_changed", user.agency_id, {"user_id": user.id})
    agency = session.get(Agency, user.agency_id) if user.agency_id else None
    return Outcome(emails=[_email("password_changed", user, agency)])


def _user_by_email(session: DbSession, email: str) -> User | None:
    """The user of ``email``; None for text no stored address can be (too
    long, or holding a NUL that PostgreSQL would refuse to compare)."""
    if not texts.usable(email, texts.EMAIL_LENGTH):
        return None
    return session.scalars(
        select(User).where(User.email_key == email_key(email))
    ).first()


def _issue_token(
    session: DbSession, user: User, purpose: str, pending: dict | None = None
) -> str:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(
        Token(
            id=new_id(),
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
            pending=json.dumps(pending) if pending else None,
        )
    )
    return token


def _kill_tokens(session: DbSession, user: User, purpose: str) -> None:
    session.execute(
        update(Token)
        .where(
            Token.user_id == user.id, Token.purpose == purpose, Token.used_at.is_(None)
        )
        .values(used_at=clock.now(), pending=None)
    )


def _usable_token(session: DbSession, token: str, purpose: str) -> Token:
    row = session.scalars(
        select(Token).where(
            Token.token_hash == hash_token(token or ""), Token.purpose == purpose
        )
    ).first()
    if row is None or row.used_at is not None or clock.now() >= row.expires_at:
        raise LinkExpired(
            "Ce lien n'est plus valable (déjà utilisé ou expiré) : "
            "demandez-en un nouveau."
        )
    return row


def _email(template: str, user: User, agency: Agency | None, **context) -> dict:
    return {
        "template": template,
        "to": user.email,
        "context": {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "agency_name": agency.name if agency else "le réseau",
            **context,
        },
    }
