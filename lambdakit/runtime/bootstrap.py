"""What runs inside an execution environment: load the handler (INIT), then serve invokes.

Modelled on AWS's Python runtime interface client (awslambdaric `bootstrap.py`): the same
handler loading rules, `Runtime.*` error types, error payload fields and log formats.
It talks to the service over one pipe instead of the Runtime API's HTTP.
"""

import ctypes
import importlib
import io
import json
import logging
import os
import resource
import signal
import sys
import time
import traceback

from . import envtime
from .context import LambdaContext
from .marshaller import Encoder

_MAXRSS_PER_KB = 1024 if sys.platform == "darwin" else 1  # macOS reports ru_maxrss in bytes
ERROR_LOG_INDENT = "\u00a0"  # awslambdaric indents error log lines with NO-BREAK SPACE
UNHANDLED_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, "
    "or can be applied automatically. To determine if the runtime has been updated, check the "
    "runtime version in the INIT_START log entry. If this error correlates with a change in the "
    "runtime version, you may be able to mitigate this error by temporarily rolling back to the "
    "previous runtime version. For more information, see "
    "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r")


class Fault(Exception):
    """A runtime fault with one of AWS's `Runtime.*` error types."""

    def __init__(self, error_type, message, trace=None, hint=None):
        super().__init__(message)
        self.hint = hint  # lambdakit's own line for the log, after AWS's error
        self.error_type, self.message, self.trace = error_type, message, trace


def make_error(message, error_type, stack_trace, request_id=None):
    return {"errorMessage": message or "", "errorType": error_type or "",
            "requestId": request_id if request_id is not None else "",
            "stackTrace": stack_trace or []}


def user_stack(tb):
    """Format the traceback from the first frame outside the runtime, as awslambdaric does.

    Frames go through plain tuples, as there, so no column carets (`^^^^`) appear."""
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for i, frame in enumerate(frames):
        if "/bootstrap.py" not in frame[0]:
            return traceback.format_list(frames[i:])
    return traceback.format_list(frames)


def error_log_text(error):
    """The `[ERROR] Type: message` log event with its traceback, one event, newline-joined."""
    head = "[ERROR]"
    if error["errorType"]:
        head += " " + error["errorType"] + (":" if error["errorMessage"] else "")
    if error["errorMessage"]:
        head += " " + error["errorMessage"]
    lines = [head, "Traceback (most recent call last):"]
    for element in error["stackTrace"]:
        for line in element.splitlines() or [""]:
            stripped = line.lstrip(" ")
            lines.append(ERROR_LOG_INDENT * (len(line) - len(stripped)) + stripped)
    return "\n".join(lines) + "\n"


def error_log_json(error, encoder):
    """The JSON form of the `[ERROR]` log event (JSON log format)."""
    return encoder.encode({"timestamp": time.strftime(JSON_TIMESTAMP, time.gmtime()), "level": "ERROR",
                           **error}) + "\n"


def packaging_hint(error, module_name):
    """One line under an import of something the function did not package (AWS's runtime
    has the standard library and boto3/botocore; the kernel's packages are not there)."""
    missing = (getattr(error, "name", None) or "").split(".")[0]
    if not missing or missing == module_name.replace("/", ".").split(".")[0]:
        return None
    return (f"[lambdakit] '{missing}' is not in AWS's Python runtime: package it with the function "
            f"(pip install <package> --target <function directory>) or in a layer (under python/ "
            f"in its ZIP; lambdakit.layers.installed_layer() builds one from what is installed here).\n")


def load_handler(handler):
    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as e:
        raise Fault("Runtime.MalformedHandlerName", f"Bad handler '{handler}': {e}")
    try:
        if module_name.split(".")[0] in sys.builtin_module_names:
            raise Fault("Runtime.BuiltInModuleConflict",
                        f"Cannot use built-in module {module_name} as a handler module")
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as e:
        raise Fault("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {e}",
                    hint=packaging_hint(e, module_name))
    except SyntaxError as e:
        trace = [f'  File "{e.filename}" Line {e.lineno}\n    {e.text}']
        raise Fault("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {e}", trace)
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise Fault("Runtime.HandlerNotFound",
                    f"Handler '{function_name}' missing on module '{module_name}'")


