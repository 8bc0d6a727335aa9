"""The compose file's scale profile on loopback, from the shipped files themselves: nginx serving
``deploy/nginx/verifier.conf`` (only its upstream and listen addresses rewritten, by code that
reads the file), verifier replicas started with the compose service's command and environment,
one redis-server with the compose flags, the smg router with the compose flags, and SGLang
stand-in workers. ``Topology`` starts, faults and stops them; ``load`` and ``oracle`` measure."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from support.deployment import REPO, compose, router_argv
from support.processes import ServerProcess, free_port
from support.sglang_process import StubServer

API_KEY = "scale-out-test-key-0123456789"
MODEL = "stub/judge-model"  # what the stand-in reports as its model_path (JUDGE_MODEL)
VERIFIER_CONF = REPO / "deploy" / "nginx" / "verifier.conf"
MAIN_CONF = REPO / "deploy" / "nginx" / "nginx.conf"


def nginx_conf(replica_ports: list[int], listen_port: int, workdir: Path) -> Path:
    """``deploy/nginx/verifier.conf`` with its upstream servers and listen port made local: the
    Docker DNS resolver line goes (no container DNS here), everything else is kept as written,
    inside a main context with the shipped one's connection settings (``deploy/nginx/nginx.conf``:
    its log and pid paths, and its include of the image's conf.d, made local)."""
    text = VERIFIER_CONF.read_text()
    upstream = re.compile(r"^(\s*)server verifier:8000;$", re.M)
    assert upstream.search(text), "verifier.conf no longer has 'server verifier:8000;'"
    text = upstream.sub(lambda m: "\n".join(f"{m.group(1)}server 127.0.0.1:{p};" for p in replica_ports), text)
    text = re.sub(r"^resolver .*;$", "", text, flags=re.M)
    assert re.search(r"^\s*listen 8080;$", text, re.M), "verifier.conf no longer listens on 8080"
    text = re.sub(r"^(\s*)listen 8080;$", rf"\1listen 127.0.0.1:{listen_port};", text, flags=re.M)
    temp = {name: workdir / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(parents=True, exist_ok=True)
    shipped = MAIN_CONF.read_text()
    connections = re.search(r"^\s*worker_connections (\d+);$", shipped, re.M)
    files = re.search(r"^worker_rlimit_nofile (\d+);$", shipped, re.M)
    assert connections and files, "deploy/nginx/nginx.conf no longer sets worker_connections and worker_rlimit_nofile"
    main = f"""pid {workdir / "nginx.pid"};
error_log {workdir / "nginx-error.log"} warn;
worker_rlimit_nofile {files.group(1)};
events {{ worker_connections {connections.group(1)}; }}
http {{
    access_log off;
    client_body_temp_path {temp["client_body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
{text}
}}
"""
    path = workdir / "nginx.conf"
    path.write_text(main)
    return path


def verifier_environment(port: int, data_dir: Path, redis_url: str, router_url: str, tokenizer: Path) -> dict[str, str]:
    """The compose verifier service's environment, its addresses made local. The one addition:
    the judge's tokenizer (the image reads the served model's from the Hugging Face cache)."""
    env = {k: str(v) for k, v in compose()["services"]["verifier"]["environment"].items()}
    assert env["VERIFIER_CACHE"] == "redis" and env["VERIFIER_JUDGES__JUDGE__KIND"] == "sglang"
    env |= {
        "VERIFIER_HOST": "127.0.0.1",
        "VERIFIER_PORT": str(port),
        "VERIFIER_DATA_DIR": str(data_dir),
        "VERIFIER_REDIS_URL": redis_url,
        "VERIFIER_JUDGES__JUDGE__URL": router_url,
        "VERIFIER_JUDGES__JUDGE__MODEL": MODEL,
        "VERIFIER_JUDGES__JUDGE__TOKENIZER": str(tokenizer),
        "VERIFIER_API_KEYS": f'["{API_KEY}"]',
        "VERIFIER_LOG_LEVEL": "WARNING",
    }
    env.pop("HF_HOME", None)
    return env


def redis_argv(port: int, workdir: Path) -> list[str]:
    """The compose redis command, on a local port and directory."""
    command = compose()["services"]["redis"]["command"]
    binary = shutil.which(command[0])
    assert binary, "install Debian's redis-server"
    return [binary, *command[1:], "--port", str(port), "--bind", "127.0.0.1", "--dir", str(workdir)]


@dataclass
class Topology:
    workdir: Path
    tokenizer: Path
    script: dict[str, str]
    replicas: int = 3
    workers: list[StubServer] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)  # when a judging's grade could be lost
    verifiers: list[ServerProcess] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)

    def start(self) -> Topology:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.redis_port = free_port()
        self.redis = ServerProcess(
            "redis-server", redis_argv(self.redis_port, self.workdir), self.workdir / "redis.log"
        )
        self.redis.start()
        wait_for_redis(self.redis_port)
        self.workers = [StubServer(self.tokenizer, self.workdir, script=self.script).start() for _ in range(2)]
        self.start_router()
        self.ports = [free_port() for _ in range(self.replicas)]
        self.verifiers = [self._verifier(i) for i in range(self.replicas)]
        for server, port in zip(self.verifiers, self.ports, strict=True):
            server.start(f"http://127.0.0.1:{port}/readyz", timeout=120)
        self.lb_port = free_port()
        self.nginx_conf = nginx_conf(self.ports, self.lb_port, self.workdir)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        argv = [nginx, "-c", str(self.nginx_conf), "-p", str(self.workdir), "-g", "daemon off;"]
        self.nginx = ServerProcess("nginx", argv, self.workdir / "nginx.log")
        self.url = f"http://127.0.0.1:{self.lb_port}"
        self.nginx.start(self.url + "/healthz", timeout=30)
        return self

    def start_router(self) -> None:
        smg = shutil.which("smg", path=str(Path(sys.executable).parent))
        assert smg, "the router is not installed: pip install smg (the dev extra pins it)"
        self.router_port = getattr(self, "router_port", None) or free_port()
        argv = [
            smg,
            *router_argv(port=self.router_port, prometheus_port=free_port(), worker_urls=[w.url for w in self.workers]),
        ]
        self.router_url = f"http://127.0.0.1:{self.router_port}"
        self.router = ServerProcess("smg router", argv, self.workdir / "router.log")
        self.router.start(self.router_url + "/readiness", timeout=120)

    def _verifier(self, index: int) -> ServerProcess:
        data_dir = self.workdir / f"verifier-{index}"
        env = {**os.environ, **verifier_environment(self.ports[index], data_dir, f"redis://127.0.0.1:{self.redis_port}/0",
                                                     self.router_url, self.tokenizer)}  # fmt: skip
        argv = [str(Path(sys.executable).parent / "verifier"), *compose()["services"]["verifier"]["command"][1:]]
        return ServerProcess(f"verifier {index}", argv, self.workdir / f"verifier-{index}.log", env=env)

    # ---- faults -----------------------------------------------------------------------------
    # The faults that can cost a second judging of a pair record their window: a replica or a
    # worker killed, the router restarted (each loses the answers in flight), Redis paused
    # (single-flight is per replica and grades stay in the embedded caches until every replica
    # is back on Redis). Starting a replica and reloading nginx (graceful) lose nothing.
    def kill_verifier(self, index: int) -> None:
        with self._window(f"kill verifier {index}"):
            self.verifiers[index].kill()

    def start_verifier(self, index: int) -> None:
        self.verifiers[index] = self._verifier(index)
        self.verifiers[index].start(f"http://127.0.0.1:{self.ports[index]}/readyz", timeout=120)

    def kill_worker(self, index: int) -> None:
        with self._window(f"kill worker {index}"):
            self.workers[index].kill()

    def scorings(self) -> list[dict]:
        """Every scoring request the workers received (one per judged pair), killed ones' too."""
        return [scoring for worker in self.workers for scoring in worker.scorings()]

    def pause_redis(self, seconds: float) -> None:
        pid = self.redis.process.pid  # type: ignore[union-attr]
        with self._window(f"pause redis {seconds:g}s"):
            os.kill(pid, signal.SIGSTOP)
            time.sleep(seconds)
            os.kill(pid, signal.SIGCONT)
            self.wait_until_all_on_redis()

    def wait_until_all_on_redis(self, timeout: float = 60) -> None:
        """Until every replica's metrics say it uses Redis again (readiness checks make those on
        the embedded cache probe it: they switch back only when an operation comes)."""
        deadline = time.monotonic() + timeout
        pending = {port for port, server in zip(self.ports, self.verifiers, strict=True) if server.returncode is None}
        with httpx.Client(headers={"x-api-key": API_KEY}, timeout=5) as http:
            while pending:
                for port in sorted(pending):
                    base = f"http://127.0.0.1:{port}"
                    http.get(base + "/readyz")
                    if 'verifier_cache_backend{backend="redis"} 1.0' in http.get(base + "/metrics").text:
                        pending.discard(port)
                if pending and time.monotonic() > deadline:
                    raise TimeoutError(f"replicas on ports {sorted(pending)} never went back to Redis")
                time.sleep(0.2)

    def reload_nginx(self) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        subprocess.run([nginx, "-c", str(self.nginx_conf), "-p", str(self.workdir), "-s", "reload"], check=True)

    def restart_router(self) -> None:
        with self._window("restart router"):
            self.router.kill()
            self.start_router()

    @contextmanager
    def _window(self, fault: str) -> Iterator[None]:
        start = time.monotonic()
        yield
        self.windows.append(Window(fault, start, time.monotonic()))

    def stop(self) -> None:
        if getattr(self, "nginx", None) is not None:
            self.nginx.stop()  # SIGTERM to the master, which stops its workers (a SIGKILL would orphan them)
        for server in [*self.verifiers, getattr(self, "router", None)]:
            if server is not None:
                server.kill()
        for worker in self.workers:
            worker.kill()
        if getattr(self, "redis", None) is not None:
            self.redis.kill()


@dataclass(frozen=True)
class Window:
    """A fault, from its start until its effect is over (``time.monotonic``, one clock per machine)."""

    fault: str
    start: float
    end: float


def unexplained_rejudgings(scorings: list[dict], windows: list[Window]) -> list[tuple[str, float, float]]:
    """Second judgings of a pair that no fault explains: (pair, previous, this) arrival times for
    each scoring of a pair after its first, unless a fault window lies between the two (the first
    in flight or its grade unshared when the fault began, the second after it had begun)."""
    by_pair: dict[str, list[float]] = {}
    for scoring in scorings:
        by_pair.setdefault(scoring["pair"], []).append(scoring["at"])
    unexplained = []
    for pair, times in sorted(by_pair.items()):
        times.sort()
        for previous, this in itertools.pairwise(times):
            if not any(previous <= w.end and this >= w.start for w in windows):
                unexplained.append((pair, previous, this))
    return unexplained


def wait_for_redis(port: int, timeout: float = 20) -> None:
    import redis

    deadline = time.monotonic() + timeout
    while True:
        try:
            redis.Redis(host="127.0.0.1", port=port).ping()
            return
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
