"""What to simulate: functions with their settings, the traffic sent to them, the account.

All frozen values, validated on construction with AWS's own errors (a memory size of 64,
a reservation that starves the unreserved pool, provisioned concurrency on $LATEST), so a
scenario that builds is one AWS would accept.
"""

from dataclasses import dataclass, field

from ...core import limits, modelled
from ..async_retry import EventInvokeConfig
from ...core.clock import VIRTUAL_EPOCH, to_epoch_ms
from ..concurrency import LATEST, ConcurrencyAccount
from ...core.config import FunctionConfig, function_arn, validate
from ...core.errors import ResourceNotFoundException, function_not_found
from .durations import Fixed
from .queues import SqsSource

REQUEST_RESPONSE = "RequestResponse"
EVENT = "Event"


@dataclass(frozen=True)
class SimFunction:
    name: str
    duration: object = Fixed(100.0)          # a model from lambdakit.scale.sim.durations
    memory_mb: int = limits.MEMORY_DEFAULT_MB
    timeout_s: int = limits.TIMEOUT_DEFAULT_S
    architecture: str = limits.DEFAULT_ARCHITECTURE
    init_ms: float = modelled.DEFAULT.runtime_init_ms       # what a cold start adds
    max_memory_used_mb: int = modelled.DEFAULT.runtime_memory_mb
    error_rate: float = 0.0                  # chance that an attempt ends in a function error
    reserved: int | None = None              # reserved concurrency
    provisioned: tuple = ()                  # (version or alias, count) pairs; a dict is accepted
    aliases: tuple = ()                      # (alias, version) pairs; a dict is accepted
    event_invoke_config: EventInvokeConfig = field(default_factory=EventInvokeConfig)
    dead_letter_queue: str | None = None     # the DLQ's ARN

    def __post_init__(self):
        validate(FunctionConfig(name=self.name, memory_size=self.memory_mb, timeout=self.timeout_s,
                                architecture=self.architecture))
        if not callable(getattr(self.duration, "atoms", None)):
            raise TypeError("duration must be a model from lambdakit.scale.sim.durations")
        for name in ("provisioned", "aliases"):
            pairs = getattr(self, name)
            object.__setattr__(self, name, tuple(sorted(dict(pairs).items())))
        if not 0 <= self.error_rate <= 1:
            raise ValueError("error_rate must be between 0 and 1")
        if not self.init_ms >= 0:
            raise ValueError("init_ms must not be negative")
        object.__setattr__(self, "max_memory_used_mb", min(self.max_memory_used_mb, self.memory_mb))

    @property
    def timeout_ms(self):
        return self.timeout_s * 1000.0

    def version_of(self, qualifier):
        """The version a request invoked with `qualifier` runs."""
        if qualifier in (None, LATEST) or qualifier.isdigit():
            return qualifier or LATEST
        aliases = dict(self.aliases)
        if qualifier not in aliases:
            raise ResourceNotFoundException(f"Function not found: {function_arn(self.name, qualifier)}")
        return aliases[qualifier]


@dataclass(frozen=True)
class Workload:
    """Traffic (a model from lambdakit.scale.sim.traffic) sent to one function, directly or, with
    `source` (a queues.SqsSource), as messages to an SQS queue its event source mapping polls."""

    function: str
    traffic: object
    invocation_type: str = REQUEST_RESPONSE
    qualifier: str | None = None
    source: SqsSource | None = None

    def __post_init__(self):
        if not callable(getattr(self.traffic, "chunks", None)):
            raise TypeError("traffic must be a model from lambdakit.scale.sim.traffic")
        if self.invocation_type not in (REQUEST_RESPONSE, EVENT):
            raise ValueError(f"invocation_type must be {REQUEST_RESPONSE!r} or {EVENT!r}")
        if self.source is not None and self.invocation_type != REQUEST_RESPONSE:
            raise ValueError("an event source mapping invokes its function synchronously (RequestResponse)")


@dataclass(frozen=True)
class Scenario:
    functions: tuple
    workloads: tuple
    duration_s: float | None = None          # how long traffic arrives; retries may run past it
    account_limit: int = limits.ACCOUNT_CONCURRENCY_DEFAULT
    # Simulation assumption, not an AWS guarantee (see lambdakit.core.modelled).
    idle_reclaim_s: float = modelled.DEFAULT.idle_reclaim_s
    bucket_s: float = 60.0                   # width of the concurrency-over-time buckets
    start_ms: float = to_epoch_ms(VIRTUAL_EPOCH)

    def __post_init__(self):
        object.__setattr__(self, "functions", tuple(self.functions))
        object.__setattr__(self, "workloads", tuple(self.workloads))
        names = [fn.name for fn in self.functions]
        if len(set(names)) != len(names):
            raise ValueError("function names must be unique")
        for workload in self.workloads:
            self.function(workload.function).version_of(workload.qualifier)
            if workload.source is not None:
                workload.source.check_function(self.function(workload.function))
        if self.duration_s is not None and not self.duration_s > 0:
            raise ValueError("duration_s must be positive")
        if not self.bucket_s > 0 or not self.idle_reclaim_s >= 0:
            raise ValueError("bucket_s must be positive and idle_reclaim_s not negative")
        self.account()

    @property
    def horizon_ms(self):
        return None if self.duration_s is None else self.duration_s * 1000.0

    def function(self, name):
        for fn in self.functions:
            if fn.name == name:
                return fn
        raise function_not_found(function_arn(name))

    def account(self):
        """A fresh concurrency account configured as the scenario says."""
        account = ConcurrencyAccount(self.account_limit)
        for fn in self.functions:
            if fn.reserved is not None:
                account.put_reserved(fn.name, fn.reserved)
        for fn in self.functions:
            for qualifier, count in fn.provisioned:
                fn.version_of(qualifier)
                account.put_provisioned(fn.name, qualifier, count)
        return account
