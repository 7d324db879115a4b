"""The administrator has the whole directory announced again (what the reconciler does by itself when the
broker lost ``travaux.structures``): every structure, in its current state, reaches the topic and routing
still knows it; nobody else may ask."""

from contracts import StructureUpserted, topics, utcnow
from tests.support.services import http


async def test_the_administrator_publishes_the_directory_again_others_may_not(system, directory, recorder):
    structure = await directory.structure("Commune Republiee", public=True, presence_moa="AVEC_MOA")
    changed = {**structure, "nom": "Commune Republiee (nouveau nom)"}
    assert (await directory.admin.put(f"/v1/structures/{structure['siret']}", json=changed)).status_code == 200
    agent = await directory.user((structure["siret"], "MODIFICATION"), name="Gestion Annuaire")

    def current(record) -> bool:
        """The structure's latest state: renamed, with its user as contact."""
        event = record.event  # None for what other tests put on the topic that is not an event
        if event is None or not isinstance(event.data, StructureUpserted):
            return False
        announced = event.data.structure
        return announced.siret == structure["siret"] and [c.email for c in announced.contacts] == [agent.email]

    await recorder.wait_for(topics.STRUCTURES, current, timeout=15)
    asked_at = utcnow()
    response = await directory.admin.post("/admin/annuaire/publication")
    assert response.status_code == 200, response.text
    assert response.json()["structures"] >= 1
    again = await recorder.wait_for(topics.STRUCTURES, lambda r: current(r) and r.event.time >= asked_at, timeout=15)
    assert again, "the structure was not announced again"
    assert again[-1].event.data.structure.nom == changed["nom"]
    async with http(system.routing_url, system.admin_token) as routing:
        seen = await routing.get(f"/v1/structures/{structure['siret']}")
    assert seen.status_code == 200 and seen.json()["nom"] == changed["nom"]

    refused = await agent.client.post("/admin/annuaire/publication")
    assert refused.status_code == 403 and refused.json()["code"] == "acces_refuse"
    anonymous = await directory.anonymous().post("/admin/annuaire/publication")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "authentification_requise"
