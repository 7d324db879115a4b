"""Route table and structure parameters: one row per case (docs/domain.md §5.1 to §5.4)."""

from itertools import product

import pytest

from contracts import PresenceMoa, Role, Service, Statut, Structure, SubmissionReason
from routing.domain.routes import ROUTING_ERROR_CODES, Directory, Route, RoutingError, decide
from tests.support.snapshots import DESTINATAIRE, FOURNISSEUR, MOA, MOE, VALIDEUR, snapshot

S, R, P = Statut, SubmissionReason, PresenceMoa
TO_MOE = Route(S.MISE_A_DISPOSITION_MOE, Role.MOE, MOE)
TO_MOA = Route(S.MISE_A_DISPOSITION_MOA, Role.MOA, MOA)
TO_FOURNISSEUR = Route(S.MISE_A_DISPOSITION_FOURNISSEUR, Role.FOURNISSEUR, FOURNISSEUR)
TO_DESTINATAIRE = Route(S.MISE_A_DISPOSITION_DESTINATAIRE, Role.SERVICE_FINANCIER, DESTINATAIRE)
TO_VALIDEUR = Route(S.A_VALIDER_1, Role.VALIDEUR, VALIDEUR)
TO_MOA_AS_DESTINATAIRE = Route(S.MISE_A_DISPOSITION_DESTINATAIRE, Role.SERVICE_FINANCIER, MOA)  # « avec MOA »

MOA_BOUND = ("A5", "A15", "A17", "A22")
PAYABLE = ("A6", "A8", "A16", "A19", "A23", "A24", "A25")

SIRETS = {"fournisseur": FOURNISSEUR, "valideur": VALIDEUR, "moe": MOE, "moa": MOA, "destinataire": DESTINATAIRE}
# A valid directory: a public MOA « exclusivement MOA » whose payable pièces go to a distinct « sans MOA ».
VALID = {
    "fournisseur": dict(nom="Durand BTP"),
    "valideur": dict(nom="Martin Bâtiment"),
    "moe": dict(nom="Atelier d'architecture"),
    "moa": dict(nom="Commune", publique=True, presence_moa=P.EXCLUSIVEMENT_MOA),
    "destinataire": dict(nom="Trésorerie", publique=True, presence_moa=P.SANS_MOA),
}
SERVICES = [
    Service(code="TRAVAUX", libelle="Travaux"),
    Service(code="FERME", libelle="Service fermé", active=False),
    Service(code="EJ", libelle="Engagement requis", numero_engagement_obligatoire=True),
]


def directory(**changes: dict | None) -> Directory:
    """The valid directory, with structures changed (role → fields) or left out (role → None)."""
    structures = {}
    for role, siret in SIRETS.items():
        if role in changes and changes[role] is None:
            continue
        fields = VALID[role] | (changes.get(role) or {})
        structures[siret] = Structure(siret=siret, email_contact=f"{role}@example.fr", **fields)
    return structures.get


def check(outcome: Route | RoutingError, expected: Route | str, *mentions: str) -> None:
    """``expected`` is the route, or the error code whose detail names each of ``mentions``."""
    if isinstance(expected, Route):
        assert outcome == expected
    else:
        assert isinstance(outcome, RoutingError) and outcome.code == expected, outcome
        assert all(m in outcome.detail for m in mentions), outcome.detail


# --- the route table, with a fully valid directory --------------------------------------------------------

ROUTE_ROWS = [
    ("A4", R.DEPOT, TO_MOE),
    ("A7", R.DEPOT, TO_MOE),
    ("A10", R.DEPOT, TO_VALIDEUR),
    ("A13", R.DEPOT, TO_VALIDEUR),
    ("A14", R.DEPOT, TO_VALIDEUR),
    ("A10", R.VALIDATION, TO_MOE),
    ("A13", R.VALIDATION, TO_MOE),
    ("A14", R.VALIDATION, TO_MOE),
    *((c, R.DEPOT, TO_MOA) for c in MOA_BOUND),
    *((c, R.DEPOT, TO_FOURNISSEUR) for c in ("A18", "A20")),
    *((c, R.DEPOT, TO_DESTINATAIRE) for c in PAYABLE),
    ("A19", R.COMPLETION, TO_DESTINATAIRE),
    ("A4", R.COMPLETION, TO_MOE),
    ("A15", R.RECYCLAGE, TO_MOA),
    ("A6", R.RECYCLAGE, TO_DESTINATAIRE),
]


