"""Round trips, error codes and the JSON Schema export of every event."""

import json
import uuid
from datetime import date
from decimal import Decimal

import jsonschema
import pytest

from contracts import (
    CATALOG,
    AccountCodeIssued,
    ArchivedCounts,
    CategorieEntite,
    CodeMotif,
    Contact,
    ContractError,
    DeadlineReached,
    DossierArchived,
    DossierKept,
    DossierRemoved,
    Echeance,
    ExpectedAction,
    InvitationDetails,
    LatePaymentPenalties,
    PieceRouted,
    PieceStatusChanged,
    PieceSubmitted,
    PresenceMoa,
    Profil,
    Recipient,
    Role,
    Service,
    Statut,
    Structure,
    StructureUpserted,
    make_event,
    new_event_id,
    parse_event,
    topics,
    utcnow,
)
from contracts.payment_terms import penalties
from contracts.schemas import event_schemas, write_schemas
from tests.support.snapshots import snapshot

SNAPSHOT = snapshot(
    "A4",
    piece_id="p-1",
    dossier_id="d-1",
    numero="PDM-1",
    date_piece=date(2026, 11, 2),
    montant_ht=Decimal("1000"),
    montant_tva=Decimal("200.5"),
    montant_ttc=Decimal("1200.50"),
    montant_a_payer=Decimal("1200.50"),
    valideur=None,
    moa=None,
    destinataire=None,
)

SAMPLES = [
    PieceSubmitted(piece=SNAPSHOT),
    PieceRouted(
        piece_id="p-1",
        dossier_id="d-1",
        submitted_event_id="e",
        statut=Statut.MISE_A_DISPOSITION_MOE,
        recipient=Recipient(role=Role.MOE, siret="44306184100047"),
    ),
    PieceStatusChanged(
        previous_statut=Statut.DEPOSEE,
        statut=Statut.MISE_A_DISPOSITION_MOE,
        changed_at=utcnow(),
        piece=SNAPSHOT,
        expected_action=ExpectedAction(role=Role.MOE, siret="44306184100047", action="Traiter"),
    ),
    StructureUpserted(structure=Structure(siret="44306184100047", nom="MOE", email_contact="moe@example.fr")),
    StructureUpserted(
        structure=Structure(
            siret="21750001600019",
            nom="Commune",
            email_contact="travaux@commune.fr",
            publique=True,
            categorie=CategorieEntite.COLLECTIVITE_TERRITORIALE,
            presence_moa=PresenceMoa.AVEC_MOA,
            code_service_obligatoire=True,
            services=[Service(code="TRAVAUX", libelle="Service travaux", numero_engagement_obligatoire=True)],
            contacts=[Contact(email="agent@commune.fr", nom="Agent", profil=Profil.MODIFICATION, service="TRAVAUX")],
        )
    ),
    DeadlineReached(
        piece_id="p-1", dossier_id="d-1", echeance=Echeance.DG_NON_RETOURNE, due_at=utcnow(), detail="30 jours"
    ),
    DeadlineReached(
        piece_id="p-1",
        dossier_id="d-1",
        echeance=Echeance.DELAI_PAIEMENT_DEPASSE,
        due_at=utcnow(),
        penalites=penalties(Decimal("1200.50"), date(2026, 1, 31), date(2026, 1, 31), Decimal("2.15")),
    ),
    DossierArchived(
        dossier_id="d-1",
        move_id="m-1",
        fingerprint="0" * 64,
        piece_ids=["p-1"],
        notification_ids=["e-1:a@b.fr"],
        counts=ArchivedCounts(pieces=1, documents=2, octets=2048, notifications=1),
        location="http://archive/v1/archives/dossiers/d-1",
        archived_at=utcnow(),
    ),
    DossierRemoved(
        dossier_id="d-1",
        move_id="m-1",
        piece_ids=["p-1"],
        notification_ids=[],
        location="http://archive/v1/archives/dossiers/d-1",
        removed_at=utcnow(),
    ),
    DossierKept(dossier_id="d-1", move_id="m-1", code="dossier_modifie", reason="changed"),
    LatePaymentPenalties(
        piece_id="p-1",
        dossier_id="d-1",
        due_at=utcnow(),
        paid_at=utcnow(),
        penalites=penalties(Decimal("1200.50"), date(2026, 1, 31), date(2026, 3, 2), Decimal("2.15")),
    ),
    AccountCodeIssued(
        email="agent@commune.fr",
        nom="Agent",
        motif=CodeMotif.INVITATION,
        code="secret",
        expires_at=utcnow(),
        invitation=InvitationDetails(
            invitation_id="i-1",
            siret="21750001600019",
            structure_nom="Commune",
            profil=Profil.MODIFICATION,
            invite_par="Gestionnaire",
        ),
    ),
]


