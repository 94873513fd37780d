"""The `%lambda` and `%%lambda` command lines, parsed into typed requests before anything runs.

Each subcommand is declared with IPython's magic_arguments right above the function that
turns its parsed options into a request, so its `--help` and its docstring are one text.
Nothing here touches a runtime: a bad line raises `CommandError` and changes nothing.
New subcommands register with `@subcommand` (e.g. `tune` from the cost work); the
`%lambda` magic dispatches each request type to its handler in lambdakit/notebook/magics.py.
"""

import argparse
import json
import re
from dataclasses import dataclass, field

from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument, magic_arguments
from IPython.utils.process import arg_split

from ..core import limits
from ..cost.tuning import DEFAULT_MEMORY_SIZES, STRATEGIES

SUBCOMMANDS = {}


class CommandError(Exception):
    """Bad input to a magic: shown as its one line, without a traceback."""

    def _render_traceback_(self):  # IPython and ipykernel show this instead of a traceback
        return [str(self)]


@dataclass(frozen=True)
class Help:
    text: str


@dataclass(frozen=True)
class Settings:
    """Function configuration from options; None means "not given, leave as it is"."""
    memory_size: int | None = None
    timeout: int | None = None
    environment: tuple | None = None      # ((key, value), ...)
    handler: str | None = None
    runtime: str | None = None
    architecture: str | None = None
    ephemeral_storage: int | None = None
    layers: tuple | None = None
    description: str | None = None
    log_format: str | None = None

    def changes(self):
        """The given settings as keyword arguments of create/update_function_configuration."""
        given = {name: value for name, value in self.__dict__.items() if value is not None}
        if "environment" in given:
            given["environment"] = dict(given["environment"])
        if "layers" in given:
            given["layers"] = list(given["layers"])
        return given


@dataclass(frozen=True)
class Deploy:
    name: str
    code: str
    settings: Settings = field(default_factory=Settings)
    reserved: int | None = None
    publish: bool = False


@dataclass(frozen=True)
class Invoke:
    name: str
    payload: object = None                # the event, already parsed from JSON
    event_variable: str | None = None     # or the name of a notebook variable holding it
    invocation_type: str = "RequestResponse"
    qualifier: str | None = None


@dataclass(frozen=True)
class Logs:
    name: str
    tail: int | None = None


@dataclass(frozen=True)
class ListFunctions:
    pass


@dataclass(frozen=True)
class Config:
    name: str
    settings: Settings = field(default_factory=Settings)


@dataclass(frozen=True)
class Publish:
    name: str
    description: str = ""


@dataclass(frozen=True)
class Alias:
    name: str
    alias: str | None = None
    version: str | None = None
    weights: tuple | None = None          # ((version, weight),)
    description: str | None = None
    delete: bool = False


@dataclass(frozen=True)
class Concurrency:
    name: str
    reserved: int | None = None
    delete: bool = False


@dataclass(frozen=True)
class Bill:
    name: str | None = None
    dashboard: bool = False


@dataclass(frozen=True)
class Tune:
    name: str
    memory_sizes: tuple                   # MB, in the order given
    payload: object = None                # the event, already parsed from JSON
    event_variable: str | None = None     # or the name of a notebook variable holding it
    invocations: int = 10
    strategy: str = "balanced"
    weight: float = 0.5
    threads: int = 1


@dataclass(frozen=True)
class Reset:
    clock: str | None = None
    seed: int = 0


@dataclass(frozen=True)
class Clock:
    clock: str | None = None
    seed: int = 0


@dataclass(frozen=True)
class Advance:
    seconds: float


@dataclass(frozen=True)
class Delete:
    name: str
    qualifier: str | None = None


@dataclass(frozen=True)
class Timeline:
    name: str | None = None               # None: every function


@dataclass(frozen=True)
class ConcurrencyChart:
    name: str | None = None               # None: the whole account
    bucket_s: float | None = None         # None: chosen from the records' span


@dataclass(frozen=True)
class Latency:
    name: str | None = None


@dataclass(frozen=True)
class Retries:
    name: str | None = None


@dataclass(frozen=True)
class Split:
    name: str
    alias: str
    last: int | None = None               # only the last N invocations of the function


