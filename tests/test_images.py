"""Zero-install ways to start: the Binder (repo2docker) files, read and run as repo2docker would
use them, and the Docker image, built and served where a Docker engine is available."""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

from lambdakit.commands.course import JUPYTER_CONFIG
from lambdakit.course.folder import shipped_lessons

REPO = Path(__file__).resolve().parents[1]
BINDER = REPO / "binder"
NEWS = "@jupyterlab/apputils-extension:announcements"


def test_binder_names_the_python_lambdakit_needs():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    required = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    assert re.fullmatch(r"python-3\.\d+", runtime)
    assert required == ">=3.11" and int(runtime.split(".")[1]) >= 11


def test_binder_post_build_installs_lambdakit_and_silences_the_news():
    post_build = (BINDER / "postBuild").read_text()
    assert os.access(BINDER / "postBuild", os.X_OK) and post_build.startswith("#!/bin/bash")
    assert "set -euo pipefail" in post_build
    assert re.search(r"^python -m pip install --no-cache-dir \.$", post_build, re.M)
    assert f'jupyter labextension disable "{NEWS}"' in post_build
    disabled = json.loads((JUPYTER_CONFIG / "labconfig" / "page_config.json").read_text())["disabledExtensions"]
    assert disabled == {NEWS: True}, "lambdakit course and Binder silence the same plugin"


def test_binder_start_sets_up_the_course_folder_then_runs_the_server(tmp_path):
    assert os.access(BINDER / "start", os.X_OK)
    env = {"HOME": str(tmp_path), "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    server = "import os; print('server in', os.getcwd())"
    done = subprocess.run([str(BINDER / "start"), sys.executable, "-c", server], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "lambdakit-course"
    lines = done.stdout.splitlines()
    assert (lines[0], lines[-1]) == (f"Copied {len(shipped_lessons())} lessons into {folder}", f"server in {tmp_path}")
    assert (folder / "00-start-here.ipynb").is_file() and not (folder / "conftest.py").exists()


def _docker_engine():
    if not shutil.which("docker"):
        return "the docker command is not installed"
    info = subprocess.run(["docker", "info"], capture_output=True, text=True)
    if info.returncode != 0:
        return "`docker info` failed: " + (info.stderr.strip().splitlines() or ["no engine"])[-1]
    return None


def test_docker_image_serves_lesson_00(tmp_path):
    missing = _docker_engine()
    if missing:
        pytest.skip(f"No Docker engine here ({missing}); the image is built and run where one is.")
    tag = "lambdakit-course:test"
    build = subprocess.run(["docker", "build", "-q", "-t", tag, str(REPO)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-4000:]
    run = subprocess.run(["docker", "run", "-d", "--rm", "-p", "127.0.0.1::8888", tag], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    container = run.stdout.strip()
    try:
        host_port = subprocess.run(["docker", "port", container, "8888"], capture_output=True,
                                   text=True).stdout.split(":")[-1].strip()
        deadline, url = time.monotonic() + 120, None
        while url is None and time.monotonic() < deadline:
            logs = subprocess.run(["docker", "logs", container], capture_output=True, text=True)
            url = re.search(r"http://127\.0\.0\.1:8888(/lab/tree/00-start-here\.ipynb)\?token=(\w+)", logs.stdout + logs.stderr)
            time.sleep(0.5)
        assert url, "the container printed no URL"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{host_port}/api/contents?token={url.group(2)}",
                                            timeout=10) as reply:
                    listed = [item["name"] for item in json.load(reply)["content"]]
                break
            except OSError:
                assert time.monotonic() < deadline, "the container's JupyterLab did not answer"
                time.sleep(0.5)
        assert "00-start-here.ipynb" in listed and "conftest.py" not in listed
    finally:
        subprocess.run(["docker", "stop", container], capture_output=True)
