"""Invitations and requests: how an account gets attached to a structure with its consent
(docs/authority.md). ``invitations`` and ``demandes``, ``_id`` a uuid, one pending per (structure, e-mail)."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from contracts import utcnow
from deposit.adapters.bound import Bound
from readmodel.access import Habilitation


class Etat(StrEnum):
    EN_ATTENTE = "EN_ATTENTE"
    ACCEPTEE = "ACCEPTEE"  # invitation accepted / request approved
    REFUSEE = "REFUSEE"  # declined by the person / refused by the gestionnaire
    RETIREE = "RETIREE"  # withdrawn by the gestionnaire (invitation) or replaced by a new one


PENDING = Etat.EN_ATTENTE.value


class Rattachements(Bound):
    def __init__(self, database: AsyncDatabase, name: str):
        self.collection = database[name]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("siret", ASCENDING), ("statut", ASCENDING), ("cree_le", DESCENDING)])
        await self.collection.create_index([("email", ASCENDING), ("statut", ASCENDING)])

    async def create(
        self,
        siret: str,
        email: str,
        habilitation: Habilitation,
        par: str,
        expires_at: datetime | None = None,
        message: str | None = None,
    ) -> dict[str, Any]:
        document = {
            "_id": str(uuid.uuid4()),
            "siret": siret,
            "email": email,
            "profil": habilitation.profil.value,
            "service": habilitation.service,
            "gestionnaire": habilitation.gestionnaire,
            "statut": PENDING,
            "par": par,
            "message": message,
            "cree_le": utcnow(),
            "expire_le": expires_at,
            "decide_par": None,
            "decide_le": None,
        }
        await self.collection.insert_one(document, session=self.session)
        return document

    async def get(self, rattachement_id: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": rattachement_id}, session=self.session)

    async def pending(self, siret: str, email: str) -> list[dict[str, Any]]:
        cursor = self.collection.find({"siret": siret, "email": email, "statut": PENDING}, session=self.session)
        return await cursor.to_list()

    async def decide(self, rattachement_id: str, etat: Etat, par: str) -> bool:
        """Close a pending one; False if it was no longer pending (decided meanwhile)."""
        result = await self.collection.update_one(
            {"_id": rattachement_id, "statut": PENDING},
            {"$set": {"statut": etat.value, "decide_par": par, "decide_le": utcnow()}},
            session=self.session,
        )
        return result.modified_count == 1

    async def of_structure(self, siret: str, limit: int = 200) -> list[dict[str, Any]]:
        cursor = self.collection.find({"siret": siret}).sort("cree_le", DESCENDING).limit(limit)
        return await cursor.to_list()

    async def of_email(self, email: str, pending_only: bool = True) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"email": email} | ({"statut": PENDING} if pending_only else {})
        return await self.collection.find(query).sort("cree_le", DESCENDING).to_list()
