"""Isolation of one environment process, applied in the child right after it is forked.

Where Linux allows it (root, or unprivileged user namespaces), the environment gets a
private mount namespace: the code at /var/task (read-only), layers at /opt and its own
empty tmpfs at /tmp, sized to the function's ephemeral storage. Elsewhere it falls back to
a per-environment directory named by TMPDIR; code that writes to the literal path /tmp
then shares the host's /tmp (a documented limitation).
"""

import ctypes
import importlib
import fcntl
import os
import resource
import sys
import time

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (
    1, 2, 4, 32, 4096, 16384, 1 << 18)

TASK_ROOT = "/var/task"
# Where AWS keeps its runtime; here, host directories under /tmp that the runtime still
# imports from (a checkout or virtual environment in /tmp) are bound under it, because the
# environment's own empty /tmp hides the host's.
RUNTIME_ROOT = "/var/runtime"
HOST_TMP = RUNTIME_ROOT + "/host-tmp"
LAYERS_ROOT = "/opt"

_libc = None


def _call(name, *args):
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    if getattr(_libc, name)(*args) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{name}: {os.strerror(errno)}")


def _mount(source, target, fstype, flags, data=None):
    _call("mount", source and source.encode(), target.encode(), fstype and fstype.encode(),
          ctypes.c_ulong(flags), data and data.encode())


def _bind(source, target, read_only=True):
    _mount(source, target, None, MS_BIND | MS_REC)
    if read_only:
        _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _enter_mount_namespace():
    if os.geteuid() == 0:
        _call("unshare", CLONE_NEWNS)
    else:
        uid, gid = os.geteuid(), os.getegid()
        _call("unshare", CLONE_NEWUSER | CLONE_NEWNS)
        with open("/proc/self/setgroups", "w") as f:
            f.write("deny")
        with open("/proc/self/uid_map", "w") as f:
            f.write(f"{uid} {uid} 1")
        with open("/proc/self/gid_map", "w") as f:
            f.write(f"{gid} {gid} 1")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)


def isolate_filesystem(spec):
    """Give the process Lambda's file-system layout; return the task root it should use."""
    if spec["namespaces"]:  # prepare() has entered a mount namespace of its own
        _bind(spec["code_dir"], TASK_ROOT)
        if spec["layer_dirs"]:
            _mount("tmpfs", LAYERS_ROOT, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755")
            for layer_dir in spec["layer_dirs"]:  # later layers override earlier ones, as on AWS
                for entry in os.listdir(layer_dir):
                    source, target = os.path.join(layer_dir, entry), os.path.join(LAYERS_ROOT, entry)
                    if os.path.isdir(source):
                        os.makedirs(target, exist_ok=True)
                    else:  # a file at the top of a layer's ZIP: its mount point is a file
                        open(target, "a").close()
                    _bind(source, target)
        _keep_host_tmp_imports(spec)
        _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
               f"size={spec['ephemeral_mb']}m,mode=1777")
        return TASK_ROOT
    os.environ["TMPDIR"] = spec["tmp_dir"]
    return spec["code_dir"]


def _relocated(path):
    return HOST_TMP + path[len("/tmp"):] if path.startswith("/tmp/") else path


