"""Every route of the service enforces its scope: anonymous → 401, wrong scope → 403, right scope passes.

Routes are enumerated from ``create_app()``; the scope a route needs is read from its
dependencies (``service.auth.require_any_scope``). A route with no scope dependency must be
listed in PUBLIC, so a route added without protection fails this test.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount, Route

try:  # FastAPI ≥ 0.160 keeps included routers as branches; this flattens them
    from fastapi.routing import iter_route_contexts
except ImportError:  # older FastAPI copies every route into app.routes
    def iter_route_contexts(routes):
        return iter(routes)

from service.app import create_app

PUBLIC = {"/health", "/v1/health", "/v1/ready", "/metrics"}
FRAMEWORK = {"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}
SCOPES = ("ingest", "analyst")
TOKENS = {"tok-ingest": ["ingest"], "tok-analyst": ["analyst"], "tok-admin": ["admin"], "tok-none": []}


def required_scopes(route) -> set[str] | None:
    """The scopes any of which admits a call (None when the route has no scope check)."""
    found: set[str] = set()
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        scopes = getattr(dependant.call, "required_scopes", None)
        if scopes is not None:
            found |= set(scopes)
        stack.extend(dependant.dependencies)
    return found or None


def routes(app) -> list[tuple[str, str, set[str] | None]]:
    table = []
    for route in iter_route_contexts(app.routes):
        original = getattr(route, "original_route", route)
        if isinstance(original, APIRoute):
            for method in sorted(set(route.methods) - {"HEAD", "OPTIONS"}):
                table.append((method, route.path, required_scopes(route)))
        elif isinstance(original, Route) and route.path in FRAMEWORK:
            continue
        elif isinstance(original, Mount | Route):
            assert route.path in PUBLIC, f"{route.path}: not an API route; add it to PUBLIC if it is public"
        else:
            raise AssertionError(f"unexpected route type {type(original).__name__} at {getattr(route, 'path', '?')}")
    return table


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "probe-id", path)


@pytest.fixture(scope="module")
def secured(tiny_model_dir, tiny_sentiment_head, tmp_path_factory):
    from core.settings import Settings

    settings = Settings(model=str(tiny_model_dir), models_dir=tiny_model_dir.parent, sentiment_head=tiny_sentiment_head,
                        data_dir=tmp_path_factory.mktemp("data"), tokens=TOKENS)
    app = create_app(settings)
    with TestClient(app) as client:
        yield app, client


def call(client, method: str, path: str, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    kwargs = {"json": {}} if method in {"POST", "PUT", "PATCH"} else {}
    return client.request(method, concrete(path), headers=headers, **kwargs)


def test_every_route_is_protected_or_listed_public(secured):
    app, _ = secured
    table = routes(app)
    assert len(table) >= 7
    unprotected = sorted(path for _, path, scopes in table if scopes is None and path not in PUBLIC)
    assert unprotected == [], f"routes without a scope check: {unprotected}"
    protected_public = sorted(path for _, path, scopes in table if scopes is not None and path in PUBLIC)
    assert protected_public == []


def test_every_protected_route_enforces_its_scope(secured):
    app, client = secured
    checked = 0
    for method, path, scopes in routes(app):
        if scopes is None:
            assert call(client, method, path, None).status_code not in (401, 403), path
            continue
        label = f"{method} {path} (needs {sorted(scopes)})"
        for token in (None, "tok-unknown"):
            response = call(client, method, path, token)
            assert response.status_code == 401, f"{label} with {token}: {response.status_code}"
            assert response.headers["www-authenticate"] == "Bearer"
        others = [s for s in SCOPES if s not in scopes]
        wrong = [f"tok-{s}" for s in others] + ["tok-none"]
        for token in wrong:
            response = call(client, method, path, token)
            assert response.status_code == 403, f"{label} with {token}: {response.status_code}"
            assert "probe-id" not in response.text
        for token in [f"tok-{s}" for s in scopes if s != "admin"] + ["tok-admin"]:
            response = call(client, method, path, token)
            assert response.status_code not in (401, 403), f"{label} with {token}: {response.status_code}"
            assert response.status_code < 500, f"{label} with {token}: {response.text}"
        checked += 1
    assert checked >= 6


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "bearer tok-none x", "Token tok-admin", "tok-admin",
                                    "Bearer " + "a" * 8000, "Basic dG9rLWFkbWluOg=="])
def test_malformed_authorization_is_401(secured, header):
    _, client = secured
    response = client.post("/v1/embed", json={"texts": ["x"]}, headers={"Authorization": header})
    assert response.status_code == 401


def test_scheme_is_case_insensitive_but_token_is_exact(secured):
    _, client = secured
    assert client.get("/v1/topics", headers={"Authorization": "bearer tok-analyst"}).status_code == 200
    assert client.get("/v1/topics", headers={"Authorization": "Bearer TOK-ANALYST"}).status_code == 401
