"""MongoDB storage of pièces and dossiers (the deposit service is their single writer).

A pièce record is its ``PieceSnapshot`` (``_id`` = piece_id; amounts as Decimal128, dates as ISO
strings) plus:

- ``document`` (the PDF's metadata, with ``attachments``), ``historique`` (list of history entries);
- ``parties``: SIRETs of every party of its dossier (who may read it), kept in step across the dossier;
- ``attente``: ``{role, siret, action}`` of whoever must act now, or None (the synthèse reads it);
- ``echeances``: legal deadlines reached on it (also kept on its dossier, which tacit procedures read);
- ``motif`` / ``commentaire`` of the last status change (refusal, suspension, routing error...), None when it had none; ``updated_at``;
- at a mise en paiement, ``mise_en_paiement_masquee`` (its destinataire hid it from the fournisseur) and, if
  so, ``vue_fournisseur``: the pièce as it stood before, which the supplier side is shown (``readmodel.visibility``);
- ``soumission``: ``{event_id, reason, at, next_at, relances}`` while the pièce waits for routing's decision
  on the submission event ``event_id``: the reconciler sends it again, same id, at ``next_at`` if no
  decision came, then less and less often (``relances``: how many times it did).
"""

from dataclasses import asdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from bson.decimal128 import Decimal128
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from contracts import Echeance, PieceSnapshot, Statut, utcnow
from deposit.adapters.bound import Bound
from deposit.domain.deposit_rules import PARTY_FIELDS
from deposit.domain.piece import HistoryEntry, PieceRecord, StatusChange
from readmodel import visibility

MONEY_FIELDS = ("montant_ht", "montant_tva", "montant_ttc", "montant_a_payer")


def to_mongo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return Decimal128(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Statut):
        return value.value
    return value


def _from_mongo(value: Any) -> Any:
    return value.to_decimal() if isinstance(value, Decimal128) else value


def from_mongo(record: dict[str, Any]) -> dict[str, Any]:
    return {k: _from_mongo(v) for k, v in record.items()}


def _history_doc(entry: HistoryEntry) -> dict[str, Any]:
    return {k: to_mongo(v) for k, v in asdict(entry).items() if v is not None}


def parties_of(snapshot: PieceSnapshot) -> set[str]:
    return {s for s in (getattr(snapshot, f) for f in PARTY_FIELDS) if s}


def _attente(change_or_none: StatusChange | None) -> dict[str, Any] | None:
    expected = change_or_none.expected_action if change_or_none else None
    return (
        None if expected is None else {"role": expected.role.value, "siret": expected.siret, "action": expected.action}
    )


