"""The sandbox of each execution environment: handler code tried as an attacker would, and
the view AWS's Python runtime gives it (packaging, sys.path, user, limits, output).

Real processes through lambdakit.Runtime. Where the host allows no sandbox (not root, not
Linux), these tests are skipped: Runtime.isolation says so.
"""

import os
import signal
import subprocess
import sys

import pytest

from lambdakit import layers
from lambdakit.core import records


@pytest.fixture
def sandboxed(real):
    if not real.isolation["sandbox"]:
        pytest.skip("no sandbox on this host: " + real.isolation["note"])
    return real


@pytest.fixture
def sandboxed_virtual(virtual):
    """For work that is heavy on memory and threads: on the real clock a 128 MB function runs at
    7% of a CPU, which on some virtual machines makes such work ten times slower again."""
    if not virtual.isolation["sandbox"]:
        pytest.skip("no sandbox on this host: " + virtual.isolation["note"])
    return virtual


def run(service, name, source, event=None, **settings):
    service.create_function(name, source, **settings)
    result = service.invoke(name, event or {})
    assert result.function_error is None, result.result
    return result


# ------------------------------------------------------------------ attacks
PEEK = """
import os

def lambda_handler(event, context):
    found = {}
    for path in event["paths"]:
        try:
            with open(path, "rb") as f:
                found[path] = f.read().decode(errors="replace")
        except OSError as e:
            found[path] = type(e).__name__
    environs = []
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                environs.append(f.read().decode(errors="replace"))
        except OSError:
            pass
    return {"found": found, "environs": environs, "ppid": os.getppid()}
"""


def test_host_secrets_are_out_of_reach(sandboxed, tmp_path, monkeypatch):
    # The kernel's credentials (its environment), the user's AWS credentials, /etc/shadow.
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "kernel-secret-key")
    credentials = tmp_path / ".aws" / "credentials"
    credentials.parent.mkdir()
    credentials.write_text("[default]\naws_secret_access_key = user-secret-key\n")
    paths = [f"/proc/{os.getpid()}/environ", f"/proc/{os.getppid()}/environ", str(credentials),
             os.path.expanduser("~/.aws/credentials"), "/etc/shadow", "/root/.bash_history",
             os.path.join(os.path.dirname(layers.__file__), "..", "pyproject.toml"), sys.executable]
    seen = run(sandboxed, "peek", PEEK, {"paths": paths}).result
    assert set(seen["found"].values()) <= {"FileNotFoundError", "PermissionError"}, seen["found"]
    assert seen["ppid"] == 0  # its parent is outside its PID namespace
    assert not any("kernel-secret-key" in text for text in seen["environs"])


NEIGHBOUR = """
import glob, os

def lambda_handler(event, context):
    if event.get("write"):
        with open("/tmp/secret", "w") as f:
            f.write("neighbour's secret")
        with open("/dev/shm/secret", "w") as f:
            f.write("neighbour's shared memory")
        return None
    return {"tmp": glob.glob("/proc/*/root/tmp/secret") + glob.glob(f"/proc/{event['pid']}/root/tmp/*"),
            "shm": os.listdir("/dev/shm"), "own_tmp": os.listdir("/tmp"),
            "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit())}
"""


def test_another_environments_tmp_and_shared_memory_are_not_visible(sandboxed):
    run(sandboxed, "writer", NEIGHBOUR, {"write": True})
    writer_pid = sandboxed.environments("writer")[0].pid
    seen = run(sandboxed, "reader", NEIGHBOUR, {"pid": writer_pid}).result
    assert seen == {"tmp": [], "shm": [], "own_tmp": [], "processes": [2]}  # itself (its init is lambdakit's)
    assert not os.path.exists("/dev/shm/secret")  # nor the host's /dev/shm


MOUNTS = """
import ctypes, os, subprocess

libc = ctypes.CDLL(None, use_errno=True)
MS_REMOUNT, MS_BIND = 32, 4096

def lambda_handler(event, context):
    def errno_of(result):
        return os.strerror(ctypes.get_errno()) if result != 0 else "done"
    umount = errno_of(libc.umount2(b"/tmp", 2))
    remount = errno_of(libc.mount(None, b"/var/task", None, MS_REMOUNT | MS_BIND, None))
    try:
        open("/var/task/injected.py", "w").close()
        write = "done"
    except OSError as e:
        write = e.strerror
    command = subprocess.run(["umount", "/tmp"], capture_output=True, text=True)
    return {"umount": umount, "remount": remount, "write": write, "umount_command": command.returncode,
            "tmp_is_mounted": os.path.ismount("/tmp")}
"""


