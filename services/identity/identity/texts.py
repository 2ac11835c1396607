"""What identity accepts of the text a person or a caller types, field by field.

Every column that keeps typed text has a length, and PostgreSQL refuses a
longer value as well as any text holding a NUL character, where SQLite
keeps both. Each such field is therefore checked here, before anything is
written or looked up, so that the caller learns which field is at fault
(InvalidInput naming it, in French) on every engine, whether the text came
through the API's schema or straight from a web form.
"""

from extranet_common.errors import InvalidInput

NAME_LENGTH = 100
EMAIL_LENGTH = 320
PHONE_LENGTH = 40
REF_LENGTH = 40
AGENCY_NAME_LENGTH = 200
KEY_NAME_LENGTH = 100

NUL = "\x00"
NOTHING = object()
"""Stands for an argument that was not given at all."""

REQUIRED = "obligatoire"
NOT_TEXT = "texte attendu"
HAS_NUL = "caractère nul interdit"


def too_long(limit: int) -> str:
    return f"{limit} caractères au plus"


def problem(value: object, limit: int, required: bool = True) -> str | None:
    """Why ``value`` cannot be kept in a column of ``limit`` characters (once
    stripped), or None when it can. An optional field may be None or blank."""
    if value is None:
        return REQUIRED if required else None
    if not isinstance(value, str):
        return NOT_TEXT
    text = value.strip()
    if NUL in text:
        return HAS_NUL
    if not text:
        return REQUIRED if required else None
    if len(text) > limit:
        return too_long(limit)
    return None


def usable(value: object, limit: int) -> bool:
    """Whether ``value`` may be looked up in a column of ``limit`` characters:
    text that could never have been stored there matches nothing."""
    return isinstance(value, str) and NUL not in value and len(value) <= limit


Wanted = dict[str, tuple[object, int, bool]]
"""``{field: (value, limit, required)}``."""


def problems_of(wanted: Wanted) -> dict[str, str]:
    """What is wrong with each field of ``wanted``, by field."""
    found = {}
    for name, (value, limit, required) in wanted.items():
        why = problem(value, limit, required)
        if why:
            found[name] = why
    return found


def stripped(wanted: Wanted) -> dict[str, str | None]:
    """The stripped text of each field, None for one left blank."""
    return {
        name: (value.strip() or None) if isinstance(value, str) else None
        for name, (value, _limit, _required) in wanted.items()
    }


def check(
    message: str, wanted: Wanted, problems: dict[str, str] | None = None
) -> dict[str, str | None]:
    """The stripped text of each field of ``wanted``; or InvalidInput with
    ``message`` naming every field at fault, together with the ``problems``
    already found."""
    problems = {**problems_of(wanted), **(problems or {})}
    if problems:
        raise InvalidInput(message, problems)
    return stripped(wanted)
