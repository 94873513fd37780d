"""Isolation of one environment process: what it can see and do, set up in the forked child.

Three levels, the best the host allows (namespaces_available() finds out once per runtime):

- SANDBOX (Linux, root): the environment is its own world, as on AWS. fork() puts it in a
  new PID namespace (a small init is pid 1; the environment's runtime is pid 2 and the
  service knows it by its host pid); prepare() gives it new mount, IPC and UTS namespaces
  and builds its root file system (rootfs.py); enter() mounts the function's code, layers
  and /tmp, pivots into that root, joins the cgroups, and becomes sbx_user1051 (uid 993) in
  a user namespace of its own, without capabilities: it cannot mount, write to cgroups,
  see or signal host processes, or read host files.
  Where the host refuses user namespaces (a sysctl, AppArmor's restriction of unprivileged
  ones), SANDBOX_HOST_UID is the same without it: the handler is that host uid itself.
- MOUNTS (Linux, not root, user namespaces allowed): a private mount namespace only, for
  /var/task (read-only), /opt and its own /tmp. Host files and processes stay visible.
- none (macOS; Linux without user namespaces): a TMPDIR of its own; the code runs from
  its own directory. Code that writes to the literal path /tmp shares the host's.
"""

import importlib
import os
import resource
import select
import signal
import socket
import sys
import time

from . import mounts, rootfs
from .envvars import AWS_PATH
from .outputpipe import OutputPipe

SANDBOX, SANDBOX_HOST_UID, MOUNTS = "sandbox", "sandbox-host-uid", "mounts"
TASK_ROOT = "/var/task"
LANG_ROOT = "/var/lang"
# Where AWS keeps its runtime. At the MOUNTS level, host directories under /tmp that the
# runtime still imports from are bound under it, because the environment's own /tmp hides them.
RUNTIME_ROOT = "/var/runtime"
HOST_TMP = RUNTIME_ROOT + "/host-tmp"
LAYERS_ROOT = "/opt"
# An empty host directory each environment builds its root on (in its own mount namespace).
SANDBOX_ROOT = "/var/lib/lambdakit/root"
_OLD_ROOT = "/.host"
# The host uid and gid that sbx_user1051 is: no host account has them, so the handler owns
# no host file and can signal no host process.
HOST_ID = 1_051_993
ENVIRONMENT_PID = 2  # in its PID namespace; 1 is its init
BOOTSTRAP = "/var/runtime/bootstrap.py"  # what AWS's Python runtime runs (its command line)


def namespaces_available():
    """The isolation level this host allows: SANDBOX, SANDBOX_HOST_UID, MOUNTS or False
    (each probed in a child)."""
    sandbox_possible = os.geteuid() == 0 and hasattr(os, "pidfd_open") and mounts.pivot_supported()
    for mount_point in (TASK_ROOT, RUNTIME_ROOT, LANG_ROOT, SANDBOX_ROOT):
        try:
            os.makedirs(mount_point, exist_ok=True)  # mount points only; needs root
        except OSError:
            if mount_point in (TASK_ROOT, RUNTIME_ROOT):
                return False
            sandbox_possible = False
    for level in (SANDBOX, SANDBOX_HOST_UID, MOUNTS) if sandbox_possible else (MOUNTS,):
        if _probe(level):
            return level
    return False


def is_sandbox(level):
    return level in (SANDBOX, SANDBOX_HOST_UID)


def _probe(level):
    pid = os.fork()
    if pid == 0:
        try:
            if is_sandbox(level):
                mounts.unshare(mounts.CLONE_NEWPID | mounts.CLONE_NEWNS)
                mounts.mount(None, "/", None, mounts.MS_REC | mounts.MS_PRIVATE)
                mounts.mount("tmpfs", SANDBOX_ROOT, "tmpfs", 0, "size=1m")
                os.makedirs(SANDBOX_ROOT + "/proc")
                child = os.fork()  # pid 1 of the new PID namespace: may it mount its /proc?
                if child == 0:
                    mounts.mount("proc", SANDBOX_ROOT + "/proc", "proc", 0)
                    os.setresgid(HOST_ID, HOST_ID, HOST_ID)
                    os.setresuid(HOST_ID, HOST_ID, HOST_ID)
                    if level == SANDBOX:
                        mounts.unshare(mounts.CLONE_NEWUSER)
                    os._exit(0)
                _, status = os.waitpid(child, 0)
                os._exit(os.waitstatus_to_exitcode(status))
            _enter_mount_namespace()
            mounts.mount("tmpfs", "/tmp", "tmpfs", mounts.MS_NOSUID | mounts.MS_NODEV, "size=1m")
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


