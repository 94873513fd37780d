"""A JupyterLab server for the browser tests, isolated from the user's own Jupyter set-up.

Every Jupyter and IPython directory points into a temporary home, so the kernelspec we
install, the settings we write and the workspaces JupyterLab saves never touch the user's.
The server listens on a free loopback port and requires a random token.
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT_S = 180
STOP_TIMEOUT_S = 30

# JupyterLab's first start asks whether to fetch Jupyter news, in a toast over the notebook.
QUIET_SETTINGS = {"@jupyterlab/apputils-extension/notification.jupyterlab-settings":
                  {"fetchNews": "false", "checkForUpdates": False}}


def jupyter_environment(home):
    """os.environ with Jupyter, IPython and lambdakit's progress file under `home`."""
    dirs = {"JUPYTER_DATA_DIR": home / "data", "JUPYTER_CONFIG_DIR": home / "config",
            "JUPYTER_RUNTIME_DIR": home / "runtime", "IPYTHONDIR": home / "ipython"}
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **{name: str(path) for name, path in dirs.items()}}
    env["JUPYTER_PATH"] = env["JUPYTER_DATA_DIR"]  # found before the venv's share/jupyter
    env["LAMBDAKIT_PROGRESS"] = str(home / "progress.json")
    env.pop("JUPYTER_TOKEN", None)
    for name, settings in QUIET_SETTINGS.items():
        path = dirs["JUPYTER_CONFIG_DIR"] / "lab" / "user-settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    return env


def install_kernel(env):
    """`lambdakit install-kernel --user`, which lands in the temporary JUPYTER_DATA_DIR."""
    done = subprocess.run([sys.executable, "-m", "lambdakit", "install-kernel", "--user"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"lambdakit install-kernel failed:\n{done.stdout}{done.stderr}"
    return Path(env["JUPYTER_DATA_DIR"]) / "kernels" / "lambdakit"


def copy_notebooks(sources, root):
    """Copy each (source directory, name under root) so the browser edits copies only."""
    for source, name in sources:
        shutil.copytree(source, root / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))


def fill_in_solutions(directory):
    """Replace every exercise's starter cell with its solution, in place.

    A starter's check raises ExerciseFailed (by design), which stops Run All Cells there;
    solved, a lesson runs to its end, as tests/test_course.py grades it.
    """
    import nbformat

    from lambdakit.course.build import with_solutions

    for path in directory.glob("*.ipynb"):
        nbformat.write(with_solutions(nbformat.read(path, as_version=4)), path)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class JupyterLab:
    """A running server: its URL, token, notebook root and process."""
    url: str
    token: str
    root: Path
    process: subprocess.Popen
    log_path: Path

    @classmethod
    def start(cls, root, env, log_path):
        port, token = free_port(), secrets.token_hex(16)
        command = [sys.executable, "-m", "jupyter", "lab", "--no-browser",
                   "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
                   f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}",
                   "--LabApp.extension_manager=readonly", "--LabApp.news_url=None"]
        if os.geteuid() == 0:
            command.append("--allow-root")  # JupyterLab refuses root otherwise (containers, CI)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "wb") as log:
            process = subprocess.Popen(command, env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT)
        lab = cls(f"http://127.0.0.1:{port}", token, root, process, log_path)
        lab._wait_ready()
        return lab

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.process.returncode}:\n{self.log()}")
            try:
                self.api("GET", "/api/status")
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"JupyterLab was not ready after {START_TIMEOUT_S} s:\n{self.log()}")

    def log(self):
        return self.log_path.read_text(errors="replace")[-5000:]

    def api(self, method, path, body=None):
        """A call to the Jupyter Server REST API; returns the decoded JSON (or None)."""
        request = urllib.request.Request(
            self.url + path, method=method, data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            data = response.read()
        return json.loads(data) if data else None

    def page_url(self, workspace, path=None):
        """A fresh workspace per page, so no test reopens another test's tabs."""
        tree = f"/tree/{path}" if path else ""
        return f"{self.url}/lab/workspaces/{workspace}{tree}?reset&token={self.token}"

    def session(self, path):
        """The session of the notebook at `path`, or None."""
        return next((s for s in self.api("GET", "/api/sessions") if s["path"] == path), None)

    def shut_down(self, path):
        """Close the notebook's session; its kernel (and its local Lambda) stops."""
        session = self.session(path)
        if session is not None:
            self.api("DELETE", f"/api/sessions/{session['id']}")

    def federated_extensions(self):
        """Names of the prebuilt JupyterLab extensions this server hands to the page."""
        request = urllib.request.Request(f"{self.url}/lab?token={self.token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            page = response.read().decode()
        start = page.index('id="jupyter-config-data"')
        config = page[page.index(">", start) + 1:page.index("</script>", start)]
        return sorted(e["name"] for e in json.loads(config)["federated_extensions"])

    def stop(self):
        """Stop the server: SIGTERM lets it shut its kernels down; SIGKILL only if it hangs."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