def test_mounts_cannot_be_undone_or_made_writable(sandboxed):
    seen = run(sandboxed, "mounts", MOUNTS).result
    assert (seen["umount"], seen["remount"]) == ("Operation not permitted", "Operation not permitted")
    assert seen["write"] == "Read-only file system" and seen["tmp_is_mounted"]
    assert seen["umount_command"] != 0


KILL = """
import os, signal

def lambda_handler(event, context):
    tried = {}
    for pid in (event["kernel"], event["zygote"]):
        try:
            os.kill(pid, signal.SIGKILL)
            tried[str(pid)] = "killed"
        except OSError as e:
            tried[str(pid)] = type(e).__name__
    return tried
"""


def test_the_kernel_and_the_zygote_cannot_be_killed(sandboxed):
    sandboxed.create_function("kill", KILL)
    sandboxed.invoke("kill", {"kernel": 1, "zygote": 1})  # starts the zygote
    zygote = sandboxed._pool.zygote
    tried = sandboxed.invoke("kill", {"kernel": os.getpid(), "zygote": zygote.process.pid}).result
    assert set(tried.values()) == {"ProcessLookupError"}
    assert zygote.alive


CGROUPS = """
import glob, os

def lambda_handler(event, context):
    tried = {}
    for path in ["/sys/fs/cgroup/pids/cgroup.procs", "/sys/fs/cgroup/cgroup.procs", *event["paths"]]:
        try:
            with open(path, "w") as f:
                f.write(str(os.getpid()))
            tried[path] = "written"
        except OSError as e:
            tried[path] = type(e).__name__
    return tried
"""


def test_cgroups_cannot_be_written(sandboxed):
    sandboxed.create_function("cgroups", CGROUPS)
    sandboxed.invoke("cgroups", {"paths": []})
    own = [os.path.join(d, "cgroup.procs") for d in sandboxed.environments("cgroups")[0].cgroup.directories]
    tried = sandboxed.invoke("cgroups", {"paths": own}).result
    assert set(tried.values()) <= {"FileNotFoundError", "PermissionError"}, tried


ESCAPE = """
import os, time

def lambda_handler(event, context):
    if os.fork() == 0:  # a detached grandchild in a session of its own, that outlives the handler
        os.setsid()
        if os.fork() == 0:
            while True:
                time.sleep(1)
        os._exit(0)
    os.wait()
    return "left behind"
"""


def _processes_in(pid_namespace):
    found = []
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            if os.readlink(f"/proc/{pid}/ns/pid") == pid_namespace:
                found.append(int(pid))
        except OSError:
            pass
    return found


def test_nothing_the_handler_started_survives_close(make_runtime):
    runtime = make_runtime(clock="real")
    if not runtime.isolation["sandbox"]:
        pytest.skip("no sandbox on this host")
    run(runtime, "escape", ESCAPE)
    namespace = os.readlink(f"/proc/{runtime.environments('escape')[0].pid}/ns/pid")
    assert len(_processes_in(namespace)) == 3  # its init, the runtime and the detached grandchild
    runtime.close()
    assert _processes_in(namespace) == []


# ------------------------------------------------------------ bounded resources
FLOOD = """
import subprocess

def lambda_handler(event, context):
    subprocess.run(["timeout", "1", "yes"])
    return "flooded"
"""


def test_an_output_flood_is_bounded(sandboxed):
    result = run(sandboxed, "flood", FLOOD, timeout=10)
    dropped = int(result.log.split("[lambdakit] ", 1)[1].split()[0])
    assert dropped > 10_000_000  # `yes` wrote megabytes a second; they were counted, not kept
    assert len(result.log.encode()) < 300 * 1024
    group = sandboxed.environments("flood")[0].cgroup
    if group is not None and "memory" in group.by_controller:  # the environment holds no copy of it either
        with open(os.path.join(group.by_controller["memory"], "memory.max_usage_in_bytes")) as f:
            assert int(f.read()) < 100 * 1024 * 1024