def test_every_event_type_has_a_sample():
    assert {type(s) for s in SAMPLES} == {spec.payload for spec in CATALOG}


@pytest.mark.parametrize("payload", SAMPLES, ids=lambda p: type(p).__name__)
def test_round_trip(payload):
    event = make_event(payload, source="/test", subject="d-1")
    parsed = parse_event(event.to_bytes())
    assert parsed == event and type(parsed.data) is type(payload)
    assert parsed.specversion == "1.0" and parsed.datacontenttype == "application/json"


def test_penalties_travel_as_strings():
    late = next(s for s in SAMPLES if isinstance(s, LatePaymentPenalties))
    document = json.loads(make_event(late, source="/t", subject="d-1").to_bytes())["data"]["penalites"]
    assert document == {
        "base": "1200.50",
        "taux_bce": "2.15",
        "taux": "10.15",
        "jours_retard": 30,
        "interets": "10.02",
        "indemnite_forfaitaire": "40.00",
        "total": "50.02",
    }


def test_amounts_travel_as_strings_with_two_decimals():
    document = json.loads(make_event(PieceSubmitted(piece=SNAPSHOT), source="/t", subject="d-1").to_bytes())
    piece = document["data"]["piece"]
    assert (piece["montant_ht"], piece["montant_tva"], piece["montant_ttc"]) == ("1000.00", "200.50", "1200.50")


def test_derived_event_ids_are_deterministic():
    cause = uuid.uuid4()
    assert new_event_id(cause, "routed") == new_event_id(cause, "routed") != new_event_id(cause, "status")
    assert new_event_id() != new_event_id()


@pytest.mark.parametrize(
    "raw, code",
    [
        (None, "empty_value"),
        (b"{nope", "invalid_json"),
        (b"[1, 2]", "invalid_envelope"),
        (b'{"type": "fr.travaux.other.v1"}', "unknown_type"),
        (
            b'{"type": "fr.travaux.piece.submitted.v1", "specversion": "1.0", "source": "s", "subject": "d", "data": {}}',
            "invalid_event",
        ),
    ],
)
def test_bad_messages_get_a_stable_code(raw, code):
    with pytest.raises(ContractError) as caught:
        parse_event(raw)
    assert caught.value.code == code and caught.value.reason


def test_schema_export_writes_one_schema_per_event_that_validates_real_events(tmp_path):
    written = write_schemas(tmp_path)
    assert sorted(p.name for p in written) == sorted(f"{spec.type}.schema.json" for spec in CATALOG)
    schemas = event_schemas()
    for payload in SAMPLES:
        event = make_event(payload, source="/test", subject="d-1")
        schema = json.loads((tmp_path / f"{event.type}.schema.json").read_text())
        assert schema == json.loads(json.dumps(schemas[event.type]))
        jsonschema.validate(json.loads(event.to_bytes()), schema)
        assert schema["x-topic"] in topics.ALL
    broken = json.loads(make_event(SAMPLES[0], source="/t", subject="d").to_bytes())
    del broken["data"]["piece"]["fournisseur"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, json.loads((tmp_path / "fr.travaux.piece.submitted.v1.schema.json").read_text()))
