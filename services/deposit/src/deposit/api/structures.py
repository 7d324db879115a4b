"""``/v1/structures``: the minimal directory (SIRET, name, contact e-mail, public or not, active)."""

from fastapi import APIRouter, Request
from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import Structure, StructureUpserted, make_event
from deposit.bootstrap import SOURCE, DepositContext
from deposit.domain.errors import Refusal
from messaging.mongo import in_transaction
from messaging.problems import problem_responses

router = APIRouter(prefix="/v1/structures", tags=["annuaire"])


@router.put("/{siret}", response_model=Structure, summary="Créer ou modifier une structure")
async def put_structure(request: Request, siret: str, structure: Structure) -> Structure:
    if structure.siret != siret:
        raise Refusal("siret_incoherent", "SIRET incohérent", "Le SIRET du corps diffère de celui de l'URL.", 422)
    ctx: DepositContext = request.app.state.ctx

    async def store(session: AsyncClientSession) -> bool:
        changed = await ctx.directory.upsert(structure, session)
        if changed:
            event = make_event(StructureUpserted(structure=structure), source=SOURCE, subject=structure.siret)
            await ctx.outbox.add(event, session)
        return changed

    if await in_transaction(ctx.client, store):
        ctx.outbox.notify()
    return structure


@router.get("", response_model=list[Structure], summary="Lister les structures")
async def list_structures(request: Request) -> list[Structure]:
    return await request.app.state.ctx.directory.all()


@router.get(
    "/{siret}",
    response_model=Structure,
    summary="Consulter une structure",
    responses=problem_responses({404: "Structure inconnue (`structure_inconnue`)"}),
)
async def get_structure(request: Request, siret: str) -> Structure:
    structure = await request.app.state.ctx.directory.get(siret)
    if structure is None:
        raise Refusal("structure_inconnue", "Structure inconnue", f"Aucune structure {siret}.", 404)
    return structure