# ---------------------------------------------------------------- machinery
class _HelpAction(argparse.Action):
    """`-h/--help`: stop parsing and hand back the help text (before required-argument checks)."""

    def __init__(self, option_strings, dest, **_):
        super().__init__(option_strings, dest, nargs=0, help="show this help")

    def __call__(self, parser, namespace, values, option_string=None):
        raise _HelpRequested(help_text(parser))


class _HelpRequested(Exception):
    pass


def help_text(parser):
    return parser.format_help().replace("::\n\n  %", "usage: %", 1)


def subcommand(build):
    """Register a magic_arguments-decorated builder as a `%lambda` subcommand."""
    build.parser.add_argument("-h", "--help", action=_HelpAction)
    SUBCOMMANDS[build.parser.prog.removeprefix("lambda ")] = build
    return build


def _split(line, prog):
    try:
        return arg_split(line, posix=True, strict=True)
    except ValueError as e:  # e.g. "No closing quotation"
        raise CommandError(f"%{prog}: cannot split the line into arguments: {e}") from None


def _parse(build, tokens):
    parser = build.parser
    try:
        return build(parser.parse_args(tokens))
    except _HelpRequested as e:
        return Help(str(e))
    except UsageError as e:
        raise CommandError(f"%{parser.prog}: {e} (see %{parser.prog} --help)") from None


def parse_line(line):
    """A `%lambda ...` line as a request (or Help); raises CommandError on bad input."""
    tokens = _split(line, "lambda")
    if not tokens or tokens[0] in ("-h", "--help", "help"):
        return Help(overview())
    name, rest = tokens[0], tokens[1:]
    if name not in SUBCOMMANDS:
        raise CommandError(f"%lambda: unknown subcommand {name!r}; choose from "
                           f"{', '.join(SUBCOMMANDS)} (see %lambda --help)")
    return _parse(SUBCOMMANDS[name], rest)


def parse_cell(line, cell):
    """A `%%lambda NAME [options]` cell as a Deploy request (or Help)."""
    request = _parse(deploy, _split(line, "%lambda"))
    if isinstance(request, Help):
        return request
    if not cell.strip():
        raise CommandError(f"%%lambda {request.name}: the cell is empty; write the handler code "
                           "below the %%lambda line")
    return Deploy(request.name, cell, request.settings, request.reserved, request.publish)


def overview():
    width = max(map(len, SUBCOMMANDS))
    rows = [f"  {name:<{width}}  {_summary(build)}" for name, build in SUBCOMMANDS.items()]
    return "\n".join([
        "usage: %lambda SUBCOMMAND [options]      (%lambda SUBCOMMAND --help for its options)",
        "       %%lambda NAME [options]           (a cell: its code becomes the function)",
        "", "The local AWS Lambda of this kernel, in the spirit of the AWS CLI.", "",
        "subcommands:", *rows])


def _summary(build):
    return build.parser.description.strip().splitlines()[0]


# ------------------------------------------------------------ value parsers
def _pairs(values, option, convert=str):
    pairs = []
    for value in values or ():
        key, sep, text = value.partition("=")
        if not sep or not key:
            raise CommandError(f"{option} expects KEY=VALUE, got {value!r}")
        try:
            pairs.append((key, convert(text)))
        except ValueError:
            raise CommandError(f"{option} {value!r}: {text!r} is not a number") from None
    return tuple(pairs)


def _json(text, what):
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        # AWS's Invoke answers InvalidRequestContentException to a payload that is not JSON.
        raise CommandError(f"InvalidRequestContentException: Could not parse {what} into json: {e} "
                           "(in a magic line, put the JSON in single quotes)") from None


def _event(text):
    """`--event TEXT` as (payload, variable): JSON is the event itself; a name that is not JSON
    names a notebook variable, looked up when the magic runs."""
    if text is None:
        return None, None
    if text.isidentifier():
        try:
            return json.loads(text), None  # JSON words: true, false, null, NaN
        except json.JSONDecodeError:
            return None, text
    return _json(text, "request body"), None


