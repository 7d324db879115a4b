"""A « mise en paiement » the destinataire hides from the supplier side (docs/domain.md §5.5: « Le statut
Mise en paiement n'est pas remonté au fournisseur »). Pure: records in, records out.

When the service financier puts a pièce in payment and its destinataire hides that status, deposit records
it on the pièce at that moment (``mise_en_paiement_masquee``, and ``vue_fournisseur``: the pièce's status,
expected action, motif, commentaire and time of change as they stood just before), so a later change of
the parameter rewrites nothing and the archive, which copies the record, shows the same.

Who is shown that earlier state: a caller who reads the pièce **only through its supplier side** — the
fournisseur and the valideur (the titulaire or mandataire validating a sous-traitant's or cotraitant's
request is a supplier of the same marché; the option concerns the fournisseur, not the buyer). A caller who
also reads it through another party of the dossier (MOE, MOA, destinataire) sees the truth. What is hidden
from the supplier side, everywhere it looks: the status and its label, the history entry, the time of the
change; the dossier's date of payment (the délai reads as still running), the late-payment penalties
(computed at the payment, they reveal it) and the last activity; the search by status (a search for
MISE_EN_PAIEMENT does not find the pièce, one for the status shown does); the counts; the e-mails about it.
"""

from collections.abc import Iterable
from typing import Any

from contracts import Statut
from readmodel.access import Principal

HIDDEN = Statut.MISE_EN_PAIEMENT
FLAG = "mise_en_paiement_masquee"  # recorded at the change to MISE_EN_PAIEMENT: True when hidden
SUPPLIER_VIEW = "vue_fournisseur"  # the pièce as it stood before, when hidden
# What the supplier view replaces in the pièce's record.
VIEW_FIELDS = ("statut", "attente", "motif", "commentaire", "updated_at")
SUPPLIER_FIELDS = ("fournisseur", "valideur")
BUYER_FIELDS = ("moe", "moa", "destinataire")
# The notification record kinds that tell of a hidden mise en paiement: its own mails, and the penalties'.
HIDDEN_NOTIFICATIONS = frozenset({HIDDEN.value, "PENALITES"})


def supplier_view(record: dict[str, Any]) -> dict[str, Any]:
    """What the supplier side keeps seeing of a pièce whose next status is hidden from it: its current state."""
    return {field: record.get(field) for field in VIEW_FIELDS}


def buyer_side(record: dict[str, Any]) -> set[str]:
    """The SIRETs through which a reader sees the truth: the MOE, MOA and destinataire, and any other party of
    the dossier that is not its fournisseur or valideur (a MOA replaced by a recycling, say)."""
    supplier = {record.get(f) for f in SUPPLIER_FIELDS}
    buyers = {record.get(f) for f in BUYER_FIELDS} | (set(record.get("parties") or ()) - supplier)
    return {siret for siret in buyers if siret}


def buyer_side_filter(sirets: Iterable[str]) -> list[dict[str, Any]]:
    """Mongo clauses, one of which holds when one of ``sirets`` is on the pièce's buyer side (``buyer_side``)."""
    clauses: list[dict[str, Any]] = []
    for siret in sorted(set(sirets)):
        clauses += [{field: siret} for field in BUYER_FIELDS]
        clauses.append({"parties": siret, **{field: {"$ne": siret} for field in SUPPLIER_FIELDS}})
    return clauses


def statut_filter(statuts: Iterable[str], sirets: Iterable[str], exact: bool = True) -> dict[str, Any]:
    """The pièces a reader holding habilitations on ``sirets`` is shown in one of ``statuts``. ``exact=False``:
    every pièce whose true or supplier-side status is one of them (the caller decides per pièce, e.g. when
    its habilitations are limited to a service, which Mongo does not know)."""
    values = {"$in": sorted(set(statuts))}
    if not exact:
        return {"$or": [{"statut": values}, {f"{SUPPLIER_VIEW}.statut": values}]}
    buyer = buyer_side_filter(sirets)
    return {
        "$or": [
            {"statut": values, FLAG: {"$ne": True}},
            {"statut": values, FLAG: True, "$or": buyer},
            {f"{SUPPLIER_VIEW}.statut": values, FLAG: True, "$nor": buyer},
        ]
    }


def hides_payment(caller: Principal, record: dict[str, Any]) -> bool:
    """Whether ``caller`` (who may read the pièce) is to be shown the pièce as it stood before its mise en
    paiement: the destinataire hid it, and none of the caller's habilitations reads it from the buyer side."""
    if not record.get(FLAG) or not record.get(SUPPLIER_VIEW) or record.get("statut") != HIDDEN:
        return False
    buyers, service = buyer_side(record), record.get("code_service")
    return not any(h.siret in buyers and h.covers(service) for h in caller.habilitations)


def shown_statut(caller: Principal, record: dict[str, Any]) -> str:
    """The status ``caller`` is shown (a record may hold only a projection: statut, parties, roles, the view)."""
    return record[SUPPLIER_VIEW]["statut"] if hides_payment(caller, record) else record["statut"]


def as_seen_by(caller: Principal, record: dict[str, Any]) -> dict[str, Any]:
    """The pièce's record as ``caller`` is shown it: as it stood before a mise en paiement hidden from it."""
    if not hides_payment(caller, record):
        return record
    shown = {k: v for k, v in record.items() if k not in (FLAG, SUPPLIER_VIEW)}
    shown.update(record[SUPPLIER_VIEW])
    shown["historique"] = [h for h in record.get("historique", []) if h["statut"] != HIDDEN]
    return shown


def hidden_pieces(caller: Principal, records: Iterable[dict[str, Any]]) -> set[str]:
    """The ids of the pièces whose mise en paiement ``caller`` is not shown."""
    return {r["_id"] for r in records if hides_payment(caller, r)}


def dossier_as_seen_by(
    caller: Principal, dossier: dict[str, Any], pieces: list[dict[str, Any]]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A dossier's record and its pièces' (those the caller may read) as ``caller`` is shown them. With a
    mise en paiement hidden from it: no penalties of that payment, and the last activity among what it sees."""
    hidden = hidden_pieces(caller, pieces)
    shown = [as_seen_by(caller, p) for p in pieces]
    if not hidden:
        return dossier, shown
    masked = dict(dossier)
    if (masked.get("penalites") or {}).get("piece_id") in hidden:
        masked["penalites"] = None
    moments = [h["at"] for p in shown for h in p.get("historique", [])]
    if moments:
        masked["derniere_activite"] = max(moments)
    return masked, shown


def notification_shown(hidden: set[str], notification: dict[str, Any]) -> bool:
    """Whether a notification record may be listed to a caller from whom ``hidden`` pièces' payment is hidden."""
    return not (notification.get("piece_id") in hidden and notification.get("statut") in HIDDEN_NOTIFICATIONS)
