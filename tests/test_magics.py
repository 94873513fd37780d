"""`%%lambda` and `%lambda` through a real IPython InteractiveShell (history off, errors
re-raised), and the same cases through the Python API, so the two doors cannot drift."""

import json
import os
import time

import boto3
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import lambdakit
from lambdakit.notebook import default
from lambdakit.cost.billing import Bill
from lambdakit.notebook.magic_requests import SUBCOMMANDS, CommandError
from lambdakit.runtime.package import zip_source
from lambdakit.notebook.widgets.card import InvocationCard, card_text

HELLO = """\
import json
from lambdakit import work

print("init")

def lambda_handler(event, context):
    work(cpu_ms=10)
    print("hello", event.get("name"))
    return {"greeting": f"Hello, {event.get('name', 'world')}!"}
"""

FAILING = """\
def lambda_handler(event, context):
    return 1 / 0
"""


@pytest.fixture(autouse=True)
def runtime():
    """A fresh virtual-clock default runtime per test; the previous default and os.environ
    are put back afterwards, and every runtime the test made is closed."""
    environ = dict(os.environ)
    fresh = lambdakit.Runtime(clock="virtual", seed=0)
    previous = default.set_default_runtime(fresh)
    yield fresh
    current = default.set_default_runtime(previous)
    for made in {id(fresh): fresh, id(current): current}.values():
        made.close()
    os.environ.clear()
    os.environ.update(environ)


def run(shell, line, cell=None):
    """Run `%lambda line` (or a `%%lambda line` cell); return (stdout, displayed text/plain)."""
    source = f"%lambda {line}" if cell is None else f"%%lambda {line}\n{cell}"
    with capture_output() as captured:
        shell.run_cell(source)
    return captured.stdout, [output.data["text/plain"] for output in captured.outputs]


def out(shell, line, cell=None):
    return run(shell, line, cell)[0]


def state(runtime):
    """Everything a bad command must leave alone."""
    functions = runtime.list_functions()
    return (functions, [(f["FunctionName"], runtime.get_function_concurrency(f["FunctionName"]),
                         runtime.list_versions_by_function(f["FunctionName"]),
                         runtime.list_aliases(f["FunctionName"])) for f in functions],
            list(runtime.records), runtime.clock.now_ms())


# ------------------------------------------------------------ two doors
OPTION = {"memory_size": "--memory", "timeout": "--timeout", "handler": "--handler",
          "architecture": "--arch", "ephemeral_storage": "--storage", "description": "--description"}


def _options(settings):
    words = []
    for key, value in settings.items():
        if key == "environment":
            words += ["--env", *(f"{k}={v}" for k, v in value.items())]
        else:
            words += [OPTION[key], repr(str(value))]
    return " ".join(words)


class Api:
    """The Python API a notebook user calls."""

    def deploy(self, name, code, reserved=None, publish=False, **settings):
        lambdakit.deploy(name, code, reserved=reserved, publish=publish, **settings)

    def invoke(self, name, event=None, invocation_type="RequestResponse", qualifier=None):
        return card_text(lambdakit.invoke(name, event, invocation_type, qualifier), name.split(":")[0])

    def config(self, name, **settings):
        lambdakit.default_runtime().update_function_configuration(name, **settings)

    def publish(self, name):
        lambdakit.default_runtime().publish_version(name)

    def alias(self, name, alias, version, weights=None):
        runtime = lambdakit.default_runtime()
        if any(a["Name"] == alias for a in runtime.list_aliases(name)):
            runtime.update_alias(name, alias, version, weights)
        else:
            runtime.create_alias(name, alias, version, weights)

    def concurrency(self, name, reserved):
        if reserved is None:
            lambdakit.default_runtime().delete_function_concurrency(name)
        else:
            lambdakit.default_runtime().put_function_concurrency(name, reserved)

    def reset(self, clock=None, seed=0):
        lambdakit.reset(clock, seed)

    def clock(self, clock):
        lambdakit.use_clock(clock)

    def advance(self, seconds):
        lambdakit.default_runtime().advance(seconds=seconds)

    def delete(self, name, qualifier=None):
        lambdakit.default_runtime().delete_function(name, qualifier)


