"""Start the course: copy the lessons into your course folder (once: your work there is never
overwritten), make sure the "Python 3 (lambdakit)" kernel is installed, and start JupyterLab on
that folder, at the first lesson. JupyterLab listens on 127.0.0.1 unless --ip says otherwise (a
container); open the printed URL."""

import os
import sys
from pathlib import Path

HELP = "open the course in JupyterLab, in your course folder (copies the lessons in once)"
FIRST_LESSON = "00-start-here.ipynb"
DEFAULT_DIR = "~/lambdakit-course"
# Extra Jupyter configuration for the JupyterLab we start: no "official Jupyter news?" prompt.
JUPYTER_CONFIG = Path(__file__).parent / "jupyter_config"


def add_arguments(parser):
    parser.add_argument("--dir", default=DEFAULT_DIR, metavar="DIR",
                        help="your course folder: lessons, your work and your progress (default: %(default)s)")
    parser.add_argument("--update", action="store_true",
                        help="bring in new versions of the lessons: an untouched lesson is replaced, "
                             "one you changed gets the new version beside it (NN-name.new.ipynb)")
    parser.add_argument("--ip", default="127.0.0.1",
                        help="address JupyterLab listens on (default %(default)s; 0.0.0.0 inside a container)")
    parser.add_argument("--port", type=int, default=8888, help="port for JupyterLab (default 8888; taken ports move up)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    parser.add_argument("--prepare-only", action="store_true",
                        help="set up the folder and the kernel, then exit without starting JupyterLab "
                             "(for images and JupyterHub)")


def run(args):
    from ..course.folder import CourseFolder

    folder = CourseFolder(args.dir)
    if not folder.lessons():
        print(f"lambdakit course: no lessons in {folder.source}; reinstall lambdakit.", file=sys.stderr)
        return 2
    try:
        _set_up(folder, args.update)
    except OSError as error:
        print(f"lambdakit course: cannot set up {folder.root}: {error.strerror or error}", file=sys.stderr)
        return 2
    _ensure_kernel()
    if args.prepare_only:
        return 0
    _start_jupyterlab(folder, args)


UPDATED = {"updated": "  {name}: updated",
           "copied": "  {name}: new lesson",
           "beside": "  {name}: you changed it; the new version is {new}",
           "kept": "  {name}: you changed it and its .new copy; nothing written"}


def _set_up(folder, update):
    if not folder.is_set_up():
        print(f"Copied {len(folder.set_up())} lessons into {folder.root}")
    elif update:
        placed = folder.update()
        for p in placed:
            print(UPDATED[p.how].format(name=p.name, new=p.written_as))
        if not placed:
            print(f"The lessons in {folder.root} are up to date.")
    elif folder.outdated():
        print(f"{len(folder.outdated())} lesson(s) have a new version; `lambdakit course --update` brings "
              "them in (your changes are kept).")


def _ensure_kernel():
    from ..notebook.kernel import DISPLAY_NAME, find_kernel, install_kernel, runs_this_python

    spec = find_kernel()
    if spec is None:
        print(f"Installed the kernel {DISPLAY_NAME!r} in {install_kernel()}")
    elif not runs_this_python(spec.argv):
        print(f"lambdakit course: the kernel {DISPLAY_NAME!r} in {spec.resource_dir} runs {spec.argv[0]}, "
              "not this Python; `lambdakit install-kernel --user` points it here.", file=sys.stderr)


def _start_jupyterlab(folder, args):
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={folder.root}",
               # the printed URL (and the browser) open the first lesson, not the launcher
               f"--LabApp.default_url=/lab/tree/{FIRST_LESSON}",
               f"--ServerApp.ip={args.ip}", f"--ServerApp.port={args.port}"]
    if args.no_browser:
        command.append("--no-browser")
    if os.geteuid() == 0:
        command.append("--allow-root")  # JupyterLab refuses root otherwise (containers, CI)
    config_path = [str(JUPYTER_CONFIG), *filter(None, os.environ.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep))]
    os.environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join(config_path)
    print("Starting JupyterLab on the first lesson; press Ctrl-C twice to stop it.", flush=True)
    os.execv(sys.executable, command)