FILL_TMP = """
import errno

def lambda_handler(event, context):
    written = 0
    chunk = b"x" * (1 << 20)
    try:
        with open("/tmp/big", "wb") as f:
            while written < 1024 * (1 << 20):
                f.write(chunk)
                f.flush()
                written += len(chunk)
    except OSError as e:
        return {"written_mb": written >> 20, "error": errno.errorcode[e.errno]}
    return {"written_mb": written >> 20, "error": None}
"""


def test_tmp_is_limited_to_the_ephemeral_storage_not_counted_as_memory(sandboxed_virtual):
    result = run(sandboxed_virtual, "fill", FILL_TMP, memory_size=128, ephemeral_storage=512, timeout=30)
    assert result.result["error"] == "ENOSPC" and result.result["written_mb"] <= 512
    assert result.record.outcome == records.OK and result.record.max_memory_used_mb < 128


THREADS = """
from concurrent.futures import ThreadPoolExecutor
import threading, time

def lambda_handler(event, context):
    barrier = threading.Barrier(64)
    with ThreadPoolExecutor(64) as pool:
        return sum(pool.map(lambda _: barrier.wait() * 0 + 1, range(64)))
"""


def test_a_128_mb_function_runs_64_threads(sandboxed_virtual):
    assert run(sandboxed_virtual, "threads", THREADS, memory_size=128).result == 64


CHILD_MEMORY = """
import subprocess, sys

def lambda_handler(event, context):
    return subprocess.run([sys.executable, "-c", "x = bytearray(200 * 1024 * 1024); import time; time.sleep(0.5)"]).returncode
"""


def test_memory_of_child_processes_counts(sandboxed):
    sandboxed.create_function("child", CHILD_MEMORY, memory_size=128, timeout=30)
    result = sandboxed.invoke("child", {})
    assert result.record.outcome == records.OOM
    assert result.result["errorType"] == "Runtime.OutOfMemory"


# ----------------------------------------------------------------- fidelity
VIEW = """
import os, pwd, subprocess, sys
from lambdakit import work

def lambda_handler(event, context):
    return {"path": sys.path, "uid": os.getuid(), "user": pwd.getpwuid(os.getuid()).pw_name,
            "root": sorted(os.listdir("/")), "runtime": sorted(os.listdir("/var/runtime")),
            "site": sorted(os.listdir(f"/var/lang/lib/python{sys.version_info[0]}.{sys.version_info[1]}/site-packages")),
            "executable": sys.executable,
            "child": subprocess.run([sys.executable, "-c", "import boto3, sys; print(sys.prefix)"],
                                    capture_output=True, text=True).stdout.strip(),
            "variables": sorted(os.environ), "PATH": os.environ["PATH"], "argv": sys.argv,
            "command": open("/proc/self/cmdline").read()}
"""


def test_the_environment_looks_like_aws(sandboxed, monkeypatch):
    monkeypatch.setenv("LAMBDAKIT_KERNEL_ONLY", "1")
    seen = run(sandboxed, "view", VIEW, runtime="python3.12", memory_size=1_769, timeout=30).result
    x = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    assert seen["path"] == [
        "/var/task", "/opt/python/lib/python3.12/site-packages", "/opt/python", f"/var/lang/lib/{x}/site-packages",
        "/var/runtime", f"/var/lang/lib/python{sys.version_info[0]}{sys.version_info[1]}.zip", f"/var/lang/lib/{x}",
        f"/var/lang/lib/{x}/lib-dynload", f"/var/lang/lib/{x}/site-packages",
        "/opt/python/lib/python3.12/site-packages", "/opt/python"]
    assert (seen["uid"], seen["user"]) == (993, "sbx_user1051")
    assert {"var", "tmp", "opt", "proc", "dev", "etc", "usr"} <= set(seen["root"])
    assert not {"work", "home", "mnt", "srv"} & set(seen["root"])
    assert "lambdakit" in seen["runtime"] and not {"IPython", "pytest", "requests"} & set(seen["runtime"])
    assert {"boto3", "botocore"} <= set(seen["site"]) and not {"pip", "requests", "IPython"} & set(seen["site"])
    assert (seen["executable"], seen["child"]) == (f"/var/lang/bin/{x}", "/var/lang")
    assert "LAMBDAKIT_KERNEL_ONLY" not in seen["variables"]
    assert seen["PATH"] == "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"  # AWS's
    assert seen["argv"] == ["/var/runtime/bootstrap.py"]
    assert seen["command"] == f"/var/lang/bin/{x} /var/runtime/bootstrap.py\0"
    assert sandboxed.isolation["interpreter"] == x


