"""The local Lambda service: functions, environments, invocations, records and logs.

Method names follow the AWS Lambda API in snake_case. Rules live here and in
functions.py; processes live in environment.py; the REST API only translates.
"""

import heapq
import json
import math
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass

from ..core import limits, records
from ..core.clock import iso_ms, make_clock
from ..scale.concurrency import PROVISIONED, ConcurrencyAccount
from ..core.config import function_arn, make_config, vcpus
from ..core.errors import (InvalidParameterValueException, InvalidRequestContentException, LambdaError,
                      RequestTooLargeException, ResourceConflictException, ResourceNotFoundException,
                      TooManyRequestsException)
from ..core.modelled import DEFAULT as DEFAULT_MODELLED
from ..layers import LayerStore, layer_arn
from ..cost.pricing import billed_duration_ms
from ..core.records import InvocationRecord
from ..core.timers import Timers
from . import eventconfig, logs, package, sandbox
from .asyncq import AsyncQueue, QueuedEvent
from .cgroups import CgroupFactory
from .destinations import check_dead_letter_target
from .environment import ExecutionEnvironment, Watchdog, Zygote, exit_text
from .envvars import lambda_environment
from .functions import LATEST, Code, Function, Version, split_name
from .provisioned import ProvisionedConcurrency
from .result import InvocationResult

# At most this much of one invocation's output is kept (the rest is counted, not stored),
# so a handler printing 100 MB cannot exhaust the kernel.
LOG_CAPTURE_LIMIT = 256 * 1024
INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")
# The 6 MB response quota as Lambda enforces and words it: "... maximum allowed payload
# size (6291556 bytes)", 100 bytes over 6 MiB.
RESPONSE_MAX_BYTES = limits.SYNC_PAYLOAD_MAX_BYTES + 100


@dataclass(frozen=True)
class LifecycleEvent:
    """An environment's life: created, reclaimed (idle), stopped (after a fault), deleted."""
    environment_id: str
    function: str
    version: str
    kind: str
    at_ms: float


