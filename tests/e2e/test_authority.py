"""Who may do what in the directory (docs/authority.md), against the running services: a person's account
is theirs, a gestionnaire acts on its structures only and attaches nobody without consent, technical
accounts belong to their structure, the administrator is untouchable, and everything is audited."""

import pytest_asyncio

from deposit.mailbox import code_in
from tests.support.mail import wait_for_mail

ADMIN = "administrateur@travaux.example"  # DEPOSIT_ADMIN_EMAIL of the test session


def code(response) -> tuple[int, str]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return response.status_code, response.json()["code"]


@pytest_asyncio.fixture(scope="module")
async def world(directory):
    a = await directory.structure("Structure A")
    b = await directory.structure("Structure B")
    gest_a = await directory.user((a["siret"], "MODIFICATION"), name="Gestionnaire A", gestionnaire=True)
    agent_a = await directory.user((a["siret"], "MODIFICATION"), name="Agent A", inviter=gest_a.client)
    user_b = await directory.user((b["siret"], "MODIFICATION"), name="Agent B")
    return {"a": a["siret"], "b": b["siret"], "gest_a": gest_a, "agent_a": agent_a, "user_b": user_b}


async def test_a_gestionnaire_cannot_make_itself_administrator(world, directory):
    gest, a = world["gest_a"].client, world["a"]
    # the 2026 takeover: attach the administrator's account, then mint a token for it
    assert code(await gest.put(f"/v1/structures/{a}/habilitations/{ADMIN}", json={"profil": "CONSULTATION"})) == (
        404,
        "habilitation_inconnue",
    )
    invited = await gest.post(f"/v1/structures/{a}/invitations", json={"email": ADMIN, "profil": "CONSULTATION"})
    assert code(invited) == (409, "compte_administrateur")
    assert code(await gest.post(f"/v1/utilisateurs/{ADMIN}/jetons", json={})) == (404, "utilisateur_inconnu")
    assert code(await gest.patch(f"/v1/utilisateurs/{ADMIN}", json={"nom": "Pirate"})) == (404, "utilisateur_inconnu")
    admin = (await directory.admin.get("/v1/moi")).json()
    assert admin["admin"] is True and admin["habilitations"] == [] and admin["nom"] != "Pirate"


async def test_a_gestionnaire_cannot_take_over_another_structures_user(world, directory):
    gest, a, victim = world["gest_a"].client, world["a"], world["user_b"]
    assert code(
        await gest.put(f"/v1/structures/{a}/habilitations/{victim.email}", json={"profil": "MODIFICATION"})
    ) == (
        404,
        "habilitation_inconnue",
    )
    assert code(await gest.post(f"/v1/utilisateurs/{victim.email}/jetons", json={})) == (404, "utilisateur_inconnu")
    assert code(await gest.get(f"/v1/utilisateurs/{victim.email}/jetons")) == (404, "utilisateur_inconnu")
    assert code(await gest.patch(f"/v1/utilisateurs/{victim.email}", json={"nom": "X"})) == (404, "utilisateur_inconnu")
    # an invitation grants nothing until the person accepts it
    invitation = await gest.post(
        f"/v1/structures/{a}/invitations", json={"email": victim.email, "profil": "CONSULTATION"}
    )
    assert invitation.status_code == 201, invitation.text
    listed = (await gest.get(f"/v1/structures/{a}/habilitations")).json()
    assert victim.email not in {u["email"] for u in listed}
    accepted = await victim.client.post(f"/v1/moi/invitations/{invitation.json()['id']}/accepter")
    assert accepted.status_code == 200 and accepted.json()["statut"] == "ACCEPTEE"
    # attached with consent: the gestionnaire sees its habilitation on A, not on B, and still not its tokens
    seen = (await gest.get(f"/v1/utilisateurs/{victim.email}")).json()
    assert {h["siret"] for h in seen["habilitations"]} == {a}
    assert code(await gest.post(f"/v1/utilisateurs/{victim.email}/jetons", json={})) == (403, "compte_personnel")
    assert code(await gest.patch(f"/v1/utilisateurs/{victim.email}", json={"nom": "X"})) == (403, "compte_personnel")
    assert code(await directory.admin.post(f"/v1/utilisateurs/{victim.email}/jetons", json={})) == (
        403,
        "compte_personnel",
    )
    own = (await victim.client.get("/v1/moi")).json()
    assert {h["siret"] for h in own["habilitations"]} == {a, world["b"]} and own["nom"] == "Agent B"