@pytest.mark.parametrize("cadre, reason, expected", ROUTE_ROWS, ids=[f"{c}-{r}" for c, r, _ in ROUTE_ROWS])
def test_route_table(cadre, reason, expected):
    assert decide(snapshot(cadre), reason, directory()) == expected


# --- présence MOA of payable cadres (docs/domain.md §5.2) --------------------------------------------------

# MOA on the pièce → destinataire on the pièce → outcome. "=MOA" names the MOA as destinataire; a présence
# names a distinct destinataire so configured; "absent" names none.
NOT_ALLOWED = "destinataire_non_autorise"
PRESENCE_MATRIX: dict[str, dict[str, Route | str]] = {
    "AVEC_MOA": {"=MOA": TO_MOA_AS_DESTINATAIRE, "SANS_MOA": TO_DESTINATAIRE, "AVEC_MOA": TO_DESTINATAIRE,
                 "EXCLUSIVEMENT_MOA": NOT_ALLOWED, "AUCUNE": TO_DESTINATAIRE, "absent": TO_MOA_AS_DESTINATAIRE},
    "EXCLUSIVEMENT_MOA": {"=MOA": NOT_ALLOWED, "SANS_MOA": TO_DESTINATAIRE, "AVEC_MOA": NOT_ALLOWED,
                          "EXCLUSIVEMENT_MOA": NOT_ALLOWED, "AUCUNE": NOT_ALLOWED, "absent": "destinataire_absent"},
    "sans MOA sur la pièce": {"SANS_MOA": TO_DESTINATAIRE, "AVEC_MOA": TO_DESTINATAIRE,
                              "EXCLUSIVEMENT_MOA": NOT_ALLOWED, "AUCUNE": TO_DESTINATAIRE,
                              "absent": "destinataire_absent"},
    # a MOA that cannot act as MOA constrains no distinct destinataire, and is not its own destinataire
    **dict.fromkeys(("SANS_MOA", "AUCUNE"), {"=MOA": NOT_ALLOWED, "SANS_MOA": TO_DESTINATAIRE, "AVEC_MOA": TO_DESTINATAIRE,
                                            "EXCLUSIVEMENT_MOA": NOT_ALLOWED, "AUCUNE": TO_DESTINATAIRE,
                                            "absent": "destinataire_absent"}),
}  # fmt: skip
PRESENCE_ROWS = [
    pytest.param(cadre, moa, dest, expected, id=f"{cadre}-moa {moa}-destinataire {dest}")
    for cadre, (moa, row) in product(PAYABLE, PRESENCE_MATRIX.items())
    for dest, expected in row.items()
]


@pytest.mark.parametrize("cadre, moa, dest, expected", PRESENCE_ROWS)
def test_presence_moa_of_payable_cadres(cadre, moa, dest, expected):
    piece = {"moa": MOA if moa in P.__members__ else None}
    changes = {"moa": {"presence_moa": P[moa]}} if moa in P.__members__ else {}
    if dest == "=MOA":
        piece["destinataire"] = MOA
    elif dest == "absent":
        piece["destinataire"] = None
    else:
        changes["destinataire"] = {"presence_moa": P[dest]}
    mentions = (cadre,) if expected == "destinataire_absent" else (MOA if dest == "=MOA" else DESTINATAIRE,)
    check(decide(snapshot(cadre, **piece), R.DEPOT, directory(**changes)), expected, *mentions)


NOT_PUBLIC_ROWS = [
    pytest.param(cadre, changes, piece, siret, "destinataire_non_publique", id=f"{cadre}-{name}")
    for cadre in PAYABLE
    for name, changes, piece, siret in (
        ("destinataire privé", {"destinataire": {"publique": False}}, {}, DESTINATAIRE),
        ("MOA avec MOA privée, son propre destinataire", {"moa": {"presence_moa": P.AVEC_MOA, "publique": False}},
         {"destinataire": None}, MOA),
    )
]  # fmt: skip


