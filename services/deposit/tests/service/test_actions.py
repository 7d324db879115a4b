"""Every action on a pièce and its refusals, through act_on_piece on fakes (formerly e2e:
test_circuit_scenarios' refusals, recycling, suspension, completion and every-refusal checks)."""

import pytest

from contracts import PieceStatusChanged, Role, Statut
from deposit.domain.errors import Refusal

from .support import MAD_DEST, MAD_FOURNISSEUR, MAD_MOA, MAD_MOE, World, problem, upload


async def _refused(world: World, *args, **kwargs) -> Refusal:
    before = (repr(world.ctx.pieces.pieces), len(world.uow.published))  # type: ignore[attr-defined]
    with pytest.raises(Refusal) as refused:
        await world.act(*args, **kwargs)
    assert (repr(world.ctx.pieces.pieces), len(world.uow.published)) == before  # type: ignore[attr-defined]
    return refused.value


def _statuses(world: World, piece_id: str) -> list[str]:
    return [e.statut.value for e in world.published(PieceStatusChanged) if e.piece.piece_id == piece_id]


async def test_refuser_needs_a_routing_motif_and_ends_the_circuit_at_the_moe(world: World):
    a4 = await world.a4_at_moe()
    amount = await _refused(world, "moe", a4, "refuser", motif="ERREUR_MONTANT")
    assert problem(amount) == (422, "refus_montant_interdit") and "corrigez les montants" in amount.detail
    assert problem(await _refused(world, "moe", a4, "refuser")) == (422, "motif_requis")
    assert problem(await _refused(world, "moe", a4, "refuser", motif="PAS_CONTENT")) == (422, "motif_invalide")
    answer = await world.act("moe", a4, "refuser", motif="MAUVAISE_MOE", commentaire="pas notre marché")
    assert answer.status == 200 and answer.body["statut"] == "REFUSEE_MOE"
    record = await world.piece(a4)
    assert record["motif"] == "MAUVAISE_MOE" and record["commentaire"] == "pas notre marché"
    assert _statuses(world, a4) == ["DEPOSEE", "MISE_A_DISPOSITION_MOE", "REFUSEE_MOE"]
    assert problem(await _refused(world, "moe", a4, "refuser", motif="MAUVAISE_MOE")) == (409, "action_impossible")


async def test_only_the_holder_with_modification_acts_and_strangers_do_not_see_the_piece(world: World):
    a4 = await world.a4_at_moe()
    assert problem(await _refused(world, "moa", a4, "refuser", motif="MAUVAISE_MOA")) == (403, "action_reservee")
    assert problem(await _refused(world, "lecteur", a4, "refuser", motif="MAUVAISE_MOE")) == (403, "action_reservee")
    assert problem(await _refused(world, "outsider", a4, "refuser", motif="MAUVAISE_MOE")) == (404, "piece_inconnue")
    assert problem(await _refused(world, "moe", "no-such-piece", "refuser", motif="X")) == (404, "piece_inconnue")


async def test_an_action_in_the_wrong_status_lists_what_is_possible(world: World):
    a4 = await world.a4_at_moe()
    wrong = await _refused(world, "moe", a4, "traiter", statut="SERVICE_FAIT")
    assert problem(wrong) == (409, "action_impossible")
    assert {"action": "refuser", "role": "MOE"} in wrong.extensions["actions_possibles"]


async def test_a_moa_refusal_comes_back_to_the_moe_who_recycles_it_to_another_moa(world: World):
    _, a15 = await world.a15_at_moa()
    await world.act("moa", a15, "refuser", motif="MAUVAISE_MOA")
    record = await world.piece(a15)
    assert record["statut"] == "REFUSEE_MOA" and record["attente"]["role"] == "MOE"
    unchanged = await _refused(world, "moe", a15, "recycler", moa=world.siret("moa"))
    assert problem(unchanged) == (422, "recyclage_sans_changement")
    private = await _refused(world, "moe", a15, "recycler", moa=world.siret("moe"))
    assert problem(private) == (422, "moa_non_publique")
    await world.act("moe", a15, "recycler", moa=world.siret("moa_bis"))
    record = await world.piece(a15)
    assert record["statut"] == "EN_COURS_ACHEMINEMENT" and record["moa"] == world.siret("moa_bis")
    assert world.siret("moa_bis") in record["parties"]
    [_, again] = world.submitted_of(a15)
    assert again.reason.value == "RECYCLAGE" and record["soumission"]["reason"] == "RECYCLAGE"
    await world.route(a15, MAD_MOA, Role.MOA)
    assert _statuses(world, a15) == ["DEPOSEE", MAD_MOA, "REFUSEE_MOA", "EN_COURS_ACHEMINEMENT", MAD_MOA]


async def test_the_fournisseur_refuses_a_decompte_general_with_a_comment_for_autre(world: World):
    a7 = await world.initial("A7", moa=None)
    await world.route(a7, MAD_MOE, Role.MOE)
    a18 = await world.deposited("moe", "A18", a7)
    await world.route(a18, MAD_FOURNISSEUR, Role.FOURNISSEUR)
    assert problem(await _refused(world, "fournisseur", a18, "refuser", motif="AUTRE")) == (422, "commentaire_requis")
    assert problem(await _refused(world, "fournisseur", a18, "refuser", motif="MAUVAISE_MOE")) == (
        422,
        "motif_invalide",
    )
    await world.act("fournisseur", a18, "refuser", motif="AUTRE", commentaire="réserves non reprises")
    assert await world.statut(a18) is Statut.REFUSEE_FOURNISSEUR