class OutputCapture:
    """Collects what the handler prints and logs for one phase, up to a byte limit."""

    def __init__(self, limit_bytes, fd_output):
        self.limit = limit_bytes
        self.fd_output = fd_output  # an OutputPipe: fds 1 and 2 (C code, subprocesses)
        self.reset()

    def reset(self):
        self.parts, self.size, self.dropped = [], 0, 0

    def write(self, text):
        if self.size + len(text) <= self.limit:
            self.parts.append(text)
            self.size += len(text)
        else:
            self.dropped += len(text)

    def take(self):
        if self.fd_output is not None:
            text, dropped = self.fd_output.take()
            if text:
                self.write(text)
            self.dropped += dropped
        text = "".join(self.parts)
        if self.dropped:
            text += (f"[lambdakit] {self.dropped} more characters of output were dropped: "
                     f"each invocation keeps at most {self.limit} characters of logs\n")
        self.reset()
        return text


class CaptureStream(io.TextIOBase):
    def __init__(self, capture, fd):
        self.capture, self._fd = capture, fd

    def write(self, text):
        self.capture.write(text)
        return len(text)

    def fileno(self):
        return self._fd

    def writable(self):
        return True

    @property
    def encoding(self):
        return "utf-8"


class RequestIdFilter(logging.Filter):
    request_id = ""

    def filter(self, record):
        record.aws_request_id = RequestIdFilter.request_id
        record.tenant_id = None
        return True


# LogRecord attributes that are not copied into a JSON log record as extra fields.
_STANDARD_RECORD_FIELDS = frozenset({
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info",
    "exc_text", "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated", "thread",
    "threadName", "processName", "process", "aws_request_id", "tenant_id"})
_LOG_JSON = json.JSONEncoder(ensure_ascii=False, default=str)
JSON_TIMESTAMP = "%Y-%m-%dT%H:%M:%SZ"  # whole seconds, as awslambdaric writes JSON records


class JsonFormatter(logging.Formatter):
    """The JSON application log records of AWS's Python runtime (advanced logging controls):
    levels rounded down to the standard ones, exception fields only when there is one,
    `extra=` fields appended, fields that are None left out."""

    def __init__(self):
        super().__init__(datefmt=JSON_TIMESTAMP)

    def format(self, record):
        record.levelno = min(50, max(0, record.levelno)) // 10 * 10
        record.levelname = logging.getLevelName(record.levelno)
        exc_type, exc, tb = record.exc_info or (None, None, None)
        fields = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": record.levelname,
            "message": record.msg if isinstance(record.msg, dict) and not record.args else record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(tb) if exc_type else None,
            "errorType": exc_type.__name__ if exc_type else None,
            "errorMessage": str(exc) if exc_type else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": f"{record.pathname}:{record.funcName}:{record.lineno}" if exc_type else None,
        }
        if getattr(record, "tenant_id", None) is not None:
            fields["tenantId"] = record.tenant_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD_RECORD_FIELDS and key not in fields:
                fields[key] = value
        return _LOG_JSON.encode({k: v for k, v in fields.items() if v is not None}) + "\n"


def prepare_output():
    """Before the environment knows its function (a spare does this while it waits):
    capture stdout and stderr, and give the root logger its handler, formatless yet.
    Returns (capture, handler) for Environment."""
    capture = OutputCapture(0, None)
    sys.stdout = CaptureStream(capture, 1)
    sys.stderr = CaptureStream(capture, 2)
    handler = logging.StreamHandler(sys.stdout)
    handler.terminator = ""
    handler.addFilter(RequestIdFilter())
    logging.getLogger().addHandler(handler)
    return capture, handler