@pytest.mark.parametrize("cadre, changes, piece, siret, code", NOT_PUBLIC_ROWS)
def test_a_payable_pieces_destinataire_is_public(cadre, changes, piece, siret, code):
    check(decide(snapshot(cadre, **piece), R.DEPOT, directory(**changes)), code, siret)


# --- MOA-bound cadres (docs/domain.md §5.2: only a public structure can be MOA) -----------------------------

MOA_ROWS = [
    pytest.param(cadre, changes, expected, id=f"{cadre}-{name}")
    for cadre in MOA_BOUND
    for name, changes, expected in (
        ("aucune", {"presence_moa": P.AUCUNE}, "moa_non_autorisee"),
        ("sans MOA", {"presence_moa": P.SANS_MOA}, "moa_non_autorisee"),
        ("avec MOA", {"presence_moa": P.AVEC_MOA}, TO_MOA),
        ("exclusivement MOA", {"presence_moa": P.EXCLUSIVEMENT_MOA}, TO_MOA),
        ("privée avec MOA", {"presence_moa": P.AVEC_MOA, "publique": False}, "moa_non_publique"),
        ("privée aucune", {"publique": False, "presence_moa": P.AUCUNE}, "moa_non_publique"),
    )
]


@pytest.mark.parametrize("cadre, changes, expected", MOA_ROWS)
def test_the_moa_of_a_moa_bound_cadre(cadre, changes, expected):
    check(decide(snapshot(cadre), R.DEPOT, directory(moa=changes)), expected, MOA)


# --- code service / numéro d'engagement (docs/domain.md §5.1) -----------------------------------------------

# (name, parameters of the owning structure, code service and engagement of the pièce, outcome or error code)
PARAMETER_CASES = [
    ("aucun paramètre, rien", {}, {}, None),
    ("code service obligatoire, absent", {"code_service_obligatoire": True}, {}, "code_service_obligatoire"),
    ("code service obligatoire, donné", {"code_service_obligatoire": True}, {"code_service": "TRAVAUX"}, None),
    ("engagement obligatoire, absent", {"numero_engagement_obligatoire": True}, {}, "numero_engagement_obligatoire"),
    ("engagement obligatoire, donné", {"numero_engagement_obligatoire": True}, {"numero_engagement": "EJ-1"}, None),
    ("engagement ou service, aucun", {"engagement_ou_service_obligatoire": True}, {},
     "engagement_ou_service_obligatoire"),
    ("engagement ou service, service", {"engagement_ou_service_obligatoire": True}, {"code_service": "TRAVAUX"}, None),
    ("engagement ou service, engagement", {"engagement_ou_service_obligatoire": True}, {"numero_engagement": "EJ-1"},
     None),
    ("engagement ou service, les deux", {"engagement_ou_service_obligatoire": True},
     {"code_service": "TRAVAUX", "numero_engagement": "EJ-1"}, None),
    ("service inconnu", {}, {"code_service": "INCONNU"}, "service_inconnu"),
    ("service sans liste de services", {"services": []}, {"code_service": "TRAVAUX"}, "service_inconnu"),
    ("service inactif", {}, {"code_service": "FERME"}, "service_inactif"),
    ("service exigeant l'engagement, absent", {}, {"code_service": "EJ"}, "numero_engagement_obligatoire"),
    ("service exigeant l'engagement, donné", {}, {"code_service": "EJ", "numero_engagement": "EJ-1"}, None),
    ("service et engagement obligatoires, rien : le service d'abord",
     {"code_service_obligatoire": True, "numero_engagement_obligatoire": True}, {}, "code_service_obligatoire"),
]  # fmt: skip
PARAMETER_ROWS = [
    pytest.param(cadre, owner, params, piece, expected or route, id=f"{cadre}-{name}")
    for cadre, owner, route in (("A19", "destinataire", TO_DESTINATAIRE), ("A15", "moa", TO_MOA))
    for name, params, piece, expected in PARAMETER_CASES
]


@pytest.mark.parametrize("cadre, owner, params, piece, expected", PARAMETER_ROWS)
def test_parameters_of_the_structure_owning_the_code_service(cadre, owner, params, piece, expected):
    changes = {owner: {"services": SERVICES} | params}
    outcome = decide(snapshot(cadre, **piece), R.DEPOT, directory(**changes))
    check(outcome, expected, SIRETS[owner], piece.get("code_service", ""))  # "" is in every detail


