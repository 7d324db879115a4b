"""Rules a deposited pièce must satisfy before anything is stored. Pure functions, no I/O."""

from datetime import date
from decimal import Decimal

from contracts import ATTACHMENT_EXTENSIONS, ISO_4217, Cadre, Phase, Position, TypeTva, extension_of, info
from deposit.domain.errors import FieldError, Refusal

# The cadres this release routes end to end. The others are known, and refused with a reason.
SUPPORTED_CADRES = frozenset({Cadre.A4})

PDF_MAGIC = b"%PDF-"


def check_cadre(cadre: Cadre) -> None:
    row = info(cadre)
    if row.phase is Phase.RETIREE:
        raise Refusal(
            "cadre_retire",
            "Cadre de facturation retiré",
            f"Le cadre {cadre} ne fait plus partie de la nomenclature des cadres de facturation.",
        )
    if not row.travaux:
        raise Refusal(
            "cadre_hors_travaux",
            "Cadre de facturation hors factures de travaux",
            f"Le cadre {cadre} ({row.libelle}) ne relève pas des factures de travaux.",
        )
    if cadre not in SUPPORTED_CADRES:
        raise Refusal(
            "cadre_non_pris_en_charge",
            "Cadre de facturation pas encore pris en charge",
            f"Le cadre {cadre} ({row.libelle}) n'est pas encore pris en charge ; "
            f"cadres acceptés : {', '.join(sorted(SUPPORTED_CADRES))}.",
        )
    if row.position is Position.SUIVANTE:
        raise Refusal(
            "piece_precedente_requise",
            "Pièce précédente requise",
            f"Le cadre {cadre} se dépose sur une pièce précédente.",
        )


def amount_errors(ht: Decimal, tva: Decimal, ttc: Decimal, a_payer: Decimal) -> list[FieldError]:
    errors = []
    if ht + tva != ttc:
        errors.append(FieldError("montant_ttc", "montants_incoherents", f"HT + TVA = {ht + tva:.2f} ≠ TTC {ttc:.2f}"))
    for name, value in (("montant_ht", ht), ("montant_tva", tva), ("montant_ttc", ttc)):
        if value < 0:
            errors.append(FieldError(name, "montant_negatif", f"{name} ne peut pas être négatif"))
    if not Decimal(0) <= a_payer <= ttc:
        errors.append(
            FieldError(
                "montant_a_payer", "montant_a_payer_invalide", "le montant à payer doit être compris entre 0 et le TTC"
            )
        )
    return errors


def vat_errors(type_tva: TypeTva, tva: Decimal) -> list[FieldError]:
    if type_tva is TypeTva.SANS_TVA and tva != 0:
        return [FieldError("montant_tva", "tva_sans_tva_non_nulle", "une pièce « sans TVA » a un montant de TVA nul")]
    return []


def currency_errors(devise: str) -> list[FieldError]:
    if devise not in ISO_4217:
        return [FieldError("devise", "devise_inconnue", f"« {devise} » n'est pas un code de devise ISO 4217")]
    return []


def attachment_errors(filenames: list[str]) -> list[FieldError]:
    return [
        FieldError(
            f"attachments[{i}]",
            "piece_jointe_extension_interdite",
            f"« {name} » : extension non autorisée (autorisées : {', '.join(sorted(ATTACHMENT_EXTENSIONS))})",
        )
        for i, name in enumerate(filenames)
        if extension_of(name) not in ATTACHMENT_EXTENSIONS
    ]


def date_errors(date_piece: date, today: date) -> list[FieldError]:
    if date_piece > today:
        return [FieldError("date_piece", "date_future", "la date de la pièce ne peut pas être dans le futur")]
    return []


def parties_errors(cadre: Cadre, moe: str | None) -> list[FieldError]:
    if cadre in (Cadre.A4, Cadre.A7) and not moe:
        return [
            FieldError("moe", "moe_requise", f"le cadre {cadre} est mis à disposition de la MOE : son SIRET est requis")
        ]
    return []


def is_pdf(head: bytes) -> bool:
    return head.startswith(PDF_MAGIC)
