"""Families of an agency: the homes where shifts take place.

An agency imports its families from a CSV export (``ref,name,address,
children``); a family is known by its reference within the agency, so
importing the same file again changes nothing.
"""

import logging
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from extranet_common import clock
from planning import access
from planning.csvfiles import Faults, read_rows
from planning.models import Family

_log = logging.getLogger(__name__)

COLUMNS = ("ref", "name", "address", "children")

REF_LENGTH = 40
NAME_LENGTH = 200


def import_families_csv(
    session: Session, actor: dict, csv_text: str, agency_id: str | None = None
) -> dict:
    """Create or update the agency's families from a CSV export.

    The whole file is checked first; one bad line refuses all of it.
    """
    agency_id = access.writable_agency(actor, agency_id)
    faults = Faults()
    rows = read_rows(csv_text, COLUMNS, faults)

    wanted: dict[str, dict] = {}
    first_line: dict[str, int] = {}
    for row in rows:
        ref, name = row.get("ref"), row.get("name")
        if not ref:
            faults.add(row.line, "ref", "référence manquante")
        elif len(ref) > REF_LENGTH:
            faults.add(row.line, "ref", f"référence de plus de {REF_LENGTH} signes")
        elif ref in first_line:
            faults.add(row.line, "ref", f"référence déjà vue ligne {first_line[ref]}")
        if not name:
            faults.add(row.line, "name", "nom manquant")
        elif len(name) > NAME_LENGTH:
            faults.add(row.line, "name", f"nom de plus de {NAME_LENGTH} signes")
        if ref and ref not in first_line:
            first_line[ref] = row.line
            wanted[ref] = {
                "name": name,
                "address": row.get("address"),
                "children": row.get("children"),
            }
    faults.raise_if_any()

    existing = by_ref(session, agency_id)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    now = clock.now()
    for ref, fields in wanted.items():
        family = existing.get(ref)
        if family is None:
            session.add(
                Family(
                    id=str(uuid.uuid4()),
                    agency_id=agency_id,
                    ref=ref,
                    created_at=now,
                    updated_at=now,
                    **fields,
                )
            )
            counts["created"] += 1
        elif any(getattr(family, key) != value for key, value in fields.items()):
            for key, value in fields.items():
                setattr(family, key, value)
            family.updated_at = now
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    session.flush()

    _log.info("families imported for agency %s: %s", agency_id, counts)
    return counts


def by_ref(session: Session, agency_id: str) -> dict[str, Family]:
    families = session.scalars(select(Family).where(Family.agency_id == agency_id))
    return {family.ref: family for family in families}


def family_view(family: Family) -> dict:
    return {
        "ref": family.ref,
        "name": family.name,
        "address": family.address,
        "children": family.children,
    }
