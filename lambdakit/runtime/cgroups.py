"""Per-environment control groups, where the host lets us make them (cgroup v1 or v2, root).

They give two limits AWS applies and a plain process cannot: at most 1,024 processes
(a fork bomb stops there) and, on the real clock, the CPU share of the memory size
(1 vCPU at 1,769 MB). Memory is not limited here: a cgroup would also charge the
environment's /tmp (tmpfs) to its memory, which Lambda does not do; the watchdog
measures resident memory instead. Without cgroups the process limit falls back to
RLIMIT_NPROC and the CPU share is modelled only for declared work (`work(cpu_ms=...)`).
"""

import os
import signal

ROOT = "/sys/fs/cgroup"
PERIOD_US = 100_000


def _v2():
    return os.path.exists(os.path.join(ROOT, "cgroup.controllers"))


def _write(path, value):
    with open(path, "w") as f:
        f.write(str(value))


class EnvironmentCgroup:
    def __init__(self, directories):
        self.directories = directories

    @property
    def procs_files(self):
        return [os.path.join(d, "cgroup.procs") for d in self.directories]

    def kill_all(self):
        for procs in self.procs_files:
            try:
                with open(procs) as f:
                    pids = [int(line) for line in f if line.strip()]
            except OSError:
                continue
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def remove(self):
        for directory in self.directories:
            try:
                os.rmdir(directory)
            except OSError:
                pass  # its last process is still exiting; the next sweep removes it


class CgroupFactory:
    """Makes cgroups under a lambdakit parent group; `None` where the host does not allow it."""

    def __init__(self, session):
        self.session = session
        self.layout = self._probe()

    def _parents(self):
        if _v2():
            return {"unified": os.path.join(ROOT, "lambdakit", self.session)}
        return {c: os.path.join(ROOT, c, "lambdakit", self.session) for c in ("pids", "cpu")}

    def _probe(self):
        if os.geteuid() != 0:
            return None
        try:
            parents = self._parents()
            for controller, parent in parents.items():
                os.makedirs(parent, exist_ok=True)
                if controller == "unified":
                    _write(os.path.join(os.path.dirname(parent), "cgroup.subtree_control"), "+pids +cpu")
                    _write(os.path.join(parent, "cgroup.subtree_control"), "+pids +cpu")
            return parents
        except OSError:
            return None

    @property
    def available(self):
        return self.layout is not None

    def create(self, env_id, max_processes, cpu_share=None):
        if self.layout is None:
            return None
        directories = []
        try:
            for controller, parent in self.layout.items():
                directory = os.path.join(parent, env_id)
                os.makedirs(directory, exist_ok=True)
                directories.append(directory)
                if controller in ("pids", "unified"):
                    _write(os.path.join(directory, "pids.max"), max_processes)
                if cpu_share is not None and controller == "cpu":
                    _write(os.path.join(directory, "cpu.cfs_period_us"), PERIOD_US)
                    _write(os.path.join(directory, "cpu.cfs_quota_us"), max(1000, int(PERIOD_US * cpu_share)))
                if cpu_share is not None and controller == "unified":
                    _write(os.path.join(directory, "cpu.max"), f"{max(1000, int(PERIOD_US * cpu_share))} {PERIOD_US}")
        except OSError:
            EnvironmentCgroup(directories).remove()
            return None
        return EnvironmentCgroup(directories)

    def remove_session(self):
        for parent in (self.layout or {}).values():
            for entry in os.listdir(parent) if os.path.isdir(parent) else ():
                try:
                    os.rmdir(os.path.join(parent, entry))
                except OSError:
                    pass
            try:
                os.rmdir(parent)
            except OSError:
                pass
