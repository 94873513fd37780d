"""Per-environment control groups, where the host lets us make them (cgroup v1 or v2, root).

They give limits AWS applies and a plain process cannot: at most 1,024 processes and
threads (a fork bomb stops there), on the real clock the CPU share of the memory size
(1 vCPU at 1,769 MB), and memory counted for the environment with everything it started.
The memory group's hard limit is the memory size plus the ephemeral storage (/tmp is a
tmpfs, and the kernel charges its pages to the group; Lambda does not charge /tmp to
memory): it bounds what an environment can take from the host. The memory size itself is
enforced by the watchdog on the group's anonymous memory, which /tmp is not part of.
Without cgroups the process limit falls back to RLIMIT_NPROC, memory to the process's
resident size, and the CPU share is modelled only for declared work (`work(cpu_ms=...)`).
"""

import os
import signal
import threading
import time

ROOT = "/sys/fs/cgroup"
PERIOD_US = 100_000
# Threads of lambdakit's runtime beside the function's 1,024 processes and threads (the one
# that drains fds 1 and 2, outputpipe.py): AWS's limit is the function's.
RUNTIME_THREADS = 1
# Above memory + ephemeral storage: its /dev/shm (64 MB) and the runtime's own pages.
MEMORY_HEADROOM_MB = 128
_MB = 1024 * 1024


def _v2():
    return os.path.exists(os.path.join(ROOT, "cgroup.controllers"))


def _write(path, value):
    with open(path, "w") as f:
        f.write(str(value))


def _quota_us(cpu_share):
    return max(1000, int(PERIOD_US * cpu_share))


class EnvironmentCgroup:
    def __init__(self, max_processes, with_cpu):
        self.by_controller = {}  # controller ("pids", "cpu" or "unified") -> directory
        self.max_processes, self.with_cpu = max_processes, with_cpu

    @property
    def directories(self):
        return list(self.by_controller.values())

    def set_cpu_share(self, cpu_share):
        """Limit the group to `cpu_share` CPUs (the period is the default, PERIOD_US)."""
        if "cpu" in self.by_controller:
            _write(os.path.join(self.by_controller["cpu"], "cpu.cfs_quota_us"), _quota_us(cpu_share))
        elif "unified" in self.by_controller:
            _write(os.path.join(self.by_controller["unified"], "cpu.max"), f"{_quota_us(cpu_share)} {PERIOD_US}")

    def set_memory_limit(self, memory_mb, ephemeral_mb):
        limit = (memory_mb + ephemeral_mb + MEMORY_HEADROOM_MB) * _MB
        if "memory" in self.by_controller:
            _write(os.path.join(self.by_controller["memory"], "memory.limit_in_bytes"), limit)
        elif self.counts_memory:
            _write(os.path.join(self.by_controller["unified"], "memory.max"), limit)

    @property
    def counts_memory(self):
        return "memory" in self.by_controller or (
            "unified" in self.by_controller and os.path.exists(os.path.join(self.by_controller["unified"], "memory.max")))

    def _stat(self, v1_name, v2_name):
        if "memory" in self.by_controller:
            path, key = os.path.join(self.by_controller["memory"], "memory.stat"), v1_name
        elif "unified" in self.by_controller:
            path, key = os.path.join(self.by_controller["unified"], "memory.stat"), v2_name
        else:
            return None
        try:
            with open(path, "rb") as f:
                for line in f:
                    name, _, value = line.partition(b" ")
                    if name == key:
                        return int(value)
        except (OSError, ValueError):
            pass
        return None

    def anon_kb(self):
        """Anonymous memory of every process in the group (not /tmp, not shared libraries),
        or None where no memory group counts it."""
        found = self._stat(b"total_rss", b"anon")
        return None if found is None else found // 1024

    def oom_kills(self):
        """How many processes the kernel killed for reaching the group's hard limit."""
        if "memory" in self.by_controller:
            path = os.path.join(self.by_controller["memory"], "memory.oom_control")
        elif "unified" in self.by_controller:
            path = os.path.join(self.by_controller["unified"], "memory.events")
        else:
            return 0
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith("oom_kill "):
                        return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return 0

    @property
    def procs_files(self):
        return [os.path.join(d, "cgroup.procs") for d in self.directories]

    def pids(self):
        found = set()
        for procs in self.procs_files:
            try:
                with open(procs) as f:
                    found.update(int(line) for line in f if line.strip())
            except OSError:
                pass
        return found

    def kill_all(self, wait_s=0.0):
        """SIGKILL every process in the group; with wait_s, repeat until none is left (a fork
        bomb forks while it is being killed) or the time is up."""
        deadline = time.monotonic() + wait_s
        while True:
            pids = self.pids()
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if not pids or time.monotonic() >= deadline:
                return
            time.sleep(0.005)

    def remove(self):
        for directory in self.directories:
            try:
                os.rmdir(directory)
            except OSError:
                pass  # its last process is still exiting; the next sweep removes it


