"""Idempotency-Key on deposits and actions, on fakes: a retried request stores once and gets the first
answer; another request with the same key is refused; a refusal frees the key (formerly part of e2e
test_walking_skeleton's retried deposit and test_circuit_scenarios' retried action; the concurrent and
crash cases stay end to end)."""

import json

import pytest

from contracts import PieceStatusChanged, PieceSubmitted
from deposit.domain.errors import Refusal

from .support import World, problem


def _a4(world: World) -> str:
    return json.dumps(world.body("A4", fournisseur=world.siret("fournisseur"), moe=world.siret("moe")))


async def test_a_retried_deposit_stores_once_and_gets_the_same_answer(world: World):
    raw = _a4(world)
    first = await world.deposit("fournisseur", "A4", raw=raw, key="depot-1")
    second = await world.deposit("fournisseur", "A4", raw=raw, key="depot-1")
    assert first.status == second.status == 201 and first.body == second.body
    assert not first.replayed and second.replayed
    assert list(world.ctx.pieces.pieces) == [first.body["piece_id"]]  # type: ignore[attr-defined]
    assert len(world.published(PieceSubmitted)) == 1 and len(world.published(PieceStatusChanged)) == 1


async def test_another_request_with_the_same_key_is_refused(world: World):
    await world.deposit("fournisseur", "A4", raw=_a4(world), key="depot-2")
    with pytest.raises(Refusal) as refused:
        await world.deposit("fournisseur", "A4", raw=_a4(world), key="depot-2")
    assert problem(refused.value) == (422, "cle_idempotence_reutilisee")


async def test_a_refused_request_frees_its_key_for_the_corrected_one(world: World):
    body = json.loads(_a4(world))
    with pytest.raises(Refusal):
        await world.deposit("fournisseur", "A4", raw=json.dumps({**body, "montant_ttc": "1.00"}), key="depot-3")
    assert world.ctx.idempotency.keys == {}  # type: ignore[attr-defined]
    answer = await world.deposit("fournisseur", "A4", raw=json.dumps(body), key="depot-3")
    assert answer.status == 201 and not answer.replayed


async def test_a_failure_inside_the_transaction_frees_the_key_and_leaves_nothing(world: World):
    raw = _a4(world)
    await world.deposit("fournisseur", "A4", raw=raw)
    with pytest.raises(Refusal) as refused:  # numero_deja_utilise: raised by the store, inside the work
        await world.deposit("fournisseur", "A4", raw=raw, key="depot-4")
    assert refused.value.code == "numero_deja_utilise"
    assert "deposit:agent@fournisseur.example:depot-4" not in world.ctx.idempotency.keys  # type: ignore[attr-defined]


async def test_a_retried_action_acts_once(world: World):
    a4 = await world.a4_at_moe()
    first = await world.act("moe", a4, "refuser", motif="MAUVAISE_MOE", key=f"refus-{a4}")
    second = await world.act("moe", a4, "refuser", motif="MAUVAISE_MOE", key=f"refus-{a4}")
    assert first.body == second.body and second.replayed
    statuses = [e.statut.value for e in world.published(PieceStatusChanged) if e.piece.piece_id == a4]
    assert statuses == ["DEPOSEE", "MISE_A_DISPOSITION_MOE", "REFUSEE_MOE"]
