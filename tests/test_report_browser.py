"""The HTML report in a real headless Chromium, driven over the DevTools protocol.

The report is written by the command line (``projtrack report``), opened from
a ``file://`` URL in Debian's ``chromium`` (started here; nothing is
downloaded), and checked as a reader would see it:

* the page loads with no console errors, no uncaught exceptions and no
  network requests (only ``file:`` and ``data:`` URLs);
* the screenshot is not blank (pixel variance);
* the key numbers are in the DOM, compared with values computed here from
  the public API, not read back from the report code.

Chromium is looked up as ``$PROJTRACK_CHROMIUM``, then ``chromium`` /
``chromium-browser`` on ``PATH``. Without it the tests are skipped locally and
FAIL under ``CI=true`` (CI installs it: see ``.ci/run``). Set
``PROJTRACK_SCREENSHOT_DIR`` to keep the screenshots.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import pytest

import projtrack as pt

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "renhe-road.yaml"

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
    "--window-size=1280,1800",
]


def chromium_path() -> str:
    candidates = [os.environ.get("PROJTRACK_CHROMIUM", "")]
    candidates += [shutil.which(name) or "" for name in ("chromium", "chromium-browser")]
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return path
    message = (
        "Chromium is not installed (apt-get install chromium, or set PROJTRACK_CHROMIUM); "
        "the HTML report cannot be checked in a browser"
    )
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


class DevTools:
    """A minimal Chrome DevTools Protocol client over one websocket (flattened sessions)."""

    def __init__(self, url: str) -> None:
        import websocket  # websocket-client

        self.ws = websocket.create_connection(url, timeout=60, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event["method"] == method:
                return event
        while time.monotonic() < deadline:
            reply = json.loads(self.ws.recv())
            if "method" in reply:
                self.events.append(reply)
                if reply["method"] == method:
                    return reply
        raise TimeoutError(f"no {method} within {timeout} s")

    def drain(self, seconds: float) -> None:
        """Collect events for a while (late console messages)."""
        deadline = time.monotonic() + seconds
        self.ws.settimeout(0.2)
        try:
            while time.monotonic() < deadline:
                try:
                    reply = json.loads(self.ws.recv())
                except Exception:
                    continue
                if "method" in reply:
                    self.events.append(reply)
        finally:
            self.ws.settimeout(60)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.close()


@contextlib.contextmanager
def browser() -> Iterator[DevTools]:
    exe = chromium_path()
    profile = tempfile.mkdtemp(prefix="projtrack-chromium-")
    proc = subprocess.Popen(
        [exe, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = None
    try:
        port_file = pathlib.Path(profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if proc.poll() is not None:
                raise RuntimeError(f"chromium exited with status {proc.returncode}")
            if time.monotonic() > deadline:
                raise TimeoutError("chromium did not open its DevTools port")
            time.sleep(0.1)
        port, path = port_file.read_text().splitlines()[:2]
        client = DevTools(f"ws://127.0.0.1:{port}{path}")
        yield client
    finally:
        if client is not None:
            with contextlib.suppress(Exception):
                client.send("Browser.close")
            client.close()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)
        shutil.rmtree(profile, ignore_errors=True)


def visit(client: DevTools, url: str) -> dict[str, Any]:
    """Open ``url`` in a new tab; return problems, a screenshot and the page's data-key values."""
    target = client.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = client.send(
        "Target.attachToTarget", {"targetId": target, "flatten": True}
    )["sessionId"]
    for domain in ("Page", "Runtime", "Log", "Network"):
        client.send(f"{domain}.enable", session=session)
    client.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1280, "height": 1800, "deviceScaleFactor": 1, "mobile": False},
        session=session,
    )
    start = len(client.events)
    client.send("Page.navigate", {"url": url}, session=session)
    client.wait_for("Page.loadEventFired")
    client.drain(0.5)
    events = [e for e in client.events[start:] if e.get("sessionId") == session]
    errors = []
    requests = []
    for event in events:
        method, params = event["method"], event["params"]
        if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            args = params["args"]
            errors.append(" ".join(str(a.get("value", a.get("description"))) for a in args))
        elif method == "Runtime.exceptionThrown":
            errors.append(params["exceptionDetails"].get("text", "exception"))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            errors.append(params["entry"]["text"])
        elif method == "Network.requestWillBeSent":
            requests.append(params["request"]["url"])
    result = client.send(
        "Runtime.evaluate",
        {
            "expression": (
                "JSON.stringify(Object.fromEntries([...document.querySelectorAll('[data-key]')]"
                ".map(e => [e.dataset.key, e.textContent.trim()])))"
            ),
            "returnByValue": True,
        },
        session=session,
    )
    keys = json.loads(result["result"]["value"])
    text = client.send(
        "Runtime.evaluate",
        {"expression": "document.body ? document.body.innerText : ''", "returnByValue": True},
        session=session,
    )["result"]["value"]
    svgs = client.send(
        "Runtime.evaluate",
        {"expression": "[...document.querySelectorAll('figure svg')].map(s => "
                       "s.getBoundingClientRect().height)", "returnByValue": True},
        session=session,
    )["result"]["value"]
    shot = client.send("Page.captureScreenshot", {"format": "png"}, session=session)["data"]
    full = client.send(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
        session=session,
    )["data"]
    client.send("Target.closeTarget", {"targetId": target})
    return {
        "errors": errors,
        "requests": requests,
        "keys": keys,
        "text": text,
        "svg_heights": svgs,
        "png": base64.b64decode(shot),
        "full_png": base64.b64decode(full),
    }


