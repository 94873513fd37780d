"""The course as a learner gets it from a wheel: `pip install lambdakit-*.whl` in a fresh
environment, then `lambdakit course --dir DIR --no-browser` serves the lessons from DIR,
lesson 00 first, with the lambdakit kernel, and `pytest --nbval` passes in DIR as it is.
Also the course folder's rule: lessons are copied in once and a learner's work is never
overwritten."""

import json
import queue
import re
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest

from installed import build_wheel, install
from loopback import free_port
from lambdakit.cli import main
from lambdakit.course import paths
from lambdakit.course.folder import CourseFolder, shipped_lessons

LESSONS = len(shipped_lessons())
URL = re.compile(r"http://127\.0\.0\.1:\d+/\S*\?token=\w+")
NEWS = "@jupyterlab/apputils-extension:announcements"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    work = tmp_path_factory.mktemp("distribution")
    return install(build_wheel(work), work)


def test_the_wheel_carries_the_course_and_the_kernel(installed):
    probe = ("import json, lambdakit; from lambdakit.course import paths; "
             "from jupyter_client.kernelspec import KernelSpecManager as M; k = M().get_kernel_spec('lambdakit'); "
             "print(json.dumps([lambdakit.__file__, str(paths.course_dir()), str(paths.notebooks_dir()), "
             "k.resource_dir, k.argv, k.display_name]))")
    done = installed.run(installed.python, "-c", probe)
    assert done.returncode == 0, done.stderr
    package, course, notebooks, kernel_dir, argv, name = json.loads(done.stdout)
    for path in (package, course, notebooks):
        assert Path(path).is_relative_to(installed.prefix), f"{path} is not the wheel's"
    assert {p.name for p in Path(course).iterdir()} >= {"checks", "grading", "reference", "solutions", "syllabus.toml"}
    assert len(list(Path(notebooks).glob("[0-9][0-9]-*.ipynb"))) == LESSONS
    assert Path(kernel_dir) == installed.prefix / "share" / "jupyter" / "kernels" / "lambdakit"
    assert argv[0] == "python" and "--ext=lambdakit.notebook.magics" in argv
    assert name == "Python 3 (lambdakit)"


def _lines(stream, into):
    for line in stream:
        into.put(line)


def _printed_url(lines, output, timeout=120):
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("JupyterLab printed no URL:\n" + "".join(output)) from None
        output.append(line)
        found = URL.search(line)
        if found:
            return found.group(0)


def _wait_until_listening(netloc, output, timeout=60):
    """Jupyter Server prints its URL a moment before it listens."""
    host, port = netloc.rsplit(":", 1)
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((host, int(port)), timeout=5).close()
            return
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise AssertionError(f"nothing listens on {netloc}:\n" + "".join(output)) from None
            time.sleep(0.1)


def _stop(server):
    server.terminate()
    try:
        return server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        return server.wait()


def _get(base, path, token):
    with urllib.request.urlopen(f"{base}{path}{'&' if '?' in path else '?'}token={token}", timeout=30) as reply:
        return reply.read().decode()


def test_course_serves_lesson_00_from_the_folder_and_nbval_passes_there(installed, tmp_path):
    folder = tmp_path / "my course"
    server = subprocess.Popen([installed.lambdakit, "course", "--dir", str(folder), "--no-browser",
                               "--port", str(free_port())], env=installed.env(),
                              cwd=installed.home, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines, output = queue.Queue(), []
    threading.Thread(target=_lines, args=(server.stdout, lines), daemon=True).start()
    try:
        url = urlsplit(_printed_url(lines, output))
        _wait_until_listening(url.netloc, output)
        assert url.path == "/lab/tree/00-start-here.ipynb"
        base, token = f"http://{url.netloc}", url.query.removeprefix("token=")
        listed = [item["name"] for item in json.loads(_get(base, "/api/contents", token))["content"]]
        assert "00-start-here.ipynb" in listed and len(listed) == LESSONS, listed
        assert "conftest.py" not in listed
        specs = json.loads(_get(base, "/api/kernelspecs", token))["kernelspecs"]
        assert specs["lambdakit"]["spec"]["display_name"] == "Python 3 (lambdakit)"
        page = _get(base, url.path, token)
        config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', page, re.S).group(1))
        assert NEWS in config["disabledExtensions"], "the news prompt is still enabled"
    finally:
        status = _stop(server)
    while not lines.empty():
        output.append(lines.get())
    assert status == 0, "".join(output)
    assert "Installed the kernel" not in "".join(output), "the wheel's kernelspec should have been found"

    graded = installed.run(installed.python, "-m", "pytest", "--nbval", "00-start-here.ipynb", cwd=folder, timeout=600)
    assert graded.returncode == 0, graded.stdout[-4000:] + graded.stderr[-2000:]
    assert re.search(r"\b\d+ passed\b", graded.stdout) and "failed" not in graded.stdout
    assert sorted(p.name for p in folder.iterdir() if not p.name.endswith(".ipynb")) == [".lambdakit", ".pytest.ini"]


def _lesson(directory, name, text):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text)])
    nbformat.write(nb, str(directory / name))


