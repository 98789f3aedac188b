"""Bearer tokens with scopes (ingest, analyst, admin), configured in settings.

With no tokens configured the service runs in demo mode and accepts anonymous calls.
Once any token is configured, every protected route needs a token carrying its scope;
``admin`` implies every scope. A blank configured token (an unset secret in a template) admits nobody.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable

from fastapi import Depends, HTTPException, Request


def require_scope(scope: str) -> Callable[..., Awaitable[None]]:
    return require_any_scope(scope)


def require_any_scope(*wanted: str) -> Callable[..., Awaitable[None]]:
    """A dependency that admits a token carrying any of ``wanted`` (or ``admin``)."""

    async def check(request: Request) -> None:  # a coroutine, no sub-dependencies: cheap on every call
        settings = request.app.state.voc.settings
        if not settings.tokens:
            return
        header = request.headers.get("authorization", "")
        kind, _, token = header.partition(" ")
        token = token.strip()  # before the check: a token of only whitespace is no token
        if kind.lower() != "bearer" or not token:
            raise HTTPException(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
        scopes = _scopes_of(token, settings.tokens)
        if scopes is None:
            raise HTTPException(401, "unknown token", headers={"WWW-Authenticate": "Bearer"})
        if "admin" not in scopes and not set(wanted) & set(scopes):
            raise HTTPException(403, f"this token lacks the scope for this route ({' or '.join(wanted)})",
                                headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", '
                                                             f'scope="{" ".join(wanted)}"'})

    check.required_scopes = wanted  # type: ignore[attr-defined]  # read by the route-coverage test
    return check


def _scopes_of(token: str, tokens: dict[str, list[str]]) -> list[str] | None:
    """The scopes of the configured token equal to ``token`` (None for none). Every configured token is
    compared, as fixed-length digests, so the time taken tells neither which one matched nor how long
    they are; a blank configured token matches nothing."""
    presented = hashlib.sha256(token.encode()).digest()
    found = None
    for known, granted in tokens.items():
        if hmac.compare_digest(hashlib.sha256(known.encode()).digest(), presented) and known.strip():
            found = granted if found is None else found
    return found


IngestScope = Depends(require_scope("ingest"))
AnalystScope = Depends(require_scope("analyst"))
AdminScope = Depends(require_scope("admin"))
