"""Refusals: the domain and the use cases say what kind of refusal it is, the HTTP side alone says which
status that is, and writes the same RFC 9457 document as ever."""

import ast
from pathlib import Path

import pytest

from deposit.api.refusals import STATUS, as_problem
from deposit.domain.errors import FieldError, Refusal, RefusalKind, field_refusal
from messaging.problems import problem_body

SOURCE = Path(__file__).resolve().parents[1] / "src" / "deposit"


def test_every_kind_has_its_status():
    assert set(STATUS) == set(RefusalKind)
    assert STATUS[RefusalKind.INVALID] == 422 and STATUS[RefusalKind.CONFLICT] == 409
    assert Refusal("x", "X", "x").kind is RefusalKind.INVALID  # the default, as the 422 was


def test_a_refusal_becomes_the_same_problem_document_as_before():
    refusal = Refusal(
        "action_impossible",
        "Action impossible",
        "détail",
        RefusalKind.CONFLICT,
        [FieldError("statut", "statut_invalide", "message")],
        extensions={"actions_possibles": [{"action": "refuser", "role": "MOE"}]},
    )
    problem = as_problem(refusal)
    assert problem.status == 409 and problem.headers == {}
    assert problem_body(problem, "/v1/pieces/p/actions/valider") == {
        "type": "urn:travaux:problem:action_impossible",
        "title": "Action impossible",
        "status": 409,
        "detail": "détail",
        "code": "action_impossible",
        "instance": "/v1/pieces/p/actions/valider",
        "errors": [{"field": "statut", "code": "statut_invalide", "message": "message"}],
        "actions_possibles": [{"action": "refuser", "role": "MOE"}],
    }


def test_when_to_ask_again_and_where_it_moved_become_headers():
    later = as_problem(Refusal("requete_en_cours", "T", "d", RefusalKind.CONFLICT, retry_after=3))
    assert later.headers == {"Retry-After": "3"}
    moved = as_problem(Refusal("piece_archivee", "T", "d", RefusalKind.GONE, moved_to="http://archive/x"))
    assert (moved.status, moved.headers) == (410, {"Link": '<http://archive/x>; rel="alternate"'})


def test_field_errors_sharing_a_code_give_it_else_the_general_one():
    same = [FieldError("a", "siret_invalide", "m"), FieldError("b", "siret_invalide", "n")]
    assert field_refusal(same, "T", "piece_invalide").code == "siret_invalide"
    mixed = [FieldError("a", "siret_invalide", "m"), FieldError("b", "date_future", "n")]
    refused = field_refusal(mixed, "T", "piece_invalide")
    assert (refused.code, refused.kind, refused.detail) == ("piece_invalide", RefusalKind.INVALID, "a : m; b : n")


@pytest.mark.parametrize("layer", ["domain", "usecases"])
def test_the_domain_and_the_use_cases_pass_no_http_status(layer):
    offending = []
    for path in sorted((SOURCE / layer).rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "messaging.problems":
                if any(alias.name != "field_code" for alias in node.names):
                    offending.append(f"{path.name}:{node.lineno} imports messaging.problems")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Refusal":
                given = node.args[3:] + [k.value for k in node.keywords if k.arg == "kind"]
                statuses = [a for a in given if isinstance(a, ast.Constant) and isinstance(a.value, int)]
                offending += [f"{path.name}:{node.lineno} passes {a.value}" for a in statuses]
    assert offending == []
