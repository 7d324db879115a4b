"""A dossier left for the archive: its notification records (those the archive copied) and pièce snapshots
go, in one transaction; a re-delivered removal removes nothing more."""

import pytest

from contracts import DossierRemoved, Role, Statut, utcnow
from notification.sender import Sender

MOE = "44306184100047"
PAUL = "paul@moe.example"


def removed(dossier: str, piece_ids: list[str], keys: list[str]) -> DossierRemoved:
    return DossierRemoved(
        dossier_id=dossier, move_id="m-1", piece_ids=piece_ids, notification_ids=keys, location="a", removed_at=utcnow()
    )


async def test_the_copied_records_and_the_pieces_go_a_later_mail_stays(service, status_change):
    first = await service.deliver(status_change("A4", Statut.MISE_A_DISPOSITION_MOE, expected=(Role.MOE, MOE)))
    service.ctx.mailer.fail(PAUL, "permanent")
    await Sender(service.ctx).drain()  # two sent, one dead
    copied = list(service.ledger)
    later = await service.deliver(status_change("A4", Statut.PRISE_EN_COMPTE_MOE, expected=(Role.MOE, MOE)))
    after_copy = set(service.ledger) - set(copied)
    assert service.ctx.deliveries.dead and await service.ctx.pieces.get("p") is not None

    await service.deliver(removed("d", ["p"], copied))
    await service.deliver(removed("d", ["p"], copied))  # re-delivered

    assert set(service.ledger) == after_copy and all(k.startswith(str(later.id)) for k in service.queued)
    assert service.ctx.deliveries.dead == {} and await service.ctx.pieces.get("p") is None
    assert await service.ctx.deliveries.get(f"{first.id}:{PAUL}") is None


async def test_a_removal_that_fails_half_way_removes_nothing(service, status_change, monkeypatch):
    await service.deliver(status_change("A4", Statut.MISE_A_DISPOSITION_MOE, expected=(Role.MOE, MOE)))
    keys = list(service.ledger)

    async def database_gone(piece_ids):
        raise ConnectionError("database away")

    monkeypatch.setattr(service.ctx.pieces, "forget", database_gone)
    with pytest.raises(ConnectionError):
        await service.deliver(removed("d", ["p"], keys))

    assert list(service.ledger) == keys and len(service.queued) == 3  # rolled back with the transaction
