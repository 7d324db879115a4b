"""In-memory fakes of the stores (``deposit.ports``), for the service-layer tests: each keeps its state in
its attributes (``messaging.unit_of_work.MemoryStore``: copied before a work, put back when it fails) and
behaves as its MongoDB adapter does where the use cases can tell: records in the stored form
(``PieceStore`` keeps amounts as Decimal128, dates as ISO strings), the unique number per fournisseur
(``AlreadyExists``), the status a change was computed from (``ConcurrentChange``)."""

import asyncio
import copy
import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any, BinaryIO

from bson import ObjectId

from contracts import CodeMotif, CompteType, Contact, Echeance, PieceSnapshot, Statut, Structure, utcnow
from deposit.adapters.codes import new_code
from deposit.adapters.directory import account_of, habilitation_document, new_token, token_hash
from deposit.adapters.idempotency import LostReservation, Reservation
from deposit.adapters.pieces import (
    ConcurrentChange,
    _attente,
    _history_doc,
    from_mongo,
    parties_of,
    record_of,
    to_mongo,
)
from deposit.adapters.rattachements import PENDING, Etat
from deposit.domain.authority import Account
from deposit.domain.deposit_rules import PARTY_FIELDS
from deposit.domain.piece import HistoryEntry, PieceRecord, StatusChange
from messaging.unit_of_work import AlreadyExists, MemoryStore
from readmodel import visibility
from readmodel.access import Habilitation, Principal


