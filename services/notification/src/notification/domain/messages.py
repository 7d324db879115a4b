"""French e-mails rendered from Jinja2 templates (text and HTML), with subjects a person can sort by:
``[Travaux] <kind> — <cadre> n° <numéro> — dossier <id> — <status>``."""

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from contracts import Penalites, PieceSnapshot, PieceStatusChanged, Role, info, libelle
from notification.domain.rules import PlannedMail, Template

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

_KIND = {
    Template.ACTION_ATTENDUE: "Action attendue",
    Template.RETOUR: "Pièce retournée",
    Template.MISE_EN_PAIEMENT: "Mise en paiement",
    Template.DOSSIER_ENRICHI: "Dossier enrichi",
    Template.INFORMATION: "Information",
    Template.ECHEANCE: "Échéance",
}
_ECHEANCE_LABELS = {
    "VALIDATION_HORS_DELAI": "Validation tacite après 15 jours",
    "DG_NON_NOTIFIE": "Décompte général non notifié",
    "A22_SANS_REPONSE": "Projet de décompte général sans réponse",
    "DG_NON_RETOURNE": "Décompte général non retourné",
    "DELAI_PAIEMENT_DEPASSE": "Délai de paiement dépassé",
    "PENALITES": "Intérêts moratoires dus",
}
VALIDATION_DAYS = 15  # the titulaire's delay on an A10 (loi 75-1334 art. 8)
_ROLE_LABEL = {
    "FOURNISSEUR": "fournisseur",
    "MOE": "maîtrise d'œuvre",
    "MOA": "maîtrise d'ouvrage",
    "SERVICE_FINANCIER": "service financier",
    "VALIDEUR": "titulaire ou mandataire",
    "SOUS_TRAITANT": "sous-traitant",
    "COTRAITANT": "cotraitant",
}


@dataclass(frozen=True, slots=True)
class Message:
    subject: str
    text: str
    html: str


def _validation_deadline(event: PieceStatusChanged) -> str | None:
    """The day the titulaire's silence on an A10 becomes a tacit acceptance, when that is what it waits for."""
    if event.piece.cadre != "A10" or event.statut != "A_VALIDER_1":
        return None
    return (event.changed_at + timedelta(days=VALIDATION_DAYS)).strftime("%d/%m/%Y")


def render(mail: PlannedMail, event: PieceStatusChanged, structure_name: str, base_url: str) -> Message:
    extra = {
        "expected": event.expected_action,
        "motif": event.motif,
        "commentaire": event.commentaire,
        "valider_avant": _validation_deadline(event),
        "au_fournisseur": mail.role is Role.FOURNISSEUR,
    }
    return _render(mail, event.piece, libelle(event.statut), structure_name, base_url, extra)


def render_deadline(
    mail: PlannedMail,
    piece: PieceSnapshot,
    echeance: str,
    headline: str,
    detail: str | None,
    penalites: Penalites | None,
    structure_name: str,
    base_url: str,
) -> Message:
    """A legal deadline reached on ``piece`` (or the penalties of its late payment)."""
    label = _ECHEANCE_LABELS.get(echeance, echeance)
    extra = {"headline": headline, "detail": detail, "penalites": penalites, "expected": None}
    return _render(mail, piece, label, structure_name, base_url, extra)


def _render(
    mail: PlannedMail, piece: PieceSnapshot, what: str, structure_name: str, base_url: str, extra: dict
) -> Message:
    context = {
        "piece": piece,
        "cadre_libelle": info(piece.cadre).libelle,
        "statut_libelle": libelle(piece.statut),
        "role_label": _ROLE_LABEL.get(mail.role.value, mail.role.value),
        "structure_name": structure_name,
        "piece_url": f"{base_url.rstrip('/')}/v1/pieces/{piece.piece_id}",
        "dossier_url": f"{base_url.rstrip('/')}/v1/dossiers/{piece.dossier_id}",
        **extra,
    }
    subject = (
        f"[Travaux] {_KIND[mail.template]} — {piece.cadre} n° {piece.numero} — dossier {piece.dossier_id[:8]} — {what}"
    )
    text = TEMPLATES.get_template(f"{mail.template}.txt.j2").render(context)
    html = TEMPLATES.get_template(f"{mail.template}.html.j2").render(context)
    return Message(subject, text, html)
