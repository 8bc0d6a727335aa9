"""The warm batch side by side with the method's original service, in one run (issue 33, finding 12).

The original is the llm_caching_service of s-angheben/SpeciaRL (not part of this repository: give
its checkout with ``--original`` and a Python with its ``requirements.txt`` with
``--original-python``). It runs as its training scripts start it
(``scripts/train/setup_and_run_services.sh``: gunicorn, one UvicornWorker, ``--timeout 300``,
``--log-level info``, structlog JSON at INFO, its error log file, ``max_batch_prompt_size`` 32),
its default model of type ``vllm_single`` and its default prompt ``ver_base_json``, with Redis;
MongoDB logging off (no mongod here), and again on with no writer draining the queue (each request
then builds and queues its log events, as in training, but the writer's own work is not counted).
This service runs as ``verifier serve`` with its defaults and Redis, as ``warm_batch.py`` runs it.
Both use the same redis-server (their own databases), the same instant fake judge, and the same
batch: one GRPO step of the method, 2,560 items (``warm_batch.step_items``).

After one cold request each (filling the caches), every configuration gets ``--rounds`` rounds of
``--requests`` sequential requests from 1 and from 4 clients, the services alternated round by
round; printed per configuration: p50, p99 and the server's CPU per request (the original: its
gunicorn worker's), and the ratios to the original's. Then, apart (a profiler slows what it
measures), this service under cProfile for the same warm requests: where its time goes.

    .venv/bin/python bench/original_side_by_side.py --original ../SpeciaRL/llm_caching_service \\
        --original-python /path/to/venv/bin/python [--rounds 3] [--requests 30]
"""

from __future__ import annotations

import argparse
import pstats
import statistics
import sys
import tempfile
from pathlib import Path

import httpx
import psutil
from servers import RedisServer, ServerProcess, fake_judge_settings, free_port, start_fake_judge, start_verifier
from warm_batch import classify_body, grade_body, run, step_items

COMPAT = "/api/v1/classify/standard"


def original_config(path: Path, redis_url: str, judge_url: str, mongodb: bool, log_dir: Path) -> Path:
    """The training scripts' configuration (``scripts/train/config.env.yml``), reduced to the default
    model, pointed at the fake judge."""
    path.write_text(
        f"""default_llm_model: "instant_nothinking_single"
default_verifier_prompt: "ver_base_json"
redis_url: "{redis_url}"
models:
  - name: "instant_nothinking_single"
    type: "vllm_single"
    model_path: "instant"
    api_base: "{judge_url}/"
    thinking_enabled: false
    timeout_seconds: 1200
mongodb:
  enabled: {"true" if mongodb else "false"}
  url: "mongodb://127.0.0.1:1"
  max_occurrences: 100000
  worker_count: 4
logging:
  level: "INFO"
  format: "json"
  include_stdlib: true
  file_logging:
    enabled: true
    error_file: "{log_dir / "errors.log"}"
    max_size: "100MB"
    rotate_count: 3
batching:
  max_batch_prompt_size: 32
"""
    )
    return path


def start_original(
    checkout: Path, python: str, config: Path, log_dir: Path
) -> tuple[ServerProcess, str, psutil.Process]:
    """gunicorn as ``setup_and_run_services.sh`` starts it; the worker process, whose CPU is the service's."""
    port = free_port()
    argv = [python, "-m", "gunicorn", "-w", "1", "-k", "uvicorn.workers.UvicornWorker", "--timeout", "300",
            "src.main:app", "--bind", f"127.0.0.1:{port}", "--log-level", "info"]  # fmt: skip
    env = {"PATH": str(Path(python).parent) + ":/usr/bin:/bin", "PYTHONPATH": str(checkout),
           "CONFIG_PATH": str(config)}  # fmt: skip
    server = ServerProcess("original", argv, log_dir / "original.log", env=env, cwd=checkout)
    url = f"http://127.0.0.1:{port}"
    server.start(url + "/health", timeout=120)
    (worker,) = psutil.Process(server.pid).children(recursive=True)
    return server, url, worker


