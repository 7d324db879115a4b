"""The inputs of the use cases: documents of their own (the API documents them as they are), and the files
of a request."""

from dataclasses import dataclass
from typing import BinaryIO

from pydantic import BaseModel, ConfigDict, Field

from contracts import FormatDepot, ModeReglement, Siret, TypeTva
from contracts.dates import IsoDate
from contracts.money import Montant


class PieceInput(BaseModel):
    """The ``piece`` JSON part of ``POST /v1/pieces``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    cadre: str = Field(description="Cadre de facturation: short code (A4) or Chorus Pro enum", examples=["A4"])
    numero: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_./-]*$")
    date_piece: IsoDate = Field(description="AAAA-MM-JJ, not before 2000-01-01, not in the future")
    devise: str = Field(default="EUR", description="ISO 4217 currency code", examples=["EUR"])
    type_tva: TypeTva = Field(default=TypeTva.TVA_SUR_ENCAISSEMENTS, description="SANS_TVA requires montant_tva = 0")
    mode_reglement: ModeReglement = ModeReglement.VIREMENT
    format_depot: FormatDepot = FormatDepot.PDF_NON_SIGNE
    montant_ht: Montant
    montant_tva: Montant
    montant_ttc: Montant
    montant_a_payer: Montant | None = Field(default=None, description="Defaults to montant_ttc")
    fournisseur: Siret | None = Field(
        default=None, description="Required on an initial deposit; a pièce suivante inherits the dossier's"
    )
    valideur: Siret | None = Field(default=None, description="Titulaire (A10) or mandataire (A13, A14)")
    moe: Siret | None = None
    moa: Siret | None = None
    destinataire: Siret | None = Field(default=None, description="Service financier of payable pièces")
    numero_marche: str | None = Field(default=None, max_length=50)
    numero_engagement: str | None = Field(default=None, max_length=50)
    code_service: str | None = Field(default=None, max_length=100)
    piece_precedente_id: str | None = Field(
        default=None, description="Pièce suivante: the pièce it is filed on (same dossier)"
    )


@dataclass(frozen=True)
class Upload:
    """A file of the request, spooled by the HTTP side: described here (its name already made safe, the type
    it is served with), its bytes read again from ``source`` chunk by chunk when stored."""

    filename: str
    content_type: str
    size: int
    sha256: str  # hex
    head: bytes  # its first bytes: the PDF signature
    source: BinaryIO