def _keep_host_tmp_imports(spec):
    """Bind the host's /tmp trees that imports come from under /var/runtime/host-tmp, and
    point every import path (sys.path, packages' __path__, editable-install finders) there."""
    paths = [*sys.path, *spec["sys_path"]]
    for module in list(sys.modules.values()):
        paths.extend(getattr(module, "__path__", None) or ())
    roots = sorted({"/tmp/" + p[len("/tmp/"):].split("/", 1)[0] for p in paths
                    if isinstance(p, str) and p.startswith("/tmp/")})
    if not roots:
        return
    _mount("tmpfs", RUNTIME_ROOT, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755")
    for root in roots:
        os.makedirs(_relocated(root))
        _bind(root, _relocated(root))
    spec["sys_path"] = [_relocated(p) for p in spec["sys_path"]]
    sys.path[:] = [_relocated(p) for p in sys.path]
    for name, module in list(sys.modules.items()):
        search = getattr(module, "__path__", None)
        search = getattr(search, "_path", search)  # a namespace package keeps its list inside
        if isinstance(search, list):
            search[:] = [_relocated(p) for p in search]
        if name.startswith("__editable__"):  # setuptools' editable finder: MAPPING, NAMESPACES
            for table in (getattr(module, "MAPPING", {}), getattr(module, "NAMESPACES", {})):
                for key, value in table.items():
                    table[key] = [_relocated(v) for v in value] if isinstance(value, list) else _relocated(value)
    sys.path_importer_cache.clear()
    importlib.invalidate_caches()
    os.environ["PATH"] = ":".join(_relocated(p) for p in os.environ.get("PATH", "").split(":"))


def namespaces_available():
    """Whether a forked child may make a private mount namespace here (probed in a child)."""
    for mount_point in (TASK_ROOT, RUNTIME_ROOT):
        if not os.path.isdir(mount_point):
            try:
                os.makedirs(mount_point, exist_ok=True)  # a mount point only; needs root
            except OSError:
                return False
    pid = os.fork()
    if pid == 0:
        try:
            _enter_mount_namespace()
            _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m")
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def apply_limits(spec):
    """Resource limits: Lambda's 1,024 processes and descriptors, no core dumps, and an
    address-space guard so one huge allocation fails fast instead of hurting the host."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (spec["max_fds"], spec["max_fds"]))
    if not os.path.exists("/proc/self/statm"):
        return  # not Linux (macOS): neither can be counted here, and RLIMIT_AS is not enforced
    if os.geteuid() != 0 and not spec["cgroup_procs"]:
        # RLIMIT_NPROC counts every process of the user, so allow for those already running.
        running = sum(1 for entry in os.listdir("/proc") if entry.isdigit())
        limit = running + spec["max_processes"]
        soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_NPROC, (limit, limit if hard == resource.RLIM_INFINITY else hard))
    with open("/proc/self/statm") as f:
        size_now = int(f.read().split()[0]) * resource.getpagesize()
    guard = size_now + (2 * spec["memory_mb"] + 1024) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (guard, guard))


def prepare(namespaces):
    """What every environment does first, before it knows its function (a spare does it
    while it waits): its own session and mount namespace, an ordinary scheduling policy,
    no stdin, and on Linux an anonymous file for fds 1 and 2 (C extensions, subprocesses).
    Returns that file's descriptor, or None where there is no memfd."""
    os.setsid()
    if namespaces:
        _enter_mount_namespace()  # half a millisecond: the mount table is copied
    if hasattr(os, "sched_getscheduler") and os.sched_getscheduler(0) != os.SCHED_OTHER:
        # A kernel run with a real-time policy: an environment is an ordinary process (and a
        # real-time one could not join a CPU-limited cgroup).
        os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    if not hasattr(os, "memfd_create"):
        return None
    out = os.memfd_create("lambdakit-output")
    fcntl.fcntl(out, fcntl.F_SETFL, os.O_APPEND)  # the runtime truncates it after each phase
    os.dup2(out, 1)
    os.dup2(out, 2)
    return out


def enter(spec, out):
    """Everything between being assigned a function and INIT: cgroups, variables, files, limits.

    Returns the descriptor that fds 1 and 2 write to, and the task root."""
    for cgroup_procs in spec["cgroup_procs"]:
        with open(cgroup_procs, "w") as f:
            f.write(str(os.getpid()))
    if out is None:
        out = os.open(spec["output_path"], os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
        os.dup2(out, 1)
        os.dup2(out, 2)
    os.environ.clear()
    os.environ.update(spec["env"])
    time.tzset()  # TZ=:UTC as on Lambda, whatever zone the zygote started in
    task_root = isolate_filesystem(spec)
    os.environ["LAMBDA_TASK_ROOT"] = task_root
    os.chdir(task_root)
    apply_limits(spec)
    return out, task_root
