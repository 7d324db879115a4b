"""Every refusal of a deposit, with its status and stable code; a refused deposit stores nothing and
announces nothing (formerly e2e: test_bad_input, test_circuit_scenarios' every-refusal, test_limits)."""

import json

import pytest

from contracts import Echeance, Role, Statut
from deposit.domain.errors import Refusal

from .support import MAD_MOE, World, problem, siret, upload

GOOD = {"fournisseur": "fournisseur", "moe": "moe", "moa": "moa"}


def _good(world: World, **fields) -> dict:
    body = world.body("A4", **{k: world.siret(v) for k, v in GOOD.items()})
    body.update(fields)
    return body


BODY_CASES = [
    ("HT + TVA != TTC", {"montant_ttc": "12000.01"}, "montants_incoherents"),
    ("amount with 3 decimals", {"montant_ht": "10000.001"}, "montant_invalide"),
    ("amount with an underscore", {"montant_ht": "10_000"}, "montant_invalide"),
    ("amount with an exponent", {"montant_tva": "2E3"}, "montant_invalide"),
    ("amount with spaces", {"montant_ttc": " 12000 "}, "montant_invalide"),
    ("amount not a number", {"montant_ttc": "NaN"}, "montant_invalide"),
    ("amount as a JSON float", {"montant_ht": 10000.0}, "montant_invalide"),
    ("date as a number", {"date_piece": 0}, "champ_invalide"),
    ("date in year 1", {"date_piece": "0001-01-01"}, "champ_invalide"),
    ("date before 2000", {"date_piece": "1999-12-31"}, "champ_invalide"),
    ("date in the future", {"date_piece": "2999-01-01"}, "date_future"),
    ("unknown cadre", {"cadre": "A99"}, "cadre_inconnu"),
    ("non-works cadre A1", {"cadre": "A1"}, "cadre_hors_travaux"),
    ("non-works cadre A9", {"cadre": "A9"}, "cadre_hors_travaux"),
    ("retired cadre", {"cadre": "A11"}, "cadre_retire"),
    ("malformed SIRET", {"fournisseur": "12345678901234"}, "siret_invalide"),
    ("SIRET too short", {"moe": "1234"}, "siret_invalide"),
    ("unknown structure", {"moe": siret(999)}, "structure_inconnue"),
    ("unknown field", {"remise": "10"}, "champ_inconnu"),
    ("unknown currency", {"devise": "ZZZ"}, "devise_inconnue"),
    ("VAT on a sans-TVA pièce", {"type_tva": "SANS_TVA"}, "tva_sans_tva_non_nulle"),
    ("unknown VAT regime", {"type_tva": "TVA_LUNAIRE"}, "champ_invalide"),
    ("a following cadre opens no dossier", {"cadre": "A15"}, "piece_precedente_requise"),
    ("no fournisseur", {"fournisseur": None}, "fournisseur_requis"),
    ("a private MOA", {"moa": "moe"}, "moa_non_publique"),
]


async def _refused(world: World, *args, **kwargs) -> Refusal:
    with pytest.raises(Refusal) as refused:
        await world.deposit(*args, **kwargs)
    assert refused.value.title and refused.value.detail
    return refused.value


def _nothing_happened(world: World) -> None:
    assert world.ctx.pieces.pieces == {} and world.ctx.documents.files == {}  # type: ignore[attr-defined]
    assert world.uow.published == [] and world.uow.commits == 0


@pytest.mark.parametrize(("name", "fields", "code"), BODY_CASES, ids=[c[0] for c in BODY_CASES])
async def test_each_bad_piece_is_refused_with_its_code_and_nothing_is_stored(world: World, name, fields, code):
    if fields.get("moa") == "moe":
        fields = {**fields, "moa": world.siret("moe")}
    refusal = await _refused(world, "fournisseur", "A4", raw=json.dumps(_good(world, **fields)))
    assert problem(refusal) == (422, code), refusal.detail
    _nothing_happened(world)


@pytest.mark.parametrize(
    ("name", "raw", "code"),
    [
        ("malformed JSON", '{"cadre": "A4", ', "piece_json_invalide"),
        ("JSON not an object", "[1, 2]", "piece_json_invalide"),
        ("piece part missing", None, "piece_manquante"),
        ("piece part blank", "  ", "piece_manquante"),
    ],
)
async def test_an_unreadable_piece_part_is_refused(world: World, name, raw, code):
    with pytest.raises(Refusal) as refused:
        from deposit.usecases.deposit_piece import deposit_piece

        await deposit_piece(world.ctx, world.agents["fournisseur"], raw, upload(), [], None)
    assert problem(refused.value) == (422, code)
    _nothing_happened(world)


async def test_the_document_must_be_there_and_be_a_pdf(world: World):
    raw = json.dumps(_good(world))
    assert problem(await _refused(world, "fournisseur", "A4", raw=raw, document=None)) == (422, "document_manquant")
    empty = upload(content=b"")
    assert problem(await _refused(world, "fournisseur", "A4", raw=raw, document=empty)) == (422, "document_manquant")
    zipped = upload(content=b"PK\x03\x04 a zip, not a pdf")
    assert problem(await _refused(world, "fournisseur", "A4", raw=raw, document=zipped)) == (415, "document_non_pdf")
    _nothing_happened(world)


