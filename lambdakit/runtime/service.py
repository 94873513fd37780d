"""The local Lambda service: functions, versions and aliases, layers, concurrency, invoke.

Method names follow the AWS Lambda API in snake_case. Rules live here and in the modules
beside it (functions.py: the function model; pool.py: execution environments;
invocation.py: one invocation; async_invoke.py: Event invocations); processes live in
environment.py; the REST API only translates.
"""

import hashlib
import hmac
import itertools
import json
import os
import shutil
import threading

from ..core import limits, records
from ..core.clock import iso_ms, make_clock
from ..scale.concurrency import PROVISIONED, ConcurrencyAccount
from ..core.config import function_arn, make_config
from ..core.errors import (InvalidParameterValueException, InvalidRequestContentException,
                           RequestEntityTooLargeException, ResourceConflictException, ResourceNotFoundException,
                           TooManyRequestsException)
from ..core.modelled import DEFAULT as DEFAULT_MODELLED
from .layers import LayerStore, layer_arn
from ..core.records import InvocationRecord
from ..core.timers import Timers
from . import logs, package, reaper, runtimes
from .async_invoke import AsyncInvocation
from .asyncq import AsyncQueue
from .describe import describe_alias, describe_version
from .durable import DurableExecutions
from .durable.config import durable_config
from .destinations import check_dead_letter_target
from .functions import LATEST, Code, Function, Version, split_name
from .invocation import Invocation
from .policies import Permissions, PolicyStore
from .pool import EnvironmentPool
from .provisioned import ProvisionedConcurrency
from .recordstore import RECORDS_KEPT, RecordStore
from .result import InvocationResult
from .states import in_progress, pending
from .tags import Tagging, TagStore, check_tags
from ..core.sigv4 import AccessDeniedException
from .urls import FunctionUrls
from .code_signing import CodeSigning
from .function_settings import FunctionSettings, SettingsStore

INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")


