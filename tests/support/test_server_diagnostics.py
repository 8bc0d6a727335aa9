"""A test that fails because a real server it started has died says which server, how it ended
(exit code or signal) and the end of its log (issue 11), instead of a bare ConnectError."""

import signal
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from support.processes import ServerDied, ServerProcess, exit_description, free_port

# A real HTTP server that logs a line, then dies of SIGSEGV on its first POST: the way the
# llama.cpp server died at an AMX instruction after answering /v1/models.
CRASHING_SERVER = textwrap.dedent(
    """
    import http.server, os, signal, sys
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200); self.end_headers(); self.wfile.write(b"{}")
        def do_POST(self):
            print("general protection fault in ggml_backend_amx_mul_mat", flush=True)
            os.kill(os.getpid(), signal.SIGSEGV)
    print("listening", flush=True)
    http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
    """
)


def start_crashing_server(tmp_path) -> tuple[ServerProcess, str]:
    port = free_port()
    script = tmp_path / "crashing_server.py"
    script.write_text(CRASHING_SERVER)
    server = ServerProcess("crashing server", [sys.executable, str(script), str(port)], tmp_path / "server.log")
    url = f"http://127.0.0.1:{port}"
    return server.start(url + "/models", timeout=30), url


def test_exit_descriptions():
    assert exit_description(None) == "running"
    assert exit_description(3) == "exited with code 3"
    assert exit_description(-signal.SIGSEGV) == "killed by signal SIGSEGV (11)"


def test_describe_names_the_signal_and_the_log(tmp_path):
    server, url = start_crashing_server(tmp_path)
    try:
        with pytest.raises(httpx.TransportError):
            httpx.post(url + "/completions", json={}, timeout=10)
        server.process.wait(timeout=10)
        assert server.died()
        with pytest.raises(ServerDied) as died:
            server.check_alive()
        message = str(died.value)
        assert "crashing server" in message and "killed by signal SIGSEGV (11)" in message
        assert "general protection fault in ggml_backend_amx_mul_mat" in message and "listening" in message
    finally:
        server.stop()
    assert not server.died()  # stopped on purpose is not a death


def test_a_failing_test_reports_the_dead_server(pytester, monkeypatch):
    here = Path(__file__).parent  # tests/support: the plugin is support.server_report, under tests/
    monkeypatch.setenv("PYTHONPATH", f"{here.parent}:{here}")
    pytester.makepyfile(
        test_dies=textwrap.dedent(
            """
            import httpx
            from test_server_diagnostics import start_crashing_server

            def test_judge_call(tmp_path):
                server, url = start_crashing_server(tmp_path)
                try:
                    httpx.post(url + "/completions", json={}, timeout=10)
                except httpx.TransportError:
                    server.process.wait(timeout=10)
                httpx.post(url + "/completions", json={}, timeout=10)  # ConnectError: it is dead
            """
        ),
    )
    result = pytester.runpytest_subprocess("-p", "support.server_report", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert "ConnectError" in output
    assert "SERVER DIED: crashing server" in output and "killed by signal SIGSEGV (11)" in output
    assert "general protection fault in ggml_backend_amx_mul_mat" in output