def configure_logging(handler, log_format):
    """The function's log format, and the level AWS_LAMBDA_LOG_LEVEL asks for (WARNING, as
    Python's default, when unset)."""
    logging.Formatter.converter = staticmethod(time.gmtime)  # AWS logs in UTC (virtual time too)
    if log_format == "JSON":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S"))
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
    if level:
        logging.getLogger().setLevel({"TRACE": "DEBUG"}.get(level.upper(), level.upper()))


def marshal(encoder, response):
    """The response body as awslambdaric's marshaller produces it."""
    if isinstance(response, bytes):
        return response
    try:
        return encoder.encode(response).encode()
    except Exception as e:
        raise Fault("Runtime.MarshalError", f"Unable to marshal response: {e}")


class TraceIdVariable:
    """`_X_AMZN_TRACE_ID`, set for each invocation without the process growing: setenv()
    copies each new value and never frees the old one (about 160 bytes an invoke), so the
    C environment points at one buffer of ours instead, rewritten in place. Subprocesses
    see the value through the C environment, handler code through os.environ."""

    NAME = "_X_AMZN_TRACE_ID"
    _PREFIX = NAME.encode() + b"="
    _CAPACITY = 1024

    def __init__(self):
        self._libc = ctypes.CDLL(None)
        self._libc.getenv.restype = ctypes.c_void_p
        self._buffer = ctypes.create_string_buffer(self._PREFIX, len(self._PREFIX) + self._CAPACITY + 1)
        self._value_at = ctypes.addressof(self._buffer) + len(self._PREFIX)

    def set(self, value):
        raw = value.encode()
        if len(raw) > self._CAPACITY or b"\0" in raw:
            os.environ[self.NAME] = value  # not a trace header Lambda makes; the slow way
            return
        ctypes.memmove(self._value_at, raw + b"\0", len(raw) + 1)
        if self._libc.getenv(self._PREFIX[:-1]) != self._value_at:
            self._libc.putenv(self._buffer)  # the first time, or handler code set or unset it since
        os.environ._data[self._PREFIX[:-1]] = raw  # os.environ's own copy, without another setenv()