class MemoryPieces(MemoryStore):
    def __init__(self) -> None:
        self.pieces: dict[str, dict[str, Any]] = {}
        self.dossiers: dict[str, dict[str, Any]] = {}

    async def insert(
        self,
        snapshot: PieceSnapshot,
        document: dict[str, Any],
        history: list[HistoryEntry],
        parties: set[str],
        new_parties: frozenset[str] = frozenset(),
        submission: dict[str, Any] | None = None,
    ) -> None:
        if any(
            p["fournisseur"] == snapshot.fournisseur and p["numero"] == snapshot.numero for p in self.pieces.values()
        ):
            raise AlreadyExists("numero_par_fournisseur")
        record = {k: to_mongo(v) for k, v in snapshot.model_dump().items()}
        record["_id"] = record.pop("piece_id")
        record.update(
            document=copy.deepcopy(document),
            historique=[_history_doc(entry) for entry in history],
            parties=sorted(parties),
            attente=None,
            echeances=[],
            updated_at=snapshot.deposee_le,
        )
        if submission is not None:
            record["soumission"] = submission
        self.pieces[snapshot.piece_id] = record
        if snapshot.piece_precedente_id is None:
            self.dossiers[snapshot.dossier_id] = {
                "_id": snapshot.dossier_id,
                "cadre_initial": snapshot.cadre.value,
                "fournisseur": snapshot.fournisseur,
                "parties": sorted(parties),
                "piece_ids": [snapshot.piece_id],
                "ouvert_le": snapshot.deposee_le,
                "derniere_activite": snapshot.deposee_le,
            }
            return
        dossier = self.dossiers[snapshot.dossier_id]
        dossier["piece_ids"].append(snapshot.piece_id)
        dossier["parties"] = _add(dossier["parties"], parties)
        dossier["derniere_activite"] = max(dossier["derniere_activite"], snapshot.deposee_le)
        if new_parties:
            for other in self._of(snapshot.dossier_id):
                other["parties"] = _add(other["parties"], new_parties)

    def _of(self, dossier_id: str) -> list[dict[str, Any]]:
        return [p for p in self.pieces.values() if p["dossier_id"] == dossier_id]

    async def get(self, piece_id: str) -> dict[str, Any] | None:
        record = self.pieces.get(piece_id)
        return None if record is None else from_mongo(copy.deepcopy(record))

    async def read(self, piece_id: str) -> PieceRecord | None:
        record = await self.get(piece_id)
        return None if record is None else record_of(record)

    async def get_dossier(self, dossier_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.dossiers.get(dossier_id))

    async def raw_dossier(self, dossier_id: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        dossier = self.dossiers.get(dossier_id)
        if dossier is None:
            return None, []
        return copy.deepcopy(dossier), copy.deepcopy(sorted(self._of(dossier_id), key=lambda p: p["_id"]))

    async def remove_dossier(self, dossier_id: str) -> None:
        for record in self._of(dossier_id):
            del self.pieces[record["_id"]]
        self.dossiers.pop(dossier_id, None)

    async def pieces_of(self, dossier_id: str) -> list[dict[str, Any]]:
        return [from_mongo(copy.deepcopy(r)) for r in sorted(self._of(dossier_id), key=lambda p: p["deposee_le"])]

    async def apply(self, change: StatusChange, submission: dict[str, Any] | None = None) -> None:
        piece = change.snapshot
        record = self.pieces.get(piece.piece_id)
        if record is None or record["statut"] != change.previous.value:
            raise ConcurrentChange(piece.piece_id)
        fields = {k: to_mongo(v) for k, v in change.updates.items()}
        fields.update(statut=change.new.value, updated_at=change.entry.at, attente=_attente(change))
        fields.update(motif=change.entry.motif, commentaire=change.entry.comment)
        if change.new is Statut.MISE_EN_PAIEMENT:
            fields[visibility.FLAG] = change.hidden_from_supplier
            if change.hidden_from_supplier:
                before = {k: record[k] for k in visibility.VIEW_FIELDS if k in record}
                fields[visibility.SUPPLIER_VIEW] = visibility.supplier_view(copy.deepcopy(before))
        if submission is not None:
            fields["soumission"] = submission
        else:
            record.pop("soumission", None)
        record.update(fields)
        record["historique"].append(_history_doc(change.entry))
        new_parties = parties_of(piece)
        dossier = self.dossiers.get(piece.dossier_id)
        if dossier is not None:
            dossier["derniere_activite"] = max(dossier["derniere_activite"], change.entry.at)
            dossier["parties"] = _add(dossier["parties"], new_parties)
        if any(field in PARTY_FIELDS for field in change.updates):
            for other in self._of(piece.dossier_id):
                other["parties"] = _add(other["parties"], new_parties)

    async def add_attachments(self, piece_id: str, stored: list[dict[str, Any]]) -> None:
        record = self.pieces.get(piece_id)
        if record is not None:
            record["document"].setdefault("attachments", []).extend(copy.deepcopy(stored))

    async def add_deadline(self, piece_id: str, dossier_id: str, echeance: Echeance) -> bool:
        record = self.pieces.get(piece_id)
        if record is None or record["dossier_id"] != dossier_id:
            return False
        record["echeances"] = _add(record["echeances"], {echeance.value}, keep_order=True)
        dossier = self.dossiers.get(dossier_id)
        if dossier is not None:
            dossier["echeances"] = _add(dossier.get("echeances", []), {echeance.value}, keep_order=True)
        return True

    async def dossier_deadlines(self, dossier_id: str) -> frozenset[Echeance]:
        return frozenset(Echeance(e) for e in self.dossiers.get(dossier_id, {}).get("echeances", []))

    async def set_penalties(self, dossier_id: str, penalites: dict[str, Any]) -> bool:
        dossier = self.dossiers.get(dossier_id)
        if dossier is None:
            return False
        dossier["penalites"] = copy.deepcopy(penalites)
        return True

    async def overdue_submissions(self, now: datetime, limit: int) -> list[dict[str, Any]]:
        due = [r for r in self.pieces.values() if r.get("soumission") and r["soumission"]["next_at"] < now]
        due.sort(key=lambda r: r["soumission"]["next_at"])
        return [from_mongo(copy.deepcopy(r)) for r in due[:limit]]

    async def submission_sent_again(self, piece_id: str, event_id: str, next_at: datetime) -> bool:
        record = self.pieces.get(piece_id)
        if record is None or (record.get("soumission") or {}).get("event_id") != event_id:
            return False
        record["soumission"]["next_at"] = next_at
        record["soumission"]["relances"] = record["soumission"].get("relances", 0) + 1
        return True


def _add(values: list[str], more: Any, keep_order: bool = False) -> list[str]:
    """``$addToSet``: the values, then those of ``more`` not there yet."""
    added = list(values) + [v for v in sorted(more) if v not in values]
    return added if keep_order else sorted(added)


class MemoryDocuments(MemoryStore):
    def __init__(self) -> None:
        self.files: dict[ObjectId, dict[str, Any]] = {}

    async def put(self, piece_id: str, filename: str, content_type: str, source: BinaryIO) -> dict[str, Any]:
        source.seek(0)  # the test's files are in memory
        data = source.read()
        file_id = ObjectId()
        digest = hashlib.sha256(data).hexdigest()
        self.files[file_id] = {"piece_id": piece_id, "filename": filename, "data": data}
        return {
            "file_id": file_id,
            "filename": filename,
            "content_type": content_type,
            "size": len(data),
            "sha256": digest,
        }

    async def delete(self, file_ids: list[ObjectId]) -> None:
        for file_id in file_ids:
            self.files.pop(file_id, None)

    async def read(self, file_id: ObjectId) -> bytes:
        return self.files[file_id]["data"]


class MemoryDirectory(MemoryStore):
    def __init__(self) -> None:
        self.structures: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}

    def forget_cached(self) -> None:
        pass

    async def upsert(self, structure: Structure) -> bool:
        document = structure.model_dump(mode="json", exclude={"contacts"})
        changed = self.structures.get(structure.siret, {}).get("_doc") != document
        self.structures[structure.siret] = {"_doc": document, "revision": 0}
        return changed

    async def get(self, siret: str) -> Structure | None:
        found = self.structures.get(siret)
        return None if found is None else Structure.model_validate(found["_doc"])

    async def touch(self, siret: str) -> None:
        if siret in self.structures:
            self.structures[siret]["revision"] += 1

    async def all(self) -> list[Structure]:
        return [Structure.model_validate(self.structures[s]["_doc"]) for s in sorted(self.structures)]

    async def existing(self, sirets: set[str]) -> dict[str, Structure]:
        return {s: Structure.model_validate(self.structures[s]["_doc"]) for s in sirets if s in self.structures}

    async def published(self, siret: str) -> Structure | None:
        structure = await self.get(siret)
        if structure is None:
            return None
        contacts = [
            Contact(email=user["_id"], nom=user["nom"], profil=h["profil"], service=h.get("service"))
            for user in self.users.values()
            if user.get("active", True) and user.get("type") != CompteType.TECHNIQUE.value
            for h in user.get("habilitations", [])
            if h["siret"] == siret
        ]
        return structure.model_copy(update={"contacts": sorted(contacts, key=lambda c: (c.email, c.service or ""))})

    async def get_user(self, account_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.users.get(account_id))

    async def account(self, account_id: str) -> Account | None:
        return account_of(self.users.get(account_id))

    def _insert_user(self, document: dict[str, Any]) -> None:
        if document["_id"] in self.users:
            raise AlreadyExists(document["_id"])
        self.users[document["_id"]] = document

    async def create_person(self, email: str, nom: str) -> None:
        self._insert_user(
            {"_id": email, "nom": nom, "type": CompteType.PERSONNE.value, "active": True, "activated": False,
             "admin": False, "habilitations": [], "cree_le": utcnow()}
        )  # fmt: skip

    async def create_technical(self, account_id: str, libelle: str, habilitation: Habilitation) -> None:
        self._insert_user(
            {"_id": account_id, "nom": libelle, "type": CompteType.TECHNIQUE.value, "structure": habilitation.siret,
             "active": True, "activated": True, "admin": False,
             "habilitations": [habilitation_document(habilitation)], "cree_le": utcnow()}
        )  # fmt: skip

    async def activate(self, account_id: str) -> None:
        if account_id in self.users:
            self.users[account_id]["activated"] = True

    async def update_account(self, account_id: str, nom: str | None = None, active: bool | None = None) -> None:
        changes = {k: v for k, v in (("nom", nom), ("active", active)) if v is not None}
        if account_id in self.users:
            self.users[account_id].update(changes)

    async def accounts_on(self, siret: str) -> list[Account]:
        return [
            account_of(self.users[u])  # type: ignore[misc]
            for u in sorted(self.users)
            if any(h["siret"] == siret for h in self.users[u].get("habilitations", []))
        ]

    async def set_habilitation(self, account_id: str, habilitation: Habilitation) -> None:
        user = self.users.get(account_id)
        if user is not None:
            kept = [h for h in user.get("habilitations", []) if h["siret"] != habilitation.siret]
            user["habilitations"] = [*kept, habilitation_document(habilitation)]

    async def remove_habilitation(self, account_id: str, siret: str) -> bool:
        user = self.users.get(account_id)
        if user is None or not any(h["siret"] == siret for h in user.get("habilitations", [])):
            return False
        user["habilitations"] = [h for h in user["habilitations"] if h["siret"] != siret]
        return True

    async def ensure_admin(self, email: str, secret: str) -> None:
        user = self.users.setdefault(email, {"_id": email, "nom": "Administrateur", "habilitations": []})
        user.update(admin=True, active=True, activated=True, type=CompteType.PERSONNE.value)
        self.tokens.setdefault(
            token_hash(secret),
            {"_id": token_hash(secret), "email": email, "token_id": "bootstrap", "libelle": "bootstrap",
             "cree_le": utcnow()},
        )  # fmt: skip

    async def create_token(self, account_id: str, libelle: str) -> tuple[dict[str, Any], str]:
        secret = new_token()
        document = {"_id": token_hash(secret), "email": account_id, "token_id": str(uuid.uuid4()),
                    "libelle": libelle, "cree_le": utcnow()}  # fmt: skip
        self.tokens[document["_id"]] = document
        return copy.deepcopy(document), secret

    async def tokens_of(self, account_id: str) -> list[dict[str, Any]]:
        return sorted(
            (copy.deepcopy(t) for t in self.tokens.values() if t["email"] == account_id), key=lambda t: t["cree_le"]
        )

    async def revoke_token(self, account_id: str, token_id: str) -> bool:
        for key, token in list(self.tokens.items()):
            if token["email"] == account_id and token["token_id"] == token_id:
                del self.tokens[key]
                return True
        return False

    async def principal(self, secret: str) -> Principal | None:
        token = self.tokens.get(token_hash(secret))
        user = None if token is None else self.users.get(token["email"])
        if user is None or not user.get("active", True):
            return None
        account = account_of(user)
        assert account is not None and token is not None
        return Principal(
            email=account.id,
            nom=account.nom,
            admin=account.admin,
            habilitations=account.habilitations,
            kind=account.kind,
            token_id=token["token_id"],
        )


