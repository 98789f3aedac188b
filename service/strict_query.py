"""Query parameters a route does not take are refused (422 naming them), not silently ignored.

A typo such as ``?custmer_id=c-1`` on ``/v1/messages/{id}/similar`` would otherwise return
every customer's messages as if filtered. Applied to every route as an app-wide dependency; a
route's own parameters include those of the dependencies it uses.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError

_KNOWN: dict[int, frozenset[str]] = {}  # id(route) → the query parameters it takes


def refuse_unknown_query(request: Request) -> None:
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or not request.query_params:
        return
    known = _KNOWN.get(id(route))
    if known is None:
        known = _KNOWN[id(route)] = frozenset(_query_names(dependant))
    unknown = sorted({name for name in request.query_params if name not in known})
    if unknown:
        accepted = ", ".join(sorted(known)) or "none"
        raise RequestValidationError([
            {"loc": ("query", name), "type": "extra_forbidden", "input": request.query_params.get(name),
             "msg": f"not a parameter of this route (it takes: {accepted})"} for name in unknown])


def _query_names(dependant: Any) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names