# -- in the zygote ----------------------------------------------------------------------

def relaunch_zygote(level):
    """At the SANDBOX levels the zygote runs the interpreter from /var/lang and the runtime
    from /var/runtime/lambdakit (bound there in a mount namespace of its own), so that the code
    every environment inherits names AWS's paths: a traceback through the standard library
    shows /var/lang/lib/python3.x/..., as on AWS, and its source lines are there to read.
    It re-executes itself so, once; returns when there is nothing to do."""
    package_dir = rootfs.package_dir()
    if not is_sandbox(level) or sys.base_prefix == LANG_ROOT or package_dir not in sys.orig_argv:
        return
    host_prefix = sys.base_prefix
    mounts.unshare(mounts.CLONE_NEWNS)
    mounts.mount(None, "/", None, mounts.MS_REC | mounts.MS_PRIVATE)
    mounts.bind(host_prefix, LANG_ROOT)
    mounts.mount("tmpfs", RUNTIME_ROOT, "tmpfs", mounts.MS_NOSUID | mounts.MS_NODEV, "size=1m,mode=755")
    os.mkdir(RUNTIME_ROOT + "/lambdakit")
    mounts.bind(package_dir, RUNTIME_ROOT + "/lambdakit")
    mounts.remount_read_only(RUNTIME_ROOT)
    python = f"{LANG_ROOT}/bin/{rootfs.python_dir()}"
    arguments = [RUNTIME_ROOT + "/lambdakit" if a == package_dir else a for a in sys.orig_argv[1:]]
    search = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
              if p and p != host_prefix and not p.startswith(host_prefix + "/")]
    os.execve(python, [python, *arguments], dict(os.environ, PYTHONPATH=os.pathsep.join(search)))


def fork(level):
    """os.fork(), and at the SANDBOX level into a new PID namespace: its pid 1 is a small
    init (`_init`) and the child, pid 2 there, is returned to the zygote by its host pid.
    The zygote stays its parent, so it reaps it and reports how it ended, as for any child."""
    if not is_sandbox(level):
        return os.fork()
    own = os.open("/proc/self/ns/pid", os.O_RDONLY)
    ready_r, ready_w = os.pipe()
    pid = None
    try:
        mounts.unshare(mounts.CLONE_NEWPID)  # for the next children only
        if os.fork() == 0:
            os.close(ready_w)
            _init(ready_r)
        pid = os.fork()
        if pid != 0:
            os.write(ready_w, b"!")  # (had the fork failed, closing this ends the init instead)
    finally:
        if pid != 0:  # the zygote, whatever happened: its next children in its own namespace again
            mounts.setns(own, mounts.CLONE_NEWPID)
        for fd in (own, ready_r, ready_w):
            os.close(fd)
    return pid


def _init(ready_r):
    """pid 1 of an environment's PID namespace: reaps what the environment orphans, and
    exits when the environment's runtime (pid 2) does, which ends everything left inside."""
    try:
        os.setsid()
        for fd in range(3, 1024):
            if fd != ready_r:
                try:
                    os.close(fd)
                except OSError:
                    pass
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        os.read(ready_r, 1)
        runtime = os.pidfd_open(ENVIRONMENT_PID)
        while True:
            try:
                ready, _, _ = select.select([runtime, wake_r], [], [])
            except InterruptedError:
                continue
            if runtime in ready:
                os._exit(0)
            os.read(wake_r, 4096)
            try:
                while os.waitpid(-1, os.WNOHANG)[0]:
                    pass
            except ChildProcessError:
                pass
    finally:
        os._exit(0)


# -- in the spare, before it knows its function -------------------------------------------

def prepare(level):
    """What every environment does first (a spare does it while it waits): its own session,
    namespaces and root file system, an ordinary scheduling policy, no stdin, and fds 1
    and 2 on a bounded pipe. Returns that pipe (an OutputPipe)."""
    os.setsid()
    if is_sandbox(level):
        mounts.unshare(mounts.CLONE_NEWNS | mounts.CLONE_NEWIPC | mounts.CLONE_NEWUTS)
        mounts.mount(None, "/", None, mounts.MS_REC | mounts.MS_PRIVATE)
        socket.sethostname("localhost")  # its own UTS namespace: not this machine's name
        rootfs.build(SANDBOX_ROOT, rootfs.UID if level == SANDBOX else HOST_ID)
    elif level == MOUNTS:
        _enter_mount_namespace()  # half a millisecond: the mount table is copied
    if hasattr(os, "sched_getscheduler") and os.sched_getscheduler(0) != os.SCHED_OTHER:
        # A kernel run with a real-time policy: an environment is an ordinary process (and a
        # real-time one could not join a CPU-limited cgroup).
        os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    return OutputPipe()


