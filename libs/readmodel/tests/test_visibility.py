"""A mise en paiement hidden from the supplier side: who is shown what (pure)."""

from datetime import UTC, datetime, timedelta

import pytest

from contracts import Profil
from readmodel.access import Habilitation, Principal
from readmodel.visibility import (
    as_seen_by,
    buyer_side,
    dossier_as_seen_by,
    hidden_pieces,
    hides_payment,
    notification_shown,
    shown_statut,
    statut_filter,
)

F, VAL, MOE, MOA, DEST, OLD_MOA = (
    "73282932000074", "55210055400013", "44306184100047", "21750001600019", "21310555400017", "11111111111111",
)  # fmt: skip
T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
ATTENTE = {"role": "SERVICE_FINANCIER", "siret": DEST, "action": "La traiter."}


def at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


def paid(hidden: bool = True, **fields) -> dict:
    """An A19 put in payment; ``hidden``: its destinataire hid it (deposit recorded the view before)."""
    record = {
        "_id": "a19",
        "cadre": "A19",
        "statut": "MISE_EN_PAIEMENT",
        "fournisseur": F,
        "valideur": None,
        "moe": MOE,
        "moa": MOA,
        "destinataire": DEST,
        "parties": sorted([F, MOE, MOA, DEST]),
        "code_service": "COMPTA",
        "attente": None,
        "motif": None,
        "commentaire": None,
        "updated_at": at(4),
        "historique": [
            {"statut": s, "at": at(i)}
            for i, s in enumerate(
                ["DEPOSEE", "MISE_A_DISPOSITION_DESTINATAIRE", "SERVICE_FAIT", "MANDATEE", "MISE_EN_PAIEMENT"]
            )
        ],
        "mise_en_paiement_masquee": hidden,
        **fields,
    }
    if hidden:
        record["vue_fournisseur"] = {
            "statut": "MANDATEE", "attente": ATTENTE, "motif": None, "commentaire": "mandat 42", "updated_at": at(3),
        }  # fmt: skip
    return record


def reader(*sirets: str | tuple[str, str]) -> Principal:
    """A CONSULTATION reader of these structures (a (siret, service) pair: limited to that service)."""
    habilitations = tuple(
        Habilitation(s[0], Profil.CONSULTATION, s[1]) if isinstance(s, tuple) else Habilitation(s, Profil.CONSULTATION)
        for s in sirets
    )
    return Principal("x@example.fr", "X", habilitations=habilitations)


@pytest.mark.parametrize(
    "caller, hidden",
    [
        (reader(F), True),  # the fournisseur only
        (reader(VAL), True),  # the valideur (titulaire, mandataire) is on the supplier side too
        (reader(F, VAL), True),
        (reader(MOE), False),
        (reader(MOA), False),
        (reader(DEST), False),
        (reader(F, MOE), False),  # also a party on the buyer side: the truth
        (reader(F, (MOA, "COMPTA")), False),  # a service habilitation covering the pièce
        (reader(F, (MOA, "TRAVAUX")), True),  # one that does not: it reads the pièce as fournisseur only
        (reader(F, OLD_MOA), False),  # a party of the dossier that is no supplier (a MOA recycled away)
    ],
)
def test_who_is_shown_the_piece_as_it_stood_before_a_hidden_mise_en_paiement(caller, hidden):
    record = paid(valideur=VAL, parties=sorted([F, VAL, MOE, MOA, DEST, OLD_MOA]))
    assert hides_payment(caller, record) is hidden
    assert shown_statut(caller, record) == ("MANDATEE" if hidden else "MISE_EN_PAIEMENT")


def test_a_mise_en_paiement_not_hidden_is_shown_to_everyone():
    record = paid(hidden=False)
    assert not hides_payment(reader(F), record) and as_seen_by(reader(F), record) is record


def test_the_fournisseur_sees_the_piece_as_it_stood_before():
    record = paid()
    shown = as_seen_by(reader(F), record)
    assert shown["statut"] == "MANDATEE" and shown["attente"] == ATTENTE and shown["updated_at"] == at(3)
    assert shown["commentaire"] == "mandat 42"
    assert [h["statut"] for h in shown["historique"]][-1] == "MANDATEE" and len(shown["historique"]) == 4
    assert "mise_en_paiement_masquee" not in shown and "vue_fournisseur" not in shown  # nothing tells it
    assert record["statut"] == "MISE_EN_PAIEMENT" and len(record["historique"]) == 5  # the record is untouched
    assert as_seen_by(reader(MOE), record) is record


def test_the_buyer_side():
    assert buyer_side(paid(valideur=VAL, parties=[F, VAL, MOE, MOA, DEST, OLD_MOA])) == {MOE, MOA, DEST, OLD_MOA}
    # a structure both fournisseur and MOE of the dossier sees it as MOE
    assert MOE in buyer_side(paid(fournisseur=MOE))


def test_the_dossier_as_the_fournisseur_sees_it():
    a15 = {"_id": "a15", "statut": "ASSOCIEE", "historique": [{"statut": "DEPOSEE", "at": at(-2)}], "parties": []}
    dossier = {"_id": "d", "derniere_activite": at(4), "penalites": {"piece_id": "a19", "total": "56.68"}}
    shown_dossier, shown = dossier_as_seen_by(reader(F), dossier, [a15, paid()])
    assert shown_dossier["penalites"] is None and shown_dossier["derniere_activite"] == at(3)
    assert [p["statut"] for p in shown] == ["ASSOCIEE", "MANDATEE"]
    assert dossier["penalites"] is not None  # untouched
    assert dossier_as_seen_by(reader(MOA), dossier, [a15, paid()]) == (dossier, [a15, paid()])
    assert hidden_pieces(reader(F), [a15, paid()]) == {"a19"}


def test_the_mails_about_a_hidden_mise_en_paiement_are_not_listed_to_the_fournisseur():
    assert not notification_shown({"a19"}, {"piece_id": "a19", "statut": "MISE_EN_PAIEMENT"})
    assert not notification_shown({"a19"}, {"piece_id": "a19", "statut": "PENALITES"})
    assert notification_shown({"a19"}, {"piece_id": "a19", "statut": "MANDATEE"})
    assert notification_shown(set(), {"piece_id": "a19", "statut": "MISE_EN_PAIEMENT"})


def test_the_status_filter_finds_the_status_shown():
    exact = statut_filter(["MANDATEE"], [F])
    truth, hidden_but_buyer, shown_to_supplier = exact["$or"]
    assert truth == {"statut": {"$in": ["MANDATEE"]}, "mise_en_paiement_masquee": {"$ne": True}}
    buyer = [
        {"moe": F},
        {"moa": F},
        {"destinataire": F},
        {"parties": F, "fournisseur": {"$ne": F}, "valideur": {"$ne": F}},
    ]
    assert hidden_but_buyer == {"statut": {"$in": ["MANDATEE"]}, "mise_en_paiement_masquee": True, "$or": buyer}
    assert shown_to_supplier == {
        "vue_fournisseur.statut": {"$in": ["MANDATEE"]}, "mise_en_paiement_masquee": True, "$nor": buyer,
    }  # fmt: skip