_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?")
_MS_PER_UNIT = {"ms": 0.001, "s": 1, None: 1, "m": 60, "min": 60, "h": 3600}


def duration_seconds(text, command="%lambda advance"):
    """'90', '90s', '250ms', '10m', '1.5h' -> seconds."""
    match = _DURATION.fullmatch(text.strip())
    if not match:
        raise CommandError(f"{command}: {text!r} is not a duration such as 30s, 10m, 2h or 500ms")
    return float(match.group(1)) * _MS_PER_UNIT[match.group(2)]


# ------------------------------------------------------------ shared options
def _settings_options(build):
    """The configuration options of `%%lambda` and `%lambda config`."""
    decorators = [
        argument("--memory", type=int, metavar="MB", help="memory size, 128 to 10240 MB"),
        argument("--timeout", type=int, metavar="S", help="timeout, 1 to 900 seconds"),
        argument("--env", nargs="+", action="extend", metavar="KEY=VALUE",
                 help="environment variables; the given set replaces the current one, "
                      "as UpdateFunctionConfiguration does"),
        argument("--handler", metavar="MODULE.FUNCTION",
                 help="handler (default lambda_function.lambda_handler, index.handler on Node.js); "
                      "the cell is saved as MODULE.py (MODULE.mjs on Node.js)"),
        argument("--runtime", metavar="RUNTIME",
                 help="runtime, e.g. python3.12; nodejs22.x or nodejs24.x (the cell is JavaScript); "
                      "provided.al2023 (the cell is the bootstrap script)"),
        argument("--arch", metavar="ARCH", help="architecture: x86_64 or arm64"),
        argument("--storage", type=int, metavar="MB", help="ephemeral storage (/tmp), 512 to 10240 MB"),
        argument("--layer", action="append", metavar="ARN", help="a layer (repeat for up to 5)"),
        argument("--description", metavar="TEXT", help="description"),
        argument("--log-format", metavar="FORMAT", help="log format: Text or JSON"),
    ]
    for decorate in reversed(decorators):
        build = decorate(build)
    return build


def _settings(args):
    return Settings(
        memory_size=args.memory, timeout=args.timeout,
        environment=None if args.env is None else _pairs(args.env, "--env"),
        handler=args.handler, runtime=args.runtime, architecture=args.arch,
        ephemeral_storage=args.storage, layers=None if args.layer is None else tuple(args.layer),
        description=args.description, log_format=args.log_format)


# ------------------------------------------------------------- subcommands
@magic_arguments(name="%lambda")
@argument("name", metavar="NAME", help="function name")
@_settings_options
@argument("--reserved", type=int, metavar="N", help="reserved concurrency (PutFunctionConcurrency)")
@argument("--publish", action="store_true", help="publish a version of the new code")
def deploy(args):
    """Make the cell's code the function NAME (its lambda_function.py).

    The first run creates the function (CreateFunction) with the options given. Re-running
    the cell updates it: configuration changes first, then the code (UpdateFunctionCode), so
    $LATEST changes and its warm environments are retired, as on AWS. Options left out keep
    their current values.
    """
    return Deploy(args.name, "", _settings(args), args.reserved, args.publish)


deploy.parser.add_argument("-h", "--help", action=_HelpAction)


@subcommand
@magic_arguments(name="lambda invoke")
@argument("name", metavar="NAME", help="function name, or NAME:QUALIFIER")
@argument("--event", metavar="JSON", help="the event: JSON text, or the name of a notebook variable")
@argument("--event-file", metavar="FILE", help="read the event (JSON) from a file")
@argument("--template", nargs="+", metavar="WORD",
          help="a generated event: SERVICE KIND [KEY=VALUE ...], named as `sam local "
               "generate-event` names them, e.g. --template s3 put key=photo.jpg")
@argument("--qualifier", metavar="Q", help="version number or alias")
@argument("--async", dest="asynchronous", action="store_true",
          help="invocation type Event: queue it and return 202 at once")