async def test_attachments_are_limited_in_number_extension_and_size():
    world = await World.build(
        max_attachments=2, max_attachment_bytes=100, max_document_bytes=200, max_deposit_bytes=250
    )
    raw = json.dumps(_good(world))
    many = [upload(f"a{i}.pdf") for i in range(3)]
    assert problem(await _refused(world, "fournisseur", "A4", raw=raw, attachments=many)) == (
        422,
        "trop_de_pieces_jointes",
    )
    exe = [upload("annexe.exe", b"MZ", "application/octet-stream")]
    refusal = await _refused(world, "fournisseur", "A4", raw=raw, attachments=exe)
    assert problem(refusal) == (422, "piece_jointe_extension_interdite") and refusal.errors
    big = [upload("gros.pdf", b"%PDF-" + b"x" * 100)]
    assert problem(await _refused(world, "fournisseur", "A4", raw=raw, attachments=big)) == (
        413,
        "piece_jointe_trop_volumineuse",
    )
    large = upload(content=b"%PDF-" + b"x" * 196)
    assert problem(await _refused(world, "fournisseur", "A4", raw=raw, document=large)) == (
        413,
        "document_trop_volumineux",
    )
    # each file within its limit, the whole over the deposit's
    total = [upload("a.pdf", b"%PDF-" + b"x" * 90)]
    document = upload(content=b"%PDF-" + b"x" * 190)
    assert problem(await _refused(world, "fournisseur", "A4", raw=raw, document=document, attachments=total)) == (
        413,
        "depot_trop_volumineux",
    )
    # the largest the limits allow is stored
    fits = upload(content=b"%PDF-" + b"x" * 145)
    answer = await world.deposit(
        "fournisseur", "A4", raw=raw, document=fits, attachments=[upload("a.pdf", b"%PDF-" + b"x" * 95)]
    )
    assert answer.status == 201


async def test_a_number_already_used_by_the_fournisseur_is_a_conflict_and_stores_nothing_more(world: World):
    body = _good(world)
    await world.deposit("fournisseur", "A4", raw=json.dumps(body))
    pieces, events = dict(world.ctx.pieces.pieces), list(world.uow.published)  # type: ignore[attr-defined]
    refusal = await _refused(world, "fournisseur", "A4", raw=json.dumps(body))
    assert problem(refusal) == (409, "numero_deja_utilise") and refusal.errors[0].field == "numero"
    assert world.ctx.pieces.pieces.keys() == pieces.keys() and world.uow.published == events  # type: ignore[attr-defined]
    assert len(world.ctx.documents.files) == 1  # type: ignore[attr-defined]


async def test_the_depositor_needs_modification_on_the_party_that_files_the_cadre(world: World):
    a4 = await world.a4_at_moe()
    assert problem(await _refused(world, "fournisseur", "A15", a4)) == (403, "habilitation_requise")
    assert problem(await _refused(world, "lecteur", "A15", a4)) == (403, "habilitation_requise")
    raw = json.dumps(_good(world))
    assert problem(await _refused(world, "moe", "A4", raw=raw)) == (403, "habilitation_requise")


async def test_the_previous_piece_must_be_visible_available_and_of_the_right_cadre(world: World):
    a4 = await world.a4_at_moe()
    assert problem(await _refused(world, "outsider", "A15", a4)) == (404, "piece_precedente_inconnue")
    assert problem(await _refused(world, "moe", "A15", "no-such-piece")) == (404, "piece_precedente_inconnue")
    wrong = await _refused(world, "moe", "A19", a4, destinataire=world.siret("financier"))
    assert problem(wrong) == (422, "cadre_suivant_interdit") and "A15" in wrong.detail
    assert problem(await _refused(world, "moe", "A4", a4)) == (422, "cadre_initial")
    assert problem(await _refused(world, "moe", "A15", a4, moa=world.siret("moa_bis"))) == (422, "partie_incoherente")
    deposited = await world.initial("A4")  # not routed yet: DEPOSEE
    assert problem(await _refused(world, "moe", "A15", deposited)) == (409, "piece_precedente_indisponible")
    await world.deposited("moe", "A15", a4)
    assert problem(await _refused(world, "moe", "A16", a4)) == (409, "piece_precedente_deja_suivie")


async def test_a_refused_piece_cannot_be_followed(world: World):
    a4 = await world.a4_at_moe()
    await world.act("moe", a4, "refuser", motif="MAUVAISE_MOE")
    assert problem(await _refused(world, "moe", "A15", a4)) == (409, "piece_precedente_indisponible")


async def test_a_tacit_procedure_opens_only_once_its_deadline_is_reached(world: World):
    a7 = await world.initial("A7")
    await world.route(a7, MAD_MOE, Role.MOE)
    refusal = await _refused(world, "fournisseur", "A22", a7)
    assert problem(refusal) == (409, "delai_non_echu")
    await world.reach(a7, Echeance.DG_NON_NOTIFIE)
    a22 = await world.deposited("fournisseur", "A22", a7)
    assert await world.statut(a7) is Statut.REMPLACEE_PAR_A22
    assert (await world.piece(a22))["statut"] == "DEPOSEE"


async def test_nothing_follows_a_piece_of_an_archived_dossier(world: World):
    from .test_handlers import archive_dossier

    a4 = await world.a4_at_moe()
    await archive_dossier(world, a4)
    assert problem(await _refused(world, "moe", "A15", a4)) == (409, "piece_precedente_archivee")
    assert problem(await _refused(world, "outsider", "A15", a4)) == (404, "piece_precedente_inconnue")
