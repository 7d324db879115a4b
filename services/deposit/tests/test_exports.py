"""The read side's pure parts: CSV and XML rendering, the tableau de bord's counts, the pending and fiscal filters."""

import csv
import io
import xml.etree.ElementTree as ET
from datetime import date

from contracts import Profil
from deposit.adapters.queries import PAYABLE_CADRES, fiscal_filter, pending_filter
from deposit.domain.exports import cadre_order, dashboard_counts, to_csv, to_xml
from readmodel.access import Habilitation, Principal

ME, OTHER, THIRD = "73282932000074", "44306184100047", "21750001600019"


def _parse_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM French Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))


# ---- CSV --------------------------------------------------------------------------------------------


def test_csv_has_a_header_and_one_line_per_row_separated_by_semicolons():
    rows = [{"numero": "PDM-1", "montant_ttc": "12000.00", "moe": None}, {"numero": "PDM-2", "montant_ttc": "1.50"}]

    content = to_csv(["numero", "montant_ttc", "moe"], rows)

    assert content.decode("utf-8-sig").splitlines() == ["numero;montant_ttc;moe", "PDM-1;12000.00;", "PDM-2;1.50;"]


def test_csv_quotes_semicolons_quotes_and_newlines_and_keeps_accents():
    tricky = ['Travaux; lot "A"', "Mairie d'Évry — Service Économie", "ligne 1\nligne 2"]
    content = to_csv(["a", "b", "c"], [dict(zip("abc", tricky, strict=True))])

    assert _parse_csv(content) == [["a", "b", "c"], tricky]
    assert '"Travaux; lot ""A"""' in content.decode("utf-8")
    assert "Économie".encode() in content  # UTF-8, not Latin-1


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_neutralised():
    content = to_csv(["numero_marche", "n"], [{"numero_marche": '=HYPERLINK("http://x")', "n": 3}])

    assert _parse_csv(content)[1] == ['\'=HYPERLINK("http://x")', "3"]


def test_csv_flattens_a_nested_member_named_parent_dot_member():
    content = to_csv(["numero", "attente.siret"], [{"numero": "X", "attente": {"siret": ME}}, {"numero": "Y"}])

    assert _parse_csv(content)[1:] == [["X", ME], ["Y", ""]]


# ---- XML --------------------------------------------------------------------------------------------


def test_xml_escapes_markup_and_keeps_accents():
    rows = [{"numero": "A<1>&B", "fournisseur": 'Société "Bâtir" & fils', "moe": None}]

    content = to_xml("pieces", {"page": 1, "total": 1}, "piece", ["numero", "fournisseur", "moe"], rows)

    assert content.startswith(b"<?xml") and b"A&lt;1&gt;&amp;B" in content
    root = ET.fromstring(content)
    assert root.tag == "pieces" and root.attrib == {"page": "1", "total": "1"}
    [piece] = root.findall("piece")
    assert piece.findtext("numero") == "A<1>&B"
    assert piece.findtext("fournisseur") == 'Société "Bâtir" & fils'
    assert piece.find("moe") is not None and piece.find("moe").text is None


def test_xml_escapes_attributes_and_drops_characters_xml_cannot_carry():
    content = to_xml("liste", {"du": "<&>", "au": None}, "ligne", ["c"], [{"c": "a\x01b\x0bc"}])

    root = ET.fromstring(content)
    assert root.attrib == {"du": "<&>"}
    assert root.find("ligne").findtext("c") == "abc"


def test_xml_nests_a_dict_as_child_elements():
    rows = [{"attente": {"role": "MOE", "siret": ME, "action": "Déposer l'état d'acompte"}}]

    piece = ET.fromstring(to_xml("pieces", {}, "piece", ["attente"], rows)).find("piece")

    assert piece.find("attente").findtext("role") == "MOE"
    assert piece.find("attente").findtext("action") == "Déposer l'état d'acompte"


# ---- tableau de bord --------------------------------------------------------------------------------


def _record(parties, cadre, statut, code_service=None):
    return {"parties": parties, "cadre": cadre, "statut": statut, "code_service": code_service}


def test_dashboard_counts_by_structure_service_cadre_and_statut_with_a_sans_service_line():
    records = [
        _record([ME, OTHER], "A4", "MISE_A_DISPOSITION_MOE"),
        _record([ME, OTHER], "A4", "MISE_A_DISPOSITION_MOE"),
        _record([ME, OTHER], "A4", "ASSOCIEE"),
        _record([ME, OTHER], "A15", "MISE_A_DISPOSITION_MOA", "VOIRIE"),
        _record([ME, THIRD], "A19", "MISE_A_DISPOSITION_DESTINATAIRE", "VOIRIE"),
        _record([ME], "A4", "DEPOSEE", ""),  # an empty code service is "sans service" too
        _record([THIRD], "A4", "DEPOSEE"),  # none of mine: counted nowhere
    ]

    counts = dashboard_counts(records, [ME, OTHER], lambda siret, service: True)

    assert [c.siret for c in counts] == sorted([ME, OTHER])  # by SIRET
    me, other = (next(c for c in counts if c.siret == s) for s in (ME, OTHER))
    assert me.total == 6 and other.total == 4
    assert list(me.services) == ["VOIRIE", None]  # "sans service" last
    voirie, sans = me.services["VOIRIE"], me.services[None]
    assert voirie.total == 2 and sans.total == 4
    assert list(voirie.cadres) == ["A15", "A19"]
    assert sans.cadres == {"A4": {"MISE_A_DISPOSITION_MOE": 2, "ASSOCIEE": 1, "DEPOSEE": 1}}
    assert list(other.services) == ["VOIRIE", None]
    assert other.services["VOIRIE"].cadres == {"A15": {"MISE_A_DISPOSITION_MOA": 1}}


def test_dashboard_lists_every_structure_even_without_pieces_and_respects_service_habilitations():
    caller = Principal("a@x.fr", "A", habilitations=(Habilitation(ME, Profil.CONSULTATION, "VOIRIE"),
                                                      Habilitation(OTHER, Profil.MODIFICATION)))  # fmt: skip
    records = [
        _record([ME, OTHER], "A4", "DEPOSEE", "VOIRIE"),
        _record([ME, OTHER], "A4", "DEPOSEE", "ECOLES"),  # not my service on ME; visible through OTHER
        _record([ME], "A4", "DEPOSEE"),
    ]

    counts = dashboard_counts(records, caller.sirets(), lambda s, service: caller.can_read([s], service))

    me, other = (next(c for c in counts if c.siret == s) for s in (ME, OTHER))

    assert me.total == 1 and list(me.services) == ["VOIRIE"]
    assert other.total == 2 and list(other.services) == ["ECOLES", "VOIRIE"]
    assert dashboard_counts([], [THIRD], lambda s, c: True)[0].total == 0


def test_cadres_sort_in_numeric_order():
    assert sorted(["A19", "A4", "A15", "A8"], key=cadre_order) == ["A4", "A8", "A15", "A19"]


# ---- pending and fiscal filters (the search filter is tested in libs/readmodel) ---------------------


def test_pending_and_fiscal_filters():
    assert pending_filter({OTHER, ME}) == {"attente.siret": {"$in": sorted([ME, OTHER])}}
    assert fiscal_filter([ME], date(2026, 1, 1), None, THIRD) == {
        "parties": {"$in": [ME], "$all": [THIRD]},
        "cadre": {"$in": [c.value for c in PAYABLE_CADRES]},
        "date_piece": {"$gte": "2026-01-01"},
    }
    assert {c.value for c in PAYABLE_CADRES} == {"A6", "A8", "A16", "A19", "A23", "A24", "A25"}
