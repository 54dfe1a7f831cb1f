"""Answers that lie (HTML, empty, redirects, wrong shapes) and servers that never answer: typed errors, bounded.

A real local HTTP server gives the canned answers; a listening socket that never accepts plays the
server that takes the connection and never answers. Time is bounded by the command's deadline (short
here) or decided by an injected clock; no test asserts how long anything took.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from azure_http import ApiClient, RetryPolicy, ServerError, StaticToken
from azure_http.answers import UnexpectedAnswer
from azure_http.deadline import DeadlineExceeded, deadline
from dapctl.cli import app
from tests.helpers import REPO

ANSWERS: dict[str, tuple[int, dict[str, str], bytes]] = {
    "/html": (200, {"Content-Type": "text/html"}, b"<html><body>Sign in to your proxy</body></html>"),
    "/empty": (200, {"Content-Type": "application/json"}, b""),
    "/redirect": (302, {"Location": "https://login.example/sso"}, b""),
    "/array": (200, {"Content-Type": "application/json"}, b"[1, 2, 3]"),
    "/value-not-list": (200, {"Content-Type": "application/json"}, b'{"value": "abc"}'),
    "/busy": (503, {"Retry-After": "100", "Content-Type": "application/json"}, b'{"error": {"code": "busy"}}'),
    "/ok": (200, {"Content-Type": "application/json"}, b'{"value": [{"id": "a"}]}'),
}


class _Handler(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self) -> None:
        path = self.path.split("?")[0].removeprefix("/base")
        self.seen.append(path)
        status, headers, body = ANSWERS.get(path, (404, {}, b""))
        self.send_response(status)
        for key, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def liar() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/base"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def silent() -> Iterator[str]:
    """A port that completes TCP handshakes (the kernel's backlog) and never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


def client(url: str, **options) -> ApiClient:
    return ApiClient(url, "scope/.default", StaticToken(), **options)


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/html", "not JSON: '<html><body>Sign in"),
        ("/empty", "an empty body"),
        ("/redirect", "a redirect to https://login.example/sso"),
        ("/array", "a JSON array where a JSON object was expected"),
    ],
)
def test_an_answer_that_is_not_the_documented_json_is_a_typed_error(liar, path, says):
    with pytest.raises(UnexpectedAnswer) as caught:
        asyncio.run(client(liar, retry=RetryPolicy(max_attempts=1)).get_json(path))
    text = str(caught.value)
    assert says in text
    assert f"GET {liar}{path}" in text  # the endpoint is named


def test_a_collection_whose_items_are_not_a_list(liar):
    async def items():
        return [i async for i in client(liar).paginate("/value-not-list")]

    with pytest.raises(UnexpectedAnswer, match="'value' is not a list of JSON objects"):
        asyncio.run(items())
    assert asyncio.run(_collect(client(liar), "/ok")) == [{"id": "a"}]


async def _collect(api: ApiClient, path: str) -> list:
    return [i async for i in api.paginate(path)]


@pytest.mark.timeout(60)
def test_a_server_that_never_answers_is_cut_off_at_the_deadline(silent):
    api = client(silent, retry=RetryPolicy(max_attempts=6), timeout=60.0)
    with deadline(0.5), pytest.raises(DeadlineExceeded) as caught:
        asyncio.run(api.get_json("/anything"))
    assert f"GET {silent}/anything" in str(caught.value)
    assert "deadline of 0.5 s" in str(caught.value)


def test_once_the_deadline_has_passed_no_request_is_sent(liar):
    now = [1000.0]
    _Handler.seen.clear()
    with deadline(30, clock=lambda: now[0]):
        now[0] += 31  # the injected clock says time is up
        with pytest.raises(DeadlineExceeded):
            asyncio.run(client(liar).get_json("/ok"))
    assert _Handler.seen == []


def test_a_back_off_that_would_outlast_the_deadline_is_not_slept(liar):
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    now = [0.0]
    with deadline(10, clock=lambda: now[0]), pytest.raises(ServerError):
        asyncio.run(client(liar, sleep=sleep).get_json("/busy"))  # Retry-After: 100 > the 10 s left
    assert slept == []


@pytest.mark.timeout(120)
def test_dapctl_gdap_status_against_a_silent_server_ends_at_its_deadline(silent, monkeypatch):
    monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", "offline")
    result = CliRunner().invoke(app, ["gdap", "status", "--endpoint", silent, "--deadline", "1"])
    assert result.exit_code == 1, result.output
    assert "deadline of 1 s" in " ".join(result.output.split())
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_dapctl_names_the_endpoint_that_answers_wrongly(liar, monkeypatch):
    monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", "offline")
    server = liar.removesuffix("/base")
    result = CliRunner().invoke(app, ["gdap", "status", "--endpoint", server])
    assert result.exit_code == 1, result.output
    assert server in result.output and "Traceback" not in result.output


def _server_answering(answer: tuple[int, dict[str, str], bytes]):
    class Always(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            status, headers, body = answer
            self.send_response(status)
            for key, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Always)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    return server


@pytest.mark.parametrize("answer", ["/html", "/empty", "/redirect", "/array"])
@pytest.mark.parametrize(
    "command", [["plan"], ["gdap", "status"], ["audit", "contoso"], ["drift"], ["revoke", "contoso"]]
)
def test_every_command_names_the_endpoint_of_an_answer_that_lies(answer, command, monkeypatch, tmp_path):
    monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", "offline")
    monkeypatch.chdir(tmp_path)
    server = _server_answering(ANSWERS[answer])
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        project = str(REPO)
        result = CliRunner().invoke(app, [*command, "--endpoint", url, "--deadline", "30", "--project-dir", project])
    finally:
        server.shutdown()
        server.server_close()
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1, result.output
    assert url in result.output


@pytest.mark.timeout(120)
def test_dapctl_plan_reading_gdap_status_from_a_silent_server_ends_at_its_deadline(silent, monkeypatch):
    monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", "offline")
    project = str(REPO)
    result = CliRunner().invoke(app, ["plan", "--endpoint", silent, "--deadline", "1", "-C", project])
    assert result.exit_code == 1, result.output
    assert "deadline of 1 s" in " ".join(result.output.split())