class MemoryIdempotency(MemoryStore):
    """Keys and their answers; an attempt holds a key until it completes or releases it (no lease here:
    the service-layer tests run one request at a time)."""

    def __init__(self) -> None:
        self.keys: dict[str, dict[str, Any]] = {}

    async def find(self, key_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.keys.get(key_id))

    async def reserve(self, key_id: str, request_hash: str) -> Reservation | None:
        if key_id in self.keys:
            return None
        owner = uuid.uuid4().hex
        self.keys[key_id] = {"_id": key_id, "request_hash": request_hash, "owner": owner,
                             "lease_until": utcnow() + timedelta(hours=1), "created_at": utcnow()}  # fmt: skip
        return Reservation(self, key_id, owner)  # type: ignore[arg-type]

    async def take_over(self, abandoned: dict[str, Any]) -> Reservation | None:
        return None

    async def complete(self, reservation: Reservation, status: int, body: dict[str, Any]) -> None:
        if not reservation.key_id:
            return
        record = self.keys.get(reservation.key_id)
        if record is None or record["owner"] != reservation.owner or "status" in record:
            raise LostReservation(reservation.key_id)
        record.update(status=status, body=copy.deepcopy(body), completed_at=utcnow())
        record.pop("lease_until", None)

    async def release(self, reservation: Reservation) -> None:
        record = self.keys.get(reservation.key_id)
        if record is not None and record["owner"] == reservation.owner and "status" not in record:
            del self.keys[reservation.key_id]

    async def finished(self, reservation: Reservation) -> None:
        pass

    async def wait(self, key_id: str, timeout: float) -> None:
        await asyncio.sleep(0)


