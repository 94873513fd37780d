"""Invocation records: one per attempt, the single source for meters, logs and widgets."""

from dataclasses import dataclass

OK = "ok"
FUNCTION_ERROR = "function_error"
TIMEOUT = "timeout"
THROTTLED = "throttled"
OOM = "oom"
CRASH = "crash"
OUTCOMES = (OK, FUNCTION_ERROR, TIMEOUT, THROTTLED, OOM, CRASH)


@dataclass(frozen=True, slots=True)
class InvocationRecord:
    function: str
    version: str
    request_id: str
    environment_id: str | None   # None when the request never reached an environment
    start_ms: float               # clock time the request arrived, epoch milliseconds
    init_ms: float                # INIT duration paid by this request (0.0 when warm)
    duration_ms: float            # handler (INVOKE) duration
    billed_ms: int                # what AWS bills: duration (+ INIT since Aug 2025), rounded up
    memory_mb: int
    max_memory_used_mb: int
    cold: bool
    outcome: str
    architecture: str = "x86_64"
    ephemeral_storage_mb: int = 512
    invocation_type: str = "RequestResponse"
    attempt: int = 1
    cpu_ms: float = 0.0           # CPU time the handler used (real clock) or declared (virtual)
    provisioned: bool = False     # served by a provisioned-concurrency environment
    error_type: str | None = None

    @property
    def end_ms(self):
        return self.start_ms + self.init_ms + self.duration_ms
