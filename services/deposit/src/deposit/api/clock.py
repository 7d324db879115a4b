"""``/admin/clock``: move the business clock forward, for tests and catch-up runs only.

Mounted only with ``CLOCK_CONTROL=true``; the administrator alone may use it. Routing has the same
endpoint on its own port: moving both by the same offset makes a whole circuit happen "later".
"""

from datetime import timedelta

from fastapi import APIRouter, Request

from deposit.api.auth import Caller, forbidden
from deposit.api.context import context
from deposit.api.pieces import AUTH
from messaging.clock import ClockOffset, ClockState
from messaging.problems import problem_responses

router = APIRouter(prefix="/admin/clock", tags=["admin"])
ADMIN = problem_responses({**AUTH, 403: "Réservé à l'administrateur de la plateforme (`acces_refuse`)"})


@router.get("", summary="Business time now", responses=ADMIN)
async def get_clock(request: Request, caller: Caller) -> ClockState:
    if not caller.admin:
        raise forbidden("Seul l'administrateur lit l'horloge.")
    return ClockState.of(context(request).clock)


@router.post(
    "",
    summary="Set the business clock's offset",
    responses={
        **ADMIN,
        **problem_responses({422: "Corps invalide (`champ_manquant`, `champ_inconnu`, `champ_invalide`)"}),
    },
)
async def set_clock(request: Request, body: ClockOffset, caller: Caller) -> ClockState:
    if not caller.admin:
        raise forbidden("Seul l'administrateur déplace l'horloge.")
    ctx = context(request)
    ctx.clock.set_offset(timedelta(seconds=body.offset_seconds))
    return ClockState.of(ctx.clock)
