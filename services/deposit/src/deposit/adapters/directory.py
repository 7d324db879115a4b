"""The directory (owned here, announced on the compacted ``travaux.structures`` topic): structures and
their services, accounts with their habilitations, and API tokens (stored as SHA-256 hashes only).

Collections: ``structures`` (_id = SIRET), ``users`` (_id = a person's e-mail address or a technical
account's identifier; ``type``, ``active``, ``activated``, ``admin``, ``structure`` for a technical
account, ``habilitations``), ``tokens`` (_id = the token's hash). Who may change what is
``deposit.domain.authority``.
"""

import hashlib
import secrets
import time
import uuid
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from contracts import CompteType, Contact, Profil, Structure, utcnow
from deposit.adapters.bound import Bound
from deposit.domain.authority import Account
from readmodel.access import Habilitation, Principal

TOKEN_PREFIX = "tvx_"


def token_hash(secret: str) -> str:
    # Tokens are 256-bit random values: a plain SHA-256 is enough, and cheap on every request.
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _habilitation(doc: dict[str, Any]) -> Habilitation:
    return Habilitation(doc["siret"], Profil(doc["profil"]), doc.get("service"), doc.get("gestionnaire", False))


def account_of(document: dict[str, Any] | None) -> Account | None:
    if document is None:
        return None
    return Account(
        id=document["_id"],
        nom=document.get("nom", document["_id"]),
        kind=CompteType(document.get("type", CompteType.PERSONNE)),
        admin=document.get("admin", False),
        active=document.get("active", True),
        activated=document.get("activated", True),
        structure=document.get("structure"),
        habilitations=tuple(_habilitation(h) for h in document.get("habilitations", [])),
    )


def habilitation_document(habilitation: Habilitation) -> dict[str, Any]:
    return {
        "siret": habilitation.siret,
        "profil": habilitation.profil.value,
        "service": habilitation.service,
        "gestionnaire": habilitation.gestionnaire,
    }


