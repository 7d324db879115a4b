"""How the OpenAPI document says what the active side answers about a pièce or a dossier moved to the
archive (``usecases.archived``): 410 to the parties that could read it, with the archive's address."""

from typing import Any

from messaging.problems import problem_responses

_LINK = {
    "Link": {
        "description": 'Son adresse aux archives (`rel="alternate"`), comme `archive_url`',
        "schema": {"type": "string"},
    }
}


def _gone(text: str) -> dict[int | str, dict[str, Any]]:
    answer = problem_responses({410: text})
    answer[410]["headers"] = _LINK
    return answer


PIECE_GONE = _gone("Pièce déplacée aux archives (`piece_archivee`), avec `archive_url`, `dossier_id` et `Link`")
DOSSIER_GONE = _gone("Dossier déplacé aux archives (`dossier_archive`), avec `archive_url` et `Link`")
