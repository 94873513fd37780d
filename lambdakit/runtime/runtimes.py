"""Runtimes that speak the Lambda Runtime API (Node.js, custom runtimes, Python through AWS's
awslambdaric): which program each one runs, and starting it in an environment.

lambdakit's own Python path (bootstrap.py over the channel) needs none of this. For these, the
spare that becomes the environment enters its sandbox as for Python, then exec()s the runtime's
program: the runtime *is* the environment's process, as on AWS, so the service's timeout kill,
memory watch and exit reporting apply to it unchanged. Its stdout and stderr are the pipe to the
service (which keeps them as the function's logs); everything else goes through the Runtime API
at AWS_LAMBDA_RUNTIME_API (runtime_api.py, in the kernel).
"""

import functools
import json
import os
import shutil
import subprocess
import sys

from . import rootfs

NODE, PROVIDED, PYTHON_RIC = "node", "provided", "python-ric"
INVALID_ENTRYPOINT = "Runtime.InvalidEntrypoint"
# The Node.js runtime lambdakit ships, in the package: "{lambdakit}" is the package's directory
# as the environment sees it (/var/runtime/lambdakit in a sandbox, where AWS keeps its runtime).
NODE_BOOTSTRAP = "{lambdakit}/runtime/node/index.mjs"
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NODE_MIN_MAJOR = 18
INSTALL_NODE = ("install Node.js 18 or later (Debian/Ubuntu: apt-get install nodejs; "
                "or https://nodejs.org) so that `node` is on PATH")


class RuntimeMissing(RuntimeError):
    """The program a runtime needs is not on this machine (one line: what to install)."""


def family(runtime, python_via_ric=False):
    """NODE, PROVIDED, PYTHON_RIC (Python through AWS's awslambdaric, when asked for), or None
    for lambdakit's own Python path."""
    if runtime.startswith("nodejs"):
        return NODE
    if runtime.startswith("provided"):
        return PROVIDED
    if python_via_ric and runtime.startswith("python"):
        return PYTHON_RIC
    return None


def code_file(runtime, handler):
    """The file a handler given as source text is saved as: index.mjs for `index.handler` on
    Node.js (what the console creates), `bootstrap` for a custom runtime, else MODULE.py."""
    kind = family(runtime)
    if kind == PROVIDED:
        return "bootstrap"
    module = handler.rsplit(".", 1)[0].replace(".", "/")
    return module + (".mjs" if kind == NODE else ".py")


def node_program():
    """The host's `node` (its path), or RuntimeMissing when there is none or it is too old."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeMissing(f"lambdakit runs Node.js functions with the machine's node: {INSTALL_NODE}")
    node = os.path.realpath(node)
    version = _node_version(node)
    if version < (NODE_MIN_MAJOR,):
        found = ".".join(map(str, version)) if version else "an unknown version"
        raise RuntimeMissing(f"lambdakit's Node.js runtime needs node {NODE_MIN_MAJOR} or later and "
                             f"{node} is {found}: {INSTALL_NODE}")
    return node


@functools.lru_cache(maxsize=8)
def _node_version(node):
    """(major, minor, patch) of a node binary, asked once; () if it does not say."""
    try:
        reply = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=10).stdout
        return tuple(int(part) for part in reply.strip().lstrip("v").split("."))
    except (OSError, ValueError, subprocess.SubprocessError):
        return ()


def command(kind, handler):
    """The argv an environment of this family exec()s; "{task}" stands for its task root."""
    if kind == NODE:
        return [node_program(), NODE_BOOTSTRAP]
    if kind == PYTHON_RIC:
        return ["{python}", "-m", "awslambdaric", handler]
    return ["{task}/bootstrap", "/opt/bootstrap"]  # AWS looks for these two, in this order


_HEAP_FLAGS = ("--max-semi-space-size", "--max_semi_space_size", "--max-old-space-size", "--max_old_space_size")


def node_heap_args(memory_size, node_options):
    """V8's heap sized from the function's memory, as AWS's Node.js bootstrap does (its script in
    the nodejs18.x base image; nodejs24.x's, read by dev.to/wonderfulsoap, keeps the tenth and the
    NODE_OPTIONS rule): a tenth is new space, each semi-space half of it, the rest old space; none
    of it when NODE_OPTIONS sets either size itself. Without them V8 would size its heap from the
    machine's memory, far beyond the function's."""
    if not memory_size or any(flag in node_options for flag in _HEAP_FLAGS):
        return []
    memory = int(memory_size)
    new_space = memory // 10
    return [f"--max-semi-space-size={new_space // 2}", f"--max-old-space-size={memory - new_space}"]


# -- in the spare, after sandbox.enter() -------------------------------------------------

def exec_runtime(spec, fd, task_root):
    """Become the runtime's process: fds 1 and 2 on the pipe to the service, then exec().
    A custom runtime without a runnable bootstrap fails INIT as on AWS (Runtime.InvalidEntrypoint)."""
    package = "/var/runtime/lambdakit" if spec["namespaces"] == "sandbox" else _PACKAGE_DIR
    argv = [part.replace("{task}", task_root).replace("{lambdakit}", package).replace("{python}", sys.executable)
            for part in spec["command"]]
    if spec["runtime_family"] == NODE and not os.path.exists(argv[0]):
        argv[0] = rootfs.NODE_INSIDE  # a node from outside the system directories, bound there
    if spec["runtime_family"] == NODE:
        argv[1:1] = node_heap_args(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"),
                                   os.environ.get("NODE_OPTIONS", ""))
    if spec["runtime_family"] == NODE and not os.environ.get("NODE_PATH"):
        # What AWS's Node.js bootstrap script sets when the function has not (as read from the
        # nodejs24.x runtime by dev.to/wonderfulsoap, "Official Node.js Runtime Analysis"):
        # layers' modules, the runtime's, the task root.
        major = os.environ.get("AWS_EXECUTION_ENV", "").replace("AWS_Lambda_nodejs", "").split(".")[0]
        os.environ["NODE_PATH"] = (f"/opt/nodejs/node{major}/node_modules:/opt/nodejs/node_modules:"
                                   "/var/runtime/node_modules:/var/runtime:/var/task")
    if spec["runtime_family"] == PYTHON_RIC and spec["namespaces"] == "sandbox":
        os.environ["PYTHONPATH"] = "/var/runtime"  # where the sandbox keeps awslambdaric (rootfs.py)
    if spec["runtime_family"] == PROVIDED:
        found = [path for path in argv if os.path.isfile(path)]
        if not found:
            _init_error(INVALID_ENTRYPOINT, f"Couldn't find valid bootstrap(s): [{' '.join(argv)}]")
        argv = found[:1]
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    try:
        os.execve(argv[0], argv, os.environ)
    except OSError as e:  # Go's words, as Lambda's init process reports it
        _init_error(INVALID_ENTRYPOINT, f"fork/exec {argv[0]}: {_GO_ERRNO.get(e.errno, e.strerror.lower())}")


_GO_ERRNO = {13: "permission denied", 8: "exec format error", 2: "no such file or directory"}


def _init_error(error_type, message):
    """Report an INIT failure through the Runtime API, as the platform would, and end."""
    import urllib.request  # here only: the zygote, which imports this module, stays small
    body = json.dumps({"errorMessage": message, "errorType": error_type}).encode()
    request = urllib.request.Request(
        f"http://{os.environ['AWS_LAMBDA_RUNTIME_API']}/2018-06-01/runtime/init/error", body,
        {"Lambda-Runtime-Function-Error-Type": error_type}, method="POST")
    try:
        urllib.request.urlopen(request, timeout=5).close()
    finally:
        os._exit(1)