@argument("--dry-run", action="store_true", help="invocation type DryRun: check access, run nothing")
def invoke(args):
    """Invoke a function and show its invocation card (Invoke)."""
    sources = [option for option, value in (("--event", args.event), ("--event-file", args.event_file),
                                            ("--template", args.template)) if value is not None]
    if len(sources) > 1:
        raise CommandError(f"%lambda invoke: give one of --event, --event-file, --template, "
                           f"not {' and '.join(sources)}")
    if args.asynchronous and args.dry_run:
        raise CommandError("%lambda invoke: give one of --async, --dry-run")
    payload, variable = _event(args.event)
    if args.event_file is not None:
        payload = _json(_read(args.event_file), f"the event file {args.event_file}")
    elif args.template is not None:
        payload = _generated_event(args.template)
    kind = "Event" if args.asynchronous else "DryRun" if args.dry_run else "RequestResponse"
    return Invoke(args.name, payload, variable, kind, args.qualifier)


def _read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise CommandError(f"%lambda invoke: --event-file {path}: {e.strerror}") from None


def _generated_event(words):
    """An event from lambdakit.events; field values are JSON where they parse (size=1024 is a number)."""
    from ..events import generate
    if len(words) < 2:
        raise CommandError("%lambda invoke: --template needs SERVICE KIND, e.g. --template s3 put")
    fields = {key: _json_or_text(text) for key, text in _pairs(words[2:], "--template")}
    try:
        return generate(words[0], words[1], **fields)
    except (TypeError, ValueError) as e:
        raise CommandError(f"%lambda invoke: --template {' '.join(words[:2])}: {e}") from None


def _json_or_text(text):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


@subcommand
@magic_arguments(name="lambda logs")
@argument("name", metavar="NAME", help="function name")
@argument("--tail", type=int, metavar="N", help="only the last N lines")
def logs(args):
    """Print the function's log group, /aws/lambda/NAME (all streams, in time order)."""
    if args.tail is not None and args.tail < 1:
        raise CommandError("%lambda logs: --tail must be at least 1")
    return Logs(args.name, args.tail)


@subcommand
@magic_arguments(name="lambda ls")
def ls(args):
    """List the functions (ListFunctions)."""
    return ListFunctions()


@subcommand
@magic_arguments(name="lambda config")
@argument("name", metavar="NAME", help="function name, or NAME:QUALIFIER to read a version")
@_settings_options
def config(args):
    """Show the configuration, or change it with options (UpdateFunctionConfiguration).

    A change applies to $LATEST and retires its warm environments: the next invocation is
    a cold start, as on AWS.
    """
    return Config(args.name, _settings(args))


@subcommand
@magic_arguments(name="lambda publish")
@argument("name", metavar="NAME", help="function name")
@argument("--description", default="", metavar="TEXT", help="version description")
def publish(args):
    """Publish $LATEST as a new numbered version: code and configuration frozen (PublishVersion)."""
    return Publish(args.name, args.description)


@subcommand
@magic_arguments(name="lambda alias")
@argument("name", metavar="NAME", help="function name")
@argument("alias", nargs="?", metavar="ALIAS", help="alias name (leave out to list aliases)")
@argument("version", nargs="?", metavar="VERSION", help="the version the alias points to")
@argument("--weight", nargs="+", action="extend", metavar="VERSION=WEIGHT",
          help="route a share (0 to 1) of invocations to one other version, e.g. 2=0.1")
@argument("--description", metavar="TEXT", help="alias description")
@argument("--delete", action="store_true", help="delete the alias")
def alias(args):
    """List aliases, show one, point one at a version (CreateAlias / UpdateAlias), or delete one."""
    if args.delete and (args.alias is None or args.version or args.weight):
        raise CommandError("%lambda alias: --delete takes NAME ALIAS and nothing else")
    if args.alias is None and (args.weight or args.description is not None):
        raise CommandError("%lambda alias: --weight and --description need NAME ALIAS")
    weights = None if args.weight is None else _pairs(args.weight, "--weight", float)
    return Alias(args.name, args.alias, args.version, weights, args.description, args.delete)


