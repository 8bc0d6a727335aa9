"""Deployment files, validated by real means (no Docker engine here): schemas, parsing, cross-checks
against the code, and the verifier started with the exact command and environment compose gives it."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import yaml
from conftest import REPO
from support.deployment import COMPOSE, compose, router_image_smg_version
from support.processes import ServerProcess, free_port
from support.sglang_process import StubServer

from verifier_service.config import Settings
from verifier_service.metrics import ServiceMetrics

ENV_EXAMPLE = REPO / "deploy" / "env.example"
K8S = sorted((REPO / "deploy" / "k8s").glob("*.yaml"))
BIN = Path(sys.executable).parent


def env_example() -> dict[str, str]:
    pairs = (
        line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines() if "=" in line and not line.startswith("#")
    )
    return {k.strip(): v.strip() for k, v in pairs}


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} interpolation."""

    def one(match: re.Match) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3)
        if env.get(name):
            return env[name]
        if op == ":?":
            raise KeyError(f"{name}: {arg}")
        return arg or ""

    return re.sub(r"\$\{([A-Z0-9_]+)(?:(:-|:\?)([^}]*))?\}", one, value)


def test_compose_file_is_valid_against_the_compose_specification(tmp_path):
    run = subprocess.run(
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(
        COMPOSE.read_text().replace(
            '    healthcheck:\n      test: ["CMD", "redis-cli"', '    healthchek:\n      test: ["CMD", "redis-cli"', 1
        )
    )
    assert (
        subprocess.run(
            [BIN / "check-jsonschema", "--builtin-schema", "vendor.compose-spec", str(broken)], capture_output=True
        ).returncode
        != 0
    )  # the validator does catch mistakes


def test_kubernetes_manifests_are_valid():
    run = subprocess.run(
        [BIN / "kubernetes-validate", "--strict", "-k", "1.30.0", *map(str, K8S)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr
    kinds = {doc["kind"] for path in K8S for doc in yaml.safe_load_all(path.read_text())}
    assert {"Deployment", "Service", "HorizontalPodAutoscaler"} <= kinds


def test_compose_services_ports_healthchecks_and_dependencies():
    services = compose()["services"]
    assert {"sglang", "verifier", "redis", "prometheus", "grafana"} <= set(services)
    assert "--enable-metrics" in services["sglang"]["command"]
    assert "/health" in " ".join(services["sglang"]["healthcheck"]["test"])
    assert services["sglang"]["deploy"]["resources"]["reservations"]["devices"][0]["capabilities"] == ["gpu"]
    assert services["verifier"]["depends_on"]["sglang"]["condition"] == "service_healthy"
    assert services["verifier"]["build"]["dockerfile"] == "deploy/Dockerfile"
    assert {"sglang-worker-1", "sglang-worker-2", "sglang-router", "lb"} <= {
        name for name, service in services.items() if "scale" in service.get("profiles", [])
    }
    router = services["sglang-router"]
    assert router["build"]["dockerfile"] == "deploy/router.Dockerfile"
    assert router["command"].split()[0] == "launch"  # the image's entrypoint is smg
    assert "--health-check-endpoint /health_generate" in router["command"]


# SGLang 0.5.23, entrypoints/http_server.py: /health and /health_generate run a generation and wait
# at least a second, up to SGLANG_HEALTH_CHECK_TIMEOUT (20 s) before answering; /ready answers at once.
SLOW_HEALTH_PATHS = ("/health", "/health_generate")
SGLANG_HEALTH_CHECK_S = 20


def seconds(duration: str) -> float:
    return float(duration.removesuffix("s")) if duration.endswith("s") else float(duration.removesuffix("m")) * 60


def test_compose_health_checks_allow_for_sglangs_health_time():
    checked = 0
    for name, service in compose()["services"].items():
        test = " ".join(service.get("healthcheck", {}).get("test", []))
        if not any(f":30000{path} " in test + " " for path in SLOW_HEALTH_PATHS):
            continue
        checked += 1
        max_time = float(re.search(r"--max-time (\d+)", test).group(1))
        assert max_time > SGLANG_HEALTH_CHECK_S, name
        assert seconds(service["healthcheck"]["timeout"]) > max_time, name
    assert checked == 3  # sglang, sglang-worker-1, sglang-worker-2
    router = compose()["services"]["sglang-router"]["command"]
    assert int(re.search(r"--health-check-timeout-secs (\d+)", router).group(1)) > SGLANG_HEALTH_CHECK_S


def test_kubernetes_probes_allow_for_sglangs_health_time():
    probes = []
    for path in K8S:
        for doc in yaml.safe_load_all(path.read_text()):
            for container in doc.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
                probes += [
                    (container["name"], kind, container[kind])
                    for kind in ("startupProbe", "readinessProbe", "livenessProbe")
                    if kind in container
                ]
    sglang = [(kind, probe) for name, kind, probe in probes if name == "sglang"]
    assert {kind for kind, _ in sglang} == {"startupProbe", "readinessProbe", "livenessProbe"}
    for kind, probe in sglang:
        if probe["httpGet"]["path"] in SLOW_HEALTH_PATHS:
            assert probe.get("timeoutSeconds", 1) > SGLANG_HEALTH_CHECK_S, kind
            assert probe.get("periodSeconds", 10) >= probe["timeoutSeconds"], kind
    verifier = {kind: probe for name, kind, probe in probes if name == "verifier"}
    assert verifier["readinessProbe"]["httpGet"]["path"] == "/readyz"  # cached (readiness_cache_s): answers at once


def test_the_router_image_pins_the_router_the_tests_run():
    from importlib.metadata import version

    assert router_image_smg_version() == version("smg")
    dev = (REPO / "pyproject.toml").read_text()
    assert f'"smg=={router_image_smg_version()}"' in dev


def test_every_verifier_variable_is_a_setting():
    env = env_example()
    variables = {k: interpolate(str(v), env) for k, v in compose()["services"]["verifier"]["environment"].items()}
    for path in K8S:
        for doc in yaml.safe_load_all(path.read_text()):
            for container in doc.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
                variables.update(
                    {e["name"]: e.get("value", '["k-0123456789abcdef"]') for e in container.get("env", [])}
                )
    names = [k for k in variables if k.startswith("VERIFIER_")]
    assert names
    for name in names:
        field = name.removeprefix("VERIFIER_").split("__")[0].lower()
        assert field in Settings.model_fields, f"{name} is not a setting"


def test_prometheus_scrapes_the_compose_services():
    config = yaml.safe_load((REPO / "deploy" / "prometheus" / "prometheus.yml").read_text())
    services = compose()["services"]
    targets = [t for job in config["scrape_configs"] for c in job["static_configs"] for t in c["targets"]]
    for target in targets:
        host, port = target.split(":")
        assert host in services, target
        if host == "verifier":
            assert services[host]["environment"]["VERIFIER_PORT"] == port
        else:
            command = " ".join(services[host]["command"].split())
            assert f"--port {port}" in command or f"--prometheus-port {port}" in command, target


def test_grafana_dashboard_queries_metrics_that_exist():
    dashboard = json.loads((REPO / "deploy" / "grafana" / "dashboards" / "verifier.json").read_text())
    suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"], "gauge": [""]}
    exposed = {m.name + suffix for m in ServiceMetrics().registry.collect() for suffix in suffixes[m.type]}
    used = set()
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            used |= set(re.findall(r"\b(verifier_[a-z_]+)", target["expr"]))
    assert used and used <= exposed, used - exposed
    titles = " ".join(p["title"] for p in dashboard["panels"]).lower()
    for topic in ("source", "category", "latency", "cache hit", "errors"):
        assert topic in titles


def test_the_verifier_starts_with_the_compose_command_and_environment(redis_server, smollm2_tokenizer_dir, tmp_path):
    """Runs the compose verifier's command with its environment (hosts pointed at local stand-ins:
    a real redis-server and the SGLang stand-in serving the model whose tokenizer we have)."""
    stub = StubServer(smollm2_tokenizer_dir, tmp_path, model_path=str(smollm2_tokenizer_dir)).start()
    try:
        env = {**env_example(), "JUDGE_MODEL": str(smollm2_tokenizer_dir), "SGLANG_URL": stub.url}
        service = compose()["services"]["verifier"]
        variables = {k: interpolate(str(v), env) for k, v in service["environment"].items()}
        port = free_port()
        variables.update(
            {
                "VERIFIER_REDIS_URL": redis_server.url,  # the "redis" service
                "VERIFIER_DATA_DIR": str(tmp_path / "data"),  # the /data volume
                "VERIFIER_PORT": str(port),
                "VERIFIER_HOST": "127.0.0.1",  # the port mapping
                "HF_HOME": str(tmp_path / "hf"),
            }
        )
        command = service["command"]
        executable = shutil.which(command[0], path=str(BIN))
        assert executable, f"{command[0]} is not installed"
        url = f"http://127.0.0.1:{port}"
        process = ServerProcess(
            "verifier (compose command)",
            [executable, *command[1:]],
            tmp_path / "verifier.log",
            env={**os.environ, **variables},
        )
        with process.start(url + "/healthz", timeout=60):
            key = env["VERIFIER_API_KEY"]
            items = [{"ground_truth": "dog", "prediction": "samoyed"}, {"ground_truth": "dog", "prediction": "none"}]
            denied = httpx.post(url + "/grade", json={"items": items})
            body = httpx.post(
                url + "/grade", json={"items": items}, headers={"authorization": f"Bearer {key}"}, timeout=60
            ).json()
            ready = httpx.get(url + "/readyz").json()
    finally:
        stub.kill()
    assert denied.status_code == 401  # API keys are on in the compose deployment
    assert [(g["category"], g["source"]) for g in body["grades"]] == [("more specific", "judge"), ("abstain", "rule")]
    assert ready == {"status": "ok", "checks": {"cache": "ok", "judge:judge": "ok", "shared_state": "ok"}}
    import redis

    assert redis.Redis.from_url(redis_server.url).keys("verifier:grade:*")  # the grade went to the shared cache


def test_env_example_sets_what_compose_requires():
    required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", COMPOSE.read_text()))
    assert required and required <= {k for k, v in env_example().items() if v}


def test_the_load_balancer_has_room_for_trainers_waiting_on_their_groups():
    """Issue 32: a trainer's reward workers hold one call per rollout until its group is complete
    (prompts x n per step: 2,560 in the method's runs). The shipped nginx and the replicas must take
    them: the main context is shipped and mounted (the image's allows 1,024 connections a worker,
    two per proxied call), its per-address bound is the replicas' own, and it parses (nginx -t)."""
    nginx_files = {v.split(":")[1] for v in compose()["services"]["lb"]["volumes"]}
    assert nginx_files == {"/etc/nginx/conf.d/default.conf", "/etc/nginx/nginx.conf"}
    main = (REPO / "deploy" / "nginx" / "nginx.conf").read_text()
    site = (REPO / "deploy" / "nginx" / "verifier.conf").read_text()
    waiting = 2560
    assert int(re.search(r"worker_connections (\d+);", main).group(1)) >= 2 * waiting
    assert int(re.search(r"limit_conn verifier_per_client (\d+);", site).group(1)) >= waiting
    assert Settings().max_connections >= waiting
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    checked = subprocess.run([nginx, "-t", "-c", str(REPO / "deploy" / "nginx" / "nginx.conf")], capture_output=True)
    assert checked.returncode == 0, checked.stderr.decode()
