"""A mise en paiement the destinataire hides from the fournisseur (« Le statut Mise en paiement n'est pas
remonté au fournisseur »), everywhere the fournisseur looks: the pièce, its history, the dossier and its
zip, the search (json, csv, xml, and by status), the tableau de bord, the liste fiscale, an action's
refusal. Whoever also reads the dossier from the buyer side (MOE, MOA, destinataire) sees the truth; the
hiding was recorded on the pièce when it happened, so a later change of the parameter changes nothing.

One dossier (A4 → A15 → A19, service COMPTA of a « sans MOA » destinataire that hides the mise en
paiement), walked once for the module."""

import csv
import io
import json
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass

import pytest_asyncio

from tests.support.actors import Actor
from tests.support.circuit import acted, deposited, problem, statuses, wait_status

PUBLIC = {"publique": True, "categorie": "COLLECTIVITE_TERRITORIALE"}
SERVICES = [{"code": "COMPTA", "libelle": "Comptabilité"}, {"code": "TRAVAUX", "libelle": "Travaux"}]
BEFORE = ["DEPOSEE", "MISE_A_DISPOSITION_DESTINATAIRE", "SERVICE_FAIT", "MANDATEE"]


@dataclass
class Paid:
    structures: dict[str, dict]
    users: dict[str, Actor]
    a19: dict  # as the financier sees it: in payment
    dossier_id: str

    def siret(self, name: str) -> str:
        return self.structures[name]["siret"]


@pytest_asyncio.fixture(scope="module")
async def paid(directory) -> Paid:
    structures = {
        "fournisseur": await directory.structure("Entreprise Discrete"),
        "moe": await directory.structure("Cabinet Discret"),
        "moa": await directory.structure(
            "Commune Discrete", **PUBLIC, presence_moa="EXCLUSIVEMENT_MOA", services=SERVICES
        ),
        "financier": await directory.structure(
            "Finances Discretes", **PUBLIC, presence_moa="SANS_MOA", services=SERVICES, mise_en_paiement_masquee=True
        ),
    }
    f, moe, moa, financier = (s["siret"] for s in structures.values())
    users = {name: await directory.user((s["siret"], "MODIFICATION"), name=f"Agent {name}") for name, s in structures.items()}  # fmt: skip
    # the fournisseur's reader who is also the MOE's: the buyer side, the truth
    users["fournisseur_et_moe"] = await directory.user((f, "CONSULTATION"), (moe, "CONSULTATION"), name="Double")
    # also the MOA's, but for another service than the pièce's: it reads the pièce as the fournisseur only
    users["fournisseur_et_moa_travaux"] = await directory.user(
        (f, "CONSULTATION"), (moa, "CONSULTATION", "TRAVAUX"), name="Double Service"
    )
    a4 = await deposited(users["fournisseur"], "A4", fournisseur=f, moe=moe, moa=moa)
    await wait_status(users["moe"], a4, "MISE_A_DISPOSITION_MOE")
    a15 = await deposited(users["moe"], "A15", a4)
    await wait_status(users["moa"], a15, "MISE_A_DISPOSITION_MOA")
    a19 = await deposited(users["moa"], "A19", a15, destinataire=financier, code_service="COMPTA")
    await wait_status(users["financier"], a19, "MISE_A_DISPOSITION_DESTINATAIRE")
    for statut in ("SERVICE_FAIT", "MANDATEE", "MISE_EN_PAIEMENT"):
        await acted(users["financier"], a19, "traiter", statut=statut, commentaire=f"étape {statut}")
    shown = await wait_status(users["financier"], a19, "MISE_EN_PAIEMENT")
    # The destinataire stops hiding it afterwards: what was hidden at the time stays hidden.
    response = await directory.admin.put(
        f"/v1/structures/{financier}", json={**structures["financier"], "mise_en_paiement_masquee": False}
    )
    assert response.status_code == 200, response.text
    return Paid(structures, users, shown, shown["dossier_id"])


async def _get(actor: Actor, path: str, **params) -> dict:
    response = await actor.client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_fournisseur_sees_the_piece_as_it_stood_before_its_mise_en_paiement(paid):
    a19_id, mandated_at = paid.a19["piece_id"], paid.a19["historique"][3]["at"]
    for who in ("fournisseur", "fournisseur_et_moa_travaux"):
        piece = await _get(paid.users[who], f"/v1/pieces/{a19_id}")
        assert (piece["statut"], piece["statut_libelle"]) == ("MANDATEE", "Mandatée"), who
        assert statuses(piece) == BEFORE and piece["commentaire"] == "étape MANDATEE"
        assert piece["attente"]["role"] == "SERVICE_FINANCIER" and piece["attente"]["siret"] == paid.siret("financier")
        assert piece["actions_possibles"] == [
            {"action": "traiter", "role": "SERVICE_FINANCIER", "statut": "MISE_EN_PAIEMENT"}
        ]
        assert "mise_en_paiement_masquee" not in piece and "vue_fournisseur" not in piece
        history = await _get(paid.users[who], f"/v1/pieces/{a19_id}/historique")
        assert [h["statut"] for h in history] == BEFORE and history[-1]["at"] == mandated_at
    # an action the fournisseur tries is refused as in the status it sees
    refused = await paid.users["fournisseur"].client.post(f"/v1/pieces/{a19_id}/actions/rejeter", json={"motif": "x"})
    assert problem(refused) == (409, "action_impossible") and "au statut MANDATEE" in refused.json()["detail"]
    # the buyer side sees the truth
    for who in ("moe", "moa", "financier", "fournisseur_et_moe"):
        piece = await _get(paid.users[who], f"/v1/pieces/{a19_id}")
        assert piece["statut"] == "MISE_EN_PAIEMENT" and statuses(piece) == [*BEFORE, "MISE_EN_PAIEMENT"], who
        assert piece["attente"] is None and piece["actions_possibles"] == []


