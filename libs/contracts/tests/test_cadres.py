"""The cadre table says what docs/domain.md §2.1 says."""

import pytest

from contracts import Cadre, Phase, Position, Role, info, parse_cadre


def test_the_table_has_every_cadre_from_a1_to_a25():
    assert [c.value for c in Cadre] == [f"A{i}" for i in range(1, 26)]


@pytest.mark.parametrize(
    "cadre, deposant, phase, position",
    [
        ("A4", Role.FOURNISSEUR, Phase.COURS, Position.INITIALE),
        ("A5", Role.FOURNISSEUR, Phase.COURS, Position.INITIALE),
        ("A6", Role.FOURNISSEUR, Phase.COURS_ET_FIN, Position.INITIALE),
        ("A7", Role.FOURNISSEUR, Phase.FIN, Position.INITIALE),
        ("A8", Role.FOURNISSEUR, Phase.FIN, Position.INITIALE_OU_SUIVANTE),
        ("A10", Role.SOUS_TRAITANT, Phase.COURS, Position.INITIALE),
        ("A13", Role.COTRAITANT, Phase.COURS, Position.INITIALE),
        ("A14", Role.COTRAITANT, Phase.FIN, Position.INITIALE),
        ("A15", Role.MOE, Phase.COURS, Position.SUIVANTE),
        ("A16", Role.MOE, Phase.COURS, Position.SUIVANTE),
        ("A17", Role.MOE, Phase.FIN, Position.SUIVANTE),
        ("A18", Role.MOE, Phase.FIN, Position.SUIVANTE),
        ("A19", Role.MOA, Phase.COURS, Position.SUIVANTE),
        ("A20", Role.MOA, Phase.FIN, Position.SUIVANTE),
        ("A22", Role.FOURNISSEUR, Phase.FIN, Position.SUIVANTE),
        ("A23", Role.FOURNISSEUR, Phase.FIN, Position.SUIVANTE),
        ("A24", Role.MOE, Phase.FIN, Position.SUIVANTE),
        ("A25", Role.MOA, Phase.FIN, Position.SUIVANTE),
    ],
)
def test_works_cadres(cadre, deposant, phase, position):
    row = info(cadre)
    assert (row.deposant, row.phase, row.position) == (deposant, phase, position)
    assert row.travaux
    assert row.api_enum.startswith(cadre + "_")


@pytest.mark.parametrize("cadre", ["A1", "A2", "A3", "A9", "A12", "A21"])
def test_non_works_cadres_are_outside_the_circuit(cadre):
    row = info(cadre)
    assert not row.travaux and not row.ouvre_dossier and not row.suit_une_piece


def test_a11_is_retired():
    assert info("A11").phase is Phase.RETIREE and not info("A11").travaux


def test_which_cadres_open_a_dossier_and_which_follow_a_piece():
    opening = {c.value for c in Cadre if info(c).ouvre_dossier}
    following = {c.value for c in Cadre if info(c).suit_une_piece}
    assert opening == {"A4", "A5", "A6", "A7", "A8", "A10", "A13", "A14"}
    assert following == {"A8", "A15", "A16", "A17", "A18", "A19", "A20", "A22", "A23", "A24", "A25"}


def test_portal_drop_downs_per_actor():
    assert {c.value for c in Cadre if info(c).deposant is Role.MOE} == {"A15", "A16", "A17", "A18", "A24"}
    assert {c.value for c in Cadre if info(c).deposant is Role.MOA} == {"A19", "A20", "A25"}


@pytest.mark.parametrize("text", ["A4", "a4", " A4 ", "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR"])
def test_parse_cadre_accepts_the_code_and_the_chorus_enum(text):
    assert parse_cadre(text) is Cadre.A4


@pytest.mark.parametrize("text", ["A0", "A26", "A99", "", "PROJET"])
def test_parse_cadre_refuses_anything_else(text):
    with pytest.raises(ValueError, match="cadre de facturation inconnu"):
        parse_cadre(text)
