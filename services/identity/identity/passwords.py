"""The password rules, stated once, and bcrypt hashing off the eventlet hub."""

import bcrypt
from eventlet import tpool

MIN_LENGTH = 12
MAX_LENGTH = 64
BCRYPT_MAX_BYTES = 72

RULES_FR = (
    f"Entre {MIN_LENGTH} et {MAX_LENGTH} caractères, espaces et accents "
    "permis ; une phrase de plusieurs mots est idéale."
)


def problem(password: str) -> str | None:
    """Why ``password`` is refused, or None when it follows the rules."""
    if len(password) < MIN_LENGTH:
        return f"Le mot de passe doit comporter au moins {MIN_LENGTH} caractères."
    if len(password) > MAX_LENGTH:
        return f"Le mot de passe doit comporter au plus {MAX_LENGTH} caractères."
    if len(password.encode("utf-8")) > BCRYPT_MAX_BYTES:
        return (
            "Le mot de passe est trop long une fois encodé "
            f"(plus de {BCRYPT_MAX_BYTES} octets) : raccourcissez-le ou "
            "utilisez moins de caractères accentués."
        )
    return None


def hash_password(password: str, rounds: int) -> str:
    salt = bcrypt.gensalt(rounds)
    digest = tpool.execute(bcrypt.hashpw, password.encode("utf-8"), salt)
    return digest.decode("ascii")


def verify_password(password: str, password_hash: str | None, rounds: int) -> bool:
    """Check a password; an account without a hash costs the same time."""
    candidate = password.encode("utf-8")
    if password_hash is None or len(candidate) > BCRYPT_MAX_BYTES:
        candidate = candidate[:BCRYPT_MAX_BYTES]
        tpool.execute(bcrypt.hashpw, candidate, bcrypt.gensalt(rounds))
        return False
    return tpool.execute(bcrypt.checkpw, candidate, password_hash.encode("ascii"))