class DirectoryStore(Bound):
    def __init__(self, database: AsyncDatabase, cache_seconds: float = 0.0):
        self.structures = database["structures"]
        self.users = database["users"]
        self.tokens = database["tokens"]
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Principal | None]] = {}

    async def ensure_indexes(self) -> None:
        await self.users.create_index("habilitations.siret")
        await self.tokens.create_index("email")

    def forget_cached(self) -> None:
        """Drop cached principals (called after every directory write of this process)."""
        self._cache.clear()

    # -- structures ----------------------------------------------------------------------------------

    async def upsert(self, structure: Structure) -> bool:
        """Store ``structure`` (its contacts are derived, never stored); True when something changed."""
        document = structure.model_dump(mode="json", exclude={"contacts"})
        result = await self.structures.replace_one(
            {"_id": structure.siret}, document, upsert=True, session=self.session
        )
        return result.upserted_id is not None or result.modified_count == 1

    async def get(self, siret: str) -> Structure | None:
        document = await self.structures.find_one({"_id": siret}, session=self.session)
        return None if document is None else Structure.model_validate(document)

    async def touch(self, siret: str) -> None:
        """Write the structure's record, so that concurrent transactions changing its habilitations conflict."""
        await self.structures.update_one({"_id": siret}, {"$inc": {"revision": 1}}, session=self.session)

    async def all(self) -> list[Structure]:
        return [Structure.model_validate(d) async for d in self.structures.find({}).sort("_id", 1)]

    async def existing(self, sirets: set[str]) -> dict[str, Structure]:
        cursor = self.structures.find({"_id": {"$in": sorted(s for s in sirets if s)}})
        return {d["_id"]: Structure.model_validate(d) async for d in cursor}

    async def published(self, siret: str) -> Structure | None:
        """The structure as the directory topic carries it: with the contacts its habilitations give."""
        structure = await self.get(siret)
        if structure is None:
            return None
        contacts = []
        people = {"habilitations.siret": siret, "active": True, "type": {"$ne": CompteType.TECHNIQUE.value}}
        async for user in self.users.find(people, session=self.session):
            for h in user.get("habilitations", []):
                if h["siret"] == siret:
                    contacts.append(
                        Contact(email=user["_id"], nom=user["nom"], profil=h["profil"], service=h.get("service"))
                    )
        return structure.model_copy(update={"contacts": sorted(contacts, key=lambda c: (c.email, c.service or ""))})

    # -- accounts and habilitations ------------------------------------------------------------------

    async def get_user(self, account_id: str) -> dict[str, Any] | None:
        return await self.users.find_one({"_id": account_id}, session=self.session)

    async def account(self, account_id: str) -> Account | None:
        return account_of(await self.get_user(account_id))

    async def create_person(self, email: str, nom: str) -> None:
        """A person's account, not activated until its owner redeems a code sent to ``email``."""
        await self.users.insert_one(
            {
                "_id": email,
                "nom": nom,
                "type": CompteType.PERSONNE.value,
                "active": True,
                "activated": False,
                "admin": False,
                "habilitations": [],
                "cree_le": utcnow(),
            },
            session=self.session,
        )

    async def create_technical(self, account_id: str, libelle: str, habilitation: Habilitation) -> None:
        await self.users.insert_one(
            {
                "_id": account_id,
                "nom": libelle,
                "type": CompteType.TECHNIQUE.value,
                "structure": habilitation.siret,
                "active": True,
                "activated": True,
                "admin": False,
                "habilitations": [habilitation_document(habilitation)],
                "cree_le": utcnow(),
            },
            session=self.session,
        )

    async def activate(self, account_id: str) -> None:
        await self.users.update_one({"_id": account_id}, {"$set": {"activated": True}}, session=self.session)

    async def update_account(self, account_id: str, nom: str | None = None, active: bool | None = None) -> None:
        changes = {k: v for k, v in (("nom", nom), ("active", active)) if v is not None}
        if changes:
            await self.users.update_one({"_id": account_id}, {"$set": changes}, session=self.session)

    async def accounts_on(self, siret: str) -> list[Account]:
        cursor = self.users.find({"habilitations.siret": siret}, session=self.session).sort("_id", 1)
        return [account_of(u) async for u in cursor]

    async def set_habilitation(self, account_id: str, habilitation: Habilitation) -> None:
        """One habilitation per (account, structure): a new one replaces the previous."""
        await self.users.update_one(
            {"_id": account_id}, {"$pull": {"habilitations": {"siret": habilitation.siret}}}, session=self.session
        )
        await self.users.update_one(
            {"_id": account_id}, {"$push": {"habilitations": habilitation_document(habilitation)}}, session=self.session
        )

    async def remove_habilitation(self, account_id: str, siret: str) -> bool:
        result = await self.users.update_one(
            {"_id": account_id, "habilitations.siret": siret},
            {"$pull": {"habilitations": {"siret": siret}}},
            session=self.session,
        )
        return result.modified_count == 1

    async def ensure_admin(self, email: str, secret: str) -> None:
        """The bootstrap administrator from settings, with its token (idempotent)."""
        await self.users.update_one(
            {"_id": email},
            {
                "$set": {"admin": True, "active": True, "activated": True, "type": CompteType.PERSONNE.value},
                "$setOnInsert": {"nom": "Administrateur", "habilitations": []},
            },
            upsert=True,
        )
        await self.tokens.update_one(
            {"_id": token_hash(secret)},
            {"$setOnInsert": {"email": email, "token_id": "bootstrap", "libelle": "bootstrap", "cree_le": utcnow()}},
            upsert=True,
        )

    # -- tokens --------------------------------------------------------------------------------------

    async def create_token(self, account_id: str, libelle: str) -> tuple[dict[str, Any], str]:
        secret = new_token()
        document = {
            "_id": token_hash(secret),
            "email": account_id,
            "token_id": str(uuid.uuid4()),
            "libelle": libelle,
            "cree_le": utcnow(),
        }
        await self.tokens.insert_one(document, session=self.session)
        return document, secret

    async def tokens_of(self, account_id: str) -> list[dict[str, Any]]:
        return [t async for t in self.tokens.find({"email": account_id}).sort("cree_le", 1)]

    async def revoke_token(self, account_id: str, token_id: str) -> bool:
        result = await self.tokens.delete_one({"email": account_id, "token_id": token_id}, session=self.session)
        return result.deleted_count == 1

    async def principal(self, secret: str) -> Principal | None:
        """The user a bearer token belongs to, with its habilitations; None for an unknown token or an
        inactive user."""
        key = token_hash(secret)
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached is not None and now - cached[0] < self._cache_seconds:
            return cached[1]
        token = await self.tokens.find_one({"_id": key})
        user = None if token is None else await self.users.find_one({"_id": token["email"]})
        principal = None
        if user is not None and user.get("active", True):
            principal = Principal(
                email=user["_id"],
                nom=user.get("nom", user["_id"]),
                admin=user.get("admin", False),
                habilitations=tuple(_habilitation(h) for h in user.get("habilitations", [])),
                kind=CompteType(user.get("type", CompteType.PERSONNE)),
                token_id=token["token_id"],
            )
        if self._cache_seconds > 0:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = (now, principal)
        return principal
