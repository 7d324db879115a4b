"""Turns the multipart ``piece`` part into a validated ``PieceInput`` or a refusal with field codes."""

from pydantic import ValidationError

from contracts import Cadre, parse_cadre
from deposit.domain.errors import FieldError, Refusal, RefusalKind, field_refusal
from deposit.usecases.commands import PieceInput
from messaging.problems import field_code


def parse_piece(raw: str | bytes | None) -> tuple[PieceInput, Cadre]:
    if raw is None or (isinstance(raw, (str, bytes)) and not raw.strip()):
        raise Refusal(
            "piece_manquante", "Partie « piece » manquante", "La requête doit contenir une partie JSON « piece »."
        )
    try:
        piece = PieceInput.model_validate_json(raw)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise Refusal(
                "piece_json_invalide",
                "Partie « piece » illisible",
                "La partie « piece » n'est pas un document JSON valide.",
            ) from None
        if any(e["type"] == "model_type" for e in exc.errors()):
            raise Refusal(
                "piece_json_invalide", "Partie « piece » illisible", "La partie « piece » doit être un objet JSON."
            ) from None
        errors = [
            FieldError(".".join(str(p) for p in e["loc"]), field_code(e), e["msg"].removeprefix("Value error, "))
            for e in exc.errors()
        ]
        raise field_refusal(errors, "Pièce invalide", "piece_invalide") from None
    try:
        cadre = parse_cadre(piece.cadre)
    except ValueError:
        raise Refusal(
            "cadre_inconnu",
            "Cadre de facturation inconnu",
            f"Le cadre « {piece.cadre} » n'existe pas ; les cadres vont de A1 à A25.",
            RefusalKind.INVALID,
            [FieldError("cadre", "cadre_inconnu", f"cadre inconnu : {piece.cadre}")],
        ) from None
    return piece, cadre
