"""The deposit service on fakes, as its actors use it: a directory (the structures and agents of the
e2e cast), deposits, routing decisions and actions, all through the use cases and handlers."""

import hashlib
import io
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from contracts import (
    DeadlineReached,
    Echeance,
    PieceRouted,
    PieceSubmitted,
    Profil,
    Recipient,
    Role,
    Statut,
    Structure,
    make_event,
    utcnow,
)
from deposit.adapters.pieces import snapshot_of
from deposit.api.refusals import status_of
from deposit.context import DepositContext
from deposit.domain.circuit import Action
from deposit.domain.errors import Refusal
from deposit.handlers.deadline_reached import on_deadline_reached
from deposit.handlers.piece_routed import on_piece_routed
from deposit.testing import memory_context, memory_uow
from deposit.usecases.act_on_piece import ActionRequest, act_on_piece
from deposit.usecases.deposit_piece import Upload, deposit_piece
from deposit.usecases.idempotent import Answer
from readmodel.access import Habilitation, Principal

PDF = b"%PDF-1.4\n%%EOF\n"
MAD_MOE, MAD_MOA = Statut.MISE_A_DISPOSITION_MOE, Statut.MISE_A_DISPOSITION_MOA
MAD_FOURNISSEUR, MAD_DEST = Statut.MISE_A_DISPOSITION_FOURNISSEUR, Statut.MISE_A_DISPOSITION_DESTINATAIRE


def siret(n: int) -> str:
    """A valid SIRET (Luhn) from a small number."""
    base = f"{n:013d}"
    for last in range(10):
        digits = [int(c) for c in base + str(last)]
        total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(reversed(digits)))
        if total % 10 == 0:
            return base + str(last)
    raise AssertionError


def upload(filename: str = "pdm.pdf", content: bytes = PDF, content_type: str = "application/pdf") -> Upload:
    return Upload(
        filename=filename,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        head=content[:8],
        source=io.BytesIO(content),
    )


def problem(refusal: Refusal) -> tuple[int, str]:
    """The HTTP status and code the caller gets for ``refusal`` (the kind mapped by the HTTP side)."""
    return status_of(refusal), refusal.code


PUBLIC = {"publique": True, "categorie": "COLLECTIVITE_TERRITORIALE"}
STRUCTURES: dict[str, dict[str, Any]] = {
    "fournisseur": {},
    "sous_traitant": {},
    "cotraitant": {},
    "moe": {},
    "moa": {**PUBLIC, "presence_moa": "EXCLUSIVEMENT_MOA"},
    "moa_bis": {**PUBLIC, "presence_moa": "AVEC_MOA"},
    "financier": {
        **PUBLIC,
        "presence_moa": "SANS_MOA",
        "services": [{"code": "COMPTA", "libelle": "Comptabilité"}, {"code": "TRAVAUX", "libelle": "Travaux"}],
    },
    "ailleurs": {},
}


