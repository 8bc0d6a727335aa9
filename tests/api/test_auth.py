"""API keys: open by default; when configured, required on grading and write endpoints."""

import pytest
from support.fakes import ScriptedJudge

from verifier_service.app import create_app
from verifier_service.config import Settings

KEY = "k-0123456789abcdef"
ITEMS = {"items": [{"ground_truth": "dog", "prediction": "dog"}]}
COMPAT = {"ground_truths": ["dog"], "predictions": ["dog"]}


def test_open_by_default(app_server, tmp_path):
    with app_server(Settings(data_dir=tmp_path)) as server, server.client() as http:
        assert http.post("/grade", json=ITEMS).status_code == 200


@pytest.fixture
def protected(app_server, tmp_path):
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text("# one key per line\nk-from-the-file-0001\n")
    settings = Settings(data_dir=tmp_path / "data", api_keys=[KEY], api_keys_file=keys_file)
    with app_server(settings, {"j": ScriptedJudge()}) as server:
        yield server


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/grade", ITEMS),
        ("post", "/api/v1/classify/standard", COMPAT),
        ("post", "/api/v1/classify/binary", COMPAT),
    ],
)
def test_protected_endpoints(protected, method, path, body):
    with protected.client() as http:
        missing = http.request(method, path, json=body)
        wrong = http.request(method, path, json=body, headers={"authorization": "Bearer k-wrong-wrong-wrong"})
        bearer = http.request(method, path, json=body, headers={"authorization": f"Bearer {KEY}"})
        header = http.request(method, path, json=body, headers={"x-api-key": "k-from-the-file-0001"})
    assert missing.status_code == 401 and "API key" in missing.json()["detail"]
    assert missing.headers["www-authenticate"] == "Bearer"
    assert wrong.status_code == 401
    assert bearer.status_code == 200 and header.status_code == 200


def test_taxonomy_upload_is_protected_reads_are_open(protected):
    body = '{"nodes": [{"name": "a"}]}'
    with protected.client() as http:
        denied = http.put("/taxonomies/mine", content=body, headers={"content-type": "application/json"})
        allowed = http.put(
            "/taxonomies/mine", content=body, headers={"content-type": "application/json", "x-api-key": KEY}
        )
        assert http.get("/taxonomies").status_code == 200
        assert http.get("/healthz").status_code == 200
        assert http.get("/metrics").status_code == 200  # open unless metrics_require_key
    assert denied.status_code == 401 and allowed.status_code == 201


def test_metrics_policy(app_server, tmp_path):
    settings = Settings(data_dir=tmp_path, api_keys=[KEY], metrics_require_key=True)
    with app_server(settings) as server, server.client() as http:
        assert http.get("/metrics").status_code == 401
        assert http.get("/metrics", headers={"x-api-key": KEY}).status_code == 200


def test_bad_key_configuration_is_refused(tmp_path):
    with pytest.raises(ValueError, match="at least 16 characters"):
        create_app(Settings(data_dir=tmp_path, api_keys=["short"]))
    with pytest.raises(FileNotFoundError, match="api_keys_file"):
        create_app(Settings(data_dir=tmp_path, api_keys_file=tmp_path / "missing"))


@pytest.mark.parametrize(
    "content",
    ["# only a comment\n", "\n\n", "    # an indented comment that is long enough to pass as a key\n"],
)
def test_a_key_file_without_keys_refuses_to_start(tmp_path, content):
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text(content)
    with pytest.raises(ValueError, match="holds no key"):
        create_app(Settings(data_dir=tmp_path, api_keys_file=keys_file))


def test_indented_comments_are_comments(tmp_path):
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text("  # rotated 2026-11: the old key is below, commented out\n  k-current-key-00001\n")
    from verifier_service.api.auth import load_api_keys

    assert load_api_keys(Settings(data_dir=tmp_path, api_keys_file=keys_file)) == (b"k-current-key-00001",)