async def test_an_invitation_mail_activates_a_new_account_once(world, directory, infrastructure):
    gest, a = world["gest_a"].client, world["a"]
    email = "nouvelle.personne@example.fr"
    invited = await gest.post(
        f"/v1/structures/{a}/invitations", json={"email": email, "nom": "Nouvelle Personne", "profil": "CONSULTATION"}
    )
    assert invited.status_code == 201 and invited.json()["statut"] == "EN_ATTENTE"
    mails = await wait_for_mail(infrastructure.mail, lambda m: email in m.to)
    assert mails and mails[0].subject.startswith("[Travaux] Invitation — Structure A")
    assert "Gestionnaire A vous invite" in mails[0].text
    secret = code_in(mails[0])
    anonymous = directory.anonymous()
    redeemed = await anonymous.post("/v1/comptes/activation", json={"code": secret})
    assert redeemed.status_code == 201, redeemed.text
    assert redeemed.json()["email"] == email and redeemed.json()["invitation"]["statut"] == "ACCEPTEE"
    me = await anonymous.get("/v1/moi", headers={"Authorization": f"Bearer {redeemed.json()['jeton']}"})
    assert [(h["siret"], h["profil"]) for h in me.json()["habilitations"]] == [(a, "CONSULTATION")]
    assert code(await anonymous.post("/v1/comptes/activation", json={"code": secret})) == (422, "code_invalide")


async def test_a_withdrawn_or_declined_invitation_grants_nothing(world, directory, infrastructure):
    gest, a = world["gest_a"].client, world["a"]
    withdrawn_to = "retiree@example.fr"
    invited = await gest.post(
        f"/v1/structures/{a}/invitations", json={"email": withdrawn_to, "nom": "Retirée", "profil": "MODIFICATION"}
    )
    mail = (await wait_for_mail(infrastructure.mail, lambda m: withdrawn_to in m.to))[0]
    assert (await gest.delete(f"/v1/structures/{a}/invitations/{invited.json()['id']}")).status_code == 204
    late = await directory.anonymous().post("/v1/comptes/activation", json={"code": code_in(mail)})
    assert code(late) == (422, "code_invalide")
    b = world["b"]
    gest_b = await directory.user((b, "MODIFICATION"), name="Gestionnaire B", gestionnaire=True)
    other = await directory.user((a, "CONSULTATION"), name="Agent A2")
    offer = await gest_b.client.post(
        f"/v1/structures/{b}/invitations", json={"email": other.email, "profil": "CONSULTATION"}
    )
    declined = await other.client.post(f"/v1/moi/invitations/{offer.json()['id']}/refuser")
    assert declined.status_code == 200 and declined.json()["statut"] == "REFUSEE"
    assert {h["siret"] for h in (await other.client.get("/v1/moi")).json()["habilitations"]} == {a}
    assert other.email not in {
        u["email"] for u in (await gest_b.client.get(f"/v1/structures/{b}/habilitations")).json()
    }


async def test_a_person_asks_to_join_and_a_gestionnaire_approves(world, directory):
    gest, a = world["gest_a"].client, world["a"]
    newcomer = await directory.user(name="Sans Structure")  # self-registered: no structure yet
    asked = await newcomer.client.post(
        f"/v1/structures/{a}/demandes", json={"profil": "MODIFICATION", "message": "Bonjour"}
    )
    assert asked.status_code == 201, asked.text
    assert code(await newcomer.client.post(f"/v1/structures/{a}/demandes", json={"profil": "MODIFICATION"})) == (
        409,
        "demande_en_cours",
    )
    assert code(await world["agent_a"].client.get(f"/v1/structures/{a}/demandes")) == (403, "acces_refuse")
    pending = (await gest.get(f"/v1/structures/{a}/demandes")).json()
    assert asked.json()["id"] in {d["id"] for d in pending if d["statut"] == "EN_ATTENTE"}
    approved = await gest.post(
        f"/v1/structures/{a}/demandes/{asked.json()['id']}/approuver", json={"profil": "CONSULTATION"}
    )
    assert approved.status_code == 200 and approved.json()["statut"] == "ACCEPTEE"
    me = (await newcomer.client.get("/v1/moi")).json()
    assert [(h["siret"], h["profil"]) for h in me["habilitations"]] == [(a, "CONSULTATION")]


async def test_technical_accounts_belong_to_their_structure(world, directory):
    gest, agent, a, b = world["gest_a"].client, world["agent_a"].client, world["a"], world["b"]
    erp = await directory.technical(a, manager=gest)
    me = (await erp.client.get("/v1/moi")).json()
    assert me["type"] == "technique" and [h["siret"] for h in me["habilitations"]] == [a]
    assert code(await erp.client.post(f"/v1/utilisateurs/{erp.email}/jetons", json={})) == (
        403,
        "compte_technique_gere",
    )
    assert code(await erp.client.post(f"/v1/structures/{b}/demandes", json={"profil": "MODIFICATION"})) == (
        403,
        "demande_impossible",
    )
    assert code(await agent.post(f"/v1/structures/{a}/comptes-techniques", json={"libelle": "x"})) == (
        403,
        "acces_refuse",
    )
    assert code(await gest.post(f"/v1/structures/{b}/comptes-techniques", json={"libelle": "x"})) == (
        403,
        "acces_refuse",
    )
    assert code(
        await gest.put(
            f"/v1/structures/{a}/habilitations/{erp.email}", json={"profil": "MODIFICATION", "gestionnaire": True}
        )
    ) == (
        422,
        "compte_technique_non_gestionnaire",
    )
    listed = (await gest.get(f"/v1/structures/{a}/comptes-techniques")).json()
    assert erp.email in {t["identifiant"] for t in listed}
    assert (await gest.patch(f"/v1/utilisateurs/{erp.email}", json={"active": False})).status_code == 200
    assert code(await erp.client.get("/v1/moi")) == (401, "jeton_invalide")


