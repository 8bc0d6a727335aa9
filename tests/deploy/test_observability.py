"""Monitoring as an operator gets it: Prometheus's own tools on the config and the alerts, a real
Prometheus scraping the service while its judge breaks, and the dashboard's SGLang panels
checked against the metrics SGLang defines."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import yaml
from conftest import REPO
from support.deployment import compose
from support.processes import ServerProcess, free_port
from support.sglang_process import StubServer
from support.sglang_validation import VENV as SGLANG_VENV

from verifier_service.config import Settings
from verifier_service.judges.resilience import RemotePolicy
from verifier_service.judges.sglang import SGLangJudge

PROMETHEUS_DIR = REPO / "deploy" / "prometheus"
ALERTS = PROMETHEUS_DIR / "alerts.yml"
DASHBOARD = REPO / "deploy" / "grafana" / "dashboards" / "verifier.json"
PROMTOOL = shutil.which("promtool")
PROMETHEUS = shutil.which("prometheus")
NEEDS_PROMETHEUS = "Debian's prometheus package (.ci/run installs it)"


def alert_rules() -> list[dict]:
    return [rule for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]]


def dashboard_queries() -> list[tuple[str, str]]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [(panel["title"], target["expr"]) for panel in panels for target in panel["targets"]]


def promtool(*args: str | Path) -> subprocess.CompletedProcess:
    assert PROMTOOL, NEEDS_PROMETHEUS
    return subprocess.run([PROMTOOL, *map(str, args)], capture_output=True, text=True, timeout=120)


def test_promtool_checks_the_config_and_its_rules():
    run = promtool("check", "config", PROMETHEUS_DIR / "prometheus.yml")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 rule files found" in run.stdout and f"{len(alert_rules())} rules found" in run.stdout


def test_promtool_unit_tests_every_alert(tmp_path):
    run = promtool("test", "rules", PROMETHEUS_DIR / "alerts_test.yml")
    assert run.returncode == 0, run.stdout + run.stderr
    cases = yaml.safe_load((PROMETHEUS_DIR / "alerts_test.yml").read_text())["tests"]
    fired = {check["alertname"] for case in cases for check in case["alert_rule_test"] if check["exp_alerts"]}
    quiet = {check["alertname"] for case in cases for check in case["alert_rule_test"] if not check["exp_alerts"]}
    names = {rule["alert"] for rule in alert_rules()}
    assert fired == names  # every alert is shown to fire
    assert len(quiet) >= len(names) - 2  # and nearly every one to stay quiet when it should
    # The tests can fail: with a threshold changed, promtool reports the alert that did not fire.
    broken = tmp_path / "alerts.yml"
    broken.write_text(ALERTS.read_text().replace("> 0.05", "> 0.5"))
    shutil.copy(PROMETHEUS_DIR / "alerts_test.yml", tmp_path / "alerts_test.yml")
    run = promtool("test", "rules", tmp_path / "alerts_test.yml")
    assert run.returncode != 0 and "VerifierJudgeFailing" in run.stdout + run.stderr


def test_kubernetes_ships_the_same_rules():
    config_map = yaml.safe_load((REPO / "deploy" / "k8s" / "prometheus-rules.yaml").read_text())
    assert config_map["data"]["alerts.yml"] == ALERTS.read_text()


def test_compose_prometheus_loads_the_rules():
    prometheus = compose()["services"]["prometheus"]
    assert "./deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro" in prometheus["volumes"]


def test_every_alert_has_a_runbook_entry_in_the_readme():
    readme = (REPO / "README.md").read_text()
    section = readme.split("### Alerts and what to do", 1)[1].split("\n## ", 1)[0]
    for rule in alert_rules():
        assert re.search(rf"^\| `{rule['alert']}` \|.+\|.+\|$", section, re.MULTILINE), rule["alert"]


def sglang_exposed_metrics() -> set[str]:
    """The sample names SGLang 0.5.23 exposes, from its metric definitions in the wheel
    (``srt/observability/metrics_collector.py``), read as source: the collectors need a running
    server's context to be constructed."""
    source = next(SGLANG_VENV.glob("lib/python*/site-packages/sglang/srt/observability/metrics_collector.py"))
    suffixes = {"Counter": ["_total"], "Gauge": [""], "Histogram": ["_bucket", "_sum", "_count"], "Summary": [""]}
    exposed = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in suffixes:
            name = next((k.value.value for k in node.keywords if k.arg == "name"), None)
            if isinstance(name, str) and name.startswith("sglang:"):
                base = name.removesuffix("_total") if node.func.id == "Counter" else name
                exposed |= {base + suffix for suffix in suffixes[node.func.id]}
    return exposed


def test_sglang_panels_query_metrics_sglang_defines():
    exposed = sglang_exposed_metrics()
    assert {"sglang:num_running_reqs", "sglang:prompt_tokens_total"} <= exposed  # the parse found them
    used = {name for _, expr in dashboard_queries() for name in re.findall(r"\b(sglang:[a-z_]+)", expr)}
    assert used and used <= exposed, used - exposed