class PieceStore(Bound):
    def __init__(self, database: AsyncDatabase):
        self.pieces = database["pieces"]
        self.dossiers = database["dossiers"]

    async def ensure_indexes(self) -> None:
        await self.pieces.create_index(
            [("fournisseur", ASCENDING), ("numero", ASCENDING)], unique=True, name="numero_par_fournisseur"
        )
        await self.pieces.create_index([("dossier_id", ASCENDING)])
        await self.pieces.create_index([("parties", ASCENDING), ("deposee_le", DESCENDING)])
        await self.pieces.create_index([("attente.siret", ASCENDING)])
        await self.pieces.create_index([("soumission.next_at", ASCENDING)], sparse=True)

    async def insert(
        self,
        snapshot: PieceSnapshot,
        document: dict[str, Any],
        history: list[HistoryEntry],
        parties: set[str],
        new_parties: frozenset[str] = frozenset(),
        submission: dict[str, Any] | None = None,
    ) -> None:
        """Store a new pièce; open its dossier when it is the first, else join it (``new_parties``: the
        parties it brings that the dossier did not have; ``submission``: the submission awaiting routing)."""
        record = {k: to_mongo(v) for k, v in snapshot.model_dump().items()}
        record["_id"] = record.pop("piece_id")
        record.update(
            document=document,
            historique=[_history_doc(entry) for entry in history],
            parties=sorted(parties),
            attente=None,
            echeances=[],
            updated_at=snapshot.deposee_le,
        )
        if submission is not None:
            record["soumission"] = submission
        await self.pieces.insert_one(record, session=self.session)
        if snapshot.piece_precedente_id is None:
            await self.dossiers.insert_one(
                {
                    "_id": snapshot.dossier_id,
                    "cadre_initial": snapshot.cadre.value,
                    "fournisseur": snapshot.fournisseur,
                    "parties": sorted(parties),
                    "piece_ids": [snapshot.piece_id],
                    "ouvert_le": snapshot.deposee_le,
                    "derniere_activite": snapshot.deposee_le,
                },
                session=self.session,
            )
            return
        await self.dossiers.update_one(
            {"_id": snapshot.dossier_id},
            {
                "$push": {"piece_ids": snapshot.piece_id},
                "$addToSet": {"parties": {"$each": sorted(parties)}},
                "$max": {"derniere_activite": snapshot.deposee_le},
            },
            session=self.session,
        )
        if new_parties:  # every pièce of the dossier becomes visible to a party the new pièce brings in
            await self.pieces.update_many(
                {"dossier_id": snapshot.dossier_id},
                {"$addToSet": {"parties": {"$each": sorted(new_parties)}}},
                session=self.session,
            )

    async def get(self, piece_id: str) -> dict[str, Any] | None:
        record = await self.pieces.find_one({"_id": piece_id}, session=self.session)
        return None if record is None else from_mongo(record)

    async def read(self, piece_id: str) -> PieceRecord | None:
        record = await self.get(piece_id)
        return None if record is None else record_of(record)

    async def get_dossier(self, dossier_id: str) -> dict[str, Any] | None:
        return await self.dossiers.find_one({"_id": dossier_id})

    async def raw_dossier(self, dossier_id: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """The dossier's record and its pièces' records exactly as stored (pièces by id)."""
        dossier = await self.dossiers.find_one({"_id": dossier_id}, session=self.session)
        if dossier is None:
            return None, []
        cursor = self.pieces.find({"dossier_id": dossier_id}, session=self.session).sort("_id", ASCENDING)
        return dossier, await cursor.to_list()

    async def remove_dossier(self, dossier_id: str) -> None:
        await self.pieces.delete_many({"dossier_id": dossier_id}, session=self.session)
        await self.dossiers.delete_one({"_id": dossier_id}, session=self.session)

    async def pieces_of(self, dossier_id: str) -> list[dict[str, Any]]:
        cursor = self.pieces.find({"dossier_id": dossier_id}).sort("deposee_le", ASCENDING)
        return [from_mongo(r) async for r in cursor]

    async def apply(self, change: StatusChange, submission: dict[str, Any] | None = None) -> None:
        """Move the pièce to its new status, only if it still has the status the change was computed from.
        ``submission``: the change sends it to routing again (else it no longer waits for routing)."""
        piece = change.snapshot
        fields = {k: to_mongo(v) for k, v in change.updates.items()}
        fields.update(statut=change.new.value, updated_at=change.entry.at, attente=_attente(change))
        fields.update(motif=change.entry.motif, commentaire=change.entry.comment)  # of this change: none is none
        if change.new is Statut.MISE_EN_PAIEMENT:  # whether its destinataire hid it, as of now
            fields[visibility.FLAG] = change.hidden_from_supplier
            if change.hidden_from_supplier:
                before = await self.pieces.find_one(
                    {"_id": piece.piece_id}, list(visibility.VIEW_FIELDS), session=self.session
                )
                fields[visibility.SUPPLIER_VIEW] = visibility.supplier_view(before or {})
        update: dict[str, Any] = {"$set": fields, "$push": {"historique": _history_doc(change.entry)}}
        if submission is not None:
            fields["soumission"] = submission
        else:
            update["$unset"] = {"soumission": ""}
        result = await self.pieces.update_one(
            {"_id": piece.piece_id, "statut": change.previous.value}, update, session=self.session
        )
        if result.modified_count != 1:
            raise ConcurrentChange(piece.piece_id)
        new_parties = sorted(parties_of(piece))
        await self.dossiers.update_one(
            {"_id": piece.dossier_id},
            {"$max": {"derniere_activite": change.entry.at}, "$addToSet": {"parties": {"$each": new_parties}}},
            session=self.session,
        )
        if any(field in PARTY_FIELDS for field in change.updates):  # a recycled MOA or destinataire
            await self.pieces.update_many(
                {"dossier_id": piece.dossier_id},
                {"$addToSet": {"parties": {"$each": new_parties}}},
                session=self.session,
            )

    async def add_attachments(self, piece_id: str, stored: list[dict[str, Any]]) -> None:
        await self.pieces.update_one(
            {"_id": piece_id}, {"$push": {"document.attachments": {"$each": stored}}}, session=self.session
        )

    async def add_deadline(self, piece_id: str, dossier_id: str, echeance: Echeance) -> bool:
        """Record a legal deadline reached on the pièce, and on its dossier (a tacit procedure opens for the
        dossier: the décompte général not notified in time stays so after the MOE filed its A17)."""
        result = await self.pieces.update_one(
            {"_id": piece_id, "dossier_id": dossier_id},
            {"$addToSet": {"echeances": echeance.value}},
            session=self.session,
        )
        if result.matched_count != 1:
            return False
        await self.dossiers.update_one(
            {"_id": dossier_id}, {"$addToSet": {"echeances": echeance.value}}, session=self.session
        )
        return True

    async def dossier_deadlines(self, dossier_id: str) -> frozenset[Echeance]:
        dossier = await self.dossiers.find_one({"_id": dossier_id}, {"echeances": 1}, session=self.session)
        return frozenset(Echeance(e) for e in (dossier or {}).get("echeances", []))

    async def set_penalties(self, dossier_id: str, penalites: dict[str, Any]) -> bool:
        """The late-payment penalties routing computed when the dossier was put in payment after its délai."""
        result = await self.dossiers.update_one(
            {"_id": dossier_id}, {"$set": {"penalites": penalites}}, session=self.session
        )
        return result.matched_count == 1

    async def overdue_submissions(self, now: datetime, limit: int) -> list[dict[str, Any]]:
        """Pièces whose submission is due to be sent again (no routing decision by then), the oldest first."""
        cursor = self.pieces.find({"soumission.next_at": {"$lt": now}}).sort("soumission.next_at", ASCENDING)
        return [from_mongo(r) async for r in cursor.limit(limit)]

    async def submission_sent_again(self, piece_id: str, event_id: str, next_at: datetime) -> bool:
        """Note that the submission ``event_id`` went out again; False when the pièce no longer waits for it."""
        result = await self.pieces.update_one(
            {"_id": piece_id, "soumission.event_id": event_id},
            {"$set": {"soumission.next_at": next_at}, "$inc": {"soumission.relances": 1}},
            session=self.session,
        )
        return result.modified_count == 1


def submission(event_id: str, reason: str, after_seconds: float) -> dict[str, Any]:
    """What a pièce record keeps of the submission event it waits a routing decision for. Real time, not the
    business clock: the reconciler's bound is real time."""
    now = utcnow()
    return {
        "event_id": event_id,
        "reason": reason,
        "at": now,
        "next_at": now + timedelta(seconds=after_seconds),
        "relances": 0,
    }


class ConcurrentChange(Exception):
    """The pièce changed between read and write; the caller retries with fresh state."""


def record_of(document: dict[str, Any]) -> PieceRecord:
    """A stored pièce, typed: its snapshot and its dossier's parties."""
    return PieceRecord(snapshot_of(document), frozenset(document["parties"]))


def snapshot_of(record: dict[str, Any]) -> PieceSnapshot:
    data = dict(record)
    data["piece_id"] = data.pop("_id")
    return PieceSnapshot.model_validate(data)