async def test_the_dossier_and_its_zip_show_the_fournisseur_no_payment(paid):
    dossier = await _get(paid.users["fournisseur"], f"/v1/dossiers/{paid.dossier_id}")
    assert [p["statut"] for p in dossier["pieces"]] == ["ASSOCIEE", "ASSOCIEE", "MANDATEE"]
    delai = dossier["delai_paiement"]
    assert delai["mis_en_paiement_le"] is None and delai["jours_restants"] is not None and delai["penalites"] is None
    assert dossier["derniere_activite"] == paid.a19["historique"][3]["at"]  # the mandat, not the payment
    truth = await _get(paid.users["moa"], f"/v1/dossiers/{paid.dossier_id}")
    assert truth["pieces"][-1]["statut"] == "MISE_EN_PAIEMENT"
    assert truth["delai_paiement"]["mis_en_paiement_le"] == paid.a19["historique"][4]["at"]
    assert truth["derniere_activite"] == paid.a19["historique"][4]["at"]

    response = await paid.users["fournisseur"].client.get(f"/v1/dossiers/{paid.dossier_id}/export")
    assert response.status_code == 200, response.text
    summary = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("dossier.json"))
    assert [p["statut"] for p in summary["pieces"]] == ["ASSOCIEE", "ASSOCIEE", "MANDATEE"]
    assert statuses(summary["pieces"][-1]) == BEFORE and summary["pieces"][-1]["statut_libelle"] == "Mandatée"


async def test_a_search_finds_the_piece_by_the_status_its_caller_is_shown(paid):
    numero, f = paid.a19["numero"], paid.siret("fournisseur")

    async def found(who: str, statut: str, **params) -> list[str]:
        page = await _get(paid.users[who], "/v1/pieces", structure=f, numero=numero, statut=statut, **params)
        assert page["total"] == len(page["resultats"])
        return [r["statut"] for r in page["resultats"]]

    for who in ("fournisseur", "fournisseur_et_moa_travaux"):  # Mongo's filter, then the per-pièce one
        assert await found(who, "MISE_EN_PAIEMENT") == [], who
        assert await found(who, "MANDATEE") == ["MANDATEE"], who
        [item] = (await _get(paid.users[who], "/v1/pieces", numero=numero))["resultats"]
        assert item["statut"] == "MANDATEE" and item["updated_at"] == paid.a19["historique"][3]["at"]
    for who in ("moe", "fournisseur_et_moe"):
        assert await found(who, "MISE_EN_PAIEMENT") == ["MISE_EN_PAIEMENT"], who
        assert await found(who, "MANDATEE") == [], who

    fournisseur = paid.users["fournisseur"].client
    as_csv = await fournisseur.get("/v1/pieces", params={"numero": numero, "format": "csv"})
    [row] = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig")), delimiter=";"))
    assert (row["statut"], row["statut_libelle"]) == ("MANDATEE", "Mandatée")
    as_xml = await fournisseur.get("/v1/pieces", params={"numero": numero, "format": "xml"})
    assert ET.fromstring(as_xml.content).find("piece/statut").text == "MANDATEE"
    assert b"MISE_EN_PAIEMENT" not in as_csv.content and b"MISE_EN_PAIEMENT" not in as_xml.content


async def test_the_tableau_de_bord_and_the_liste_fiscale_count_it_as_the_fournisseur_sees_it(paid):
    [mine] = (await _get(paid.users["fournisseur"], "/v1/tableau-de-bord"))["structures"]
    counts = {c["cadre"]: c["statuts"] for s in mine["services"] for c in s["cadres"]}
    assert counts == {"A4": {"ASSOCIEE": 1}, "A15": {"ASSOCIEE": 1}, "A19": {"MANDATEE": 1}}
    [moe] = (await _get(paid.users["moe"], "/v1/tableau-de-bord"))["structures"]
    assert {c["cadre"]: c["statuts"] for s in moe["services"] for c in s["cadres"]}["A19"] == {"MISE_EN_PAIEMENT": 1}

    fiscal = await _get(paid.users["fournisseur"], "/v1/liste-fiscale", structure=paid.siret("fournisseur"))
    assert [(line["cadre"], line["statut"]) for line in fiscal["lignes"]] == [("A19", "MANDATEE")]
    fiscal = await _get(paid.users["financier"], "/v1/liste-fiscale", structure=paid.siret("fournisseur"))
    assert [(line["cadre"], line["statut"]) for line in fiscal["lignes"]] == [("A19", "MISE_EN_PAIEMENT")]
