"""Which cadre may follow which, and in which status of the previous pièce (``circuit.FOLLOWS``): each
rule accepted through deposit_piece, every other works cadre refused with cadre_suivant_interdit."""

import pytest

from contracts import Cadre, Role, Statut, info
from deposit.domain.circuit import FOLLOWS, Follow, party_field
from deposit.domain.errors import Refusal

from .support import World, problem

_ROLE_AGENT = {
    Role.FOURNISSEUR: "fournisseur",
    Role.SOUS_TRAITANT: "sous_traitant",
    Role.COTRAITANT: "cotraitant",
    Role.MOE: "moe",
    Role.MOA: "moa",
    Role.SERVICE_FINANCIER: "financier",
}


async def _previous_at(world: World, cadre: Cadre, statut: Statut) -> str:
    """A pièce of ``cadre`` at ``statut``: deposited, then routed there."""
    role = info(cadre).deposant
    parties = {"fournisseur": world.siret("fournisseur"), "moe": world.siret("moe"), "moa": world.siret("moa")}
    if role in (Role.SOUS_TRAITANT, Role.COTRAITANT):  # validated by the titulaire / mandataire first
        parties.update(fournisseur=world.siret(_ROLE_AGENT[role]), valideur=world.siret("fournisseur"))
    if info(cadre).ouvre_dossier:  # routed straight to ``statut`` (whatever validation came before)
        piece = await world.deposited(_ROLE_AGENT[role], cadre.value, **parties)
    else:  # reach it from its own previous pièce (through its tacit procedure if it has only that)
        rule = min((f for f in FOLLOWS if f.next is cadre), key=lambda f: f.tacit is not None)
        before = await _previous_at(world, rule.previous, rule.when)
        if rule.tacit is not None:
            await world.reach(before, rule.tacit)
        piece = await world.deposited(_ROLE_AGENT[role], cadre.value, before, **_extra(world, cadre))
    holder = {Statut.MISE_A_DISPOSITION_MOE: Role.MOE, Statut.MISE_A_DISPOSITION_MOA: Role.MOA,
              Statut.MISE_A_DISPOSITION_FOURNISSEUR: Role.FOURNISSEUR}[statut]  # fmt: skip
    await world.route(piece, statut, holder)
    return piece


def _extra(world: World, cadre: Cadre) -> dict:
    if cadre in (Cadre.A19,):
        return {"destinataire": world.siret("financier"), "code_service": "COMPTA"}
    return {}


@pytest.mark.parametrize("rule", FOLLOWS, ids=[f"{f.previous}->{f.next}" for f in FOLLOWS])
async def test_each_follow_rule_is_accepted_in_its_status(world: World, rule: Follow):
    previous = await _previous_at(world, rule.previous, rule.when)
    if rule.tacit is not None:
        with pytest.raises(Refusal) as refused:
            await world.deposit(
                _ROLE_AGENT[info(rule.next).deposant], rule.next.value, previous, **_extra(world, rule.next)
            )
        assert problem(refused.value) == (409, "delai_non_echu")
        await world.reach(previous, rule.tacit)
    answer = await world.deposit(
        _ROLE_AGENT[info(rule.next).deposant], rule.next.value, previous, **_extra(world, rule.next)
    )
    assert answer.status == 201, answer
    assert await world.statut(previous) is rule.previous_becomes
    assert answer.body["dossier_id"] == (await world.piece(previous))["dossier_id"]


@pytest.mark.parametrize("previous", sorted({f.previous for f in FOLLOWS}), ids=str)
async def test_no_other_cadre_follows(world: World, previous: Cadre):
    allowed = {f.next for f in FOLLOWS if f.previous is previous}
    rule = next(f for f in FOLLOWS if f.previous is previous)
    piece = await _previous_at(world, previous, rule.when)
    for cadre in Cadre:
        row = info(cadre)
        if cadre in allowed or not row.travaux or not row.suit_une_piece or row.phase.name == "RETIREE":
            continue
        with pytest.raises(Refusal) as refused:
            await world.deposit(_ROLE_AGENT.get(row.deposant, "fournisseur"), cadre.value, piece)
        assert refused.value.code in ("cadre_suivant_interdit", "habilitation_requise") or refused.value.code.endswith(
            "_requis"
        ), (cadre, refused.value)
        if refused.value.code != "cadre_suivant_interdit":
            continue
        assert all(c.value in refused.value.detail for c in allowed)


def test_party_fields_are_the_roles_fields():
    assert party_field(Role.SERVICE_FINANCIER) == "destinataire" and party_field(Role.SOUS_TRAITANT) == "fournisseur"
