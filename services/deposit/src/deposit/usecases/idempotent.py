"""Requests carrying an ``Idempotency-Key``: the key is reserved on its own before the work starts,
so that of overlapping attempts with the same key exactly one works and every one gets its answer.

- the same request again, once the first answered: its answer, replayed;
- the same request while the first still works: wait for its answer (``IDEMPOTENCY_WAIT_SECONDS``),
  then 409 ``requete_en_cours`` with ``Retry-After``;
- the first attempt's process died: its lease (``IDEMPOTENCY_LEASE_SECONDS``) runs out and the next
  attempt takes the key over;
- a refusal or a failure changes nothing, so it frees the key: the same key may carry the corrected
  request (as Stripe saves no result when the execution never began);
- another request with the same key: 422 ``cle_idempotence_reutilisee``.
"""

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from contracts import utcnow
from deposit.adapters.idempotency import IdempotencyStore, LostReservation, Reservation
from deposit.context import DepositContext
from deposit.domain.errors import Refusal, RefusalKind
from deposit.domain.idempotency import Abandoned, InFlight, KeyReused, Replay, decide, retry_after

log = logging.getLogger(__name__)

POLL_SECONDS = 0.2  # how often a waiting request reads the key an attempt of another replica holds


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict
    replayed: bool = False


Work = Callable[[Reservation], Awaitable[Answer]]


async def once(ctx: DepositContext, scope: str, key: str | None, request_hash: str, work: Work) -> Answer:
    """``work``'s answer, or the answer of the attempt that did it; ``work`` completes the reservation
    it is given in the transaction of its change (``Reservation.complete``)."""
    if not key:
        return await work(Reservation())
    store, key_id = ctx.idempotency, f"{scope}:{key}"
    wait_seconds = ctx.settings.idempotency_wait_seconds
    give_up_at = time.monotonic() + wait_seconds
    while True:
        outcome = await store.reserve(key_id, request_hash) or await _earlier(store, key_id, request_hash)
        if isinstance(outcome, Answer):
            return outcome
        if isinstance(outcome, Reservation):
            try:
                return await _attempt(store, outcome, work)
            except LostReservation:
                continue  # the attempt that took the key over answers: wait for it
        left = give_up_at - time.monotonic()
        if left <= 0:
            raise _in_progress(retry_after(outcome, wait_seconds))
        await store.wait(key_id, min(POLL_SECONDS, left))


async def _earlier(store: IdempotencyStore, key_id: str, request_hash: str) -> Answer | Reservation | InFlight:
    """What the attempt that holds or used the key means for this one."""
    record = await store.find(key_id)
    if record is None:
        return InFlight(0)  # freed in between (that attempt was refused): try again shortly
    match decide(record, request_hash, utcnow()):
        case KeyReused():
            raise _key_reused()
        case Replay(status, body):
            return Answer(status, body, replayed=True)
        case Abandoned():
            return await store.take_over(record) or InFlight(0)
        case InFlight() as in_flight:
            return in_flight


async def _attempt(store: IdempotencyStore, reservation: Reservation, work: Work) -> Answer:
    try:
        return await work(reservation)
    except LostReservation:
        raise
    except BaseException:
        try:
            await store.release(reservation)
        except Exception:  # noqa: BLE001 - the database is away: the lease frees the key later
            log.warning("could not release the idempotency key of attempt %s; its lease will expire", reservation.owner)
        raise
    finally:
        await store.finished(reservation)


def _key_reused() -> Refusal:
    return Refusal(
        "cle_idempotence_reutilisee",
        "Clé d'idempotence déjà utilisée",
        "Cette clé Idempotency-Key a déjà servi pour une requête différente.",
        RefusalKind.INVALID,
    )


def _in_progress(seconds: int) -> Refusal:
    return Refusal(
        "requete_en_cours",
        "Requête en cours",
        "Une requête identique avec cette clé Idempotency-Key est encore en cours de traitement ; "
        f"renvoyez-la dans {seconds} s pour obtenir sa réponse.",
        RefusalKind.CONFLICT,
        retry_after=seconds,
    )
