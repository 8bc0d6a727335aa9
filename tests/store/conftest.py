"""Fixtures of the shared-state tests."""

import pytest

from verifier_service.store.shared_state import RedisState, SQLiteState


@pytest.fixture(params=["sqlite", "redis"])
def two_replicas(request, tmp_path):
    """Handles on one store, as replicas hold them: each call opens another (the embedded file, or a
    real redis-server)."""
    if request.param == "sqlite":
        return lambda: SQLiteState(tmp_path / "state.db")
    server = request.getfixturevalue("redis_server")
    return lambda: RedisState(server.url)
