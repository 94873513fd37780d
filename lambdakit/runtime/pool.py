"""The pool of execution environments: where they come from (the zygote, the sandbox, a
cgroup), which one a request gets (provisioned, warm, or a new one: cold), and when they
end (idle reclaim, retirement after a change, a fault, close).
"""

import heapq
import math
import os
import shutil
import sys
import threading
import uuid
from dataclasses import dataclass

from ..core import limits
from ..core.config import vcpus
from ..scale.concurrency import PROVISIONED
from . import inprocess, logs, rootfs, runtimes, sandbox
from .cgroups import CgroupFactory
from .environment import ExecutionEnvironment, Watchdog, Zygote, ZygoteStopped
from .envvars import lambda_environment
from .foreign import ForeignEnvironment
from .invocation import RESPONSE_MAX_BYTES, Invocation

# At most this much of one invocation's output is kept (the rest is counted, not stored),
# so a handler printing 100 MB cannot exhaust the kernel.
LOG_CAPTURE_LIMIT = 256 * 1024


@dataclass(frozen=True)
class LifecycleEvent:
    """An environment's life: created, reclaimed (idle), stopped (after a fault), deleted."""
    environment_id: str
    function: str
    version: str
    kind: str
    at_ms: float


class EnvironmentPool:
    """A runtime's execution environments, keyed by (function, version). Shares the runtime's lock."""

    def __init__(self, runtime):
        self.runtime = runtime
        self.clock, self.modelled, self.state_dir = runtime.clock, runtime.modelled, runtime.state_dir
        self._lock = runtime._lock
        self.environments_by_version = {}  # (name, version) -> [ExecutionEnvironment]
        self.lifecycle = []
        self._env_counter = 0
        self._pending_releases = []  # virtual clock: heap of (end ms, order, Slot) not yet ended
        self._release_order = 0
        self._oldest_idle_ms = math.inf  # no idle environment was last used before this
        self.zygote = None
        self._zygote_lock = threading.Lock()  # one replacement for a zygote that died, not one per thread
        self._closed = False
        self._start_lock = threading.Lock()  # a load test's first thousand requests start it once
        self.watchdog = None
        self.cgroups = None
        self.namespaces = None

    def ensure_started(self):
        if self.watchdog is not None:  # set last, once everything else is ready
            return
        with self._start_lock:
            if self.watchdog is not None:
                return
            os.makedirs(os.path.join(self.state_dir, "envs"), exist_ok=True)
            if inprocess.ONLY_BACKEND:  # Pyodide: no processes; environments run in this interpreter
                self.zygote = self.cgroups = self.watchdog = inprocess.InterpreterBackend(self.clock)
                return
            self.namespaces = sandbox.namespaces_available()
            self.cgroups = CgroupFactory()
            self.zygote = self._start_zygote()
            self.watchdog = Watchdog()

    def _start_zygote(self):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
               "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        return Zygote(env, os.path.join(self.state_dir, "zygote.log"), self.namespaces)

    @property
    def isolation(self):
        """How environments are isolated on this host (for documentation and lessons)."""
        self.ensure_started()
        if inprocess.ONLY_BACKEND:
            return dict(inprocess.ISOLATION)
        return {"sandbox": sandbox.is_sandbox(self.namespaces),
                "private_tmp_and_var_task": bool(self.namespaces),
                "process_and_cpu_limits_by_cgroup": self.cgroups.available,
                "memory_by_cgroup": self.cgroups.counts_memory,
                "interpreter": f"python{sys.version_info[0]}.{sys.version_info[1]}",
                "note": sandbox.describe(self.namespaces)}

    def all(self, name=None):
        with self._lock:
            return [e for (n, _), envs in self.environments_by_version.items() if name in (None, n) for e in envs]

    def reclaim_idle(self, now_ms):
        limit = self.modelled.idle_reclaim_s * 1000.0
        if now_ms - self._oldest_idle_ms <= limit:
            return  # nothing has been idle long enough; skip the walk over every environment
        oldest = math.inf
        for key, envs in self.environments_by_version.items():
            for env in [e for e in envs if not e.busy and e.initialization_type == "on-demand"]:
                if now_ms - env.last_used_ms > limit:
                    self.stop(env, "reclaimed", env.last_used_ms + limit)
                else:
                    oldest = min(oldest, env.last_used_ms)
        self._oldest_idle_ms = oldest

    def stop(self, env, kind, at_ms, graceful=True):
        envs = self.environments_by_version.get((env.function_name, env.version), [])
        if env in envs:
            envs.remove(env)
        self.lifecycle.append(LifecycleEvent(env.id, env.function_name, env.version, kind, at_ms))
        env.close(graceful)
        shutil.rmtree(os.path.join(self.state_dir, "envs", env.id), ignore_errors=True)

    def retire(self, name, version):
        for env in list(self.environments_by_version.get((name, version), [])):
            if not env.busy:
                self.stop(env, "retired", self.clock.now_ms())
            else:
                env.retire_when_done = True

    def acquire(self, function, version, arrival_ms, qualifier=None):
        """(environment, cold, Slot) for a request arriving at `arrival_ms`: a provisioned
        environment of `qualifier`, a warm one free then, or a new one (cold); the account
        admits it (lambdakit.scale.concurrency) or raises the 429. Marks the environment busy."""
        with self._lock:
            self.reclaim_idle(arrival_ms)
            self.end_executions(arrival_ms)
            envs = self.environments_by_version.setdefault((function.name, version.number), [])
            provisioned = self.runtime._provisioned.idle(function.name, qualifier, version.number, arrival_ms)
            warm = self._warm(envs, arrival_ms)
            slot = self.runtime._account.acquire(function.name, arrival_ms, qualifier, warm_environment=warm is not None,
                                         provisioned_environment=provisioned is not None)
            env = provisioned if slot.pool == PROVISIONED else warm
            if env is None:
                env = self._new_environment(function, version, arrival_ms)
            env.busy = True
            env.thaw()  # now, so that it runs again by the time its request is sent
            return env, slot.new_environment, slot

    def _warm(self, envs, arrival_ms):
        """The most recently used environment free at `arrival_ms` (Lambda reuses warm ones
        so). One that died while idle is stopped on the way: a request never goes to it."""
        while True:
            env = next((env for env in reversed(envs) if env.initialization_type == "on-demand"
                        and not env.busy and env.alive and env.free_at_ms <= arrival_ms), None)
            if env is None or env.idle_and_well():
                return env
            self.stop(env, "stopped", arrival_ms, graceful=False)

    def _new_environment(self, function, version, at_ms, initialization_type="on-demand"):
        """A new environment (not started yet), busy and registered. Call with the lock held."""
        self._env_counter += 1
        env_id = f"env-{self._env_counter}"
        hex32 = uuid.UUID(int=self.clock.random().getrandbits(128)).hex if self.clock.virtual else uuid.uuid4().hex
        # Node.js and custom runtimes speak the Runtime API (foreign.py); Python has its channel.
        kind = ForeignEnvironment if self._family(version.config) else \
            inprocess.InProcessEnvironment if inprocess.ONLY_BACKEND else ExecutionEnvironment
        env = kind(env_id, function.name, version.number, version.config,
                   logs.stream_name(at_ms, version.number, hex32), at_ms, initialization_type)
        env.busy = True
        env.retire_when_done = False
        self.environments_by_version.setdefault((function.name, version.number), []).append(env)
        self.lifecycle.append(LifecycleEvent(env_id, function.name, version.number, "created", at_ms))
        return env

    def initialise_environment(self, function, version, at_ms, initialization_type, qualifier):
        """Start an environment and run INIT ahead of traffic (provisioned concurrency); None
        when it is ready, else the INIT error. Its INIT output goes to its log stream."""
        with self._lock:
            env = self._new_environment(function, version, at_ms, initialization_type)
            env.provisioned_qualifier = qualifier
        self.ensure_started()
        run = Invocation(self.runtime, env, version, None, at_ms, cold=True)
        try:
            self.spawn(env, version, at_ms)
            run.init()
            self.prepare_next()
        finally:
            with self._lock:
                env.busy = False
                env.ready_ms = env.free_at_ms = env.last_used_ms = at_ms + run.init_ms
                if run.init_error is not None or not self.holds(env):
                    self.stop(env, "stopped", at_ms + run.init_ms, graceful=False)
                else:
                    env.freeze()
        if run.init_output:
            self.runtime.logs.append(logs.log_group(function.name), env.log_stream, at_ms,
                             logs.split_output(run.init_output))
        return run.init_error

    def holds(self, env):
        return env in self.environments_by_version.get((env.function_name, env.version), ())

    def end_executions(self, now_ms):
        """Virtual clock: executions that ended by `now_ms` give their concurrency back."""
        pending = self._pending_releases
        while pending and pending[0][0] <= now_ms:
            self.runtime._account.release(heapq.heappop(pending)[2])

    def release(self, env, end_ms, keep, slot):
        """The execution on `env` is over (at `end_ms` on the virtual clock). Returns the
        provisioned qualifier to replenish when a provisioned environment had to stop."""
        with self._lock:
            env.busy = False
            if self.clock.virtual:
                self._release_order += 1
                heapq.heappush(self._pending_releases, (end_ms, self._release_order, slot))
            else:
                self.runtime._account.release(slot)
            self._oldest_idle_ms = min(self._oldest_idle_ms, end_ms)
            env.free_at_ms = env.last_used_ms = end_ms
            if not keep or getattr(env, "retire_when_done", False):
                self.stop(env, "stopped" if not keep else "retired", end_ms, graceful=keep)
                if not keep and env.initialization_type != "on-demand":
                    return env.provisioned_qualifier
            elif env.alive:
                env.freeze()
        return None

    def spawn(self, env, version, arrival_ms, retried_init_timeout_s=None):
        """Start `env`'s process for its INIT, within 10 s; or, with `retried_init_timeout_s`,
        for an INIT Lambda retries inside the first invocation, under the function's timeout."""
        config = version.config
        env_dir = os.path.join(self.state_dir, "envs", env.id)
        if not self.namespaces:  # its /tmp is a directory here (and a tmpfs of its own otherwise)
            os.makedirs(os.path.join(env_dir, "tmp"), exist_ok=True)
        family = self._family(config)
        command = runtimes.command(family, config.handler) if family else None  # node missing: say so now
        share = vcpus(config.memory_size)
        # On-demand INIT runs at a full vCPU (modelled.init_vcpus); a retried INIT runs inside
        # an invocation, and provisioned concurrency has no burst.
        init_share = max(share, self.modelled.init_vcpus) \
            if env.initialization_type == "on-demand" and retried_init_timeout_s is None else share
        init_timeout_s = retried_init_timeout_s or limits.INIT_TIMEOUT_S
        layers = self.runtime.layers.spawn_spec(config, self.namespaces)
        cgroup = self.cgroups.take(limits.PROCESSES_MAX, None if self.clock.virtual else init_share,
                                   (config.memory_size, config.ephemeral_storage))
        env.cpu_share = None if self.clock.virtual or cgroup is None else share
        spec = {
            "handler": config.handler, "virtual": self.clock.virtual,
            "vcpus": share, "init_vcpus": init_share, "cpu_throttled": env.cpu_share is not None,
            "now_ms": arrival_ms, "init_timeout_ms": init_timeout_s * 1000.0,
            "log_limit": LOG_CAPTURE_LIMIT, "log_format": config.log_format,
            "response_max_bytes": RESPONSE_MAX_BYTES,
            "env": lambda_environment(config, version.number, env.log_stream,
                                      env.initialization_type, self.runtime.handler_environment),
            "code_dir": version.code.directory, "layer_dirs": layers["layer_dirs"],
            "namespaces": self.namespaces, "tmp_dir": os.path.join(env_dir, "tmp"),
            "ephemeral_mb": config.ephemeral_storage, "memory_mb": config.memory_size,
            "max_fds": limits.FILE_DESCRIPTORS_MAX, "max_processes": limits.PROCESSES_MAX,
            "sys_path": self._handler_sys_path(config, version.code.directory, layers["layer_paths"]),
            "memory_by_cgroup": cgroup is not None and cgroup.counts_memory,
        }
        if family:
            if family == runtimes.NODE and self.clock.virtual:
                command = [*command, f"--virtual-now-ms={int(arrival_ms)}"]  # its Date reads virtual time
            spec.update(runtime_family=family, command=command,
                        virtual_invoke_ms=self.modelled.foreign_invoke_ms)
        for _ in range(3):
            zygote = self._live_zygote()
            try:
                env.start(zygote, spec, cgroup)
                return
            except ZygoteStopped:
                self._replace_zygote(zygote)
        raise RuntimeError("lambdakit could not start an environment: its zygote process keeps stopping "
                           f"(see {os.path.join(self.state_dir, 'zygote.log')})")

    def _family(self, config):
        return runtimes.family(config.runtime, self.runtime.python_runtime_api)

    def _handler_sys_path(self, config, code_dir, layer_paths):
        """AWS's sys.path in a sandbox; elsewhere the task root and layers before the kernel's
        own path (which then stays importable: no sandbox keeps it out)."""
        if sandbox.is_sandbox(self.namespaces):
            return rootfs.handler_sys_path(config.runtime)
        task_root = sandbox.TASK_ROOT if self.namespaces else code_dir
        return [task_root, *layer_paths, *(p for p in sys.path if p)]

    def _live_zygote(self):
        zygote = self.zygote
        if not zygote.alive:  # killed from outside (the OOM killer, a learner): start another
            self._replace_zygote(zygote)
        return self.zygote

    def _replace_zygote(self, dead):
        """Start a zygote in place of `dead`, unless another thread already has."""
        with self._zygote_lock:
            if self._closed:
                raise RuntimeError("the runtime is closed")
            if self.zygote is dead:
                dead.close()
                self.zygote = self._start_zygote()

    def prepare_next(self):
        """The next spare and cgroup, made once a new environment has run (not while it
        starts: on a busy machine that would slow its start down)."""
        self.zygote.replenish()
        self.cgroups.make_ahead(limits.PROCESSES_MAX, not self.clock.virtual)

    def close(self):
        """Stop every environment and the zygote."""
        with self._zygote_lock:
            self._closed = True
        with self._lock:
            everyone = [env for envs in self.environments_by_version.values() for env in envs]
            for env in everyone:
                env.kill()  # all at once, then wait for each: a load test may leave hundreds
            for env in everyone:
                env.close()
            self.environments_by_version.clear()
        if self.zygote:
            self.zygote.close()
            self.cgroups.remove_session()
