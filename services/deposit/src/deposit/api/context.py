"""The service's context, as the request's application holds it: the one way handlers reach it."""

from fastapi import Request

from deposit.context import DepositContext


def context(request: Request) -> DepositContext:
    return request.app.state.ctx