class Magic:
    """The same operations typed into a notebook."""

    def __init__(self, shell):
        self.shell = shell

    def deploy(self, name, code, reserved=None, publish=False, **settings):
        extra = (f" --reserved {reserved}" if reserved is not None else "") + (" --publish" if publish else "")
        run(self.shell, f"{name} {_options(settings)}{extra}", code)

    def invoke(self, name, event=None, invocation_type="RequestResponse", qualifier=None):
        line = f"invoke {name}"
        if event is not None:
            line += f" --event '{json.dumps(event)}'"
        line += {"RequestResponse": "", "Event": " --async", "DryRun": " --dry-run"}[invocation_type]
        line += f" --qualifier {qualifier}" if qualifier else ""
        stdout, displayed = run(self.shell, line)
        assert stdout == "" and len(displayed) == 1
        return displayed[0]

    def config(self, name, **settings):
        run(self.shell, f"config {name} {_options(settings)}")

    def publish(self, name):
        run(self.shell, f"publish {name}")

    def alias(self, name, alias, version, weights=None):
        weight = " --weight " + " ".join(f"{v}={w}" for v, w in weights.items()) if weights else ""
        run(self.shell, f"alias {name} {alias} {version}{weight}")

    def concurrency(self, name, reserved):
        run(self.shell, f"concurrency {name} " + ("--delete" if reserved is None else str(reserved)))

    def reset(self, clock=None, seed=0):
        run(self.shell, "reset" + (f" --clock {clock}" if clock else "") + f" --seed {seed}")

    def clock(self, clock):
        run(self.shell, f"clock {clock}")

    def advance(self, seconds):
        run(self.shell, f"advance {seconds}s")

    def delete(self, name, qualifier=None):
        run(self.shell, f"delete {name}" + (f" --qualifier {qualifier}" if qualifier else ""))


@pytest.fixture(params=["API call", "magic call"])
def door(request, shell):
    return Api() if request.param == "API call" else Magic(shell)


def rt():
    return lambdakit.default_runtime()


def wait_for(condition, limit_s=30.0):
    """Wait (not a timed assertion) for work the runtime does on another thread."""
    deadline = time.monotonic() + limit_s
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.02)


# --------------------------------------------------- both doors, same state
def test_deploy_creates_then_updates_code_and_retires_warm_environments(door):
    door.deploy("hello", HELLO, memory_size=256, environment={"STAGE": "dev"})
    config = rt().get_function_configuration("hello")
    assert (config["MemorySize"], config["Environment"]["Variables"]) == (256, {"STAGE": "dev"})
    assert "cold start" in door.invoke("hello")
    assert "warm start" in door.invoke("hello")
    door.deploy("hello", HELLO.replace("Hello", "Howdy"))
    text = door.invoke("hello", {"name": "Ada"})
    assert "cold start" in text and "Howdy, Ada!" in text
    config = rt().get_function_configuration("hello")
    assert config["MemorySize"] == 256, "settings left out of a re-run keep their values"


def test_deploy_with_settings_reserved_and_publish(door):
    door.deploy("hello", HELLO, reserved=3, publish=True, timeout=10, architecture="arm64",
                ephemeral_storage=1024, handler="lambda_function.lambda_handler", description="first")
    config = rt().get_function_configuration("hello")
    assert (config["Timeout"], config["Architectures"], config["EphemeralStorage"]["Size"],
            config["Description"]) == (10, ["arm64"], 1024, "first")
    assert rt().get_function_concurrency("hello") == {"ReservedConcurrentExecutions": 3}
    assert [v["Version"] for v in rt().list_versions_by_function("hello")] == ["$LATEST", "1"]


def test_deploy_with_another_handler_module(door):
    door.deploy("app", HELLO.replace("def lambda_handler", "def main"), handler="service.main")
    assert "Hello, world!" in door.invoke("app")


def test_invoke_texts_are_the_same_through_both_doors(door):
    door.deploy("hello", HELLO)
    assert door.invoke("hello", {"name": "Ada"}) == COLD_ADA
    assert door.invoke("hello", {"name": "Grace"}).startswith("hello ($LATEST)  200 OK  warm start")


def test_invoke_function_error(door):
    door.deploy("broken", FAILING)
    text = door.invoke("broken")
    assert text.startswith("broken ($LATEST)  200 OK  FunctionError: Unhandled (ZeroDivisionError)  cold start")
    assert '"errorType": "ZeroDivisionError"' in text