def warm(url: str, path: str, body: bytes) -> None:
    response = httpx.post(url + path, content=body, timeout=600, headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text[:500]


def profile(work: Path, env: dict[str, str], bodies: dict[str, bytes], requests: int) -> None:
    """This service in this process (its app and lifespan, as ``verifier serve`` builds them, over
    an ASGI transport), ``requests`` warm requests per route under cProfile after a cold one
    each: the functions taking the most time of their own per warm request (httpx's are the client's)."""
    import asyncio
    import cProfile
    import os

    from support.app_servers import AsgiServer

    from verifier_service.config import Settings

    os.environ.update({**env, "VERIFIER_DATA_DIR": str(work / "profiled")})
    profiler = cProfile.Profile()

    async def drive() -> None:
        async with AsgiServer(Settings()) as server, server.client(timeout=600) as http:
            headers = {"content-type": "application/json"}
            for path, body in bodies.items():
                assert (await http.post(path, content=body, headers=headers)).status_code == 200  # cold
                profiler.enable()
                for _ in range(requests):
                    assert (await http.post(path, content=body, headers=headers)).status_code == 200
                profiler.disable()

    asyncio.run(drive())
    stats = pstats.Stats(profiler)
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:15]  # type: ignore[attr-defined]
    total = len(bodies) * requests
    print(f"\nThis service under cProfile, own time per warm request ({total} requests, both routes):")
    for (file, line, function), (_, calls, own, _cumulative, _) in rows:
        where = f"{Path(file).parent.name}/{Path(file).name}:{line}" if line else file
        print(f"  {own * 1000 / total:6.2f} ms  {function} ({where}), {calls / total:.1f} calls per request")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--original", type=Path, required=True, help="a checkout's llm_caching_service directory")
    parser.add_argument("--original-python", required=True, help="a Python with the original's requirements")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not (args.original / "src" / "main.py").is_file():
        sys.exit(f"{args.original}: not the original's llm_caching_service (no src/main.py)")
    items = step_items(0)
    bodies = {"/grade": grade_body(items), COMPAT: classify_body(items)}
    results: dict[tuple[str, str, int], list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        judge, judge_url = start_fake_judge(work)
        redis = RedisServer(work).start()
        servers = []
        try:
            env = {**fake_judge_settings(judge_url), "VERIFIER_JUDGES__FAKE__POLICY__MAX_CONCURRENCY": "64",
                   "VERIFIER_CACHE": "redis", "VERIFIER_REDIS_URL": redis.url}  # fmt: skip
            (work / "ours").mkdir()
            ours, ours_url = start_verifier(work / "ours", env)
            servers.append(ours)
            targets = [("this service", ours_url, psutil.Process(ours.pid), ["/grade", COMPAT])]
            for number, mongodb in enumerate((False, True), start=1):
                log_dir = work / f"original-{number}"
                log_dir.mkdir()
                database = redis.url.rsplit("/", 1)[0] + f"/{number}"  # the original's own
                config = original_config(log_dir / "config.yml", database, judge_url, mongodb, log_dir)
                server, url, worker = start_original(args.original, args.original_python, config, log_dir)
                servers.append(server)
                name = "original, MongoDB logging " + ("queued, no writer" if mongodb else "off")
                targets.append((name, url, worker, [COMPAT]))
            for _, url, _, paths in targets:
                for path in paths:
                    warm(url, path, bodies[path])
            for _ in range(args.rounds):  # the services alternated, round by round
                for name, url, process, paths in targets:
                    for path in paths:
                        for clients in (1, 4):
                            found = run(url, process, path, bodies[path], len(items), clients, args.requests, 1)
                            results.setdefault((name, path, clients), []).append(found)
            for server in servers:  # the profile runs alone, with the same Redis and judge
                server.stop()
            profile(work, env, bodies, args.requests)
        finally:
            for server in servers:
                server.stop()
            judge.stop()
            redis.stop()
    baseline = {c: statistics.median(r["cpu_ms"] for r in results[(targets[1][0], COMPAT, c)]) for c in (1, 4)}
    print("| service | route | clients | p50 ms | p99 ms | CPU ms per request (rounds) | CPU vs the original |")
    print("|---|---|---:|---:|---:|---|---:|")
    for (name, path, clients), rounds in results.items():
        cpu = [r["cpu_ms"] for r in rounds]
        print(
            f"| {name} | `{path}` | {clients} | {statistics.median(r['p50'] for r in rounds):.1f} | "
            f"{max(r['p99'] for r in rounds):.1f} | {', '.join(f'{c:.1f}' for c in cpu)} | "
            f"{statistics.median(cpu) / baseline[clients]:.2f}x |"
        )


if __name__ == "__main__":
    main()
