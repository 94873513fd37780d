"""Local AWS services for handler code: a moto server on 127.0.0.1 started for one Runtime.

Handler environments (and, unless told otherwise, the kernel) get AWS_ENDPOINT_URL and
dummy credentials, so unmodified boto3 code talks to moto: S3, DynamoDB, SQS, SNS,
CloudWatch, EC2 and the rest of moto's services. Records put into Kinesis streams and
DynamoDB tables' streams are copied to the runtime's event source mappings. S3
notifications whose destination is a
Lambda function invoke the runtime's function asynchronously with the event S3 sends, and
a chain of such invocations is stopped after 16, as Lambda's loop detection does (the stopped
event goes to the function's DLQ or on-failure destination, if it has one).
"""

import itertools
import json
import logging
import os
import socket
import subprocess
import sys
import threading
from contextlib import contextmanager

from ..core.config import function_arn
from ..core.errors import LambdaError
from ..core.limits import ACCOUNT_ID, REGION
from ..runtime.envvars import DUMMY_CREDENTIALS
from . import loops
from .s3notify import RecursiveLoop, S3Delivery, S3Notice, s3_event, split_function_arn

log = logging.getLogger("lambdakit.aws")

STARTUP_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
S3_PRINCIPAL = "s3.amazonaws.com"
MEETING_TIMEOUT_S = 20.0

# While local services are on, these kernel variables would send boto3 elsewhere or with
# other credentials, so they are put aside and restored on close.
_SET_ASIDE_PREFIXES = ("AWS_ENDPOINT_URL_",)
_SET_ASIDE = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")


