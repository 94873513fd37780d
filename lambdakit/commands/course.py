"""Start the course: install the "Python 3 (lambdakit)" kernel into this environment and open
JupyterLab on the first lesson. JupyterLab listens on 127.0.0.1 only."""

import os
import sys

HELP = "open the course in JupyterLab (installs the lambdakit kernel first)"
FIRST_LESSON = "00-start-here.ipynb"


def notebooks_dir():
    """The lessons next to the package (a clone installed with `pip install -e .`)."""
    return os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "notebooks")


def add_arguments(parser):
    parser.add_argument("--port", type=int, default=8888, help="port for JupyterLab (default 8888; taken ports move up)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    parser.add_argument("--notebooks", default=None, metavar="DIR", help="where the lessons are (default: the clone's notebooks/)")


def run(args):
    from ..notebook.kernel import DISPLAY_NAME, install_kernel

    lessons = args.notebooks or notebooks_dir()
    if not os.path.isfile(os.path.join(lessons, FIRST_LESSON)):
        print(f"lambdakit: no {FIRST_LESSON} in {lessons}; run this from a clone of the repository "
              "installed with `pip install -e .`, or pass --notebooks DIR.", file=sys.stderr)
        return 2
    print(f"Installed the kernel {DISPLAY_NAME!r} in {install_kernel(sys_prefix=sys.prefix != sys.base_prefix)}")
    command = [sys.executable, "-m", "jupyter", "lab", os.path.join(lessons, FIRST_LESSON), f"--ServerApp.root_dir={lessons}",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={args.port}"]
    if args.no_browser:
        command.append("--no-browser")
    if os.geteuid() == 0:
        command.append("--allow-root")  # JupyterLab refuses root otherwise (containers, CI)
    print("Starting JupyterLab on the first lesson; press Ctrl-C twice to stop it.", flush=True)
    os.execv(sys.executable, command)