def _enter_mount_namespace():
    if os.geteuid() == 0:
        mounts.unshare(mounts.CLONE_NEWNS)
    else:
        uid, gid = os.geteuid(), os.getegid()
        mounts.unshare(mounts.CLONE_NEWUSER | mounts.CLONE_NEWNS)
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    mounts.mount(None, "/", None, mounts.MS_REC | mounts.MS_PRIVATE)


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


# -- in the spare, handed its function ------------------------------------------------

def enter(spec, out):
    """Everything between being assigned a function and INIT: cgroups, variables, files,
    limits, and at the SANDBOX level the user it runs as. Returns (out, task root)."""
    level = spec["namespaces"]
    for cgroup_procs in spec["cgroup_procs"]:
        # "0" is the writer itself: a pid from inside a PID namespace means nothing outside.
        # (Its init stays out: not the function's process, and it ends when the runtime does.)
        _write(cgroup_procs, "0")
    os.environ.clear()
    os.environ.update(spec["env"])
    time.tzset()  # TZ=:UTC as on Lambda, whatever zone the zygote started in
    if is_sandbox(level):
        task_root = _enter_root(spec)
    else:
        task_root = _isolate_filesystem(spec)
    os.environ["LAMBDA_TASK_ROOT"] = task_root
    os.chdir(task_root)
    apply_limits(spec)
    if is_sandbox(level):
        _become_sandbox_user(user_namespace=level == SANDBOX)
    out.limit = spec["log_limit"]
    out.start()
    return out, task_root


def _enter_root(spec):
    root = SANDBOX_ROOT
    mounts.bind(spec["code_dir"], root + TASK_ROOT)
    _mount_layers(spec["layer_dirs"], root + LAYERS_ROOT)
    mounts.mount("tmpfs", root + "/tmp", "tmpfs", mounts.MS_NOSUID | mounts.MS_NODEV,
                 f"size={spec['ephemeral_mb']}m,mode=1777")
    os.mkdir(root + _OLD_ROOT)
    mounts.pivot_root(root, root + _OLD_ROOT)
    os.chdir("/")
    mounts.umount(_OLD_ROOT, mounts.MNT_DETACH)
    os.rmdir(_OLD_ROOT)
    mounts.remount_read_only("/")
    # PATH as AWS sets it: the kernel's interpreter directory, added for environments that
    # run on the host's files, is not there (the interpreter is in /var/lang/bin).
    aws = AWS_PATH.split(":")
    os.environ["PATH"] = ":".join(p for p in os.environ.get("PATH", "").split(":") if p in aws or os.path.isdir(p))
    _relocate_interpreter()
    return TASK_ROOT


def _relocate_interpreter():
    """The interpreter as the environment sees it: /var/lang, and the runtime at /var/runtime."""
    lang = "/var/lang"
    host_prefix, package_dir = sys.base_prefix, rootfs.package_dir()
    sys.executable = sys._base_executable = f"{lang}/bin/{rootfs.python_dir()}"
    sys.prefix = sys.exec_prefix = sys.base_prefix = sys.base_exec_prefix = lang
    sys.argv[:] = [BOOTSTRAP]
    sys.orig_argv[:] = [sys.executable, BOOTSTRAP]
    _rewrite_command_line(f"{sys.executable} {BOOTSTRAP}".encode())
    for module in list(sys.modules.values()):
        attributes = getattr(module, "__dict__", {})  # not getattr(): `lambdakit` loads itself on a miss
        search = attributes.get("__path__")
        if isinstance(search, list):
            search[:] = [_moved(p, host_prefix, package_dir) for p in search]
        if isinstance(attributes.get("__file__"), str):
            attributes["__file__"] = _moved(attributes["__file__"], host_prefix, package_dir)
    sys.path_importer_cache.clear()
    importlib.invalidate_caches()


