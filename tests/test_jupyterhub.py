"""deploy/jupyterhub_config.py on this machine: JupyterHub (pip) and its proxy (npm), two
learners signed in by the dummy authenticator. Each learner's server starts with the course in
a folder of their own, serves lesson 00 on the lambdakit kernel, and everything stops cleanly."""

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit
from pathlib import Path

import pytest

from loopback import free_port, listening_addresses

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "deploy" / "jupyterhub_config.py"
LEARNERS = ("ada", "grace")
NEWS = "@jupyterlab/apputils-extension:announcements"
# The proxy is an npm package; installed once per machine, outside the checkout.
NPM_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lambdakit" / "npm"
WAIT_S = 120  # how long a hub or a server may take to come up or go (a bound, not an assertion)

pytest.importorskip("jupyterhub", reason="jupyterhub is a test extra: pip install -e '.[test]'")


@pytest.fixture(scope="module")
def proxy():
    found = shutil.which("configurable-http-proxy")
    if found:
        return found
    installed = NPM_CACHE / "node_modules" / ".bin" / "configurable-http-proxy"
    if not installed.exists():
        if not shutil.which("npm"):
            pytest.skip("JupyterHub's proxy (configurable-http-proxy) needs Node.js and npm; npm is not installed")
        done = subprocess.run(["npm", "install", "--prefix", str(NPM_CACHE), "--no-audit", "--no-fund",
                               "configurable-http-proxy@4"], capture_output=True, text=True)
        assert done.returncode == 0, f"npm install configurable-http-proxy failed:\n{done.stderr[-2000:]}"
    return str(installed)



class Hub:
    def __init__(self, port, token):
        self.base, self.token = f"http://127.0.0.1:{port}", token

    def request(self, method, path, body=None):
        request = urllib.request.Request(f"{self.base}{path}", method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as reply:
            text = reply.read().decode()
            return reply.status, json.loads(text) if text else None

    def page(self, path):
        """The HTML at path and where it was redirected to."""
        request = urllib.request.Request(f"{self.base}{path}", headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.read().decode(), urlsplit(reply.url).path

    def wait_for(self, what, condition):
        deadline = time.monotonic() + WAIT_S
        while True:
            try:
                if condition():
                    return
            except (urllib.error.URLError, ConnectionError):
                pass
            assert time.monotonic() < deadline, f"gave up waiting for {what}"
            time.sleep(0.2)


def _server(hub, name):
    return hub.request("GET", f"/hub/api/users/{name}")[1]["servers"].get("")


def test_each_learner_gets_the_course_in_their_own_folder_and_the_hub_stops_cleanly(proxy, tmp_path):
    token, homes = secrets.token_hex(16), tmp_path / "homes"
    homes.mkdir()
    port = free_port()
    config = tmp_path / "test_config.py"
    config.write_text(f"""
c = get_config()
load_subconfig({str(CONFIG)!r})
c.JupyterHub.port = {port}
c.JupyterHub.hub_port = {free_port()}
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{free_port()}"
c.JupyterHub.services = [{{"name": "teacher", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{"name": "teacher", "services": ["teacher"],
                             "scopes": ["admin:users", "admin:servers", "access:servers"]}}]
""")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "JUPYTER", "LAMBDAKIT_"))}
    log = open(tmp_path / "hub.log", "w")
    hub_process = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)], cwd=tmp_path,
                                   env={**env, "HOMES": str(homes)}, stdout=log, stderr=subprocess.STDOUT)
    hub = Hub(port, token)
    try:
        hub.wait_for("the hub", lambda: hub.request("GET", "/hub/api/")[0] == 200)
        for name in LEARNERS:
            assert hub.request("POST", f"/hub/api/users/{name}")[0] == 201
            assert hub.request("POST", f"/hub/api/users/{name}/server")[0] in (201, 202)
        for name in LEARNERS:
            hub.wait_for(f"{name}'s server", lambda: (_server(hub, name) or {}).get("ready"))
            status, listing = hub.request("GET", f"/user/{name}/api/contents")
            assert "00-start-here.ipynb" in [item["name"] for item in listing["content"]]
            assert "conftest.py" not in [item["name"] for item in listing["content"]]
            folder = homes / name / "lambdakit-course"
            assert (folder / "00-start-here.ipynb").is_file() and (folder / ".lambdakit" / "copied.json").is_file()
            specs = hub.request("GET", f"/user/{name}/api/kernelspecs")[1]["kernelspecs"]
            assert specs["lambdakit"]["spec"]["display_name"] == "Python 3 (lambdakit)"
            assert _server(hub, name)["url"] == f"/user/{name}/"
            page, landed = hub.page(f"/user/{name}/")
            assert landed == f"/user/{name}/lab/tree/00-start-here.ipynb"
            config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', page, re.S).group(1))
            assert NEWS in config["disabledExtensions"], "the news prompt is still enabled"
        for name in LEARNERS:
            assert hub.request("DELETE", f"/hub/api/users/{name}/server")[0] in (202, 204)
        for name in LEARNERS:
            hub.wait_for(f"{name}'s server to stop", lambda: _server(hub, name) is None)
    finally:
        hub_process.terminate()
        try:
            status = hub_process.wait(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            hub_process.kill()
            status = hub_process.wait()
        log.close()
    output = (tmp_path / "hub.log").read_text()
    assert status == 0, output[-4000:]
    assert listening_addresses(port) == set(), "the proxy outlived the hub"
