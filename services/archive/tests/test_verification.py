"""The copy is the dossier: records field for field, every document's size and SHA-256, every mail."""

import hashlib
from datetime import UTC, datetime
from decimal import Decimal

from bson import ObjectId
from bson.decimal128 import Decimal128

from archive.domain.verification import StoredCopy, verify

PDF, PHOTO = b"%PDF-1.4 test", b"\x89PNG" * 1000
DOC, ATT = ObjectId(), ObjectId()


def bundle() -> dict:
    piece = {
        "_id": "p-1",
        "dossier_id": "d-1",
        "montant_ttc": Decimal128(Decimal("12000.00")),
        "historique": [{"statut": "DEPOSEE", "at": datetime(2023, 1, 2, tzinfo=UTC)}],
        "document": {"file_id": DOC, "sha256": hashlib.sha256(PDF).hexdigest()},
    }
    return {
        "dossier": {"_id": "d-1", "piece_ids": ["p-1"]},
        "pieces": [piece],
        "documents": [
            {"file_id": DOC, "size": len(PDF), "sha256": hashlib.sha256(PDF).hexdigest()},
            {"file_id": ATT, "size": len(PHOTO), "sha256": hashlib.sha256(PHOTO).hexdigest()},
        ],
    }


MAILS = [{"_id": "e-1:moe@example.fr", "state": "sent"}]


def stored(**changes) -> StoredCopy:
    source = bundle()
    copy = {
        "dossier": source["dossier"],
        "pieces": source["pieces"],
        "documents": {str(d["file_id"]): (d["size"], d["sha256"]) for d in source["documents"]},
        "notifications": list(MAILS),
    }
    copy.update(changes)
    return StoredCopy(**copy)


def test_an_exact_copy_verifies_with_its_counts():
    checked = verify(bundle(), MAILS, stored())
    assert checked.ok, checked.problems
    assert (checked.pieces, checked.documents, checked.octets, checked.notifications) == (
        1, 2, len(PDF) + len(PHOTO), 1,
    )  # fmt: skip


def test_a_document_whose_bytes_differ_fails():
    documents = stored().documents | {str(ATT): (len(PHOTO), hashlib.sha256(b"other").hexdigest())}
    checked = verify(bundle(), MAILS, stored(documents=documents))
    assert not checked.ok and any(str(ATT) in p for p in checked.problems)


def test_a_missing_document_fails():
    documents = {k: v for k, v in stored().documents.items() if k != str(DOC)}
    checked = verify(bundle(), MAILS, stored(documents=documents))
    assert any("missing" in p for p in checked.problems) and any("documents: expected 2" in p for p in checked.problems)


def test_a_record_that_differs_by_one_field_fails():
    piece = dict(bundle()["pieces"][0], montant_ttc=Decimal128(Decimal("12000.01")))
    checked = verify(bundle(), MAILS, stored(pieces=[piece]))
    assert checked.problems == ("pièce p-1 differs",)


def test_a_lost_notification_or_dossier_record_fails():
    assert not verify(bundle(), MAILS, stored(notifications=[])).ok
    assert verify(bundle(), MAILS, stored(dossier=None)).problems == ("dossier record differs",)