class LocalAws:
    """moto's services for one Runtime. Use `rt.local_aws()` or `lambdakit.aws.start(rt)`.

    Start it before invoking the functions that use it: an execution environment gets its
    variables when it is created, so one that was already warm keeps talking to AWS's
    endpoints (with dummy credentials, which AWS refuses)."""

    def __init__(self, runtime, *, kernel_env=True, lambda_endpoint=True, port=0):
        self.runtime = runtime
        self.deliveries = []          # S3Delivery, in the order S3 sent them
        self.loops = []               # RecursiveLoop, events dropped by loop detection
        self.closed = False
        self._lock = threading.Lock()
        self._sequence = 0
        self._saved_kernel_env = None
        self._handler_env = {}
        self._meetings = {}           # table -> the meeting its reads wait at (meet_reads)
        self._meeting_ids = itertools.count(1)
        self._process, self._channel, self._lifeline, port = _spawn(runtime.state_dir, port)
        runtime.attach(self)  # from here on, closing the runtime stops the server
        self.url = f"http://127.0.0.1:{port}"
        self._reader = threading.Thread(target=self._serve_channel, name="lambdakit-aws", daemon=True)
        self._reader.start()
        self._handler_env["AWS_ENDPOINT_URL"] = self.url
        if lambda_endpoint:
            # boto3's Lambda client in a handler reaches this runtime, not moto's Lambda.
            self._handler_env["AWS_ENDPOINT_URL_LAMBDA"] = runtime.endpoint_url
        runtime.handler_environment.update(self._handler_env)
        if kernel_env:
            self._set_kernel_env()

    def __repr__(self):
        state = "closed" if self.closed else self.url
        return f"LocalAws({state}, deliveries={len(self.deliveries)}, loops stopped={len(self.loops)})"

    # --------------------------------------------------------------- clients
    def client(self, service, **options):
        """A boto3 client for the local `service`, whatever the kernel's environment says."""
        import boto3
        return boto3.client(service, **self._client_options(options))

    def resource(self, service, **options):
        import boto3
        return boto3.resource(service, **self._client_options(options))

    def _client_options(self, options):
        return {"endpoint_url": self.url, "region_name": REGION,
                "aws_access_key_id": DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                "aws_secret_access_key": DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                "aws_session_token": DUMMY_CREDENTIALS["AWS_SESSION_TOKEN"], **options}

    # --------------------------------------------------------------- S3 triggers
    def add_s3_trigger(self, bucket, function, *, events=("s3:ObjectCreated:*",), prefix=None,
                       suffix=None, qualifier=None, configuration_id=None):
        """Add a Lambda notification to `bucket`'s configuration, keeping the entries already
        there (boto3's put_bucket_notification_configuration replaces the whole configuration).
        As with the SDK and the CLI, S3 refuses it unless the function's resource-based policy
        lets s3.amazonaws.com invoke it (Runtime.add_permission with source_arn
        "arn:aws:s3:::BUCKET"); the console's "Add trigger" adds that permission itself."""
        s3 = self.client("s3")
        config = s3.get_bucket_notification_configuration(Bucket=bucket)
        config.pop("ResponseMetadata", None)
        self.runtime.get_function_configuration(function, qualifier)  # it must exist
        arn = function_arn(function, qualifier)
        entry = {"LambdaFunctionArn": arn, "Events": list(events)}
        rules = [{"Name": n, "Value": v} for n, v in (("prefix", prefix), ("suffix", suffix)) if v]
        if rules:
            entry["Filter"] = {"Key": {"FilterRules": rules}}
        if configuration_id:
            entry["Id"] = configuration_id
        config.setdefault("LambdaFunctionConfigurations", []).append(entry)
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
        return entry

    def settle(self, timeout=60.0):
        """Wait until every event S3 has sent so far has ended, retries included, and the
        events those invocations caused in turn; return the deliveries. This is
        `Runtime.settle()`: on the virtual clock it moves the clock through the retries.
        (Each notification is queued before the S3 request that caused it returns, so
        nothing is missed.)"""
        self.runtime.settle(timeout)
        return list(self.deliveries)

    # --------------------------------------------------------------- DynamoDB
    @contextmanager
    def meet_reads(self, table, parties, timeout_s=MEETING_TIMEOUT_S):
        """While open, each read of DynamoDB `table` waits until `parties` reads have arrived, a
        write to the table comes, or `timeout_s` passes: duplicates of one event delivered at
        once (SQS delivers at least once) all read before any writes, so a read-then-write race
        shows on every run. Writes are atomic, as DynamoDB's are: a conditional put still wins
        once. See lambdakit.aws.dynamodb_hooks."""
        with self._lock:
            self._meetings[table] = {"id": next(self._meeting_ids), "parties": parties, "timeout_s": timeout_s}
        try:
            yield
        finally:
            with self._lock:
                self._meetings.pop(table, None)

    # --------------------------------------------------------------- the channel
    def _serve_channel(self):
        reader = self._channel.makefile("rb")
        for line in reader:
            message = json.loads(line)
            try:
                reply = self._answer(message)
            except Exception as error:  # an answer must always go back, or moto's request hangs
                log.exception("lambdakit.aws could not handle %s", message.get("op"))
                reply = {"missing": message.get("arns", [])} if message.get("op") == "validate" \
                    else {"error": str(error)}
            try:
                self._channel.sendall(json.dumps(reply).encode() + b"\n")
            except OSError:
                return

    def _answer(self, message):
        if message["op"] == "validate":
            return {"missing": [arn for arn in message["arns"] if not self._s3_may_invoke(arn, message["bucket"])]}
        if message["op"] == "s3":
            self._deliver(S3Notice.from_message(message))
            return {"ok": True}
        if message["op"] == "stream":
            self.runtime.event_sources.copy_record(message)
            return {"ok": True}
        if message["op"] == "meeting":
            with self._lock:
                return {"meeting": self._meetings.get(message["table"])}
        return {"error": f"unknown operation {message['op']!r}"}

    def _s3_may_invoke(self, arn, bucket):
        """Whether the function exists and its resource-based policy (AddPermission) lets
        s3.amazonaws.com invoke it for `bucket` of this account, as AWS checks both when the
        notification configuration is put and when an event is sent."""
        try:
            return self.runtime.invoke_allowed(*split_function_arn(arn), S3_PRINCIPAL,
                                               source_arn=f"arn:aws:s3:::{bucket}", source_account=ACCOUNT_ID)
        except LambdaError:
            return False

    def _deliver(self, notice):
        """Invoke the notification's function with S3's event (asynchronously, as S3 does),
        unless the chain of requests that caused it has already invoked it LOOP_LIMIT times."""
        now_ms = self.runtime.clock.now_ms()
        event = s3_event(notice, now_ms)
        so_far = loops.invocations_so_far(notice.trace, notice.function_arn)
        delivery = dict(qualifier=None, notice=notice, event=event, at_ms=now_ms, chain_count=so_far + 1)
        try:
            function, qualifier = split_function_arn(notice.function_arn)
        except LambdaError as error:
            self._record(S3Delivery(function=notice.function_arn, **delivery, dropped=str(error)))
            return
        delivery.update(function=function, qualifier=qualifier)
        if not self._s3_may_invoke(notice.function_arn, notice.bucket):
            # The permission was removed after the configuration was put: Lambda refuses S3's
            # invoke and S3 drops the event (it has no retry or dead-letter queue for it).
            self._record(S3Delivery(**delivery, dropped=(
                f"AccessDeniedException: {S3_PRINCIPAL} is not authorized to perform: lambda:InvokeFunction on "
                f"resource: {notice.function_arn} because no resource-based policy allows the "
                "lambda:InvokeFunction action")))
            return
        if so_far >= loops.LOOP_LIMIT:
            loop = RecursiveLoop(function, notice.bucket, notice.key, notice.event_name, so_far, now_ms)
            with self._lock:
                self.loops.append(loop)
            log.warning("%s", loop)
            # Lambda accepts the event and stops it: it goes to the DLQ / on-failure destination.
            request_id = self.runtime.stop_recursive_event(
                function, json.dumps(event).encode(), now_ms, qualifier=qualifier, trace_id=notice.trace)
            self._record(S3Delivery(**delivery, request_id=request_id, dropped="RecursiveLoop"))
            return
        with self._lock:
            self._sequence += 1
            root = loops.new_root(now_ms, notice.bucket, notice.key, self._sequence)
        trace = loops.continued(notice.trace, notice.function_arn, root)
        try:
            result = self.runtime.invoke(function, event, invocation_type="Event", qualifier=qualifier,
                                         trace_id=trace)
        except LambdaError as error:
            self._record(S3Delivery(**delivery, dropped=str(error)))
            return
        self._record(S3Delivery(**delivery, request_id=result.request_id))

    def _record(self, delivery):
        with self._lock:
            self.deliveries.append(delivery)

    # --------------------------------------------------------------- environment
    def _set_kernel_env(self):
        saved = {}
        for name in list(os.environ):
            if name in _SET_ASIDE or name.startswith(_SET_ASIDE_PREFIXES):
                saved[name] = os.environ.pop(name)
        for name, value in {**self._handler_env, **DUMMY_CREDENTIALS, "AWS_DEFAULT_REGION": REGION,
                            "AWS_REGION": REGION}.items():
            saved.setdefault(name, os.environ.get(name))
            os.environ[name] = value
        self._saved_kernel_env = saved
        _forget_boto3_default_session()

    def _restore_kernel_env(self):
        for name, value in (self._saved_kernel_env or {}).items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_kernel_env = None
        _forget_boto3_default_session()

    # --------------------------------------------------------------- shutdown
    def close(self):
        """Stop the moto server (its data is gone) and take the endpoint variables back."""
        if self.closed:
            return
        self.closed = True
        for name, value in self._handler_env.items():
            if self.runtime.handler_environment.get(name) == value:
                del self.runtime.handler_environment[name]
        self._restore_kernel_env()
        os.close(self._lifeline)
        self._process.terminate()  # moto keeps nothing worth a graceful shutdown
        try:
            self._process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def start(runtime, **options):
    """Start local AWS services for `runtime` (closed with it); see LocalAws."""
    return LocalAws(runtime, **options)