# ---- a real Prometheus -----------------------------------------------------------------------
class Prometheus:
    """Debian's prometheus on a local port, scraping the given targets every second."""

    def __init__(self, tmp_path: Path, verifier: str, rules: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(rules)],
            "scrape_configs": [{"job_name": "verifier", "static_configs": [{"targets": [verifier]}]}],
        }
        config_path = tmp_path / "prometheus.yml"
        config_path.write_text(yaml.safe_dump(config))
        argv = [PROMETHEUS, f"--config.file={config_path}", f"--storage.tsdb.path={tmp_path / 'tsdb'}"]
        argv += [f"--web.listen-address=127.0.0.1:{self.port}"]
        self.server = ServerProcess("prometheus", argv, tmp_path / "prometheus.log")

    def query(self, expr: str) -> list[dict]:
        body = httpx.get(self.url + "/api/v1/query", params={"query": expr}, timeout=10).json()
        assert body["status"] == "success", (expr, body)
        return body["data"]["result"]

    def wait_for(self, expr: str, what: str, timeout: float = 30) -> list[dict]:
        deadline = time.monotonic() + timeout
        while not (result := self.query(expr)) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert result, f"{what}: no series for {expr} after {timeout}s"
        return result

    def firing(self) -> set[str]:
        alerts = httpx.get(self.url + "/api/v1/alerts", timeout=10).json()["data"]["alerts"]
        return {a["labels"]["alertname"] for a in alerts if a["state"] == "firing"}


@pytest.mark.slow
def test_a_real_prometheus_sees_every_panel_and_the_judge_down_alert(live_server, smollm2_tokenizer_dir, tmp_path):
    """The service with an SGLang stand-in as its judge, scraped by a real Prometheus loading
    alerts.yml; traffic, then the judge is killed. Every verifier panel's query returns series,
    every alert expression evaluates, and the judge-down alerts fire. The alerts' ``for:``
    durations (minutes) are set to zero in the copy loaded here, so that they fire in seconds."""
    assert PROMETHEUS, NEEDS_PROMETHEUS
    rules = tmp_path / "alerts.yml"
    rules.write_text(re.sub(r"^(\s+)for: \S+$", r"\1for: 0s", ALERTS.read_text(), flags=re.MULTILINE))
    stub = StubServer(smollm2_tokenizer_dir, tmp_path).start()
    policy = {"timeout": 5, "attempt_timeout": 2, "retries": 0, "breaker_failures": 2, "breaker_reset": 300}
    judge = {"kind": "sglang", "url": stub.url, "tokenizer": str(smollm2_tokenizer_dir), "policy": policy}
    settings = Settings(data_dir=tmp_path / "data", judges={"sglang": judge})
    judged = [{"ground_truth": "dog", "prediction": "samoyed"}, {"ground_truth": "lion", "prediction": "panthera leo"}]
    settled = [{"ground_truth": "dog", "prediction": "I don't know"}, {"ground_truth": "cat", "prediction": "cat"}]
    try:
        with live_server(settings) as service, service.client() as http:
            prometheus = Prometheus(tmp_path, f"127.0.0.1:{service.port}", rules)
            with prometheus.server.start(prometheus.url + "/-/ready", timeout=60):
                prometheus.wait_for('up{job="verifier"} == 1', "the first scrape")
                for batch in (judged + settled, judged, settled):  # judged, then cached, then rules
                    assert http.post("/grade", json={"items": batch}).status_code == 200
                    time.sleep(1.5)
                assert http.post("/grade", json={"items": []}).status_code == 422
                stub.kill()  # the judge goes down
                for n in range(4):
                    grades = http.post("/grade", json={"items": [{"ground_truth": "fox", "prediction": f"kit {n}"}]})
                    assert grades.json()["grades"][0]["status"] == "judge_error"
                    time.sleep(1.2)
                prometheus.wait_for('verifier_judge_breaker_open{judge="sglang"} == 1', "the breaker gauge")
                for title, expr in dashboard_queries():
                    if "verifier_" in expr:
                        prometheus.wait_for(expr, f"panel {title!r}", timeout=15)
                for rule in alert_rules():
                    prometheus.query(rule["expr"])  # every alert expression evaluates
                deadline = time.monotonic() + 30
                while not {"VerifierJudgeFailing", "VerifierJudgeBreakerOpen"} <= prometheus.firing():
                    assert time.monotonic() < deadline, prometheus.firing()
                    time.sleep(0.5)
                backend = prometheus.query("verifier_cache_backend == 1")
    finally:
        stub.kill()
    assert [series["metric"]["backend"] for series in backend] == ["embedded"]  # SQLite: the panel has a line


def test_breaker_state_is_exported_per_remote_judge(app_server, tmp_path):
    policy = RemotePolicy(retries=0, breaker_failures=1, breaker_reset=300)
    judge = SGLangJudge(f"http://127.0.0.1:{free_port()}", model="m", policy=policy)  # nothing listens there
    settings = Settings(data_dir=tmp_path / "data", max_items_in_flight=1234)
    with app_server(settings, {"remote": judge}) as server, server.client() as http:
        closed = http.get("/metrics").text
        failed = http.post("/grade", json={"items": [{"ground_truth": "dog", "prediction": "samoyed"}]}).json()
        opened = http.get("/metrics").text
    assert failed["grades"][0]["status"] == "judge_error"
    assert 'verifier_judge_breaker_open{judge="remote"} 0.0' in closed
    assert 'verifier_judge_breaker_open{judge="remote"} 1.0' in opened
    assert "verifier_items_in_flight_limit 1234.0" in closed


@pytest.mark.parametrize(
    ("cache", "expected"),
    [("sqlite", {"embedded": 1.0}), ("none", {"none": 1.0})],
)
def test_the_cache_backend_gauge_is_never_empty(app_server, tmp_path, cache, expected):
    settings = Settings(data_dir=tmp_path / "data", cache=cache)
    with app_server(settings) as server, server.client() as http:
        text = http.get("/metrics").text
    series = dict(re.findall(r'^verifier_cache_backend\{backend="(\w+)"\} (\S+)$', text, re.MULTILINE))
    assert {k: float(v) for k, v in series.items()} == expected
    assert "verifier_cache_fallback 0.0" in text