def _rewrite_command_line(text):
    """What /proc shows as the process's command line (`ps`, /proc/self/cmdline): AWS's, not
    the zygote's (which names host paths). Written over the zygote's longer arguments as
    setproctitle(3) does: the kernel then reads up to the first NUL (the words are
    space-separated), when the area's last byte is not one."""
    with open("/proc/self/stat", "rb") as f:
        fields = f.read().rsplit(b")", 1)[1].split()
    start, end = int(fields[45]), int(fields[46])  # arg_start and arg_end (fields 48 and 49)
    title = text + b"\0"
    if end - start > len(title):
        with open("/proc/self/mem", "r+b", buffering=0) as memory:
            memory.seek(start)
            memory.write(title.ljust(end - start, b" "))


def _moved(path, host_prefix, package_dir):
    if path.startswith(package_dir + "/") or path == package_dir:
        return RUNTIME_ROOT + "/lambdakit" + path[len(package_dir):]
    if path.startswith(host_prefix + "/"):
        return "/var/lang" + path[len(host_prefix):]
    return path


def _become_sandbox_user(user_namespace):
    """sbx_user1051: a host uid of no account, no capabilities; uid 993 inside a user
    namespace of its own where the host allows one."""
    os.setgroups([])
    os.setresgid(HOST_ID, HOST_ID, HOST_ID)
    os.setresuid(HOST_ID, HOST_ID, HOST_ID)
    # A change of user makes the process undumpable, and its /proc files root's: it could
    # not write its own uid_map (nor read its own /proc/self files).
    mounts.prctl(mounts.PR_SET_DUMPABLE, 1)
    if user_namespace:
        mounts.unshare(mounts.CLONE_NEWUSER)
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{rootfs.UID} {HOST_ID} 1")
        _write("/proc/self/gid_map", f"{rootfs.GID} {HOST_ID} 1")
    mounts.drop_capabilities()


def _mount_layers(layer_dirs, target):
    """Later layers override earlier ones, as on AWS."""
    if not layer_dirs:
        return
    mounts.mount("tmpfs", target, "tmpfs", mounts.MS_NOSUID | mounts.MS_NODEV, "size=1m,mode=755")
    for layer_dir in layer_dirs:
        for entry in os.listdir(layer_dir):
            source, inside = os.path.join(layer_dir, entry), os.path.join(target, entry)
            if os.path.isdir(source):
                os.makedirs(inside, exist_ok=True)
            else:  # a file at the top of a layer's ZIP: its mount point is a file
                open(inside, "a").close()
            mounts.bind(source, inside)
    mounts.remount_read_only(target)


def _isolate_filesystem(spec):
    """MOUNTS and none: Lambda's paths where a mount namespace allows; the task root."""
    if spec["namespaces"]:
        mounts.bind(spec["code_dir"], TASK_ROOT)
        _mount_layers(spec["layer_dirs"], LAYERS_ROOT)
        _keep_host_tmp_imports(spec)
        mounts.mount("tmpfs", "/tmp", "tmpfs", mounts.MS_NOSUID | mounts.MS_NODEV,
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
    mounts.mount("tmpfs", RUNTIME_ROOT, "tmpfs", mounts.MS_NOSUID | mounts.MS_NODEV, "size=1m,mode=755")
    for root in roots:
        os.makedirs(_relocated(root))
        mounts.bind(root, _relocated(root))
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


def apply_limits(spec):
    """Resource limits: Lambda's 1,024 descriptors, no core dumps; 1,024 processes and
    threads (by cgroup where there is one, else RLIMIT_NPROC); and, only where no memory
    cgroup counts the environment, an address-space guard so one huge allocation fails fast
    instead of hurting the host."""
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
    if spec.get("memory_by_cgroup"):
        return
    with open("/proc/self/statm") as f:
        size_now = int(f.read().split()[0]) * resource.getpagesize()
    guard = size_now + (2 * spec["memory_mb"] + 1024) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (guard, guard))


def describe(level):
    """One plain sentence on what isolates environments here (Runtime.isolation["note"])."""
    if is_sandbox(level):
        user = "user namespaces" if level == SANDBOX else "namespaces, a user id of its own"
        return (f"Each environment is a sandbox: its own PID, mount, IPC, UTS and {user}, "
                "AWS's file system (/var/lang, /var/runtime, /var/task read-only, /opt, /tmp), user "
                "sbx_user1051, and nothing of this machine's files, processes or environment.")
    why = "not root" if level == MOUNTS else "no Linux namespaces here"
    return (f"No sandbox ({why}): handler code runs as your user and can read your files, "
            "processes and credentials" + (", with a private /tmp and /var/task" if level else "")
            + ". Run only handler code you trust, or run lambdakit as root on Linux.")