class MemoryArchived(MemoryStore):
    def __init__(self) -> None:
        self.tombstones: dict[str, dict[str, Any]] = {}

    async def record(
        self, dossier_id: str, move_id: str, pieces: list[dict[str, Any]], location: str, removed_at: datetime
    ) -> None:
        if dossier_id in self.tombstones:
            raise AlreadyExists(dossier_id)
        self.tombstones[dossier_id] = {
            "_id": dossier_id,
            "move_id": move_id,
            "location": location,
            "removed_at": removed_at,
            "pieces": [
                {"piece_id": p["_id"], "parties": p["parties"], "code_service": p.get("code_service")} for p in pieces
            ],
        }

    async def of_dossier(self, dossier_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.tombstones.get(dossier_id))

    async def of_piece(self, piece_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        for tombstone in self.tombstones.values():
            for entry in tombstone["pieces"]:
                if entry["piece_id"] == piece_id:
                    return copy.deepcopy(tombstone), copy.deepcopy(entry)
        return None


class MemoryCodes(MemoryStore):
    def __init__(self) -> None:
        self.codes: dict[str, dict[str, Any]] = {}
        self.sent: list[str] = []  # the secrets issued, in order: what the mailbox would receive

    async def issue(
        self, email: str, motif: CodeMotif, ttl: timedelta, invitation_id: str | None = None
    ) -> tuple[str, datetime]:
        code, now = new_code(), utcnow()
        self.codes[token_hash(code)] = {"_id": token_hash(code), "email": email, "motif": motif.value,
                                        "invitation_id": invitation_id, "created_at": now, "expires_at": now + ttl}  # fmt: skip
        self.sent.append(code)
        return code, now + ttl

    async def redeem(self, code: str) -> dict[str, Any] | None:
        record = self.codes.pop(token_hash(code), None)
        if record is None or record["expires_at"] <= utcnow():
            return None
        return record

    async def issued_since(self, email: str, since: datetime) -> int:
        return sum(1 for c in self.codes.values() if c["email"] == email and c["created_at"] >= since)

    async def forget_invitation(self, invitation_id: str) -> None:
        self.codes = {k: v for k, v in self.codes.items() if v["invitation_id"] != invitation_id}


class MemoryRattachements(MemoryStore):
    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}

    async def create(
        self,
        siret: str,
        email: str,
        habilitation: Habilitation,
        par: str,
        expires_at: datetime | None = None,
        message: str | None = None,
    ) -> dict[str, Any]:
        document = {"_id": str(uuid.uuid4()), "siret": siret, "email": email, "profil": habilitation.profil.value,
                    "service": habilitation.service, "gestionnaire": habilitation.gestionnaire, "statut": PENDING,
                    "par": par, "message": message, "cree_le": utcnow(), "expire_le": expires_at,
                    "decide_par": None, "decide_le": None}  # fmt: skip
        self.records[document["_id"]] = document
        return copy.deepcopy(document)

    async def get(self, rattachement_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.records.get(rattachement_id))

    async def pending(self, siret: str, email: str) -> list[dict[str, Any]]:
        return [
            copy.deepcopy(r)
            for r in self.records.values()
            if r["siret"] == siret and r["email"] == email and r["statut"] == PENDING
        ]

    async def decide(self, rattachement_id: str, etat: Etat, par: str) -> bool:
        record = self.records.get(rattachement_id)
        if record is None or record["statut"] != PENDING:
            return False
        record.update(statut=etat.value, decide_par=par, decide_le=utcnow())
        return True

    async def of_structure(self, siret: str, limit: int = 200) -> list[dict[str, Any]]:
        found = [copy.deepcopy(r) for r in self.records.values() if r["siret"] == siret]
        return sorted(found, key=lambda r: r["cree_le"], reverse=True)[:limit]

    async def of_email(self, email: str, pending_only: bool = True) -> list[dict[str, Any]]:
        found = [
            copy.deepcopy(r)
            for r in self.records.values()
            if r["email"] == email and (not pending_only or r["statut"] == PENDING)
        ]
        return sorted(found, key=lambda r: r["cree_le"], reverse=True)


