"""Reading the CSV exports agencies send, and reporting their faults by line.

A file is read whole before anything is written: every fault found is kept
with its line number (the header is line 1) and the column at fault, and the
import is refused with all of them at once, so that the agency fixes its
file in one go.
"""

import csv
import io
from dataclasses import dataclass, field

from extranet_common.errors import InvalidInput

FILE = "file"


@dataclass
class Row:
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "").strip()


@dataclass
class Faults:
    """The faults found in one file, line by line."""

    lines: list[dict] = field(default_factory=list)

    def add(self, line: int, column: str, message: str) -> None:
        self.lines.append({"line": line, "field": column, "message": message})

    def raise_if_any(self) -> None:
        if not self.lines:
            return
        ordered = sorted(self.lines, key=lambda fault: fault["line"])
        count = len({fault["line"] for fault in ordered})
        summary = (
            f"{count} ligne en erreur" if count == 1 else f"{count} lignes en erreur"
        )
        raise InvalidInput(
            f"Le fichier n'a pas été importé ({summary}) : corrigez-le puis "
            "envoyez-le de nouveau.",
            {FILE: summary},
            {"lines": ordered},
        )


def read_rows(text: str, columns: tuple[str, ...], faults: Faults) -> list[Row]:
    """The data rows of ``text``, keyed by lower-case column name.

    A missing column, or a row with more values than the header, is added to
    ``faults``. A file whose header already fails gives no rows.
    """
    if not isinstance(text, str) or not text.strip():
        faults.add(1, FILE, "le fichier est vide")
        return []

    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    header = [name.strip().lower() for name in next(reader)]
    missing = [column for column in columns if column not in header]
    if missing:
        faults.add(1, FILE, "colonnes manquantes : " + ", ".join(missing))
        return []

    rows = []
    previous_end = reader.line_num
    for values in reader:
        line = previous_end + 1
        previous_end = reader.line_num
        if not any(value.strip() for value in values):
            continue
        if len(values) > len(header):
            faults.add(
                line,
                FILE,
                f"{len(values)} valeurs pour {len(header)} colonnes (une virgule "
                "sans guillemets autour du texte ?)",
            )
            continue
        rows.append(Row(line, dict(zip(header, values, strict=False))))
    return rows


def _delimiter(text: str) -> str:
    """Comma, or semicolon for the French spreadsheet exports that use it."""
    first_line = text.split("\n", 1)[0]
    if ";" in first_line and "," not in first_line:
        return ";"
    return ","