@subcommand
@magic_arguments(name="lambda concurrency")
@argument("name", metavar="NAME", help="function name")
@argument("reserved", nargs="?", type=int, metavar="N", help="reserved concurrency to set")
@argument("--delete", action="store_true", help="remove the reservation (DeleteFunctionConcurrency)")
def concurrency(args):
    """Show or set the function's reserved concurrency (PutFunctionConcurrency)."""
    if args.delete and args.reserved is not None:
        raise CommandError("%lambda concurrency: give N or --delete, not both")
    return Concurrency(args.name, args.reserved, args.delete)


@subcommand
@magic_arguments(name="lambda bill")
@argument("name", nargs="?", metavar="NAME", help="only this function's invocations")
@argument("--dashboard", action="store_true",
          help="show the billing dashboard: cost by component, a month at the observed rate, "
               "and what-if sliders (invocations, memory, duration, architecture)")
def bill(args):
    """Print the bill of this runtime's invocations: list price and with the free tier."""
    return Bill(args.name, args.dashboard)


@subcommand
@magic_arguments(name="lambda tune")
@argument("name", metavar="NAME", help="function name")
@argument("--memory", metavar="MB,MB,...", default=",".join(map(str, DEFAULT_MEMORY_SIZES)),
          help="memory sizes to try (default %(default)s)")
@argument("--event", metavar="JSON", help="the event: JSON text, or the name of a notebook variable")
@argument("--invocations", type=int, default=10, metavar="N", help="invocations at each size (default 10)")
@argument("--strategy", choices=STRATEGIES, default="balanced",
          help="what to optimise (default balanced)")
@argument("--weight", type=float, default=0.5, metavar="W",
          help="balanced only: 1 is all cost, 0 all speed (default 0.5)")
@argument("--threads", type=int, default=1, metavar="N",
          help="threads the handler keeps busy, for the real clock's CPU model (default 1)")
def tune(args):
    """Power-tune a function: run it at several memory sizes and recommend one.

    Each size is published as a version and invoked N times, as AWS Lambda Power Tuning
    does; the function is left as it was. The chart shows duration and cost against memory;
    its text says what was measured and what was modelled (the CPU share of each size).
    """
    sizes = _memory_sizes(args.memory)
    if args.invocations < 1:
        raise CommandError("%lambda tune: --invocations must be at least 1")
    if not 0 <= args.weight <= 1:
        raise CommandError("%lambda tune: --weight must be from 0 to 1")
    if args.threads < 1:
        raise CommandError("%lambda tune: --threads must be at least 1")
    payload, variable = _event(args.event)
    return Tune(args.name, sizes, payload, variable, args.invocations, args.strategy, args.weight,
                args.threads)


def _memory_sizes(text):
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise CommandError(f"%lambda tune: --memory {text!r}: give whole MB separated by commas, "
                           "e.g. --memory 128,512,1769") from None
    for size in sizes:
        if not limits.MEMORY_MIN_MB <= size <= limits.MEMORY_MAX_MB:
            raise CommandError(f"%lambda tune: --memory {size}: Lambda memory is "
                               f"{limits.MEMORY_MIN_MB} to {limits.MEMORY_MAX_MB} MB")
    if len(set(sizes)) != len(sizes):
        raise CommandError(f"%lambda tune: --memory {text}: a size is repeated")
    return sizes


@subcommand
@magic_arguments(name="lambda reset")
@argument("--clock", choices=("virtual", "real"), help="the clock of the new runtime (default: the current one)")
@argument("--seed", type=int, default=0, help="seed of the virtual clock's request ids (default 0)")
def reset(args):
    """Start over: a fresh local Lambda, with no functions, records or logs."""
    return Reset(args.clock, args.seed)


@subcommand
@magic_arguments(name="lambda clock")
@argument("clock", nargs="?", choices=("virtual", "real"), help="switch to this clock (leave out to show it)")
@argument("--seed", type=int, default=0, help="seed of the virtual clock's request ids (default 0)")
def clock(args):
    """Show the clock, or switch between the virtual clock (deterministic) and the real one.

    Switching keeps each function's $LATEST code and configuration; published versions,
    aliases, records and logs are not carried over.
    """
    return Clock(args.clock, args.seed)


@subcommand
@magic_arguments(name="lambda advance")
@argument("duration", metavar="DURATION", help="how long, e.g. 30s, 10m, 2h, 500ms (plain numbers are seconds)")
def advance(args):
    """Move the virtual clock forward; environments idle too long are reclaimed."""
    return Advance(duration_seconds(args.duration))