class Environment:
    """The in-process half of one execution environment."""

    def __init__(self, channel, spec, fd_output, output=None):
        self.channel, self.spec = channel, spec
        self.pid = os.getpid()
        self.clock = envtime.current = envtime.EnvironmentTime(spec["virtual"], spec["init_vcpus"],
                                                               spec["cpu_throttled"])
        self.clock.install()
        self.output, log_handler = output or prepare_output()
        self.output.limit, self.output.fd_output = spec["log_limit"], fd_output
        self.output.reset()
        configure_logging(log_handler, spec["log_format"])
        self.handler = None
        self.trace_id = TraceIdVariable()
        self.encoder = Encoder(os.environ.get("AWS_EXECUTION_ENV"))
        self.cpu_mark_ms, self.base_rss_kb = self._usage()

    def _usage(self):
        """(CPU milliseconds used so far, peak resident KB). The peak adds the largest child
        process that has ended: the environment's memory holds its children too, and one too
        short for the watchdog's samples still shows."""
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu_ms = self.clock.declared_cpu_ms if self.clock.virtual \
            else (usage.ru_utime + usage.ru_stime) * 1000.0
        children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        return cpu_ms, (usage.ru_maxrss + children_kb) // _MAXRSS_PER_KB

    def _error_log(self, error):
        if self.spec["log_format"] == "JSON":
            return error_log_json(error, self.encoder)
        return error_log_text(error)

    def _reply(self, kind, *fields, blob=b""):
        """Send the phase's outcome, with the CPU it used, its output and the peak memory
        (the shapes are in messages.py)."""
        if os.getpid() != self.pid:
            # A process the handler forked has returned into the runtime: only the
            # environment's own process answers the service.
            os._exit(0)
        cpu_ms, peak_kb = self._usage()
        used_ms, self.cpu_mark_ms = cpu_ms - self.cpu_mark_ms, cpu_ms
        self.channel.send((kind, *fields, used_ms, self.output.take(), peak_kb), blob)

    def init(self):
        self.clock.now_ms = self.spec["now_ms"]
        self.clock.deadline_ms = self.spec["now_ms"] + self.spec["init_timeout_ms"]
        start_wall = self.clock.wall_ms()
        error = hint = None
        try:
            self.handler = load_handler(self.spec["handler"])
        except Fault as e:
            error, hint = make_error(e.message, e.error_type, e.trace), e.hint
        except envtime.DeadlineReached:
            self._report_deadline()
        except MemoryError:
            self._die_out_of_memory()
        except Exception:
            etype, value, tb = sys.exc_info()
            error = make_error(str(value), etype.__name__, user_stack(tb))
        if error is not None:
            logging.warning(UNHANDLED_WARNING)
            self.output.write(self._error_log(error))
            if hint:
                self.output.write(hint)
        self.clock.deadline_ms = None
        self.clock.vcpus = self.spec["vcpus"]  # INIT's CPU burst is over
        self._reply("init", error is not None, self.clock.wall_ms() - start_wall, self.base_rss_kb,
                    blob=b"" if error is None else self._error_body(error))
        return error is None

    def invoke(self, request, payload):
        request_id = request["request_id"]
        RequestIdFilter.request_id = request_id
        self.trace_id.set(request["trace_id"])
        clock = self.clock
        if clock.virtual:
            clock.now_ms = request["now_ms"]
            clock.deadline_ms = request["deadline_ms"]
        start_wall = clock.wall_ms()
        error = body = None
        try:
            context = LambdaContext(request_id, request["deadline_ms"], request["arn"],
                                    request["client_context"], request["identity"])
            try:
                event = json.loads(payload) if payload else {}
            except ValueError as e:
                raise Fault("Runtime.UnmarshalError", f"Unable to unmarshal input: {e}")
            body = marshal(self.encoder, self.handler(event, context))
        except Fault as e:
            error = make_error(e.message, e.error_type, e.trace, request_id)
        except envtime.DeadlineReached:
            self._report_deadline()
        except MemoryError:
            self._die_out_of_memory()
        except Exception:
            etype, value, tb = sys.exc_info()
            error = make_error(str(value), etype.__name__, user_stack(tb), request_id)
        outcome = "ok"
        if error is not None:
            self.output.write(self._error_log(error))
            body, outcome = self.encoder.encode(error).encode(), "error"
        if len(body) > self.spec["response_max_bytes"]:
            body, outcome = b"", "too_large"  # the platform refuses it; no need to ship it
        clock.deadline_ms = None
        self._reply("result", outcome, clock.wall_ms() - start_wall, blob=body)

    def _error_body(self, error):
        """An INIT error payload, its message cut so that it fits in a response."""
        body = self.encoder.encode(error).encode()
        limit = self.spec["response_max_bytes"]
        if len(body) > limit:
            cut = dict(error, errorMessage=error["errorMessage"][:limit // 8], stackTrace=[])
            body = self.encoder.encode(cut).encode()
        return body

    def _report_deadline(self):
        """Virtual time hit the timeout: hand over the logs and wait to be stopped, as AWS stops it."""
        self._reply("deadline")
        while True:
            self.channel.recv()

    def _die_out_of_memory(self):
        """The address-space guard tripped: die as the out-of-memory killer would kill us."""
        self._reply("oom")
        os.kill(os.getpid(), signal.SIGKILL)

    def serve(self):
        if not self.init():
            os._exit(1)  # awslambdaric exits after reporting an INIT error
        while True:
            message, payload = self.channel.recv()
            if message[0] == "invoke":
                self.invoke(message[1], payload)
            else:  # "shutdown"
                os._exit(0)