def _forget_boto3_default_session():
    # boto3's default session caches the credentials it found first; the next boto3.client()
    # must look again, so it finds the dummy ones (and later, the learner's own again).
    boto3 = sys.modules.get("boto3")
    if boto3 is not None:
        boto3.DEFAULT_SESSION = None


def _spawn(state_dir, port):
    """Start the moto process; return it, the channel, the lifeline's write end and the port."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    lifeline_read, lifeline_write = os.pipe()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
           "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
           "AWS_DEFAULT_REGION": REGION, **DUMMY_CREDENTIALS}
    os.makedirs(state_dir, exist_ok=True)
    with open(os.path.join(state_dir, "moto.log"), "ab") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "lambdakit.aws.motoserver", str(theirs.fileno()),
             str(lifeline_read), str(port)],
            pass_fds=[theirs.fileno(), lifeline_read], env=env, stdin=subprocess.DEVNULL,
            stdout=log_file, stderr=log_file, start_new_session=True)
    theirs.close()
    os.close(lifeline_read)
    ours.settimeout(STARTUP_TIMEOUT_S)
    try:
        line = _read_line(ours)
    except (OSError, ValueError) as error:
        process.kill()
        process.wait()
        ours.close()
        os.close(lifeline_write)
        raise RuntimeError(f"the local AWS server did not start; see {state_dir}/moto.log") from error
    ours.settimeout(None)
    return process, ours, lifeline_write, json.loads(line)["port"]


def _read_line(sock):
    """One line, read a byte at a time so nothing after it is taken from the socket."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(1)
        if not chunk:
            raise ValueError("the server exited before it was ready")
        data += chunk
    return data