async def test_suspension_completion_recycling_and_rejection_at_the_service_financier(world: World):
    _, _, a19 = await world.a19_at_financier()
    assert problem(await _refused(world, "financier", a19, "suspendre")) == (422, "motif_requis")
    await world.act("financier", a19, "suspendre", motif="attestation manquante")
    record = await world.piece(a19)
    assert record["statut"] == "SUSPENDUE" and record["attente"]["role"] == "MOA"
    assert problem(await _refused(world, "moa", a19, "completer")) == (422, "pieces_jointes_requises")
    exe = [upload("virus.exe", b"MZ", "application/octet-stream")]
    assert problem(await _refused(world, "moa", a19, "completer", attachments=exe)) == (
        422,
        "piece_jointe_extension_interdite",
    )
    await world.act("moa", a19, "completer", attachments=[upload("attestation.pdf")], commentaire="la voici")
    record = await world.piece(a19)
    assert record["statut"] == "COMPLETEE" and record["soumission"]["reason"] == "COMPLETION"
    assert [a["filename"] for a in record["document"]["attachments"]] == ["attestation.pdf"]
    await world.route(a19, MAD_DEST, Role.SERVICE_FINANCIER)
    await world.act("financier", a19, "traiter", statut="A_RECYCLER", motif="code service erroné")
    assert await world.statut(a19) is Statut.A_RECYCLER
    await world.act("moa", a19, "recycler", code_service="TRAVAUX")
    assert (await world.piece(a19))["code_service"] == "TRAVAUX"
    await world.route(a19, MAD_DEST, Role.SERVICE_FINANCIER)
    assert problem(await _refused(world, "financier", a19, "rejeter")) == (422, "motif_requis")
    await world.act("financier", a19, "rejeter", motif="pièce inexploitable")
    assert await world.statut(a19) is Statut.REJETEE
    late = await _refused(world, "financier", a19, "traiter", statut="SERVICE_FAIT")
    assert problem(late) == (409, "action_impossible") and late.extensions["actions_possibles"] == []


async def test_the_service_financier_treats_in_order_up_to_the_mise_en_paiement(world: World):
    _, _, a19 = await world.a19_at_financier()
    assert problem(await _refused(world, "financier", a19, "traiter", statut="MANDATEE")) == (409, "action_impossible")
    for statut in ("SERVICE_FAIT", "MANDATEE", "MISE_EN_PAIEMENT"):
        answer = await world.act("financier", a19, "traiter", statut=statut)
        assert answer.body["statut"] == statut
    record = await world.piece(a19)
    assert record["statut"] == "MISE_EN_PAIEMENT" and record["mise_en_paiement_masquee"] is False


async def test_a_destinataire_that_hides_the_mise_en_paiement_records_it_on_the_piece(world: World):
    financier = await world.ctx.directory.get(world.siret("financier"))
    await world.ctx.directory.upsert(financier.model_copy(update={"mise_en_paiement_masquee": True}))
    _, _, a19 = await world.a19_at_financier()
    for statut in ("SERVICE_FAIT", "MANDATEE", "MISE_EN_PAIEMENT"):
        await world.act("financier", a19, "traiter", statut=statut)
    record = await world.piece(a19)
    assert record["mise_en_paiement_masquee"] is True and record["vue_fournisseur"]["statut"] == "MANDATEE"
    [paid] = [e for e in world.published(PieceStatusChanged) if e.statut is Statut.MISE_EN_PAIEMENT]
    assert paid.mise_en_paiement_masquee is True


async def test_validation_by_the_titulaire_of_a_sous_traitant_a10(world: World):
    parties = dict(fournisseur=world.siret("sous_traitant"), valideur=world.siret("fournisseur"),
                   moe=world.siret("moe"), moa=world.siret("moa"))  # fmt: skip
    validated = await world.deposited("sous_traitant", "A10", **parties)
    await world.route(validated, Statut.A_VALIDER_1, Role.VALIDEUR)
    assert problem(await _refused(world, "moe", validated, "valider")) == (403, "action_reservee")
    await world.act("fournisseur", validated, "valider")
    assert await world.statut(validated) is Statut.VALIDEE_1
    assert world.submitted_of(validated)[-1].reason.value == "VALIDATION"

    refused = await world.deposited("sous_traitant", "A10", **parties)
    await world.route(refused, Statut.A_VALIDER_1, Role.VALIDEUR)
    assert problem(await _refused(world, "fournisseur", refused, "refuser_validation")) == (422, "motif_requis")
    await world.act("fournisseur", refused, "refuser_validation", motif="montants à revoir")
    assert await world.statut(refused) is Statut.REFUSEE_1
    assert len(world.submitted_of(refused)) == 2  # an A10 goes to the MOE whether validated or refused


async def test_a_cotraitant_a13_refused_by_its_mandataire_stops_there(world: World):
    a13 = await world.deposited(
        "cotraitant", "A13", fournisseur=world.siret("cotraitant"), valideur=world.siret("fournisseur"),
        moe=world.siret("moe"), moa=world.siret("moa"),
    )  # fmt: skip
    await world.route(a13, Statut.A_VALIDER_1, Role.VALIDEUR)
    await world.act("fournisseur", a13, "refuser_validation", motif="non conforme")
    record = await world.piece(a13)
    assert record["statut"] == "REFUSEE_1" and record["attente"] is None and "soumission" not in record
    assert len(world.submitted_of(a13)) == 1


async def test_an_erreur_d_acheminement_is_recycled_by_the_issuer(world: World):
    a4 = await world.initial("A4")
    await world.route(a4, Statut.ERREUR_ACHEMINEMENT)
    assert problem(await _refused(world, "moe", a4, "recycler", moe=world.siret("moe"))) == (403, "action_reservee")
    await world.act("fournisseur", a4, "recycler", moa=world.siret("moa_bis"))
    assert await world.statut(a4) is Statut.EN_COURS_ACHEMINEMENT