class Runtime:
    """A local Lambda service, with its own functions, environments and clock."""

    def __init__(self, clock="virtual", seed=0, start=None, modelled=DEFAULT_MODELLED,
                 account_concurrency=limits.ACCOUNT_CONCURRENCY_DEFAULT, state_dir=None):
        self.clock = make_clock(clock, seed, **({"start": start} if start else {}))
        self.modelled = modelled
        self._account = ConcurrencyAccount(account_concurrency)  # reserved, provisioned, scaling rate
        self._own_state_dir = state_dir is None
        self.state_dir = state_dir or tempfile.mkdtemp(prefix="lambdakit-")
        self._functions = {}
        self._environments = {}      # (name, version) -> [ExecutionEnvironment]
        self._lock = threading.RLock()
        self._env_counter = 0
        self._pending_releases = []  # virtual clock: heap of (end ms, order, Slot) not yet ended
        self._release_order = 0
        self._oldest_idle_ms = math.inf  # no idle environment was last used before this
        self._zygote = None
        self._watchdog = None
        self._cgroups = None
        self._namespaces = None
        self.records = []
        self.lifecycle = []
        self.logs = logs.LogStore()
        self.handler_environment = {}  # extra variables for every environment (local AWS endpoints)
        self._closed = False
        self._http = None  # the REST API server, started by serve_http()
        self._attached = []  # local AWS services and API gateways, closed with the runtime
        self.timers = Timers(self.clock)  # schedules and event source pollers (lambdakit.core.timers)
        self._asyncq = AsyncQueue(self)  # Event invocations, retries, DLQ, destinations: a timer once used
        self._provisioned = ProvisionedConcurrency(self)
        self.layers = LayerStore(os.path.join(self.state_dir, "layers"))
        self._local_aws = None
        self._esm = None  # event source mappings (lambdakit.esm), made on first use

    # ------------------------------------------------------------------ setup
    def _ensure_started(self):
        if self._zygote is None:
            os.makedirs(os.path.join(self.state_dir, "envs"), exist_ok=True)
            self._namespaces = sandbox.namespaces_available()
            self._cgroups = CgroupFactory()
            self._zygote = self._start_zygote()
            self._watchdog = Watchdog()

    def _start_zygote(self):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
               "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        return Zygote(env, os.path.join(self.state_dir, "zygote.log"), self._namespaces)

    @property
    def isolation(self):
        """How environments are isolated on this host (for documentation and lessons)."""
        self._ensure_started()
        return {"private_tmp_and_var_task": self._namespaces,
                "process_and_cpu_limits_by_cgroup": self._cgroups.available}

    # -------------------------------------------------------------- functions
    def create_function(self, name, code, *, publish=False, **settings):
        """CreateFunction. `code` is handler source text, a directory, a .zip path or zip bytes."""
        settings = _settings(settings)
        dead_letter = _dead_letter_target(settings.pop("dead_letter_config", None))
        config = make_config(name, **settings)
        with self._lock:
            if name in self._functions:
                raise ResourceConflictException(f"Function already exist: {name}")
            stored = self._store_code(name, code, config.handler)
            self.layers.check_function(config.layers, stored.directory)
            function = Function(Version(LATEST, config, stored, settings.get("description", ""),
                                        self._timestamp()), dead_letter_target=dead_letter)
            self._functions[name] = function
        if publish:
            self.publish_version(name)
        return self.get_function_configuration(name)

    def _store_code(self, name, code, handler):
        module_file = handler.rsplit(".", 1)[0].replace(".", "/") + ".py"
        directory, sha, size = package.store(code, os.path.join(self.state_dir, "code", name), module_file)
        return Code(directory, sha, size)

    def _function(self, name):
        function = self._functions.get(name)
        if function is None:
            raise ResourceNotFoundException(f"Function not found: {function_arn(name)}")
        return function

    def get_function_configuration(self, name, qualifier=None):
        name, qualifier = split_name(name, qualifier)
        with self._lock:
            function = self._function(name)
            number = qualifier if qualifier in (None, LATEST) or qualifier in function.versions \
                else function.resolve(qualifier, 0.0)[0]
            version = function.version(number or LATEST)
            return _describe(version, function)

    def get_function(self, name, qualifier=None):
        return {"Configuration": self.get_function_configuration(name, qualifier),
                "Code": {"RepositoryType": "S3", "Location": "file://" + self._resolve_version(name, qualifier).code.directory}}

    def _resolve_version(self, name, qualifier):
        name, qualifier = split_name(name, qualifier)
        function = self._function(name)
        return function.version(function.resolve(qualifier, 0.0)[0])

    def list_functions(self):
        with self._lock:
            return [_describe(f.latest, f) for _, f in sorted(self._functions.items())]

    def update_function_code(self, name, code, *, publish=False):
        """UpdateFunctionCode: $LATEST gets the new code; its warm environments are retired."""
        name, _ = split_name(name)
        with self._lock:
            function = self._function(name)
            stored = self._store_code(name, code, function.latest.config.handler)
            self.layers.check_function(function.latest.config.layers, stored.directory)
            function.latest = Version(LATEST, function.latest.config, stored, function.latest.description,
                                      self._timestamp(), function.latest.revision + 1)
            self._retire(name, LATEST)
        if publish:
            self.publish_version(name)
        return self.get_function_configuration(name)

    def update_function_configuration(self, name, **changes):
        name, _ = split_name(name)
        changes = _settings(changes)
        dead_letter = changes.pop("dead_letter_config", False)
        with self._lock:
            function = self._function(name)
            if dead_letter is not False:  # DeadLetterConfig belongs to the function, not to a version
                function.dead_letter_target = _dead_letter_target(dead_letter)
            latest = function.latest
            config = latest.config.with_changes(**changes)
            stored = latest.code
            self.layers.check_function(config.layers, stored.directory)
            if config.handler != latest.config.handler and not os.path.exists(
                    os.path.join(stored.directory, config.handler.rsplit(".", 1)[0].replace(".", "/") + ".py")):
                pass  # a handler that does not exist fails at INIT, as on AWS
            function.latest = Version(LATEST, config, stored, changes.get("description", latest.description),
                                      self._timestamp(), latest.revision + 1)
            self._retire(name, LATEST)
        return self.get_function_configuration(name)

    def delete_function(self, name, qualifier=None):
        name, qualifier = split_name(name, qualifier)
        with self._lock:
            function = self._function(name)
            if qualifier not in (None, LATEST):
                function.delete_version(qualifier)
                self._provisioned.forget(name, qualifier)
                self._retire(name, qualifier)
                return
            for key in [k for k in self._environments if k[0] == name]:
                self._retire(*key)
            del self._functions[name]
            self._account.remove_function(name)
            self._provisioned.remove_function(name)
            self.logs.delete_group(logs.log_group(name))
        shutil.rmtree(os.path.join(self.state_dir, "code", name), ignore_errors=True)

    # ------------------------------------------------------- versions, aliases
    def publish_version(self, name, description=""):
        name, _ = split_name(name)
        with self._lock:
            version = self._function(name).publish(description, self._timestamp())
            return _describe(version, self._function(name))

    def list_versions_by_function(self, name):
        name, _ = split_name(name)
        with self._lock:
            function = self._function(name)
            return [_describe(function.latest, function)] + [
                _describe(v, function) for _, v in sorted(function.versions.items(), key=lambda kv: int(kv[0]))]

    def create_alias(self, name, alias, version, weights=None, description=""):
        name, _ = split_name(name)
        with self._lock:
            return _describe_alias(name, self._function(name).put_alias(alias, version, weights, description))

    def update_alias(self, name, alias, version=None, weights=None, description=None):
        name, _ = split_name(name)
        with self._lock:
            function = self._function(name)
            current = function.aliases.get(alias)
            if current is None:
                raise ResourceNotFoundException(f"Alias not found: {function_arn(name, alias)}")
            described = _describe_alias(name, function.put_alias(
                alias, version or current.version,
                dict(current.weights) if weights is None else weights,
                current.description if description is None else description, create=False))
        self._provisioned.realign(name, alias)  # its provisioned environments follow the alias
        return described

    def get_alias(self, name, alias):
        name, _ = split_name(name)
        with self._lock:
            found = self._function(name).aliases.get(alias)
            if found is None:
                raise ResourceNotFoundException(f"Alias not found: {function_arn(name, alias)}")
            return _describe_alias(name, found)

    def list_aliases(self, name):
        name, _ = split_name(name)
        with self._lock:
            return [_describe_alias(name, a) for _, a in sorted(self._function(name).aliases.items())]

    def delete_alias(self, name, alias):
        name, _ = split_name(name)
        with self._lock:
            self._function(name).aliases.pop(alias, None)
            self._provisioned.forget(name, alias)

    # ----------------------------------------------------------------- layers
    def publish_layer_version(self, layer_name, content, *, description="", compatible_runtimes=(),
                              compatible_architectures=(), license_info=None):
        """PublishLayerVersion. `content` is a directory, a .zip path or zip bytes: see lambdakit.layers."""
        return self.layers.publish(layer_name, content, self._timestamp(), description=description,
                                   compatible_runtimes=compatible_runtimes,
                                   compatible_architectures=compatible_architectures,
                                   license_info=license_info).describe()

    def get_layer_version(self, layer_name, version_number):
        return self.layers.get(layer_name, version_number).describe()

    def get_layer_version_by_arn(self, arn):
        return self.layers.get_by_arn(arn).describe()

    def list_layer_versions(self, layer_name):
        return [v.list_item() for v in self.layers.versions(layer_name)]

    def list_layers(self):
        return [{"LayerName": name, "LayerArn": layer_arn(name), "LatestMatchingVersion": latest.list_item()}
                for name, latest in self.layers.layers()]

    def delete_layer_version(self, layer_name, version_number):
        self.layers.delete(layer_name, version_number)

    # ------------------------------------------------------------ concurrency
    def put_function_concurrency(self, name, reserved):
        name, _ = split_name(name)
        with self._lock:
            function = self._function(name)
            if isinstance(reserved, bool) or not isinstance(reserved, int) or reserved < 0:
                raise InvalidParameterValueException("ReservedConcurrentExecutions must be a non-negative integer.")
            self._account.put_reserved(name, reserved)
            function.reserved_concurrency = reserved
            return {"ReservedConcurrentExecutions": reserved}

    def delete_function_concurrency(self, name):
        name, _ = split_name(name)
        with self._lock:
            self._function(name).reserved_concurrency = None
            self._account.delete_reserved(name)

    def get_function_concurrency(self, name):
        name, _ = split_name(name)
        with self._lock:
            reserved = self._function(name).reserved_concurrency
            return {} if reserved is None else {"ReservedConcurrentExecutions": reserved}

    @property
    def account_concurrency(self):
        """The account's concurrency limit (1,000 by default; `Runtime(account_concurrency=N)`)."""
        return self._account.account_limit

    def get_account_settings(self):
        """GetAccountSettings: the concurrency limit and what reservations leave unreserved."""
        with self._lock:
            return {"AccountLimit": {"ConcurrentExecutions": self._account.account_limit,
                                     "UnreservedConcurrentExecutions": self._account.unreserved_limit},
                    "AccountUsage": {"FunctionCount": len(self._functions)}}

    def put_provisioned_concurrency_config(self, name, qualifier, provisioned_concurrent_executions):
        """PutProvisionedConcurrencyConfig on a version or alias: its environments run INIT now."""
        name, qualifier = split_name(name, qualifier)
        return self._provisioned.put(name, qualifier, provisioned_concurrent_executions)

    def get_provisioned_concurrency_config(self, name, qualifier):
        name, qualifier = split_name(name, qualifier)
        return self._provisioned.get(name, qualifier)

    def delete_provisioned_concurrency_config(self, name, qualifier):
        name, qualifier = split_name(name, qualifier)
        self._provisioned.delete(name, qualifier)

    def list_provisioned_concurrency_configs(self, name):
        name, _ = split_name(name)
        return self._provisioned.list(name)

    # ------------------------------------------------------------------ time
    def advance(self, seconds=0.0, minutes=0.0, hours=0.0):
        """Move the virtual clock forward (idle environments may be reclaimed)."""
        if not self.clock.virtual:
            raise InvalidParameterValueException("advance() needs the virtual clock; the real one moves by itself.")
        # Schedules and event source pollers run at their own instants on the way.
        self.timers.run_until(self.clock.now_ms() + (seconds + 60 * minutes + 3600 * hours) * 1000.0)
        with self._lock:
            self._reclaim_idle(self.clock.now_ms())

    def seed(self, seed):
        if self.clock.virtual:
            self.clock.seed(seed)

    def _timestamp(self):
        return iso_ms(self.clock.now_ms()).replace("Z", "+0000")

    # ------------------------------------------------------------ environments
    def environments(self, name=None):
        with self._lock:
            return [e for (n, _), envs in self._environments.items() if name in (None, n) for e in envs]

    def _reclaim_idle(self, now_ms):
        limit = self.modelled.idle_reclaim_s * 1000.0
        if now_ms - self._oldest_idle_ms <= limit:
            return  # nothing has been idle long enough; skip the walk over every environment
        oldest = math.inf
        for key, envs in self._environments.items():
            for env in [e for e in envs if not e.busy and e.initialization_type == "on-demand"]:
                if now_ms - env.last_used_ms > limit:
                    self._stop(env, "reclaimed", env.last_used_ms + limit)
                else:
                    oldest = min(oldest, env.last_used_ms)
        self._oldest_idle_ms = oldest

    def _stop(self, env, kind, at_ms, graceful=True):
        envs = self._environments.get((env.function_name, env.version), [])
        if env in envs:
            envs.remove(env)
        self.lifecycle.append(LifecycleEvent(env.id, env.function_name, env.version, kind, at_ms))
        env.close(graceful)
        shutil.rmtree(os.path.join(self.state_dir, "envs", env.id), ignore_errors=True)

    def _retire(self, name, version):
        for env in list(self._environments.get((name, version), [])):
            if not env.busy:
                self._stop(env, "retired", self.clock.now_ms())
            else:
                env.retire_when_done = True

    def _acquire(self, function, version, arrival_ms, qualifier=None):
        """(environment, cold, Slot) for a request arriving at `arrival_ms`: a provisioned
        environment of `qualifier`, a warm one free then, or a new one (cold); the account
        admits it (lambdakit.scale.concurrency) or raises the 429. Marks the environment busy."""
        with self._lock:
            self._reclaim_idle(arrival_ms)
            self._end_executions(arrival_ms)
            envs = self._environments.setdefault((function.name, version.number), [])
            provisioned = self._provisioned.idle(function.name, qualifier, version.number, arrival_ms)
            # Most recently used first, as Lambda reuses warm environments.
            warm = next((env for env in reversed(envs) if env.initialization_type == "on-demand"
                         and not env.busy and env.alive and env.free_at_ms <= arrival_ms), None)
            slot = self._account.acquire(function.name, arrival_ms, qualifier, warm_environment=warm is not None,
                                         provisioned_environment=provisioned is not None)
            env = provisioned if slot.pool == PROVISIONED else warm
            if env is None:
                env = self._new_environment(function, version, arrival_ms)
            env.busy = True
            return env, slot.new_environment, slot

    def _new_environment(self, function, version, at_ms, initialization_type="on-demand"):
        """A new environment (not started yet), busy and registered. Call with the lock held."""
        self._env_counter += 1
        env_id = f"env-{self._env_counter}"
        hex32 = uuid.UUID(int=self.clock.random().getrandbits(128)).hex if self.clock.virtual else uuid.uuid4().hex
        env = ExecutionEnvironment(env_id, function.name, version.number, version.config,
                                   logs.stream_name(at_ms, version.number, hex32), at_ms, initialization_type)
        env.busy = True
        env.retire_when_done = False
        self._environments.setdefault((function.name, version.number), []).append(env)
        self.lifecycle.append(LifecycleEvent(env_id, function.name, version.number, "created", at_ms))
        return env

    def _initialise_environment(self, function, version, at_ms, initialization_type, qualifier):
        """Start an environment and run INIT ahead of traffic (provisioned concurrency); None
        when it is ready, else the INIT error. Its INIT output goes to its log stream."""
        with self._lock:
            env = self._new_environment(function, version, at_ms, initialization_type)
            env.provisioned_qualifier = qualifier
        self._ensure_started()
        run = _Run(self, env, version, None, at_ms, cold=True)
        try:
            self._spawn(env, version, at_ms)
            run.init()
            self._prepare_next_environment()
        finally:
            with self._lock:
                env.busy = False
                env.ready_ms = env.free_at_ms = env.last_used_ms = at_ms + run.init_ms
                if run.init_error is not None or not self._environments_hold(env):
                    self._stop(env, "stopped", at_ms + run.init_ms, graceful=False)
        if run.init_output:
            self.logs.append(logs.log_group(function.name), env.log_stream, at_ms,
                             logs.split_output(run.init_output))
        return run.init_error

    def _environments_hold(self, env):
        return env in self._environments.get((env.function_name, env.version), ())

    def _end_executions(self, now_ms):
        """Virtual clock: executions that ended by `now_ms` give their concurrency back."""
        pending = self._pending_releases
        while pending and pending[0][0] <= now_ms:
            self._account.release(heapq.heappop(pending)[2])

    def _release(self, env, end_ms, keep, slot):
        """The execution on `env` is over (at `end_ms` on the virtual clock). Returns the
        provisioned qualifier to replenish when a provisioned environment had to stop."""
        with self._lock:
            env.busy = False
            if self.clock.virtual:
                self._release_order += 1
                heapq.heappush(self._pending_releases, (end_ms, self._release_order, slot))
            else:
                self._account.release(slot)
            self._oldest_idle_ms = min(self._oldest_idle_ms, end_ms)
            env.free_at_ms = env.last_used_ms = end_ms
            if not keep or getattr(env, "retire_when_done", False):
                self._stop(env, "stopped" if not keep else "retired", end_ms, graceful=keep)
                if not keep and env.initialization_type != "on-demand":
                    return env.provisioned_qualifier
        return None

    def _spawn(self, env, version, arrival_ms):
        config = version.config
        env_dir = os.path.join(self.state_dir, "envs", env.id)
        if not self._namespaces:  # its /tmp is a directory here (and a tmpfs of its own otherwise)
            os.makedirs(os.path.join(env_dir, "tmp"), exist_ok=True)
        share = None if self.clock.virtual else vcpus(config.memory_size)
        cgroup = self._cgroups.take(limits.PROCESSES_MAX, share)
        spec = {
            "handler": config.handler, "virtual": self.clock.virtual,
            "vcpus": vcpus(config.memory_size), "cpu_throttled": cgroup is not None and share is not None,
            "now_ms": arrival_ms, "init_timeout_ms": limits.INIT_TIMEOUT_S * 1000.0,
            "log_limit": LOG_CAPTURE_LIMIT, "log_format": config.log_format,
            "response_max_bytes": RESPONSE_MAX_BYTES,
            "env": lambda_environment(config, version.number, env.log_stream,
                                      env.initialization_type, self.handler_environment),
            "code_dir": version.code.directory, **self.layers.spawn_spec(config, self._namespaces),
            "namespaces": self._namespaces, "tmp_dir": os.path.join(env_dir, "tmp"),
            "output_path": os.path.join(env_dir, "output"),
            "ephemeral_mb": config.ephemeral_storage, "memory_mb": config.memory_size,
            "max_fds": limits.FILE_DESCRIPTORS_MAX, "max_processes": limits.PROCESSES_MAX,
            "sys_path": [p for p in sys.path if p],
        }
        if not self._zygote.alive:  # killed from outside (the OOM killer, a learner): start another
            self._zygote.close()
            self._zygote = self._start_zygote()
        env.start(self._zygote, spec, cgroup)

    def _prepare_next_environment(self):
        """The next spare and cgroup, made once a new environment has run (not while it
        starts: on a busy machine that would slow its start down)."""
        self._zygote.replenish()
        self._cgroups.make_ahead(limits.PROCESSES_MAX, not self.clock.virtual)

    # ---------------------------------------------------------------- invoke
    def invoke(self, function_name, payload=None, invocation_type="RequestResponse", qualifier=None,
               log_type=None, client_context=None, trace_id=None):
        """Invoke: run the function and return an InvocationResult (sync), or queue it (Event).

        `trace_id` is the X-Ray header a triggering service passes on (its Lineage counts a
        chain of invocations, which is how recursive loops are detected); None starts a new trace.
        """
        if invocation_type not in INVOCATION_TYPES:
            raise InvalidParameterValueException(
                f"1 validation error detected: Value '{invocation_type}' at 'invocationType' failed to "
                "satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]")
        name, qualifier = split_name(function_name, qualifier)
        body = _encode_payload(payload)
        limit = limits.ASYNC_PAYLOAD_MAX_BYTES if invocation_type == "Event" else limits.SYNC_PAYLOAD_MAX_BYTES
        if len(body) > limit:
            raise RequestTooLargeException(
                f"Request must be smaller than {limit} bytes for the InvokeFunction operation",
                Type="User")
        if isinstance(payload, (bytes, bytearray, str)) and body.strip():
            try:
                json.loads(body)  # as Invoke does: text that is not JSON never reaches the function
            except ValueError as e:
                raise InvalidRequestContentException(
                    f"Could not parse request body into json: Could not parse payload into json: {e}")
        with self._lock:
            function = self._function(name)
            number, invoked_arn = function.resolve(qualifier, self.clock.random().random())
            version = function.version(number)
        self._ensure_started()
        if invocation_type == "DryRun":
            return InvocationResult(204, b"", self.clock.request_id(), None, None, "")
        if invocation_type == "Event":
            return self._accept_event(name, qualifier, body, self.clock.now_ms(), trace_id)
        return self._invoke_sync(function, version, invoked_arn, body, client_context, trace_id=trace_id,
                                 qualifier=qualifier)

    def invoke_at(self, function_name, payload, at_ms, *, qualifier=None,
                  invocation_type="RequestResponse", trace_id=None):
        """Invoke as a triggering service does at the instant `at_ms` (a schedule's firing, a
        poller's batch): one attempt that starts then, whichever clock, and its result. On the
        virtual clock several calls at one instant run side by side, as concurrent invocations."""
        name, qualifier = split_name(function_name, qualifier)
        body = _encode_payload(payload)
        with self._lock:
            function = self._function(name)
            number, invoked_arn = function.resolve(qualifier, self.clock.random().random())
            version = function.version(number)
        self._ensure_started()
        if invocation_type == "Event":
            return self._accept_event(name, qualifier, body, at_ms, trace_id)
        return self._invoke_sync(function, version, invoked_arn, body, None,
                                 invocation_type=invocation_type, arrival_ms=at_ms, trace_id=trace_id,
                                 qualifier=qualifier)

    # ------------------------------------------------- asynchronous invocation
    def _accept_event(self, name, qualifier, body, at_ms, trace_id):
        """Queue an Event invocation (lambdakit.runtime.asyncq) and answer 202."""
        request_id = self.clock.request_id()
        with self._lock:
            if self._asyncq not in self.timers.drivers:
                self.timers.add(self._asyncq)
        self._asyncq.accept(QueuedEvent(request_id, name, qualifier, body, at_ms, trace_id))
        return InvocationResult(202, b"", request_id, None, None, "")

    def _run_event_attempt(self, event, arrival_ms):
        """One attempt of a queued event, resolved afresh (an alias may have moved)."""
        with self._lock:
            function = self._function(event.function)
            number, invoked_arn = function.resolve(event.qualifier, self.clock.random().random())
            version = function.version(number)
        return self._invoke_sync(function, version, invoked_arn, event.body, None, event.request_id, "Event",
                                 arrival_ms=arrival_ms, trace_id=event.trace_id, qualifier=event.qualifier,
                                 attempt=event.attempts)

    def _event_settings(self, name, qualifier):
        """(EventInvokeConfig in force, DLQ target ARN) for events invoked with `qualifier`."""
        with self._lock:
            function = self._functions.get(name)
            if function is None:
                return eventconfig.EventInvokeSettings(None, None, None, None, 0.0).config, None
            settings = function.event_invoke_config.get(eventconfig.key(qualifier))
            config = settings.config if settings else eventconfig.EventInvokeSettings(None, None, None, None, 0.0).config
            return config, function.dead_letter_target

    def _executed_version(self, name, qualifier):
        """The version an event would have run (for the record of one that never ran)."""
        try:
            return self.get_function_configuration(name, qualifier)["Version"]
        except LambdaError:
            return qualifier or LATEST

    def put_function_event_invoke_config(self, name, qualifier=None, **settings):
        """PutFunctionEventInvokeConfig: replaces the settings. Keywords: maximum_retry_attempts,
        maximum_event_age_in_seconds, destination_config ({"OnSuccess": {"Destination": ARN},
        "OnFailure": {...}}), or on_success= / on_failure= ARNs."""
        return self._put_event_settings(name, qualifier, settings, replace=True)

    def update_function_event_invoke_config(self, name, qualifier=None, **settings):
        """UpdateFunctionEventInvokeConfig: changes only the settings named."""
        return self._put_event_settings(name, qualifier, settings, replace=False)

    def _put_event_settings(self, name, qualifier, settings, replace):
        name, qualifier = split_name(name, qualifier)
        destinations = dict(settings.pop("destination_config", None) or {})
        for member, shortcut in (("OnSuccess", "on_success"), ("OnFailure", "on_failure")):
            if shortcut in settings:
                destinations[member] = {"Destination": settings.pop(shortcut)}
        if settings.keys() - {"maximum_retry_attempts", "maximum_event_age_in_seconds"}:
            raise TypeError(f"unknown settings: {sorted(settings)}")
        with self._lock:
            function = self._function(name)
            if qualifier not in (None, LATEST):
                function.resolve(qualifier, 0.0)  # the version or alias must exist
            base = None if replace else function.event_invoke_config.get(eventconfig.key(qualifier))
            made = eventconfig.make(name, self.clock.now_ms(), destination_config=destinations or None,
                                    base=base, **settings)
            function.event_invoke_config[eventconfig.key(qualifier)] = made
            return eventconfig.describe(name, qualifier, made)

    def get_function_event_invoke_config(self, name, qualifier=None):
        name, qualifier = split_name(name, qualifier)
        with self._lock:
            settings = self._function(name).event_invoke_config.get(eventconfig.key(qualifier))
            if settings is None:
                raise eventconfig.not_found(name, qualifier)
            return eventconfig.describe(name, qualifier, settings)

    def delete_function_event_invoke_config(self, name, qualifier=None):
        name, qualifier = split_name(name, qualifier)
        with self._lock:
            if self._function(name).event_invoke_config.pop(eventconfig.key(qualifier), None) is None:
                raise eventconfig.not_found(name, qualifier)

    def list_function_event_invoke_configs(self, name):
        name, _ = split_name(name)
        with self._lock:
            configs = self._function(name).event_invoke_config
            return [eventconfig.describe(name, q, configs[q]) for q in sorted(configs)]

    @property
    def async_outcomes(self):
        """How each asynchronous event ended (lambdakit.scale.sim.AsyncOutcome), in the order they ended."""
        return list(self._asyncq.outcomes)

    @property
    def async_deliveries(self):
        """Every message sent to a DLQ or destination (lambdakit.runtime.destinations.Delivery)."""
        return list(self._asyncq.deliveries)

    def async_outcome(self, request_id):
        """How the event `request_id` ended, or None while it is still queued or running."""
        return self._asyncq.outcome(request_id)

    def settle(self, timeout=60.0):
        """Let every asynchronous event end; return the outcomes. On the virtual clock this
        moves the clock through the retries (a day of them takes no time); on the real clock it
        waits, at most `timeout` seconds."""
        return self._asyncq.settle(timeout)

    def _invoke_sync(self, function, version, invoked_arn, body, client_context,
                     request_id=None, invocation_type="RequestResponse", arrival_ms=None, trace_id=None,
                     qualifier=None, attempt=1):
        request_id = request_id or self.clock.request_id()
        arrival_ms = self.clock.now_ms() if arrival_ms is None else arrival_ms
        try:
            env, cold, slot = self._acquire(function, version, arrival_ms, qualifier)
        except TooManyRequestsException as throttle:
            config = version.config  # a throttled attempt is recorded too; it never ran
            with self._lock:
                self.records.append(InvocationRecord(
                    config.name, version.number, request_id, None, arrival_ms, 0.0, 0.0, 0, config.memory_size,
                    0, False, records.THROTTLED, config.architecture, config.ephemeral_storage,
                    invocation_type, attempt, error_type=throttle.fields["Reason"]))
            throttle.request_id = request_id  # so a load test can find the record of its request
            raise
        run = _Run(self, env, version, request_id, arrival_ms, cold)
        try:
            if cold:
                self._spawn(env, version, arrival_ms)
                run.init()
            if run.init_error is None:
                run.invoke(body, invoked_arn, client_context, trace_id)
        except BaseException:
            self._release(env, arrival_ms, False, slot)
            raise
        replace = self._release(env, run.end_ms, run.keep, slot)
        if replace is not None:
            self._provisioned.replenish(function.name, replace)
        if cold:
            self._prepare_next_environment()
        run.finish()
        record = run.record(invocation_type, attempt, provisioned=slot.pool == PROVISIONED)
        log_lines = run.log_lines()
        self.logs.append(logs.log_group(function.name), env.log_stream, arrival_ms, log_lines)
        with self._lock:
            self.records.append(record)
        if self.clock.virtual and invocation_type == "RequestResponse":
            self.clock.advance_to(run.end_ms)
        return InvocationResult(200, run.payload, request_id, version.number,
                                "Unhandled" if run.error_type else None,
                                "\n".join(log_lines) + "\n", record)

    # -------------------------------------------------------------- REST API
    def serve_http(self, port=0):
        """Serve the AWS Lambda REST API for this runtime on 127.0.0.1 (once); return its URL."""
        with self._lock:
            if self._http is None:
                from ..api.server import serve  # the HTTP front is loaded only when used
                self._http = serve(self, port)
            return self._http.url

    @property
    def endpoint_url(self):
        """The URL for boto3's endpoint_url or AWS_ENDPOINT_URL_LAMBDA; starts the server on first use."""
        return self.serve_http()

    # ------------------------------------------------ local AWS and API Gateway
    def local_aws(self, **options):
        """Local AWS services (a moto server) for handler code, with S3 triggers: see lambdakit.aws."""
        if self._local_aws is None or self._local_aws.closed:
            from ..aws import start
            self._local_aws = start(self, **options)
        return self._local_aws

    def local_aws_if_running(self):
        """The LocalAws started by `local_aws()`, or None if there is none (or it was closed)."""
        aws = self._local_aws
        return aws if aws is not None and not aws.closed else None

    def api_gateway(self, routes, **options):
        """A local API Gateway on 127.0.0.1 whose routes invoke this runtime's functions: see
        lambdakit.apigw. The gateway's `url` is where to send requests."""
        from ..apigw import start
        return start(self, routes, **options)

    def schedule(self, expression, function, *, qualifier=None, rule=None):
        """An EventBridge rule with `expression` (rate(...) or cron(...), UTC) whose target is
        `function`: it fires in real or virtual time. See lambdakit.scale.schedule."""
        from ..scale.schedule import Schedule
        return self.timers.add(Schedule(self, expression, function, qualifier=qualifier, rule=rule))

    def simulate(self, workloads, *, duration_s=None, samples=20, payload=None, bucket_s=60.0, seed=0,
                 records=False, engine="auto"):
        """Simulate traffic to this runtime's functions in virtual time (lambdakit.scale.sim), with
        their configuration and their measured durations: see lambdakit.runtime.simulation.
        `workloads` is {"name" or "name:qualifier": traffic model} or sim.Workload objects."""
        from .simulation import run
        return run(self, workloads, duration_s=duration_s, samples=samples, payload=payload,
                   bucket_s=bucket_s, seed=seed, records=records, engine=engine)

    # ---------------------------------------------------- event source mappings
    def _event_sources(self):
        with self._lock:
            if self._esm is None:
                from ..esm import EventSources
                self._esm = self.attach(EventSources(self))
            return self._esm

    def create_event_source_mapping(self, function_name, event_source_arn, **settings):
        """CreateEventSourceMapping; settings are the API's members in snake_case (batch_size,
        maximum_batching_window_in_seconds, function_response_types, scaling_config, ...).
        See lambdakit.esm."""
        return self._event_sources().create(function_name, event_source_arn, settings)

    def get_event_source_mapping(self, uuid):
        return self._event_sources().get(uuid)

    def list_event_source_mappings(self, event_source_arn=None, function_name=None):
        return self._event_sources().list(event_source_arn, function_name)

    def update_event_source_mapping(self, uuid, **settings):
        return self._event_sources().update(uuid, settings)

    def delete_event_source_mapping(self, uuid):
        return self._event_sources().delete(uuid)

    def event_source_mapping(self, uuid):
        """The mapping itself, with the batches it invoked (`attempts`) and gave up on (`discarded`)."""
        return self._event_sources().mapping(uuid)

    def kinesis_stream(self, name, shard_count=1, retention_hours=24):
        """A Kinesis data stream modelled in the kernel, on this runtime's clock (lambdakit.esm.streams)."""
        return self._event_sources().kinesis_stream(name, shard_count, retention_hours)

    def dynamodb_stream(self, table, key_names=("Id",), view_type="NEW_AND_OLD_IMAGES", shard_count=1):
        """A DynamoDB table's stream modelled in the kernel; put_change(old, new) adds a record."""
        return self._event_sources().dynamodb_stream(table, key_names, view_type, shard_count)

    def attach(self, service):
        """Close `service` (anything with a close() method) when this runtime closes."""
        self._attached.append(service)
        return service

    # ------------------------------------------------------------------ reads
    def log_events(self, name, stream=None):
        return self.logs.events(logs.log_group(name), stream)

    def close(self):
        """Stop every environment and the zygote; remove this runtime's files."""
        if self._closed:
            return
        self._closed = True
        self.timers.close()
        self._asyncq.close()
        for service in reversed(self._attached):
            service.close()
        if self._http is not None:
            self._http.stop()
        with self._lock:
            everyone = [env for envs in self._environments.values() for env in envs]
            for env in everyone:
                env.kill()  # all at once, then wait for each: a load test may leave hundreds
            for env in everyone:
                env.close()
            self._environments.clear()
        if self._zygote:
            self._zygote.close()
            self._cgroups.remove_session()
        if self._own_state_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class _Run:
    """One invocation on one environment: INIT if cold, then INVOKE, and what came of them."""

    def __init__(self, service, env, version, request_id, arrival_ms, cold):
        self.service, self.env, self.version = service, env, version
        self.config = version.config
        self.request_id, self.arrival_ms, self.cold = request_id, arrival_ms, cold
        self.virtual = service.clock.virtual
        self.init_ms = 0.0
        self.init_error = None
        self.init_output = ""
        self.duration_ms = 0.0
        self.cpu_ms = 0.0
        self.output = ""
        self.payload = b""
        self.error_type = None
        self.outcome = records.OK
        self.keep = True
        self.peak_kb = 0
        self.timed_out_after = None  # "Task timed out after N.NN seconds" when it did

    # -- INIT --------------------------------------------------------------
    def init(self):
        env = self.env
        started = time.monotonic()
        watch = self.service._watchdog.watch(env, limits.INIT_TIMEOUT_S, self.config.memory_size)
        message = env.receive()
        self.service._watchdog.unwatch(env)
        if message is None or message[0] != "init":
            self._init_failed(message, watch, started)
            return
        _, error, elapsed, base_kb, cpu, output, peak_kb = message
        env.base_rss_kb = base_kb
        self.peak_kb = max(peak_kb, watch.peak_kb)
        self.init_output = output
        self.init_ms = (self.service.modelled.runtime_init_ms + elapsed) if self.virtual \
            else (time.monotonic() - started) * 1000.0
        if error is not None:
            self.init_error = error
            self._fail(json.dumps(error).encode(), error["errorType"], records.FUNCTION_ERROR)
            self.keep = False
        elif self.peak_kb > self.config.memory_size * 1024:  # over the size between two samples
            self.init_error = {"errorType": "Runtime.OutOfMemory"}
            self._fail_platform("Runtime exited with error: signal: killed", "Runtime.OutOfMemory", records.OOM)

    def _init_failed(self, message, watch, started):
        """INIT ran past its 10 s, ran out of memory, or the process died during it."""
        self.keep = False
        self.init_ms = limits.INIT_TIMEOUT_S * 1000.0 if (message and message[0] == "deadline") or \
            watch.reason == "timeout" else (time.monotonic() - started) * 1000.0
        if message and message[0] == "sandbox_error":
            raise RuntimeError(f"lambdakit could not set up the environment: {message[1]}")
        if message and message[0] in ("deadline", "oom"):
            self.init_output, self.peak_kb = message[2], message[3]
        self.peak_kb = max(self.peak_kb, watch.peak_kb)
        kind = message[0] if message else watch.reason
        self.init_error = {"errorType": "Sandbox.Timedout" if kind in ("deadline", "timeout")
                           else "Runtime.OutOfMemory" if kind == "oom" else "Runtime.ExitError"}
        if kind in ("deadline", "timeout"):
            self.timed_out_after = f"Task timed out after {limits.INIT_TIMEOUT_S:.2f} seconds"
            self._fail_platform(self.timed_out_after, "Sandbox.Timedout", records.TIMEOUT)
        elif kind == "oom":
            self._fail_platform("Runtime exited with error: signal: killed", "Runtime.OutOfMemory", records.OOM)
        else:
            status = self.env.zygote.wait_exit(self.env.pid)
            self._fail_platform(self._exit_message(status), "Runtime.ExitError", records.CRASH)

    # -- INVOKE ------------------------------------------------------------
    def invoke(self, body, invoked_arn, client_context, trace_id=None):
        env, service = self.env, self.service
        start_ms = self.arrival_ms + self.init_ms
        deadline_ms = int(start_ms + self.config.timeout * 1000) if self.virtual \
            else int(time.time() * 1000 + self.config.timeout * 1000)
        request = {"request_id": self.request_id, "payload": body, "deadline_ms": deadline_ms,
                   "arn": invoked_arn, "now_ms": start_ms, "client_context": client_context,
                   "identity": None, "trace_id": trace_id or _trace_id(self.request_id, start_ms)}
        started = time.monotonic()
        sent = env.send(("invoke", request))
        # Watched from after the send: a thread of a busy kernel may wait a long time for the
        # GIL, and that wait must not count against the function's timeout.
        watch = service._watchdog.watch(env, self.config.timeout, self.config.memory_size)
        message = env.receive() if sent else None
        service._watchdog.unwatch(env)
        elapsed_real = (time.monotonic() - started) * 1000.0
        env.invocations += 1
        kind = message[0] if message else watch.reason
        if kind == "result":
            _, outcome, payload, elapsed, cpu, output, peak_kb = message
            self.duration_ms = elapsed if self.virtual else elapsed_real
            self.cpu_ms, self.output, self.peak_kb = cpu, output, max(self.peak_kb, peak_kb)
            if self.peak_kb > self.config.memory_size * 1024:
                self._fail_platform("Runtime exited with error: signal: killed", "Runtime.OutOfMemory", records.OOM)
            elif outcome == "error":
                self._fail(payload, json.loads(payload).get("errorType"), records.FUNCTION_ERROR)
            elif outcome == "too_large":
                self._fail(json.dumps({
                    "errorMessage": "Response payload size exceeded maximum allowed payload size "
                                    f"({RESPONSE_MAX_BYTES} bytes).",
                    "errorType": "Function.ResponseSizeTooLarge"}).encode(),
                    "Function.ResponseSizeTooLarge", records.FUNCTION_ERROR)
            else:
                self.payload = payload
            return
        self.keep = False
        if message is not None:  # "deadline" or "oom", reported by the environment itself
            self.output, self.peak_kb = message[2], max(self.peak_kb, message[3])
        self.peak_kb = max(self.peak_kb, watch.peak_kb)
        if kind in ("deadline", "timeout"):
            self.duration_ms = self.config.timeout * 1000.0
            self.timed_out_after = f"Task timed out after {self.config.timeout:.2f} seconds"
            self._fail_platform(self.timed_out_after, "Sandbox.Timedout", records.TIMEOUT)
        elif kind == "oom":
            self.duration_ms = elapsed_real if not self.virtual else 0.0
            self._fail_platform("Runtime exited with error: signal: killed", "Runtime.OutOfMemory", records.OOM)
        else:
            self.duration_ms = elapsed_real if not self.virtual else 0.0
            self._fail_platform(self._exit_message(env.zygote.wait_exit(env.pid)),
                                "Runtime.ExitError", records.CRASH)

    def _exit_message(self, status):
        if status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
            return "Runtime exited without providing a reason"
        return f"Runtime exited with error: {exit_text(status)}"

    def _fail(self, payload, error_type, outcome):
        self.payload, self.error_type, self.outcome = payload, error_type, outcome

    def _fail_platform(self, text, error_type, outcome):
        """A failure the platform reports (not the runtime): AWS's two-field error payload."""
        self.keep = False
        message = f"RequestId: {self.request_id} Error: {text}"
        self._fail(json.dumps({"errorMessage": message, "errorType": error_type}).encode(),
                   error_type, outcome)

    # -- results -------------------------------------------------------------
    @property
    def end_ms(self):
        return self.arrival_ms + self.init_ms + self.duration_ms

    def finish(self):
        """Work out the figures the record and the REPORT line share; call once, at the end."""
        if self.virtual:
            grown = max(0, self.peak_kb - self.env.base_rss_kb) // 1024
            used = self.service.modelled.runtime_memory_mb + grown
        else:
            used = math.ceil(self.peak_kb / 1024)
        if self.outcome == records.OOM:
            # Killed on crossing the limit: what was in use then is at least the memory size,
            # whatever the last sample before the kill saw.
            used = max(used, self.config.memory_size)
        self.max_memory_used_mb = used
        # Since 1 Aug 2025 on-demand functions are billed for INIT too; whole ms, rounded up.
        self.billed_ms = billed_duration_ms(self.duration_ms, self.init_ms)

    def record(self, invocation_type, attempt=1, provisioned=False):
        config = self.config
        return InvocationRecord(
            function=config.name, version=self.version.number, request_id=self.request_id,
            environment_id=self.env.id, start_ms=self.arrival_ms, init_ms=self.init_ms,
            duration_ms=self.duration_ms, billed_ms=self.billed_ms, memory_mb=config.memory_size,
            max_memory_used_mb=self.max_memory_used_mb, cold=self.cold, outcome=self.outcome,
            architecture=config.architecture, ephemeral_storage_mb=config.ephemeral_storage,
            invocation_type=invocation_type, attempt=attempt, cpu_ms=self.cpu_ms,
            provisioned=provisioned, error_type=self.error_type)

    def log_lines(self):
        status = error_type = None
        if self.outcome == records.TIMEOUT:
            status = "timeout"
        elif self.outcome in (records.OOM, records.CRASH) or self.init_error:
            status, error_type = "error", self.error_type
        init_ms = self.init_ms if self.cold else None
        lines = logs.split_output(self.init_output) if self.init_output else []
        if self.config.log_format == "JSON":
            lines.append(logs.start_record(self.arrival_ms + self.init_ms, self.request_id, self.version.number))
            if self.output:
                lines += logs.split_output(self.output)
            lines.append(logs.report_record(
                self.end_ms, self.request_id, self.duration_ms, self.billed_ms, self.config.memory_size,
                self.max_memory_used_mb, init_ms, status, error_type))
            return lines
        lines.append(logs.start_line(self.request_id, self.version.number))
        if self.output:
            lines += logs.split_output(self.output)
        lines.append(logs.end_line(self.request_id))
        lines.append(logs.report_line(
            self.request_id, self.duration_ms, self.billed_ms, self.config.memory_size,
            self.max_memory_used_mb, init_ms, status, error_type))
        if self.timed_out_after is not None:
            # AWS logs the timeout after REPORT: "<timestamp> <request id> Task timed out after 3.00 seconds".
            lines.append(f"{iso_ms(self.end_ms)} {self.request_id} {self.timed_out_after}")
        return lines