def _text(path):
    return nbformat.read(str(path), as_version=4).cells[0].source


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """A course of two lessons (and a conftest.py a learner must not see) that tests can update."""
    source = tmp_path / "shipped"
    source.mkdir()
    _lesson(source, "00-a.ipynb", "a v1")
    _lesson(source, "01-b.ipynb", "b v1")
    (source / "conftest.py").write_text("")
    monkeypatch.setenv("LAMBDAKIT_NOTEBOOKS_DIR", str(source))
    return source


def _course(folder, *options):
    return main(["course", "--dir", str(folder), "--prepare-only", *options])


def test_lessons_are_copied_once_and_a_learners_work_is_never_overwritten(shipped, tmp_path, capsys):
    folder = tmp_path / "course"
    assert _course(folder) == 0
    assert sorted(p.name for p in folder.iterdir()) == [".lambdakit", ".pytest.ini", "00-a.ipynb", "01-b.ipynb"]
    assert "Copied 2 lessons" in capsys.readouterr().out
    _lesson(folder, "00-a.ipynb", "a, my work")
    _lesson(shipped, "00-a.ipynb", "a v2")
    _lesson(shipped, "01-b.ipynb", "b v2")
    _lesson(shipped, "02-c.ipynb", "c v1")

    assert _course(folder) == 0
    assert "3 lesson(s) have a new version; `lambdakit course --update`" in capsys.readouterr().out
    assert (_text(folder / "00-a.ipynb"), _text(folder / "01-b.ipynb")) == ("a, my work", "b v1")
    assert not (folder / "02-c.ipynb").exists()

    assert _course(folder, "--update") == 0
    out = capsys.readouterr().out
    assert "00-a.ipynb: you changed it; the new version is 00-a.new.ipynb" in out
    assert "01-b.ipynb: updated" in out and "02-c.ipynb: new lesson" in out
    assert [_text(folder / n) for n in ("00-a.ipynb", "00-a.new.ipynb", "01-b.ipynb", "02-c.ipynb")] == \
        ["a, my work", "a v2", "b v2", "c v1"]

    _lesson(shipped, "00-a.ipynb", "a v3")
    assert _course(folder, "--update") == 0
    assert _text(folder / "00-a.new.ipynb") == "a v3", "an untouched .new copy takes the next version"
    _lesson(folder, "00-a.new.ipynb", "a, my second try")
    _lesson(shipped, "00-a.ipynb", "a v4")
    assert _course(folder, "--update") == 0
    assert "00-a.ipynb: you changed it and its .new copy; nothing written" in capsys.readouterr().out
    assert (_text(folder / "00-a.ipynb"), _text(folder / "00-a.new.ipynb")) == ("a, my work", "a, my second try")


def test_a_file_already_in_the_folder_is_kept(shipped, tmp_path):
    folder = tmp_path / "course"
    folder.mkdir()
    _lesson(folder, "01-b.ipynb", "mine before the course")
    placed = CourseFolder(folder).set_up()
    assert [p.name for p in placed] == ["00-a.ipynb"]
    assert _text(folder / "01-b.ipynb") == "mine before the course"
    assert [p.name for p in CourseFolder(folder).outdated()] == ["01-b.ipynb"]


def test_a_folder_that_cannot_be_made_is_one_line(shipped, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert _course(blocker / "course") == 2
    err = capsys.readouterr().err
    assert err.startswith("lambdakit course: cannot set up ") and err.count("\n") == 1


def test_progress_stays_with_the_course_folder(shipped, tmp_path, monkeypatch, capsys):
    from lambdakit.course.progress import Progress

    folder = tmp_path / "course"
    assert _course(folder) == 0
    Progress(CourseFolder(folder).progress_file).record_attempt("1.1", True, "")
    capsys.readouterr()
    assert main(["progress", "--dir", str(folder)]) == 0
    mine = [line for line in capsys.readouterr().out.splitlines() if "1.1" in line]
    assert mine and "✅" in mine[0], mine
    # kernels start in the notebook's directory, and a learner's terminal in the folder
    monkeypatch.delenv(paths.PROGRESS_VAR, raising=False)
    (folder / "my work").mkdir()
    monkeypatch.chdir(folder / "my work")
    assert paths.progress_file() == folder / ".lambdakit" / "progress.json"
    monkeypatch.chdir(tmp_path)
    assert paths.progress_file() != folder / ".lambdakit" / "progress.json"