class Runtime(AsyncInvocation, DurableExecutions, Permissions, Tagging, FunctionUrls, FunctionSettings, CodeSigning):
    """A local Lambda service, with its own functions, environments and clock."""

    def __init__(self, clock="virtual", seed=0, start=None, modelled=DEFAULT_MODELLED,
                 account_concurrency=limits.ACCOUNT_CONCURRENCY_DEFAULT, state_dir=None,
                 records_kept=RECORDS_KEPT, python_runtime_api=False):
        self.clock = make_clock(clock, seed, **({"start": start} if start else {}))
        # Python through the Runtime API with AWS's awslambdaric instead of lambdakit's own
        # runtime (the proof that both give the same results; tests/test_python_ric.py).
        self.python_runtime_api = python_runtime_api
        self.modelled = modelled
        self._account = ConcurrencyAccount(account_concurrency)  # reserved, provisioned, scaling rate
        self._own_state_dir = state_dir is None
        self.state_dir = state_dir or reaper.new_state_dir()
        self._functions = {}
        self._lock = threading.RLock()
        self._pool = EnvironmentPool(self)
        # The latest records_kept records, and exact totals (bill, outcomes) over all of them.
        self.records = RecordStore(records_kept)
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
        self._policies = PolicyStore()  # resource-based policies (policies.py)
        self._tags = TagStore()  # tags by resource ARN (tags.py)
        self._urls = {}  # (function, alias or None) -> (UrlConfig, its HTTP server): urls.py
        self._stored = SettingsStore()  # recursion and runtime management settings: function_settings.py
        self._code_signing = {}  # ARN -> CodeSigningConfig (stored, not enforced): code_signing.py
        self._csc_ids = itertools.count(1)
        self._download_key = os.urandom(32)  # signs Code.Location download URLs

    @property
    def isolation(self):
        """How environments are isolated on this host (for documentation and lessons)."""
        return self._pool.isolation

    @property
    def lifecycle(self):
        """Every environment's life events (lambdakit.runtime.pool.LifecycleEvent), in order."""
        return self._pool.lifecycle

    # -------------------------------------------------------------- functions
    def create_function(self, name, code, *, publish=False, tags=None, **settings):
        """CreateFunction. `code` is handler source text, a directory, a .zip path or zip bytes.
        With publish=True it returns the new version's configuration, as AWS does."""
        settings = _settings(settings)
        tags = check_tags(tags or {})
        dead_letter = _dead_letter_target(settings.pop("dead_letter_config", None))
        durable = durable_config(settings.pop("durable_config", None))  # set at creation only, as on AWS
        config = make_config(name, **settings)
        with self._lock:
            if name in self._functions:
                raise ResourceConflictException(f"Function already exist: {name}")
            stored = self._store_code(name, code, config)
            self.layers.check_function(config.layers, stored.directory)
            function = Function(Version(LATEST, config, stored, settings.get("description", ""),
                                        self._timestamp()), dead_letter_target=dead_letter,
                                durable_config=durable)
            self._functions[name] = function
            if tags:
                self._tags.add(function_arn(name), tags)
        if publish:
            return self.publish_version(name)
        return pending(self.get_function_configuration(name))

    def _store_code(self, name, code, config):
        module_file = runtimes.code_file(config.runtime, config.handler)
        directory, sha, size = package.store(code, os.path.join(self.state_dir, "code", name), module_file,
                                             executable=module_file == "bootstrap")
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
            return describe_version(version, function)

    def get_function(self, name, qualifier=None):
        configuration = self.get_function_configuration(name, qualifier)
        reply = {"Configuration": configuration,
                 "Code": {"RepositoryType": "S3", "Location": "file://" + self._resolve_version(name, qualifier).code.directory}}
        tags = self._tags.get(function_arn(configuration["FunctionName"]))
        if tags:
            reply["Tags"] = tags
        return reply

    def code_download_token(self, name, qualifier=None):
        """(version, token) for a download URL of the function's ZIP, as GetFunction's presigned
        Code.Location: the token proves this runtime issued it for that code, no signature needed."""
        version = self._resolve_version(name, qualifier)
        return version.number, _token(self._download_key, split_name(name)[0], version.number, version.code.sha256)

    def download_function_code(self, name, version_number, token):
        """The ZIP of a function version, if `token` came from code_download_token for its current code."""
        version = self._resolve_version(name, version_number)
        if not hmac.compare_digest(token or "", _token(self._download_key, name, version.number, version.code.sha256)):
            raise AccessDeniedException("Request has expired or its signature does not match.")
        return package.zip_directory(version.code.directory)

    def _resolve_version(self, name, qualifier):
        name, qualifier = split_name(name, qualifier)
        function = self._function(name)
        return function.version(function.resolve(qualifier, 0.0)[0])

    def list_functions(self):
        with self._lock:
            return [describe_version(f.latest, f) for _, f in sorted(self._functions.items())]

    def update_function_code(self, name, code, *, publish=False):
        """UpdateFunctionCode: $LATEST gets the new code; its warm environments are retired."""
        name, _ = split_name(name)
        with self._lock:
            function = self._function(name)
            stored = self._store_code(name, code, function.latest.config)
            self.layers.check_function(function.latest.config.layers, stored.directory)
            function.latest = Version(LATEST, function.latest.config, stored, function.latest.description,
                                      self._timestamp(), function.latest.revision + 1)
            self._pool.retire(name, LATEST)
        if publish:
            return self.publish_version(name)  # AWS answers with the new version's configuration
        return in_progress(self.get_function_configuration(name))

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
            self._pool.retire(name, LATEST)
        return in_progress(self.get_function_configuration(name))

    def delete_function(self, name, qualifier=None):
        name, qualifier = split_name(name, qualifier)
        with self._lock:
            function = self._function(name)
            if qualifier is not None:  # $LATEST included: delete_version refuses it, as AWS does
                function.delete_version(qualifier)
                self._policies.forget("function", name, qualifier)
                self._provisioned.forget(name, qualifier)
                self._pool.retire(name, qualifier)
                return
            for key in [k for k in self._pool.environments_by_version if k[0] == name]:
                self._pool.retire(*key)
            del self._functions[name]
            self._account.remove_function(name)
            self._provisioned.remove_function(name)
            self.logs.delete_group(logs.log_group(name))
            self._policies.forget("function", name)
            self._tags.forget(function_arn(name))
            self._stored.forget(name)
        self._close_urls(name)
        shutil.rmtree(os.path.join(self.state_dir, "code", name), ignore_errors=True)

    # ------------------------------------------------------- versions, aliases
    def publish_version(self, name, description=""):
        name, _ = split_name(name)
        with self._lock:
            function = self._function(name)
            newest = function.next_version
            version = function.publish(description, self._timestamp())
            described = describe_version(version, function)
            return pending(described) if function.next_version != newest else described

    def list_versions_by_function(self, name):
        name, _ = split_name(name)
        with self._lock:
            function = self._function(name)
            return [describe_version(function.latest, function)] + [
                describe_version(v, function) for _, v in sorted(function.versions.items(), key=lambda kv: int(kv[0]))]

    def create_alias(self, name, alias, version, weights=None, description=""):
        name, _ = split_name(name)
        with self._lock:
            return describe_alias(name, self._function(name).put_alias(alias, version, weights, description))

    def update_alias(self, name, alias, version=None, weights=None, description=None):
        name, _ = split_name(name)
        with self._lock:
            function = self._function(name)
            current = function.aliases.get(alias)
            if current is None:
                raise ResourceNotFoundException(f"Alias not found: {function_arn(name, alias)}")
            described = describe_alias(name, function.put_alias(
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
            return describe_alias(name, found)

    def list_aliases(self, name):
        name, _ = split_name(name)
        with self._lock:
            return [describe_alias(name, a) for _, a in sorted(self._function(name).aliases.items())]

    def delete_alias(self, name, alias):
        name, _ = split_name(name)
        with self._lock:
            self._function(name).aliases.pop(alias, None)
            self._provisioned.forget(name, alias)

    # ----------------------------------------------------------------- layers
    def publish_layer_version(self, layer_name, content, *, description="", compatible_runtimes=(),
                              compatible_architectures=(), license_info=None):
        """PublishLayerVersion. `content` is a directory, a .zip path or zip bytes: see lambdakit.runtime.layers."""
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
        self._policies.forget("layer", layer_name, int(version_number))

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
            code_size = sum(v.code.size for f in self._functions.values()
                            for v in (f.latest, *f.versions.values()))
            return {"AccountLimit": {"TotalCodeSize": limits.CODE_STORAGE_BYTES,
                                     "CodeSizeUnzipped": limits.PACKAGE_UNZIPPED_MAX_BYTES,
                                     "CodeSizeZipped": limits.PACKAGE_ZIPPED_MAX_BYTES,
                                     "ConcurrentExecutions": self._account.account_limit,
                                     "UnreservedConcurrentExecutions": self._account.unreserved_limit},
                    "AccountUsage": {"TotalCodeSize": code_size, "FunctionCount": len(self._functions)}}

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
            self._pool.reclaim_idle(self.clock.now_ms())

    def seed(self, seed):
        if self.clock.virtual:
            self.clock.seed(seed)

    def _timestamp(self):
        return iso_ms(self.clock.now_ms()).replace("Z", "+0000")

    # ------------------------------------------------------------ environments
    def environments(self, name=None):
        return self._pool.all(name)

    # ---------------------------------------------------------------- invoke
    def invoke(self, function_name, payload=None, invocation_type="RequestResponse", qualifier=None,
               log_type=None, client_context=None, trace_id=None, durable_execution_name=None, *,
               response_stream=None):
        """Invoke: run the function and return an InvocationResult (sync), or queue it (Event).
        A durable function's invocation starts a durable execution (lambdakit.runtime.durable),
        named `durable_execution_name` (idempotent) or by the service.

        `trace_id` is the X-Ray header a triggering service passes on (its Lineage counts a
        chain of invocations, which is how recursive loops are detected); None starts a new trace.
        `response_stream` (InvokeWithResponseStream's) receives a streamed response as it comes.
        """
        if invocation_type not in INVOCATION_TYPES:
            raise InvalidParameterValueException(
                f"1 validation error detected: Value '{invocation_type}' at 'invocationType' failed to "
                "satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]")
        name, qualifier = split_name(function_name, qualifier)
        body = _encode_payload(payload)
        limit = limits.ASYNC_PAYLOAD_MAX_BYTES if invocation_type == "Event" else limits.SYNC_PAYLOAD_MAX_BYTES
        if len(body) > limit and invocation_type == "Event":
            raise RequestEntityTooLargeException(
                f"{len(body)} byte payload is too large for the Event invocation type (limit {limit} bytes)",
                Type="User")
        if len(body) > limit:
            raise RequestEntityTooLargeException(
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
        self._pool.ensure_started()
        if invocation_type == "DryRun":
            return InvocationResult(204, b"", self.clock.request_id(), None, None, "")
        if function.durable_config is not None:
            return self._invoke_durable(function, version, qualifier, body, invocation_type, durable_execution_name)
        if invocation_type == "Event":
            return self._accept_event(name, qualifier, body, self.clock.now_ms(), trace_id)
        return self._invoke_sync(function, version, invoked_arn, body, client_context, trace_id=trace_id,
                                 qualifier=qualifier, stream=response_stream)

    def invoke_with_response_stream(self, function_name, payload=None, invocation_type="RequestResponse",
                                    qualifier=None, log_type=None, client_context=None, response_stream=None):
        """InvokeWithResponseStream. A runtime that streams (a Node.js handler wrapped in
        `awslambda.streamifyResponse`, a custom runtime posting a streaming /response) sends its
        response to `response_stream` (a lambdakit.runtime.response_stream.ResponseStream, e.g.
        a CollectedStream) piece by piece as it runs; then the result is Invoke's, with the
        payload empty. Python handlers return their response whole (AWS's managed Python runtime
        cannot stream), so nothing reaches the stream and the payload is the whole response.
        Without a stream a streamed response is gathered into the payload (at most 6 MB).
        Event is not a streaming invocation type."""
        if invocation_type not in ("RequestResponse", "DryRun"):
            raise InvalidParameterValueException(
                f"1 validation error detected: Value '{invocation_type}' at 'invocationType' failed to "
                "satisfy constraint: Member must satisfy enum value set: [RequestResponse, DryRun]")
        return self.invoke(function_name, payload, invocation_type, qualifier, log_type, client_context,
                           response_stream=response_stream)

    def invoke_async(self, function_name, payload=None):
        """InvokeAsync (deprecated, still served): an Event invocation of at most 256 KB; {"Status": 202}."""
        body = _encode_payload(payload)
        if len(body) > limits.INVOKE_ASYNC_MAX_BYTES:
            raise RequestEntityTooLargeException(
                f"Request must be smaller than {limits.INVOKE_ASYNC_MAX_BYTES} bytes for the InvokeAsync operation",
                Type="User")
        return {"Status": self.invoke(function_name, body, "Event").status_code}

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
        self._pool.ensure_started()
        if invocation_type == "Event":
            return self._accept_event(name, qualifier, body, at_ms, trace_id)
        return self._invoke_sync(function, version, invoked_arn, body, None,
                                 invocation_type=invocation_type, arrival_ms=at_ms, trace_id=trace_id,
                                 qualifier=qualifier)


    def _invoke_sync(self, function, version, invoked_arn, body, client_context,
                     request_id=None, invocation_type="RequestResponse", arrival_ms=None, trace_id=None,
                     qualifier=None, attempt=1, stream=None):
        request_id = request_id or self.clock.request_id()
        arrival_ms = self.clock.now_ms() if arrival_ms is None else arrival_ms
        try:
            env, cold, slot = self._pool.acquire(function, version, arrival_ms, qualifier)
        except TooManyRequestsException as throttle:
            config = version.config  # a throttled attempt is recorded too; it never ran
            with self._lock:
                self.records.append(InvocationRecord(
                    config.name, version.number, request_id, None, arrival_ms, 0.0, 0.0, 0, config.memory_size,
                    0, False, records.THROTTLED, config.architecture, config.ephemeral_storage,
                    invocation_type, attempt, error_type=throttle.fields["Reason"]))
            throttle.request_id = request_id  # so a load test can find the record of its request
            raise
        run = Invocation(self, env, version, request_id, arrival_ms, cold)
        try:
            if cold:
                self._pool.spawn(env, version, arrival_ms)
                run.init()
            if run.init_error is None:
                run.invoke(body, invoked_arn, client_context, trace_id, stream)
        except BaseException:
            self._pool.release(env, arrival_ms, False, slot)
            raise
        replace = self._pool.release(env, run.end_ms, run.keep, slot)
        if replace is not None:
            self._provisioned.replenish(function.name, replace)
        if cold:
            self._pool.prepare_next()
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
    @property
    def event_sources(self):
        """The event source mappings and the streams they read (lambdakit.esm.EventSources)."""
        with self._lock:
            if self._esm is None:
                from ..esm import EventSources
                self._esm = self.attach(EventSources(self))
            return self._esm

    def create_event_source_mapping(self, function_name, event_source_arn, **settings):
        """CreateEventSourceMapping; settings are the API's members in snake_case (batch_size,
        maximum_batching_window_in_seconds, function_response_types, scaling_config, ...).
        See lambdakit.esm."""
        return self.event_sources.create(function_name, event_source_arn, settings)

    def get_event_source_mapping(self, uuid):
        return self.event_sources.get(uuid)

    def list_event_source_mappings(self, event_source_arn=None, function_name=None):
        return self.event_sources.list(event_source_arn, function_name)

    def update_event_source_mapping(self, uuid, **settings):
        return self.event_sources.update(uuid, settings)

    def delete_event_source_mapping(self, uuid):
        deleted = self.event_sources.delete(uuid)
        self._tags.forget(deleted["EventSourceMappingArn"])
        return deleted

    def event_source_mapping(self, uuid):
        """The mapping itself, with the batches it invoked (`attempts`) and gave up on (`discarded`)."""
        return self.event_sources.mapping(uuid)

    def kinesis_stream(self, name, shard_count=1, retention_hours=24):
        """A Kinesis data stream modelled in the kernel, on this runtime's clock (lambdakit.esm.streams)."""
        return self.event_sources.kinesis_stream(name, shard_count, retention_hours)

    def dynamodb_stream(self, table, key_names=("Id",), view_type="NEW_AND_OLD_IMAGES", shard_count=1):
        """A DynamoDB table's stream modelled in the kernel; put_change(old, new) adds a record."""
        return self.event_sources.dynamodb_stream(table, key_names, view_type, shard_count)

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
        self._close_urls()
        if self._http is not None:
            self._http.stop()
        self._pool.close()
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



def _token(key, name, version, sha256):
    return hmac.new(key, f"{name}\n{version}\n{sha256}".encode(), hashlib.sha256).hexdigest()


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