def _settings(settings):
    """Accept the course's short names (memory, storage, env) beside the API's."""
    aliases = {"memory": "memory_size", "storage": "ephemeral_storage", "env": "environment",
               "arch": "architecture"}
    return {aliases.get(k, k): v for k, v in settings.items()}


def _dead_letter_target(dead_letter_config):
    """DeadLetterConfig as boto3 gives it ({"TargetArn": ARN}) or an ARN; "" or None removes it."""
    if isinstance(dead_letter_config, dict):
        dead_letter_config = dead_letter_config.get("TargetArn")
    return check_dead_letter_target(dead_letter_config)


def _encode_payload(payload):
    if payload is None:
        return b""
    if isinstance(payload, (bytes, bytearray, str)):
        return payload.encode() if isinstance(payload, str) else bytes(payload)
    try:
        return json.dumps(payload).encode()
    except (TypeError, ValueError) as e:
        raise InvalidParameterValueException(f"The event is not JSON-serializable: {e}")


def _trace_id(request_id, start_ms):
    epoch_hex = format(int(start_ms // 1000), "08x")
    return f"Root=1-{epoch_hex}-{request_id.replace('-', '')[:24]};Parent={request_id.replace('-', '')[-16:]};Sampled=0;Lineage=1:{request_id[:8]}:0"


def _describe(version, function):
    config = version.config
    arn = function_arn(config.name)
    description = {
        "FunctionName": config.name,
        "FunctionArn": arn if version.number == LATEST else f"{arn}:{version.number}",
        "Runtime": config.runtime, "Role": config.role, "Handler": config.handler,
        "CodeSize": version.code.size, "Description": version.description,
        "Timeout": config.timeout, "MemorySize": config.memory_size,
        "LastModified": version.last_modified, "CodeSha256": version.code.sha256,
        "Version": version.number,
        "Environment": {"Variables": config.env},
        "TracingConfig": {"Mode": "PassThrough"},
        "RevisionId": str(uuid.UUID(int=hash((config, version.code, version.revision)) & ((1 << 128) - 1))),
        "Layers": [{"Arn": arn} for arn in config.layers],
        "State": "Active", "LastUpdateStatus": "Successful", "PackageType": "Zip",
        "Architectures": [config.architecture],
        "EphemeralStorage": {"Size": config.ephemeral_storage},
        "LoggingConfig": {"LogFormat": config.log_format, "LogGroup": logs.log_group(config.name)},
    }
    if function.dead_letter_target:
        description["DeadLetterConfig"] = {"TargetArn": function.dead_letter_target}
    return description


def _describe_alias(name, alias):
    description = {"AliasArn": function_arn(name, alias.name), "Name": alias.name,
                   "FunctionVersion": alias.version, "Description": alias.description}
    if alias.weights:
        description["RoutingConfig"] = {"AdditionalVersionWeights": dict(alias.weights)}
    return description