def test_invoke_async_and_dry_run(door):
    door.deploy("hello", HELLO)
    assert door.invoke("hello", invocation_type="DryRun").startswith(
        "hello  204 No Content  DryRun: the call would be allowed; nothing ran\nRequestId: ")
    assert rt().records == []
    assert door.invoke("hello", invocation_type="Event").startswith(
        "hello  202 Accepted  queued for asynchronous invocation (Event)\nRequestId: ")
    wait_for(lambda: rt().records)
    assert rt().records[0].invocation_type == "Event"


def test_config_change_retires_warm_environments(door):
    door.deploy("hello", HELLO)
    door.invoke("hello")
    door.config("hello", memory_size=1024, timeout=5)
    config = rt().get_function_configuration("hello")
    assert (config["MemorySize"], config["Timeout"]) == (1024, 5)
    assert "cold start" in door.invoke("hello")


def test_config_layers_keep_the_function_usable(door):
    door.deploy("hello", HELLO)
    layer = rt().publish_layer_version("deps", zip_source({"python/deps.py": "X = 1\n"}))["LayerVersionArn"]
    assert layer == "arn:aws:lambda:us-east-1:123456789012:layer:deps:1"
    if isinstance(door, Api):
        rt().update_function_configuration("hello", layers=[layer])
    else:
        run(door.shell, f"config hello --layer {layer}")
    assert rt().get_function_configuration("hello")["Layers"] == [{"Arn": layer}]
    assert "200 OK" in door.invoke("hello")


