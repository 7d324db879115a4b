"""Routing's OpenAPI document (``/openapi.json``): faust serves its pages, so the document is written here,
and a test checks it against the routes routing really serves."""

from typing import Any

from contracts import Structure
from messaging.openapi import AUTH, clock_paths, model_schema, operation, path_parameter
from messaging.openapi import document as openapi_document
from routing.settings import RoutingSettings
from routing.views import DossierDeadlines


def document(settings: RoutingSettings) -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    paths = {
        "/v1/structures/{siret}": {
            "get": operation(
                "La structure telle que le routage la connaît",
                {**AUTH, 404: "Structure inconnue du routage (`structure_inconnue`)"},
                ok=(
                    "La structure ; ses contacts pour l'administrateur et ses gestionnaires seulement",
                    model_schema(Structure, schemas),
                ),
                description="Un changement de l'annuaire est-il arrivé jusqu'au routage ? Tout appelant "
                "authentifié voit la structure ; ses contacts (adresses de personnes) seulement ceux qui la gèrent.",
                parameters=[path_parameter("siret", "SIRET de la structure")],
                tags=("routage",),
            )  # fmt: skip
        },
        "/v1/dossiers/{dossier_id}/echeances": {
            "get": operation(
                "Échéances légales d'un dossier",
                {**AUTH, 404: "Aucune échéance connue, ou dossier non visible (`dossier_inconnu`)"},
                ok=("Les échéances qui courent et celles déjà publiées", model_schema(DossierDeadlines, schemas)),
                description="Pour les structures parties au dossier et l'administrateur de la plateforme ; les "
                "autres reçoivent 404, comme pour un dossier inconnu.",
                parameters=[path_parameter("dossier_id", "Identifiant du dossier")],
                tags=("routage",),
            )
        },
        **(clock_paths() if settings.clock_control else {}),
    }
    return openapi_document(
        "Factures de travaux — routage",
        "Le routage des pièces et les échéances légales : ce que le routage sait d'une structure et d'un "
        "dossier. Jetons d'API du service de dépôt ; erreurs au format RFC 9457.",
        paths,
        settings.ops_token,
        schemas,
    )
