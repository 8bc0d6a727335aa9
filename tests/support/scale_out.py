"""The compose file's scale profile on loopback, from the shipped files themselves: nginx serving
``deploy/nginx/verifier.conf`` (only its upstream and listen addresses rewritten, by code that
reads the file), verifier replicas started with the compose service's command and environment,
one redis-server with the compose flags, the smg router with the compose flags, and SGLang
stand-in workers. ``Topology`` starts, faults and stops them; ``load`` and ``oracle`` measure."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from support.deployment import REPO, compose, router_argv
from support.processes import ServerProcess, free_port
from support.sglang_process import StubServer

API_KEY = "scale-out-test-key-0123456789"
MODEL = "stub/judge-model"  # what the stand-in reports as its model_path (JUDGE_MODEL)
VERIFIER_CONF = REPO / "deploy" / "nginx" / "verifier.conf"


def nginx_conf(replica_ports: list[int], listen_port: int, workdir: Path) -> Path:
    """``deploy/nginx/verifier.conf`` with its upstream servers and listen port made local: the
    Docker DNS resolver line goes (no container DNS here), everything else is kept as written,
    inside the minimal main context the nginx image gives a conf.d file."""
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
    main = f"""pid {workdir / "nginx.pid"};
error_log {workdir / "nginx-error.log"} warn;
events {{ worker_connections 1024; }}
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
    scored_by_killed: int = 0
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
    def kill_verifier(self, index: int) -> None:
        self.verifiers[index].kill()

    def start_verifier(self, index: int) -> None:
        self.verifiers[index] = self._verifier(index)
        self.verifiers[index].start(f"http://127.0.0.1:{self.ports[index]}/readyz", timeout=120)

    def kill_worker(self, index: int) -> None:
        self.scored_by_killed = self.scored(index)  # what it scored is counted before it goes
        self.workers[index].kill()

    def scored(self, index: int) -> int:
        """Judge pairs a worker has scored (its scoring requests: one per pair)."""
        return sum("return_logprob" in body for body in self.workers[index].requests())

    def pause_redis(self, seconds: float) -> None:
        pid = self.redis.process.pid  # type: ignore[union-attr]
        os.kill(pid, signal.SIGSTOP)
        time.sleep(seconds)
        os.kill(pid, signal.SIGCONT)

    def reload_nginx(self) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        subprocess.run([nginx, "-c", str(self.nginx_conf), "-p", str(self.workdir), "-s", "reload"], check=True)

    def restart_router(self) -> None:
        self.router.kill()
        self.start_router()

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