STRICT = {"code_service_obligatoire": True, "numero_engagement_obligatoire": True,
          "engagement_ou_service_obligatoire": True, "services": []}  # fmt: skip
UNCHECKED_ROWS = [("A4", R.DEPOT, TO_MOE), ("A7", R.DEPOT, TO_MOE), ("A10", R.VALIDATION, TO_MOE),
                  ("A10", R.DEPOT, TO_VALIDEUR), ("A18", R.DEPOT, TO_FOURNISSEUR)]  # fmt: skip


@pytest.mark.parametrize("cadre, reason, expected", UNCHECKED_ROWS, ids=[f"{c}-{r}" for c, r, _ in UNCHECKED_ROWS])
def test_parameters_do_not_apply_to_the_moe_fournisseur_or_valideur(cadre, reason, expected):
    strict = directory(**{role: STRICT for role in SIRETS})
    assert decide(snapshot(cadre, code_service="INCONNU"), reason, strict) == expected


# --- the recipient structure (docs/domain.md §5.1) -----------------------------------------------------------

RECIPIENT_CASES = [("A4", "moe"), ("A10", "valideur"), ("A15", "moa"), ("A18", "fournisseur"), ("A19", "destinataire")]
RECIPIENT_ROWS = [
    pytest.param(cadre, field, changes, code, id=f"{cadre}-{field}-{code}")
    for cadre, field in RECIPIENT_CASES
    for changes, code in ((None, "structure_inconnue"), ({"active": False}, "structure_inactive"))
]


@pytest.mark.parametrize("cadre, field, changes, code", RECIPIENT_ROWS)
def test_the_recipient_is_a_known_active_structure(cadre, field, changes, code):
    check(decide(snapshot(cadre), R.DEPOT, directory(**{field: changes})), code, SIRETS[field])


def test_a_moa_standing_in_for_the_destinataire_is_checked_as_the_recipient():
    inactive = directory(moa={"presence_moa": P.AVEC_MOA, "active": False})
    check(decide(snapshot("A19", destinataire=None), R.DEPOT, inactive), "structure_inactive", MOA)


# --- missing recipients and cadres outside the circuit ------------------------------------------------------

MISSING_ROWS = [("A4", "moe", "moe_absent"), ("A15", "moa", "moa_absent"),
                ("A19", "destinataire", "destinataire_absent"), ("A10", "valideur", "valideur_absent")]  # fmt: skip


@pytest.mark.parametrize("cadre, missing, code", MISSING_ROWS, ids=[c for _, _, c in MISSING_ROWS])
def test_a_missing_recipient_is_a_routing_error_the_issuer_can_fix(cadre, missing, code):
    check(decide(snapshot(cadre, **{missing: None}), R.DEPOT, directory()), code, cadre)


OUTSIDE_ROWS = [(cadre, reason, "cadre_non_route") for cadre, reason in
                (("A1", R.DEPOT), ("A9", R.DEPOT), ("A11", R.DEPOT), ("A21", R.DEPOT), ("A4", R.VALIDATION))]  # fmt: skip


@pytest.mark.parametrize("cadre, reason, code", OUTSIDE_ROWS, ids=[f"{c}-{r}" for c, r, _ in OUTSIDE_ROWS])
def test_cadres_outside_the_circuit_have_no_route(cadre, reason, code):
    check(decide(snapshot(cadre), reason, directory()), code, cadre)


# --- the published list of codes ----------------------------------------------------------------------------


def test_routing_error_codes_are_exactly_the_codes_of_the_error_rows():
    params = (*PRESENCE_ROWS, *NOT_PUBLIC_ROWS, *MOA_ROWS, *PARAMETER_ROWS, *RECIPIENT_ROWS)
    outcomes = [*(row.values[-1] for row in params), *(row[-1] for row in (*MISSING_ROWS, *OUTSIDE_ROWS))]
    seen = {code for code in outcomes if isinstance(code, str)}
    assert seen == set(ROUTING_ERROR_CODES) and len(ROUTING_ERROR_CODES) == len(set(ROUTING_ERROR_CODES))