def pixel_spread(png: bytes) -> tuple[float, int]:
    """(standard deviation of grey levels, number of distinct colours) of a PNG."""
    from PIL import Image, ImageStat

    image = Image.open(io.BytesIO(png)).convert("RGB")
    grey = image.convert("L")
    colours = image.getcolors(maxcolors=1 << 20) or []
    return ImageStat.Stat(grey).stddev[0], len(colours)


def keep(name: str, png: bytes) -> None:
    folder = os.environ.get("PROJTRACK_SCREENSHOT_DIR")
    if folder:
        pathlib.Path(folder).mkdir(parents=True, exist_ok=True)
        (pathlib.Path(folder) / name).write_bytes(png)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    chromium_path()  # fail (CI) or skip before doing any work
    out = tmp_path_factory.mktemp("report") / "report.html"
    cli = subprocess.run(
        [sys.executable, "-m", "projtrack", "report", str(EXAMPLE), "-o", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    assert cli.returncode == 0, cli.stdout + cli.stderr
    with browser() as client:
        page = visit(client, out.as_uri())
        controls = {
            "blank": visit(client, "data:text/html,<html><body></body></html>"),
            "noisy": visit(
                client,
                "data:text/html,<p>x</p><script>console.error('deliberate failure')</script>",
            ),
        }
    keep("report.png", page["png"])
    keep("report-full.png", page["full_png"])
    return {"page": page, "cli": cli.stdout, "controls": controls, "html": out.read_text("utf-8")}


# --------------------------------------------------------------------------- the checks work


def test_console_error_detection_catches_an_error(rendered: dict[str, Any]) -> None:
    # The same collector that must find nothing on the report finds this one.
    assert any("deliberate failure" in e for e in rendered["controls"]["noisy"]["errors"])


def test_blank_detection_flags_a_blank_page(rendered: dict[str, Any]) -> None:
    spread, colours = pixel_spread(rendered["controls"]["blank"]["png"])
    assert spread < 1.0 and colours <= 2


# --------------------------------------------------------------------------- the report


def test_page_loads_without_console_errors(rendered: dict[str, Any]) -> None:
    assert rendered["page"]["errors"] == []


def test_page_makes_no_network_requests(rendered: dict[str, Any]) -> None:
    outside = [u for u in rendered["page"]["requests"] if not u.startswith(("file:", "data:"))]
    assert outside == []


def test_html_is_self_contained(rendered: dict[str, Any]) -> None:
    html = rendered["html"]
    assert "<script" not in html.lower()
    for attr in ('src="http', "src='http", 'href="http', "@import", "url(http"):
        assert attr not in html


def test_screenshot_is_not_blank(rendered: dict[str, Any]) -> None:
    spread, colours = pixel_spread(rendered["page"]["png"])
    assert spread > 10, spread
    assert colours > 50, colours


def test_charts_are_drawn(rendered: dict[str, Any]) -> None:
    heights = rendered["page"]["svg_heights"]
    assert len(heights) == 4  # Gantt, approvals, delays by cause and by party
    assert all(h > 200 for h in heights), heights


def test_key_numbers_are_in_the_dom(rendered: dict[str, Any]) -> None:
    project = pt.load(EXAMPLE)
    sched = pt.schedule(project)
    findings = pt.check(project)
    keys = rendered["page"]["keys"]
    assert keys["finish"] == sched.finish.format("YYYY-MM-DD")
    assert keys["activities"] == str(len(project.activities))
    assert keys["findings"] == str(len(findings))
    assert keys["data_date"] == "2022-12-15"
    from projtrack.delays import analyze_delays

    slippage = analyze_delays(project).by_party.total_days
    assert float(keys["slippage"].replace(",", "")) == slippage


def test_names_and_sections_are_visible(rendered: dict[str, Any]) -> None:
    text = rendered["page"]["text"]
    for heading in ("Summary", "Schedule", "Critical path", "Approvals", "Findings", "Delays"):
        assert heading in text
    assert "人和路旧城改造项目" in text
    project = pt.load(EXAMPLE)
    last = pt.schedule(project).critical_path()[-1]
    assert project.activity(last).name in text


def test_cli_prints_a_short_summary(rendered: dict[str, Any]) -> None:
    lines = rendered["cli"].strip().splitlines()
    assert 3 <= len(lines) <= 12
    assert lines[0].startswith("Renhe Road old-city renovation")
    assert lines[-1].startswith("Report written to ")
    project = pt.load(EXAMPLE)
    assert pt.schedule(project).finish.format("YYYY-MM-DD") in rendered["cli"]