@dataclass
class World:
    """A fresh deposit service on fakes with the cast's directory."""

    ctx: DepositContext = field(default_factory=memory_context)
    sirets: dict[str, str] = field(default_factory=dict)
    agents: dict[str, Principal] = field(default_factory=dict)

    @classmethod
    async def build(cls, **settings: Any) -> "World":
        world = cls(memory_context(**settings))
        for n, (name, extra) in enumerate(STRUCTURES.items(), start=1):
            world.sirets[name] = siret(73282932 * 1000 + n)
            await world.ctx.directory.upsert(
                Structure(
                    siret=world.sirets[name],
                    nom=name,
                    email_contact=f"contact@{name.replace('_', '-')}.example",
                    **extra,
                )
            )
            world.agents[name] = Principal(
                email=f"agent@{name.replace('_', '-')}.example",
                nom=f"Agent {name}",
                habilitations=(Habilitation(world.sirets[name], Profil.MODIFICATION, None, False),),
            )
        world.agents["lecteur"] = Principal(
            email="lecteur@example.org",
            nom="Lecteur",
            habilitations=tuple(Habilitation(s, Profil.CONSULTATION, None, False) for s in world.sirets.values()),
        )
        world.agents["outsider"] = world.agents.pop("ailleurs")
        return world

    @property
    def uow(self):
        return memory_uow(self.ctx)

    def siret(self, name: str) -> str:
        return self.sirets[name]

    # ---- deposits ----------------------------------------------------------------------------------

    def body(self, cadre: str, previous: str | None = None, **fields: Any) -> dict[str, Any]:
        body = {
            "cadre": cadre,
            "numero": f"{cadre}-{uuid.uuid4().hex[:10]}",
            "date_piece": (date.today() - timedelta(days=1)).isoformat(),
            "montant_ht": "10000.00",
            "montant_tva": "2000.00",
            "montant_ttc": "12000.00",
        }
        if previous:
            body["piece_precedente_id"] = previous
        body.update({k: v for k, v in fields.items() if v is not None})
        return body

    async def deposit(
        self,
        who: str | Principal,
        cadre: str,
        previous: str | None = None,
        *,
        raw: str | None = None,
        document: Upload | None | bool = True,
        attachments: list[Upload] = (),  # type: ignore[assignment]
        key: str | None = None,
        **fields: Any,
    ) -> Answer:
        caller = self.agents[who] if isinstance(who, str) else who
        raw_piece = raw if raw is not None else json.dumps(self.body(cadre, previous, **fields))
        doc = upload() if document is True else (document or None)
        return await deposit_piece(self.ctx, caller, raw_piece, doc, list(attachments), key)

    async def deposited(self, who: str, cadre: str, previous: str | None = None, **fields: Any) -> str:
        answer = await self.deposit(who, cadre, previous, **fields)
        assert answer.status == 201, answer
        return answer.body["piece_id"]

    async def initial(self, cadre: str = "A4", who: str = "fournisseur", **fields: Any) -> str:
        parties = {"fournisseur": self.siret("fournisseur"), "moe": self.siret("moe"), "moa": self.siret("moa")}
        return await self.deposited(who, cadre, **{**parties, **fields})

    # ---- routing's decisions and deadlines -----------------------------------------------------------

    async def piece(self, piece_id: str) -> dict[str, Any]:
        record = await self.ctx.pieces.get(piece_id)
        assert record is not None
        return record

    async def statut(self, piece_id: str) -> Statut:
        return Statut((await self.piece(piece_id))["statut"])

    async def route(self, piece_id: str, statut: Statut, role: Role | None = None, siret: str | None = None) -> Any:
        """Routing's decision on the pièce's pending submission (``role``: the recipient, whose SIRET is
        the pièce's party by default)."""
        record = await self.piece(piece_id)
        snapshot = snapshot_of(record)
        recipient = None
        if role is not None:
            from deposit.domain.circuit import party_field

            recipient = Recipient(role=role, siret=siret or getattr(snapshot, party_field(role)))
        decision = PieceRouted(
            piece_id=piece_id,
            dossier_id=snapshot.dossier_id,
            submitted_event_id=(record.get("soumission") or {}).get("event_id", str(uuid.uuid4())),
            statut=statut,
            recipient=recipient,
        )
        envelope = make_event(decision, source="/travaux/routing", subject=snapshot.dossier_id)
        await on_piece_routed(self.ctx, envelope)
        return envelope

    async def reach(self, piece_id: str, echeance: Echeance) -> Any:
        record = await self.piece(piece_id)
        reached = DeadlineReached(
            piece_id=piece_id, dossier_id=record["dossier_id"], echeance=echeance, due_at=utcnow()
        )
        envelope = make_event(reached, source="/travaux/routing", subject=record["dossier_id"])
        await on_deadline_reached(self.ctx, envelope)
        return envelope

    # ---- actions -----------------------------------------------------------------------------------

    async def act(
        self,
        who: str | Principal,
        piece_id: str,
        action: str,
        *,
        motif: str | None = None,
        commentaire: str | None = None,
        statut: str | None = None,
        attachments: list[Upload] = (),  # type: ignore[assignment]
        key: str | None = None,
        **changes: str,
    ) -> Answer:
        caller = self.agents[who] if isinstance(who, str) else who
        request = ActionRequest(
            action=Action(action),
            motif=motif,
            commentaire=commentaire,
            statut=Statut(statut) if statut else None,
            changes=dict(changes),
            attachments=list(attachments),
        )
        return await act_on_piece(self.ctx, caller, piece_id, request, key)

    # ---- the circuit's usual places ------------------------------------------------------------------

    async def a4_at_moe(self) -> str:
        a4 = await self.initial("A4")
        await self.route(a4, MAD_MOE, Role.MOE)
        return a4

    async def a15_at_moa(self) -> tuple[str, str]:
        a4 = await self.a4_at_moe()
        a15 = await self.deposited("moe", "A15", a4)
        await self.route(a15, MAD_MOA, Role.MOA)
        return a4, a15

    async def a19_at_financier(self) -> tuple[str, str, str]:
        a4, a15 = await self.a15_at_moa()
        a19 = await self.deposited("moa", "A19", a15, destinataire=self.siret("financier"), code_service="COMPTA")
        await self.route(a19, MAD_DEST, Role.SERVICE_FINANCIER)
        return a4, a15, a19

    def published(self, kind: type) -> list[Any]:
        return self.uow.events_of(kind)

    def submitted_of(self, piece_id: str) -> list[PieceSubmitted]:
        return [e for e in self.published(PieceSubmitted) if e.piece.piece_id == piece_id]