@pytest.mark.parametrize("module", ["requests", "pydantic", "aws_lambda_powertools", "PIL"])
def test_an_unpackaged_import_fails_as_on_aws(sandboxed, module):
    sandboxed.create_function("unpackaged", f"import {module}\n\ndef lambda_handler(e, c):\n    return 1\n")
    result = sandboxed.invoke("unpackaged", {})
    assert result.result["errorType"] == "Runtime.ImportModuleError"
    assert result.result["errorMessage"] == f"Unable to import module 'lambda_function': No module named '{module}'"
    hints = [line for line in result.log.splitlines() if line.startswith("[lambdakit]")]
    assert len(hints) == 1 and f"'{module}' is not in AWS's Python runtime" in hints[0]


def test_a_package_in_a_layer_imports(sandboxed):
    arn = sandboxed.publish_layer_version("pillow", layers.installed_layer("pillow"))["LayerVersionArn"]
    source = "from PIL import Image\n\ndef lambda_handler(e, c):\n    return Image.new('RGB', (4, 3)).size\n"
    assert run(sandboxed, "pillow", source, layers=[arn]).result == [4, 3]


def test_a_dead_kernels_cgroups_and_processes_are_reaped_at_the_next_start():
    from lambdakit.runtime.cgroups import CgroupFactory
    probe = CgroupFactory()
    probe.remove_session()
    if not probe.available:
        pytest.skip("no cgroups here")
    gone = subprocess.Popen(["true"])
    gone.wait()  # a kernel that died without closing its runtime: its pid names the session
    survivor = subprocess.Popen(["sleep", "600"])
    stale = [os.path.join(os.path.dirname(parent), f"{gone.pid}-0badc0de", "env-1")
             for parent in probe.layout.values()]
    for group in stale:
        os.makedirs(group)
        with open(os.path.join(group, "cgroup.procs"), "w") as f:
            f.write(str(survivor.pid))
    CgroupFactory().remove_session()
    assert survivor.wait(timeout=10) == -signal.SIGKILL
    assert not any(os.path.exists(os.path.dirname(group)) for group in stale)


def test_without_a_sandbox_the_runtime_says_so(make_runtime, monkeypatch):
    monkeypatch.setattr("lambdakit.runtime.sandbox.namespaces_available", lambda: False)
    isolation = make_runtime(clock="virtual").isolation
    assert isolation["sandbox"] is False
    assert isolation["note"].startswith("No sandbox") and "Run only handler code you trust" in isolation["note"]


def test_where_user_namespaces_are_refused_the_sandbox_runs_as_a_host_uid(make_runtime, monkeypatch):
    # (a sysctl or AppArmor can refuse them to unprivileged processes; root can still sandbox)
    from lambdakit.runtime import sandbox
    if not make_runtime(clock="virtual").isolation["sandbox"]:
        pytest.skip("no sandbox on this host")
    monkeypatch.setattr(sandbox, "namespaces_available", lambda: sandbox.SANDBOX_HOST_UID)
    runtime = make_runtime(clock="real")
    assert runtime.isolation["sandbox"]
    who = "import os, pwd\n\ndef lambda_handler(e, c):\n    return [os.getuid(), pwd.getpwuid(os.getuid()).pw_name]\n"
    assert run(runtime, "who", who).result == [sandbox.HOST_ID, "sbx_user1051"]
    seen = run(runtime, "mounts", MOUNTS).result
    assert (seen["umount"], seen["remount"], seen["write"]) == (
        "Operation not permitted", "Operation not permitted", "Read-only file system")
    secrets = run(runtime, "peek", PEEK, {"paths": ["/etc/shadow", f"/proc/{os.getpid()}/environ"]}).result
    assert set(secrets["found"].values()) == {"FileNotFoundError"}


SHORT_CHILD = """
import subprocess, sys

def lambda_handler(event, context):
    return subprocess.run([sys.executable, "-c", "x = bytearray(60 * 1024 * 1024)"]).returncode
"""


def test_max_memory_used_counts_a_child_too_short_to_be_sampled(real):
    result = run(real, "short", SHORT_CHILD, memory_size=1_769, timeout=30)
    assert result.record.max_memory_used_mb >= 60
