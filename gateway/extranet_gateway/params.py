"""Checks of path parameters and raw bodies that several areas share."""

from extranet_common.localtime import parse_month
from extranet_gateway.errors import HttpError
from extranet_gateway.routing import Call


def checked_month(month: str) -> str:
    try:
        parse_month(month)
    except ValueError as exc:
        raise HttpError(
            400, "INVALID_INPUT", "Mois invalide.", {"month": "attendu AAAA-MM"}
        ) from exc
    return month


def csv_body(call: Call) -> str:
    raw = call.request.get_data()
    if not raw:
        raise HttpError(
            400, "INVALID_INPUT", "Fichier CSV vide.", {"file": "aucun contenu"}
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HttpError(
            400,
            "INVALID_INPUT",
            "Le fichier doit être encodé en UTF-8.",
            {"file": "encodage non UTF-8"},
        ) from exc