class MemoryAudit(MemoryStore):
    def __init__(self) -> None:
        self.log: list[dict[str, Any]] = []

    async def record(
        self,
        actor: Principal | str,
        action: str,
        cible: str | None,
        structure: str | None = None,
        via: str = "code",
        **details: Any,
    ) -> None:
        by_token = isinstance(actor, Principal)
        self.log.append(
            {
                "at": utcnow(),
                "acteur": actor.email if isinstance(actor, Principal) else actor,
                "jeton_id": actor.token_id if isinstance(actor, Principal) else None,
                "via": "jeton" if by_token else via,
                "action": action,
                "cible": cible,
                "structure": structure,
                "details": {k: v for k, v in details.items() if v is not None},
            }
        )

    async def entries(self, structures: list[str] | None, skip: int, limit: int) -> list[dict[str, Any]]:
        found = [e for e in reversed(self.log) if structures is None or e["structure"] in structures]
        return copy.deepcopy(found[skip : skip + limit])


class MemoryPublication(MemoryStore):
    def __init__(self) -> None:
        self.recorded: dict[str, Any] | None = None

    async def last(self) -> dict[str, Any] | None:
        return copy.deepcopy(self.recorded)

    async def record(self, topic_id: str | None, structures: int) -> None:
        self.recorded = {"topic_id": topic_id, "at": utcnow(), "structures": structures}