def _owner_alive(session):
    """Sessions are named "<pid of the owning process>-<random>"."""
    pid = session.split("-", 1)[0]
    if not pid.isdigit():
        return True  # not ours to judge
    try:
        os.kill(int(pid), 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _remove_tree(directory):
    """Remove a session left by a dead runtime: end what still runs in its groups first
    (an environment's processes outlive a kernel that was killed), then the groups."""
    groups = [os.path.join(directory, entry) for entry in os.listdir(directory)
              if os.path.isdir(os.path.join(directory, entry))]
    for group in groups:
        stale = EnvironmentCgroup(0, False)
        stale.by_controller["stale"] = group
        stale.kill_all(wait_s=1.0)
        stale.remove()
    try:
        os.rmdir(directory)
    except OSError:
        pass


class CgroupFactory:
    """Makes cgroups under a lambdakit parent group; `None` where the host does not allow it.

    Each runtime has a session group named after its process; sessions left behind by
    processes that died without closing their runtime are removed by the next runtime."""

    def __init__(self, session=None):
        self.session = session or f"{os.getpid()}-{os.urandom(4).hex()}"
        self.layout = self._probe()
        self._lock = threading.Lock()
        self._made = 0
        self._ahead = None  # a group made before it is needed (make_ahead)
        if self.layout:
            self._sweep()

    def _sweep(self):
        for parent in self.layout.values():
            top = os.path.dirname(parent)
            for session in os.listdir(top):
                path = os.path.join(top, session)
                if os.path.isdir(path) and session != self.session and not _owner_alive(session):
                    _remove_tree(path)

    def _parents(self):
        if _v2():
            return {"unified": os.path.join(ROOT, "lambdakit", self.session)}
        return {c: os.path.join(ROOT, c, "lambdakit", self.session) for c in ("pids", "cpu", "memory")
                if c != "memory" or os.path.isdir(os.path.join(ROOT, c))}

    def _probe(self):
        if os.geteuid() != 0:
            return None
        try:
            parents = self._parents()
            for controller, parent in parents.items():
                os.makedirs(parent, exist_ok=True)
                if controller == "unified":
                    for directory in (os.path.dirname(parent), parent):
                        _write(os.path.join(directory, "cgroup.subtree_control"), "+pids +cpu")
                        try:
                            _write(os.path.join(directory, "cgroup.subtree_control"), "+memory")
                        except OSError:
                            pass  # no memory controller delegated here: memory is measured per process
            return parents
        except OSError:
            return None

    @property
    def available(self):
        return self.layout is not None

    @property
    def counts_memory(self):
        if not self.layout:
            return False
        if "unified" in self.layout:
            return os.path.exists(os.path.join(self.layout["unified"], "memory.max"))
        return "memory" in self.layout

    def take(self, max_processes, cpu_share=None, memory=None):
        """A group for an environment: at most `max_processes`, `cpu_share` CPUs if given, and
        `memory` = (memory size, ephemeral storage) in MB if given. The one make_ahead() made
        is used when it fits; else one is made now."""
        with self._lock:
            group, self._ahead = self._ahead, None
        if group is None or (group.max_processes, group.with_cpu) != (max_processes, cpu_share is not None):
            if group is not None:
                group.remove()
            group = self._create(max_processes, cpu_share)
        try:
            if group is not None and cpu_share is not None:
                group.set_cpu_share(cpu_share)
            if group is not None and memory is not None:
                group.set_memory_limit(*memory)
            return group
        except OSError:
            group.remove()
            return None

    def make_ahead(self, max_processes, with_cpu):
        """Make the next environment's group now, while this one starts: mkdir and writes to
        cgroupfs take a good part of a millisecond."""
        group = self._create(max_processes, 1.0 if with_cpu else None)
        with self._lock:
            previous, self._ahead = self._ahead, group
        if previous is not None:
            previous.remove()

    def _create(self, max_processes, cpu_share):
        """(On cgroup v1 no CPU group is made without a share: joining a group costs a cold
        start a fraction of a millisecond each.)"""
        if self.layout is None:
            return None
        with self._lock:
            self._made += 1
            name = f"env-{self._made}"
        group = EnvironmentCgroup(max_processes, cpu_share is not None)
        try:
            for controller, parent in self.layout.items():
                if controller == "cpu" and cpu_share is None:
                    continue
                directory = os.path.join(parent, name)
                os.mkdir(directory)
                group.by_controller[controller] = directory
                if controller in ("pids", "unified"):
                    _write(os.path.join(directory, "pids.max"), max_processes + RUNTIME_THREADS)
            if cpu_share is not None:
                group.set_cpu_share(cpu_share)
        except OSError:
            group.remove()
            return None
        return group

    def remove_session(self):
        for parent in (self.layout or {}).values():
            if os.path.isdir(parent):
                _remove_tree(parent)