def test_publish_alias_and_qualified_invoke(door):
    door.deploy("hello", HELLO)
    door.publish("hello")
    door.deploy("hello", HELLO.replace("Hello", "Howdy"))
    door.publish("hello")
    door.alias("hello", "live", "1")
    assert "hello (1)  200 OK" in door.invoke("hello", qualifier="live")
    door.alias("hello", "live", "2")
    assert "Howdy" in door.invoke("hello:live")
    door.alias("hello", "live", "1", {"2": 0.25})
    assert rt().get_alias("hello", "live")["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.25}}


def test_concurrency_set_and_delete(door):
    door.deploy("hello", HELLO)
    door.concurrency("hello", 0)
    assert rt().get_function_concurrency("hello") == {"ReservedConcurrentExecutions": 0}
    with pytest.raises((lambdakit.TooManyRequestsException, CommandError), match="Rate Exceeded"):
        door.invoke("hello")
    door.concurrency("hello", None)
    assert rt().get_function_concurrency("hello") == {}
    assert "200 OK" in door.invoke("hello")


def test_reset_gives_a_fresh_runtime(door):
    door.deploy("hello", HELLO)
    door.invoke("hello")
    old = rt()
    door.reset(seed=5)
    assert rt() is not old and rt().list_functions() == [] and rt().records == []
    assert rt().clock.virtual
    door.reset(clock="real")
    assert not rt().clock.virtual


def test_clock_switch_carries_latest_over(door):
    door.deploy("hello", HELLO, memory_size=512, environment={"AB": "1"})
    rt().put_function_concurrency("hello", 2)
    door.publish("hello")
    door.clock("real")
    assert not rt().clock.virtual
    config = rt().get_function_configuration("hello")
    assert (config["MemorySize"], config["Environment"]["Variables"]) == (512, {"AB": "1"})
    assert rt().get_function_concurrency("hello") == {"ReservedConcurrentExecutions": 2}
    assert [v["Version"] for v in rt().list_versions_by_function("hello")] == ["$LATEST"]
    assert "Hello, Ada!" in door.invoke("hello", {"name": "Ada"})
    door.clock("virtual")
    assert rt().clock.virtual and rt().list_functions()[0]["FunctionName"] == "hello"


def test_advance_reclaims_idle_environments(door):
    door.deploy("hello", HELLO)
    door.invoke("hello")
    door.advance(60)
    assert "warm start" in door.invoke("hello")
    door.advance(3600)
    assert "cold start" in door.invoke("hello")


def test_delete_version_then_function(door):
    door.deploy("hello", HELLO, publish=True)
    door.delete("hello", "1")
    assert [v["Version"] for v in rt().list_versions_by_function("hello")] == ["$LATEST"]
    door.delete("hello")
    assert rt().list_functions() == []


# ------------------------------------------------------ what the magics print
COLD_ADA = """\
hello ($LATEST)  200 OK  cold start
RequestId: e3458720-defa-4907-8399-193a945dcf86
Response:
  {
    "greeting": "Hello, Ada!"
  }
Logs:
  init
  START RequestId: e3458720-defa-4907-8399-193a945dcf86 Version: $LATEST
  hello Ada
  END RequestId: e3458720-defa-4907-8399-193a945dcf86
  REPORT RequestId: e3458720-defa-4907-8399-193a945dcf86\tDuration: 138.20 ms\tBilled Duration: 289 ms\t\
Memory Size: 128 MB\tMax Memory Used: 40 MB\tInit Duration: 150.00 ms\t
Init 150.00 ms + Duration 138.20 ms -> Billed Duration 289 ms
Max Memory Used 40 MB of 128 MB (31%)
Cost $0.0000008021 list price = request $0.0000002000 + duration $0.0000002896 + INIT $0.0000003125"""


def test_cell_magic_messages(shell):
    assert out(shell, "hello --memory 256", HELLO) == (
        "Created hello: python3.12, 256 MB, timeout 3 s, x86_64, handler lambda_function.lambda_handler.\n")
    assert out(shell, "hello --timeout 9 --reserved 4 --publish", HELLO) == (
        "Updated hello: new code and configuration (timeout=9) for $LATEST; its warm environments were "
        "retired, so the next invocation is a cold start.\n"
        "Published hello version 1.\n"
        "Reserved concurrency of hello: 4.\n")
    assert out(shell, "hello", HELLO).startswith("Updated hello: new code for $LATEST;")


def test_invoke_displays_one_card_whose_text_is_stable(shell):
    run(shell, "hello", HELLO)
    stdout, displayed = run(shell, """invoke hello --event '{"name": "Ada"}'""")
    assert (stdout, displayed) == ("", [COLD_ADA])


def test_invoke_event_from_a_notebook_variable_file_and_template(shell, tmp_path):
    run(shell, "hello", HELLO)
    shell.user_ns["my_event"] = {"name": "Var"}
    assert "Hello, Var!" in run(shell, "invoke hello --event my_event")[1][0]
    event = tmp_path / "event.json"
    event.write_text('{"name": "File"}')
    assert "Hello, File!" in run(shell, f"invoke hello --event-file {event}")[1][0]
    assert "Hello, world!" in run(shell, "invoke hello --template s3 put key=a.jpg")[1][0]


def test_braces_in_a_line_are_not_expanded_by_ipython(shell):
    run(shell, "hello", HELLO)
    shell.user_ns["x"] = "expanded"
    text = run(shell, """invoke hello --event '{"name": "{x}"}'""")[1][0]
    assert "Hello, {x}!" in text


def test_logs(shell):
    run(shell, "hello", HELLO)
    assert out(shell, "logs hello") == "No log events in /aws/lambda/hello yet: invoke the function first.\n"
    run(shell, """invoke hello --event '{"name": "Ada"}'""")
    run(shell, "invoke hello")
    lines = out(shell, "logs hello").splitlines()
    assert len(lines) == 9
    assert lines[0] == "2026-01-01T00:00:00.000Z init"
    assert lines[2] == "2026-01-01T00:00:00.000Z hello Ada"
    assert lines[5].startswith("2026-01-01T00:00:00.288Z START RequestId: ")
    assert out(shell, "logs hello --tail 2").splitlines() == lines[-2:]


def test_ls(shell):
    assert out(shell, "ls") == "No functions yet. Put %%lambda NAME at the top of a cell to make its code a function.\n"
    run(shell, "hello", HELLO)
    run(shell, "world --memory 2048 --arch arm64", HELLO)
    assert out(shell, "ls") == (
        "FunctionName  Runtime     MemorySize  Timeout  Architecture  Handler                         LastModified\n"
        "hello         python3.12  128         3        x86_64        lambda_function.lambda_handler  2026-01-01T00:00:00.000+0000\n"
        "world         python3.12  2048        3        arm64         lambda_function.lambda_handler  2026-01-01T00:00:00.000+0000\n")


def test_config_show_and_change(shell):
    run(shell, "hello --env AA=1 BB=2", HELLO)
    shown = out(shell, "config hello")
    assert shown.splitlines()[:8] == [
        "FunctionName      hello",
        "FunctionArn       arn:aws:lambda:us-east-1:123456789012:function:hello",
        "Version           $LATEST",
        "Runtime           python3.12",
        "Handler           lambda_function.lambda_handler",
        "MemorySize        128",
        "Timeout           3",
        "EphemeralStorage  512"]
    assert "Environment       AA=1, BB=2\n" in shown
    assert out(shell, "config hello --memory 512 --env CC=3") == (
        "Updated hello: MemorySize 128 -> 512; Environment AA=1, BB=2 -> CC=3. The warm environments of "
        "$LATEST were retired, so the next invocation is a cold start.\n")


def test_publish_alias_concurrency_messages(shell):
    run(shell, "hello", HELLO)
    assert out(shell, "publish hello").startswith("Published hello version 1 (CodeSha256 ")
    run(shell, "hello", HELLO.replace("Hello", "Howdy"))
    run(shell, "publish hello")
    assert out(shell, "alias hello") == "hello has no aliases.\n"
    assert out(shell, "alias hello live 1") == "hello:live -> version 1\n"
    assert out(shell, "alias hello live --weight 2=0.1") == "hello:live -> version 1, 10% to version 2\n"
    assert out(shell, "alias hello live") == "hello:live -> version 1, 10% to version 2\n"
    assert out(shell, "alias hello beta 2") == "hello:beta -> version 2\n"
    assert out(shell, "alias hello") == "hello:beta -> version 2\nhello:live -> version 1, 10% to version 2\n"
    assert out(shell, "alias hello beta --delete") == "Deleted alias hello:beta.\n"
    assert out(shell, "concurrency hello") == (
        "hello: no reserved concurrency; it shares the account's unreserved pool (1000 in all).\n")
    assert out(shell, "concurrency hello 10") == "hello: reserved concurrency 10.\n"
    assert out(shell, "concurrency hello 0") == "hello: reserved concurrency 0 (throttled: every invocation is rejected).\n"
    assert out(shell, "concurrency hello --delete").startswith("hello: no reserved concurrency")


def test_bill(shell):
    assert out(shell, "bill") == "No invocations yet, so nothing to bill.\n"
    run(shell, "hello", HELLO)
    run(shell, "other", HELLO)
    run(shell, "invoke hello")
    run(shell, "invoke other")
    assert out(shell, "bill") == Bill.from_records(rt().records).render() + "\n"
    assert out(shell, "bill hello") == Bill.from_records(rt().records[:1]).render() + "\n"


def test_reset_clock_advance_delete_messages(shell):
    run(shell, "hello", HELLO)
    run(shell, "invoke hello")
    assert out(shell, "clock") == "The virtual clock is at 2026-01-01T00:00:00.288Z.\n"
    assert out(shell, "advance 20m") == "Virtual clock now 2026-01-01T00:20:00.288Z; 1 idle environment reclaimed.\n"
    assert out(shell, "advance 1s") == "Virtual clock now 2026-01-01T00:20:01.288Z; 0 idle environments reclaimed.\n"
    run(shell, "publish hello")
    run(shell, "alias hello live 1")
    assert out(shell, "clock virtual --seed 2") == (
        "Switched to the virtual clock (seed 2): kept hello ($LATEST code and configuration); "
        "not carried over: hello version 1, alias hello:live.\n")
    assert out(shell, "clock") == "The virtual clock is at 2026-01-01T00:00:00.000Z.\n"
    run(shell, "world", HELLO)
    assert out(shell, "reset --seed 1") == "A fresh local Lambda on the virtual clock (seed 1); 2 functions removed.\n"
    assert out(shell, "clock real") == "Switched to the real clock: no functions to keep.\n"
    assert out(shell, "clock").startswith("The real clock is at 20")
    run(shell, "hello", HELLO)
    assert out(shell, "delete hello") == "Deleted hello.\n"


@pytest.mark.parametrize("line", ["", "--help", "invoke --help", "config -h", "bill --help"])
def test_help_prints_usage_and_changes_nothing(shell, runtime, line):
    before = state(runtime)
    stdout = out(shell, line)
    assert stdout.startswith("usage: %lambda")
    assert state(runtime) == before


def test_cell_help(shell, runtime):
    assert out(shell, "--help", "ignored").startswith("usage: %%lambda")
    assert out(shell, "hello --help", HELLO).startswith("usage: %%lambda")
    assert runtime.list_functions() == []


def test_magic_docstring_is_its_help(shell):
    assert "%lambda --help" in shell.find_line_magic("lambda").__doc__


# ----------------------------------------------------------- bad input
BAD_LINES = [
    ("invoke nope", "ResourceNotFoundException: Function not found: "
                    "arn:aws:lambda:us-east-1:123456789012:function:nope"),
    ("invoke hello --qualifier 7", "ResourceNotFoundException: Function not found: "
                                   "arn:aws:lambda:us-east-1:123456789012:function:hello:7"),
    ("invoke hello --event '{\"name\": }'", "InvalidRequestContentException: Could not parse request body into "
                                           "json: Expecting value: line 1 column 10 (char 9) "
                                           "(in a magic line, put the JSON in single quotes)"),
    ("invoke hello --event undefined_name", "%lambda invoke: --event undefined_name is neither JSON nor the "
                                            "name of a variable in this notebook"),
    ("invoke hello --event-file /nonexistent.json", "%lambda invoke: --event-file /nonexistent.json: "
                                                    "No such file or directory"),
    ("invoke hello --colour red", "%lambda invoke: unrecognized arguments: --colour red "
                                  "(see %lambda invoke --help)"),
    ("invok hello", f"%lambda: unknown subcommand 'invok'; choose from {', '.join(SUBCOMMANDS)} "
                    "(see %lambda --help)"),
    ("logs nope", "ResourceNotFoundException: The specified log group does not exist."),
    ("config nope", "ResourceNotFoundException: Function not found: "
                    "arn:aws:lambda:us-east-1:123456789012:function:nope"),
    ("config hello --memory 64", "ValidationException: 1 validation error detected: Value '64' at 'memorySize' "
                                 "failed to satisfy constraint: Member must have value greater than or equal to 128"),
    ("config hello --memory 10241", "ValidationException: 1 validation error detected: Value '10241' at "
                                    "'memorySize' failed to satisfy constraint: Member must have value less than "
                                    "or equal to 10240"),
    ("config hello --timeout 901", "ValidationException: 1 validation error detected: Value '901' at 'timeout' "
                                   "failed to satisfy constraint: Member must have value less than or equal to 900"),
    ("config hello --arch x86", "ValidationException: 1 validation error detected: Value '[x86]' at "
                                "'architectures' failed to satisfy constraint: Member must satisfy constraint: "
                                "[Member must satisfy enum value set: [x86_64, arm64]]"),
    ("config hello --env AWS_REGION=eu-west-1", "InvalidParameterValueException: Lambda was unable to configure "
                                                "your environment variables because the environment variables you "
                                                "have provided contains reserved keys"),
    ("config hello --memory many", "%lambda config: argument --memory: invalid int value: 'many'"),
    ("publish nope", "ResourceNotFoundException: Function not found: "
                     "arn:aws:lambda:us-east-1:123456789012:function:nope"),
    ("alias hello live", "ResourceNotFoundException: Alias not found: "
                         "arn:aws:lambda:us-east-1:123456789012:function:hello:live"),
    ("alias hello live --weight 1=0.5", "%lambda alias: hello:live does not exist yet; give the VERSION it points to"),
    ("alias hello live 9", "ResourceNotFoundException"),
    ("alias hello live --delete", "ResourceNotFoundException: Alias not found: "
                                  "arn:aws:lambda:us-east-1:123456789012:function:hello:live"),
    ("concurrency nope 3", "ResourceNotFoundException: Function not found: "
                           "arn:aws:lambda:us-east-1:123456789012:function:nope"),
    ("concurrency hello -1", "InvalidParameterValueException: ReservedConcurrentExecutions must be a "
                             "non-negative integer."),
    ("concurrency hello 950", "InvalidParameterValueException: Specified ReservedConcurrentExecutions for function "
                              "decreases account's UnreservedConcurrentExecution below its minimum value of [100]."),
    ("bill nope", "ResourceNotFoundException: Function not found: "
                  "arn:aws:lambda:us-east-1:123456789012:function:nope"),
    ("advance later", "%lambda advance: 'later' is not a duration such as 30s, 10m, 2h or 500ms"),
    ("clock sundial", "%lambda clock: argument clock: invalid choice: 'sundial' (choose from 'virtual', 'real')"),
    ("delete nope", "ResourceNotFoundException: Function not found: "
                    "arn:aws:lambda:us-east-1:123456789012:function:nope"),
    ("delete hello --qualifier 3", "ResourceNotFoundException"),
]


@pytest.fixture
def deployed(shell, runtime):
    """A function with an invocation, a version and reserved concurrency: what must survive."""
    run(shell, "hello --memory 256", HELLO)
    run(shell, "invoke hello")
    run(shell, "publish hello")
    run(shell, "concurrency hello 5")
    return state(runtime)


@pytest.mark.parametrize("line, message", BAD_LINES, ids=[line for line, _ in BAD_LINES])
def test_bad_line_is_one_line_and_loses_nothing(shell, runtime, deployed, line, message):
    with pytest.raises(CommandError) as caught:
        shell.run_cell(f"%lambda {line}")
    assert str(caught.value).startswith(message), str(caught.value)
    assert "\n" not in str(caught.value)
    assert state(runtime) == deployed
    assert "Hello, Ada!" in run(shell, """invoke hello --event '{"name": "Ada"}'""")[1][0]


BAD_CELLS = [
    ("hello --memory 64", HELLO, "ValidationException: 1 validation error detected: Value '64' at 'memorySize'"),
    ("fresh --memory 64", HELLO, "ValidationException: 1 validation error detected: Value '64' at 'memorySize'"),
    ("fresh --env 1A=x", HELLO, "ValidationException: 1 validation error detected: Value '{1A=x}' at "
                               "'environment.variables' failed to satisfy constraint"),
    ("bad_name! ", HELLO, "ValidationException: 1 validation error detected: Value 'bad_name!' at 'functionName'"),
    ("hello --timeout", HELLO, "%%lambda: argument --timeout: expected one argument"),
    ("hello --env DEBUG", HELLO, "--env expects KEY=VALUE, got 'DEBUG'"),
    ("hello", "\n\n", "%%lambda hello: the cell is empty"),
    ("", HELLO, "%%lambda: the following arguments are required: NAME"),
]


@pytest.mark.parametrize("line, cell, message", BAD_CELLS, ids=[line or "(no name)" for line, _, _ in BAD_CELLS])
def test_bad_cell_is_one_line_and_loses_nothing(shell, runtime, deployed, line, cell, message):
    with pytest.raises(CommandError) as caught:
        shell.run_cell(f"%%lambda {line}\n{cell}")
    assert str(caught.value).startswith(message), str(caught.value)
    assert state(runtime) == deployed


def test_syntax_error_in_the_cell_surfaces_at_invoke_as_on_aws(shell):
    run(shell, "hello", "def lambda_handler(event, context)\n    return 1\n")
    text = run(shell, "invoke hello")[1][0]
    assert "FunctionError: Unhandled (Runtime.UserCodeSyntaxError)" in text


def test_error_shows_as_one_line_without_traceback(runtime):
    """In an ordinary shell (errors not re-raised) the user sees exactly the message."""
    plain = InteractiveShell()
    plain.history_manager.enabled = False
    plain.run_line_magic("load_ext", "lambdakit")
    with capture_output() as captured:
        result = plain.run_cell("%lambda invoke nope")
    assert isinstance(result.error_in_exec, CommandError)
    assert captured.stdout.strip() == ("ResourceNotFoundException: Function not found: "
                                       "arn:aws:lambda:us-east-1:123456789012:function:nope")
    assert "Traceback" not in captured.stdout + captured.stderr


# ---------------------------------------------------------- the extension
def test_notebook_load_ext_is_silent_in_the_lambdakit_kernel(shell):
    """The kernel loads `lambdakit.notebook.magics`; a lesson's own `%load_ext lambdakit` then prints nothing."""
    shell.extension_manager.loaded.discard("lambdakit")
    with capture_output() as captured:
        shell.extension_manager.load_extension("lambdakit.notebook.magics")
        shell.run_line_magic("load_ext", "lambdakit")
        shell.run_line_magic("reload_ext", "lambdakit")
    assert (captured.stdout, captured.stderr, captured.outputs) == ("", "", [])
    assert "Hello, world!" in (run(shell, "hello", HELLO), run(shell, "invoke hello"))[1][1][0]


def test_importing_lambdakit_loads_no_widgets():
    import subprocess
    import sys
    code = ("import sys, lambdakit; print(sorted(m for m in ('ipywidgets', 'plotly', 'IPython', 'lambdakit.notebook.magics') "
            "if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_boto3_in_the_kernel_reaches_the_default_runtime(shell, runtime, monkeypatch):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    default.set_default_runtime(runtime)  # what a kernel does with each new default runtime
    assert os.environ["AWS_ENDPOINT_URL_LAMBDA"] == runtime.endpoint_url
    assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
    run(shell, "hello", HELLO)
    response = boto3.client("lambda").invoke(FunctionName="hello", Payload=json.dumps({"name": "boto3"}))
    assert json.loads(response["Payload"].read()) == {"greeting": "Hello, boto3!"}


def test_real_credentials_are_never_shadowed(shell, runtime, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALKEY")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    default.set_default_runtime(runtime)
    assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAREALKEY"
    assert "AWS_DEFAULT_REGION" not in os.environ


def test_use_clock_keeps_the_old_runtime_when_copying_fails(runtime, monkeypatch):
    lambdakit.deploy("hello", HELLO)

    def broken(self, *args, **kwargs):
        raise lambdakit.ResourceConflictException("copy failed")
    monkeypatch.setattr(lambdakit.Runtime, "create_function", broken)
    with pytest.raises(lambdakit.ResourceConflictException):
        lambdakit.use_clock("real")
    assert lambdakit.default_runtime() is runtime
    assert runtime.list_functions()[0]["FunctionName"] == "hello"


# ------------------------------------------------------------------ card
def test_card_widget_text_is_its_twin(runtime):
    lambdakit.deploy("hello", HELLO)
    result = lambdakit.invoke("hello", {"name": "Ada"})
    card = InvocationCard(result)
    bundle = card._repr_mimebundle_()
    assert bundle["text/plain"] == repr(card) == card_text(result) == COLD_ADA
    assert "application/vnd.jupyter.widget-view+json" in bundle
    chart = card.children[5]
    plotted = chart.outputs[0]["data"]["application/vnd.plotly.v1+json"]
    bars = {trace["name"]: round(trace["x"][0], 2) for trace in plotted["data"]}
    assert bars == {"INIT": 150.0, "handler": 138.2, "billed": 289, "used": 40, "size": 88}


def test_card_text_of_a_warm_invocation_has_no_init(runtime):
    lambdakit.deploy("hello", HELLO)
    lambdakit.invoke("hello")
    text = card_text(lambdakit.invoke("hello"))
    assert text.splitlines()[0] == "hello ($LATEST)  200 OK  warm start"
    assert text.splitlines()[-3:] == [
        "Duration 138.20 ms -> Billed Duration 139 ms",
        "Max Memory Used 40 MB of 128 MB (31%)",
        "Cost $0.0000004896 list price = request $0.0000002000 + duration $0.0000002896"]
    assert "Init" not in "\n".join(text.splitlines()[2:])


def test_card_text_clips_long_responses_and_logs(runtime):
    chatty = ("def lambda_handler(event, context):\n"
              "    for i in range(100):\n        print('line', i)\n"
              "    return list(range(100))\n")
    lambdakit.deploy("chatty", chatty)
    text = card_text(lambdakit.invoke("chatty"))
    assert "  ... 42 more lines (the full payload is in .payload)" in text
    assert "  ... 43 earlier lines (%lambda logs chatty)" in text
    assert "  line 99" in text


def test_card_text_of_a_timeout(runtime):
    lambdakit.deploy("slow", "import time\ndef lambda_handler(event, context):\n    time.sleep(5)\n", timeout=1)
    text = card_text(lambdakit.invoke("slow"))
    assert text.splitlines()[0] == "slow ($LATEST)  200 OK  FunctionError: Unhandled (Sandbox.Timedout)  cold start"
    assert "Task timed out after 1.00 seconds" in text
