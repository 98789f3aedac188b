"""Reading JSON bodies strictly: a body the parser cannot read is refused as 422 naming what is wrong.

* a key given twice in one object is refused (a parser would keep the last and drop the rest
  silently: a second ``id`` or ``messages`` would lose what the first one said);
* nesting too deep to parse, a number with too many digits and bytes that are not UTF-8
  are named as such, not answered with a bare "error parsing the body".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.routing import APIRoute

from service.log_privacy import redact


class UnreadableBody(HTTPException):
    """A body that is JSON in form but cannot be taken as the caller meant it."""

    def __init__(self, message: str) -> None:
        super().__init__(422, f"body: {message}")
        self.message = message


class _DuplicateKeys(ValueError):
    def __init__(self, keys: list[str]) -> None:
        super().__init__(", ".join(repr(redact(key)[:50]) for key in keys))


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        # seen.add(key) returns None (falsy): it only marks the key seen
        twice = [key for key, _ in pairs if key in seen or seen.add(key)]  # type: ignore[func-returns-value]
        raise _DuplicateKeys(list(dict.fromkeys(twice)))
    return found


def parse_json(body: bytes) -> Any:
    """The JSON value of ``body``; json.JSONDecodeError for malformed JSON, UnreadableBody for the rest."""
    try:
        return json.loads(body, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError:
        raise
    except _DuplicateKeys as error:
        raise UnreadableBody(f"a key is given twice in one object ({error}); send each key once") from None
    except RecursionError:
        raise UnreadableBody("nested too deeply to be read") from None
    except UnicodeDecodeError as error:
        raise UnreadableBody(f"not valid UTF-8 at byte {error.start}") from None
    except ValueError:  # an integer of thousands of digits
        raise UnreadableBody("a number has too many digits to be read") from None


class StrictJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse_json(await self.body())
        return self._json


class StrictJsonRoute(APIRoute):
    """A route whose JSON body is read with parse_json."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            return await handler(StrictJsonRequest(request.scope, request.receive))

        return strict_handler