async def test_a_person_owns_its_tokens_and_its_activation(world, directory):
    person = await directory.user((world["b"], "CONSULTATION"), name="Titulaire Jetons")
    created = await person.client.post(f"/v1/utilisateurs/{person.email}/jetons", json={"libelle": "script"})
    assert created.status_code == 201
    listed = (await person.client.get(f"/v1/utilisateurs/{person.email}/jetons")).json()
    assert created.json()["jeton_id"] in {t["jeton_id"] for t in listed} and all("jeton" not in t for t in listed)
    other = directory.client(created.json()["jeton"])
    assert (await other.get("/v1/moi")).json()["jeton_id"] == created.json()["jeton_id"]
    revoked = await person.client.delete(f"/v1/utilisateurs/{person.email}/jetons/{created.json()['jeton_id']}")
    assert revoked.status_code == 204 and code(await other.get("/v1/moi")) == (401, "jeton_invalide")
    await other.aclose()
    assert code(await person.client.patch(f"/v1/utilisateurs/{person.email}", json={"active": False})) == (
        403,
        "desactivation_de_soi",
    )
    renamed = await person.client.patch(f"/v1/utilisateurs/{person.email}", json={"nom": "Nouveau Nom"})
    assert renamed.status_code == 200 and renamed.json()["nom"] == "Nouveau Nom"
    assert (await directory.admin.patch(f"/v1/utilisateurs/{person.email}", json={"active": False})).status_code == 200
    assert code(await person.client.get("/v1/moi")) == (401, "jeton_invalide")


async def test_a_structure_keeps_its_last_gestionnaire(world):
    gest, a = world["gest_a"], world["a"]
    assert code(await gest.client.delete(f"/v1/structures/{a}/habilitations/{gest.email}")) == (
        409,
        "dernier_gestionnaire",
    )
    assert code(
        await gest.client.put(f"/v1/structures/{a}/habilitations/{gest.email}", json={"profil": "MODIFICATION"})
    ) == (
        409,
        "dernier_gestionnaire",
    )
    agent = world["agent_a"]
    promoted = await gest.client.put(
        f"/v1/structures/{a}/habilitations/{agent.email}", json={"profil": "MODIFICATION", "gestionnaire": True}
    )
    assert promoted.status_code == 200
    demoted = await agent.client.put(f"/v1/structures/{a}/habilitations/{agent.email}", json={"profil": "MODIFICATION"})
    assert demoted.status_code == 200, demoted.text


async def test_a_sign_in_code_says_nothing_of_the_address(world, directory):
    anonymous = directory.anonymous()
    known = await anonymous.post("/v1/comptes/code", json={"email": world["agent_a"].email})
    unknown = await anonymous.post("/v1/comptes/code", json={"email": "personne.inconnue@example.fr"})
    assert known.status_code == unknown.status_code == 202 and known.json() == unknown.json()
    assert code(await directory.admin.get("/v1/utilisateurs/personne.inconnue@example.fr")) == (
        404,
        "utilisateur_inconnu",
    )
    assert code(await anonymous.post("/v1/comptes/code", json={"email": "0"})) == (422, "champ_invalide")
    again = await directory.sign_in(world["user_b"].email, request=True)
    assert (await again.client.get("/v1/moi")).json()["email"] == world["user_b"].email


async def test_every_change_is_in_the_audit_log(world, directory):
    a, b, gest = world["a"], world["b"], world["gest_a"]
    everything = (await directory.admin.get("/v1/audit", params={"taille": 500})).json()
    actions = {(e["action"], e["cible"]) for e in everything}
    assert ("invitation_acceptee", world["agent_a"].email) in actions
    assert ("jeton_cree", world["agent_a"].email) in actions
    by_gest = [e for e in everything if e["acteur"] == gest.email]
    assert by_gest and all(e["jeton_id"] if e["via"] == "jeton" else e["via"] == "code" for e in by_gest)
    assert {e["via"] for e in by_gest} == {"jeton", "code"}  # its invitation's code, then its tokens
    mine = (await gest.client.get("/v1/audit", params={"taille": 500})).json()
    assert mine and {e["structure"] for e in mine} == {a}
    assert code(await gest.client.get("/v1/audit", params={"structure": b})) == (403, "acces_refuse")
    assert code(await world["user_b"].client.get("/v1/audit")) == (403, "acces_refuse")
    assert all("jeton" not in e["details"] for e in everything)