@subcommand
@magic_arguments(name="lambda delete")
@argument("name", metavar="NAME", help="function name")
@argument("--qualifier", metavar="VERSION", help="delete only this published version")
def delete(args):
    """Delete a function, or one of its versions (DeleteFunction)."""
    return Delete(args.name, args.qualifier)


@subcommand
@magic_arguments(name="lambda timeline")
@argument("name", nargs="?", metavar="NAME", help="only this function's environments")
def timeline(args):
    """Show the cold-start timeline: each execution environment as a swim lane.

    INIT and invoke blocks, the idle gaps between them, and how each environment ended
    (reclaimed after idling, retired by new code, stopped after a fault).
    """
    return Timeline(args.name)


@subcommand
@magic_arguments(name="lambda concurrency-chart")
@argument("name", nargs="?", metavar="NAME", help="only this function (default: the whole account)")
@argument("--bucket", metavar="DURATION", help="bucket width, e.g. 1s, 10s, 1m (default: fits the run)")
def concurrency_chart(args):
    """Chart concurrent executions over time, with the concurrency limits and the throttles."""
    bucket = None if args.bucket is None else duration_seconds(args.bucket, "%lambda concurrency-chart --bucket")
    if bucket is not None and bucket <= 0:
        raise CommandError("%lambda concurrency-chart: --bucket must be longer than 0")
    return ConcurrencyChart(args.name, bucket)


@subcommand
@magic_arguments(name="lambda latency")
@argument("name", nargs="?", metavar="NAME", help="only this function's invocations")
def latency(args):
    """Chart latency, cold starts against warm ones, with p50, p90 and p99."""
    return Latency(args.name)


@subcommand
@magic_arguments(name="lambda retries")
@argument("name", nargs="?", metavar="NAME", help="only this function's events")
def retries(args):
    """Show asynchronous events: each attempt, the wait before each retry, and how each ended."""
    return Retries(args.name)


@subcommand
@magic_arguments(name="lambda split")
@argument("name", metavar="NAME", help="function name")
@argument("alias", metavar="ALIAS", help="alias name")
@argument("--last", type=int, metavar="N", help="only the function's last N invocations")
def split(args):
    """Chart an alias's traffic split: the versions its requests ran against its weights."""
    if args.last is not None and args.last < 1:
        raise CommandError("%lambda split: --last must be at least 1")
    return Split(args.name, args.alias, args.last)


# ------------------------------------------------------------ durable functions
DURABLE_VERBS = ("start", "list", "show", "callback", "stop", "wait")


@dataclass(frozen=True)
class Durable:
    verb: str
    target: str               # NAME[:QUALIFIER], an execution name or ARN, or a callback id
    payload: object = None
    event_variable: str | None = None
    execution_name: str | None = None
    result: str | None = None
    error: str | None = None


@subcommand
@magic_arguments(name="lambda durable")
@argument("verb", choices=DURABLE_VERBS, help="what to do")
@argument("target", metavar="TARGET",
          help="start/list: NAME[:QUALIFIER]; show/stop/wait: an execution name or ARN; callback: a CallbackId")
@argument("--event", metavar="JSON", help="start: the input (JSON text or a notebook variable)")
@argument("--name", metavar="NAME", help="start: the DurableExecutionName (idempotent)")
@argument("--result", metavar="JSON", help="callback: succeed with this result")
@argument("--error", metavar="MESSAGE", help="callback: fail with this error message")
def durable(args):
    """Durable functions: start an execution, list them, show one's timeline, complete a callback, stop one."""
    if args.verb == "callback" and (args.result is None) == (args.error is None):
        raise CommandError("%lambda durable callback: give one of --result, --error")
    if args.verb != "start" and (args.event is not None or args.name is not None):
        raise CommandError(f"%lambda durable {args.verb}: --event and --name are for start")
    if args.result is not None:
        _json(args.result, "the callback result")
    payload, variable = _event(args.event)
    return Durable(args.verb, args.target, payload, variable, args.name, args.result, args.error)

