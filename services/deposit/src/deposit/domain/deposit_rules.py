"""Rules a deposited pièce must satisfy before anything is stored. Pure functions, no I/O."""

from collections.abc import Collection, Mapping
from datetime import date
from decimal import Decimal

from contracts import (
    ATTACHMENT_EXTENSIONS,
    ISO_4217,
    Cadre,
    Phase,
    PieceSnapshot,
    Structure,
    TypeTva,
    extension_of,
    info,
)
from contracts.naming import NamedAs, naming_error
from deposit.domain.errors import FieldError, Refusal

PDF_MAGIC = b"%PDF-"

C = Cadre
# fmt: off
# The parties a pièce of each cadre must name (given on the pièce or inherited from the previous one).
# A payable pièce names its destinataire, or at least its MOA: routing sends it to a MOA « avec MOA », which
# is its own service financier, and returns it in ERREUR_ACHEMINEMENT (destinataire_absent) otherwise.
_PAYER = "destinataire|moa"
_PAYER_MESSAGE = (
    "le cadre {cadre} exige le destinataire (service financier) : son SIRET est requis, sauf quand la MOA du "
    "dossier est une structure « avec MOA », qui le reçoit elle-même"
)
REQUIRED_PARTIES: dict[Cadre, tuple[str, ...]] = {
    C.A4: ("moe",), C.A7: ("moe",),
    C.A10: ("valideur", "moe"), C.A13: ("valideur", "moe"), C.A14: ("valideur", "moe"),
    C.A5: ("moa",), C.A15: ("moa",), C.A17: ("moa",), C.A22: ("moa",),
    C.A6: ("destinataire",), C.A8: (_PAYER,), C.A16: (_PAYER,), C.A19: (_PAYER,),
    C.A23: (_PAYER,), C.A24: (_PAYER,), C.A25: (_PAYER,),
    C.A18: (), C.A20: (),
}
# fmt: on

_PARTY_LABELS = {"moe": "la MOE", "moa": "la MOA", "destinataire": "le destinataire", "valideur": "le valideur"}


def check_cadre(cadre: Cadre, following: bool) -> None:
    """Refuses cadres outside the works circuit, and a cadre deposited in the wrong position."""
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
    if following and not row.suit_une_piece:
        raise Refusal(
            "cadre_initial",
            "Ce cadre ouvre un dossier",
            f"Le cadre {cadre} ({row.libelle}) ouvre un nouveau dossier : il ne se dépose pas sur une pièce précédente.",
        )
    if not following and not row.ouvre_dossier:
        raise Refusal(
            "piece_precedente_requise",
            "Pièce précédente requise",
            f"Le cadre {cadre} ({row.libelle}) se dépose sur une pièce précédente (piece_precedente_id).",
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


EARLIEST_DATE_PIECE = date(2000, 1, 1)


def date_errors(date_piece: date, today: date) -> list[FieldError]:
    if date_piece > today:
        return [FieldError("date_piece", "date_future", "la date de la pièce ne peut pas être dans le futur")]
    if date_piece < EARLIEST_DATE_PIECE:
        return [FieldError("date_piece", "champ_invalide", "la date de la pièce ne peut pas précéder le 2000-01-01")]
    return []


def parties_errors(cadre: Cadre, parties: dict[str, str | None]) -> list[FieldError]:
    errors = []
    for required in REQUIRED_PARTIES.get(cadre, ()):
        if required == _PAYER:
            if not (parties.get("destinataire") or parties.get("moa")):
                errors.append(FieldError("destinataire", "destinataire_requis", _PAYER_MESSAGE.format(cadre=cadre)))
        elif not parties.get(required):
            label = _PARTY_LABELS[required]
            errors.append(
                FieldError(required, f"{required}_requis", f"le cadre {cadre} exige {label} : son SIRET est requis")
            )
    return errors


_NAMED_FIELDS = frozenset(role.value for role in NamedAs)
# The pièce's fields naming a party of its dossier.
PARTY_FIELDS = ("fournisseur", "valideur", "moe", "moa", "destinataire")


def newly_named(parties: Mapping[str, str | None], previous: PieceSnapshot | None) -> list[str]:
    """The parties a pièce names that its previous pièce did not (every party of an initial deposit)."""
    return [f for f in PARTY_FIELDS if parties.get(f) and (previous is None or parties[f] != getattr(previous, f))]


def structure_errors(
    parties: Mapping[str, str | None], known: Mapping[str, Structure], named: Collection[str]
) -> list[FieldError]:
    """Every party is a known, active structure of the directory; a party the pièce names now (``named``:
    every party of an initial deposit, a destinataire a pièce suivante gives, what ``recycler`` changes) may
    also play its role by its parameters (``contracts.naming``: the codes routing would give, on its field).
    A party inherited from the dossier is checked again by routing, whose error its issuer recycles."""
    moa = known.get(parties.get("moa") or "")
    errors = []
    for field, siret in parties.items():
        if not siret:
            continue
        structure = known.get(siret)
        if structure is None:
            errors.append(FieldError(field, "structure_inconnue", f"aucune structure {siret} dans l'annuaire"))
        elif not structure.active:
            errors.append(FieldError(field, "structure_inactive", f"la structure {siret} est inactive"))
        elif field in named and field in _NAMED_FIELDS:
            refused = naming_error(NamedAs(field), structure, moa)
            if refused is not None:
                errors.append(FieldError(field, refused.code, refused.detail))
    return errors


def is_pdf(head: bytes) -> bool:
    return head.startswith(PDF_MAGIC)
