"""Parsing `%lambda` / `%%lambda` lines into typed requests, without a kernel or a runtime."""

import json

import pytest

from lambdakit.notebook import magic_requests as r
from lambdakit.notebook.magic_requests import CommandError, parse_cell, parse_line


@pytest.mark.parametrize("line, expected", [
    ("invoke hello", r.Invoke("hello")),
    ("""invoke hello --event '{"name": "Ada", "n": [1, 2]}'""",
     r.Invoke("hello", {"name": "Ada", "n": [1, 2]})),
    ("invoke hello --event 42", r.Invoke("hello", 42)),
    ("invoke hello --event my_event", r.Invoke("hello", None, "my_event")),
    ("invoke hello:live --async", r.Invoke("hello:live", invocation_type="Event")),
    ("invoke hello --dry-run --qualifier 2", r.Invoke("hello", invocation_type="DryRun", qualifier="2")),
    ("logs hello", r.Logs("hello")),
    ("logs hello --tail 3", r.Logs("hello", 3)),
    ("ls", r.ListFunctions()),
    ("config hello", r.Config("hello")),
    ("config hello --memory 512 --timeout 10 --env A=1 B=x=y --arch arm64 --storage 1024",
     r.Config("hello", r.Settings(memory_size=512, timeout=10, environment=(("A", "1"), ("B", "x=y")),
                                  architecture="arm64", ephemeral_storage=1024))),
    ("config hello --layer L1 --layer L2 --handler app.main --runtime python3.13 --log-format JSON "
     "--description 'my function'",
     r.Config("hello", r.Settings(layers=("L1", "L2"), handler="app.main", runtime="python3.13",
                                  log_format="JSON", description="my function"))),
    ("publish hello", r.Publish("hello")),
    ("publish hello --description 'first cut'", r.Publish("hello", "first cut")),
    ("alias hello", r.Alias("hello")),
    ("alias hello live", r.Alias("hello", "live")),
    ("alias hello live 1 --weight 2=0.1", r.Alias("hello", "live", "1", (("2", 0.1),))),
    ("alias hello live --delete", r.Alias("hello", "live", delete=True)),
    ("concurrency hello", r.Concurrency("hello")),
    ("concurrency hello 5", r.Concurrency("hello", 5)),
    ("concurrency hello --delete", r.Concurrency("hello", delete=True)),
    ("bill", r.Bill()),
    ("bill hello", r.Bill("hello")),
    ("reset", r.Reset()),
    ("reset --clock real --seed 3", r.Reset("real", 3)),
    ("clock", r.Clock()),
    ("clock real", r.Clock("real")),
    ("clock virtual --seed 7", r.Clock("virtual", 7)),
    ("advance 90", r.Advance(90.0)),
    ("advance 10m", r.Advance(600.0)),
    ("advance 1.5h", r.Advance(5400.0)),
    ("advance 250ms", r.Advance(0.25)),
    ("delete hello", r.Delete("hello")),
    ("delete hello --qualifier 1", r.Delete("hello", "1")),
])
def test_line_becomes_request(line, expected):
    assert parse_line(line) == expected


def test_settings_become_api_keywords():
    request = parse_line("config f --memory 256 --env A=1 --layer L")
    assert request.settings.changes() == {"memory_size": 256, "environment": {"A": "1"}, "layers": ["L"]}


def test_cell_becomes_deploy_request():
    request = parse_cell("hello --memory 256 --reserved 2 --publish", "def lambda_handler(e, c):\n    return 1\n")
    assert request == r.Deploy("hello", "def lambda_handler(e, c):\n    return 1\n",
                               r.Settings(memory_size=256), reserved=2, publish=True)


def test_event_file_and_template(tmp_path):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"Records": []}))
    assert parse_line(f"invoke hello --event-file {event}").payload == {"Records": []}
    generated = parse_line("invoke hello --template s3 put bucket=photos key=a.jpg size=2048").payload
    s3 = generated["Records"][0]["s3"]
    assert (s3["bucket"]["name"], s3["object"]["key"], s3["object"]["size"]) == ("photos", "a.jpg", 2048)


@pytest.mark.parametrize("line", ["", "--help", "-h", "help"])
def test_overview_lists_every_subcommand(line):
    text = parse_line(line).text
    assert text.startswith("usage: %lambda SUBCOMMAND [options]")
    for name in r.SUBCOMMANDS:
        assert f"\n  {name} " in text


@pytest.mark.parametrize("name", sorted(r.SUBCOMMANDS))
def test_each_subcommand_has_help(name):
    for flag in ("--help", "-h"):
        text = parse_line(f"{name} {flag}").text
        assert text.startswith(f"usage: %lambda {name}")
        assert "-h, --help" in text


def test_cell_help_wins_over_missing_name_and_empty_cell():
    text = parse_cell("--help", "").text
    assert text.startswith("usage: %%lambda")
    assert "--memory MB" in text and "UpdateFunctionCode" in text


@pytest.mark.parametrize("line, message", [
    ("frobnicate", "%lambda: unknown subcommand 'frobnicate'; choose from invoke, logs, ls, config,"),
    ("invoke", "%lambda invoke: the following arguments are required: NAME (see %lambda invoke --help)"),
    ("invoke hello --memory 3", "%lambda invoke: unrecognized arguments: --memory 3"),
    ("invoke hello --event '{bad'", "InvalidRequestContentException: Could not parse request body into json: "
                                    "Expecting property name enclosed in double quotes"),
    ("invoke hello --event {a:1}", "InvalidRequestContentException: Could not parse request body into json"),
    ("invoke hello --event '{\"a\": 1}", "%lambda: cannot split the line into arguments: No closing quotation"),
    ("invoke hello --event 1 --event-file e.json",
     "%lambda invoke: give one of --event, --event-file, --template, not --event and --event-file"),
    ("invoke hello --async --dry-run", "%lambda invoke: give one of --async, --dry-run"),
    ("invoke hello --event-file /nonexistent/e.json",
     "%lambda invoke: --event-file /nonexistent/e.json: No such file or directory"),
    ("invoke hello --template s3", "%lambda invoke: --template needs SERVICE KIND"),
    ("invoke hello --template s3 upload", "%lambda invoke: --template s3 upload: No event s3 upload."),
    ("invoke hello --template s3 put color=red",
     "%lambda invoke: --template s3 put: _notification() got an unexpected keyword argument 'color'"),
    ("invoke hello --template s3 put key", "--template expects KEY=VALUE, got 'key'"),
    ("config hello --memory lots", "%lambda config: argument --memory: invalid int value: 'lots'"),
    ("config hello --env DEBUG", "--env expects KEY=VALUE, got 'DEBUG'"),
    ("config hello --env =1", "--env expects KEY=VALUE, got '=1'"),
    ("logs hello --tail 0", "%lambda logs: --tail must be at least 1"),
    ("alias hello live 1 --weight 2=lots", "--weight '2=lots': 'lots' is not a number"),
    ("alias hello --weight 2=0.1", "%lambda alias: --weight and --description need NAME ALIAS"),
    ("alias hello live 1 --delete", "%lambda alias: --delete takes NAME ALIAS and nothing else"),
    ("concurrency hello 5 --delete", "%lambda concurrency: give N or --delete, not both"),
    ("concurrency hello many", "%lambda concurrency: argument N: invalid int value: 'many'"),
    ("clock sundial", "%lambda clock: argument clock: invalid choice: 'sundial'"),
    ("reset --clock lunar", "%lambda reset: argument --clock: invalid choice: 'lunar'"),
    ("advance soon", "%lambda advance: 'soon' is not a duration such as 30s, 10m, 2h or 500ms"),
    ("ls extra", "%lambda ls: unrecognized arguments: extra"),
])
def test_bad_line_is_one_clear_error(line, message):
    with pytest.raises(CommandError) as caught:
        parse_line(line)
    text = str(caught.value)
    assert text.startswith(message), text
    assert "\n" not in text
    assert caught.value._render_traceback_() == [text]


@pytest.mark.parametrize("line, cell, message", [
    ("", "x = 1", "%%lambda: the following arguments are required: NAME"),
    ("hello", "  \n", "%%lambda hello: the cell is empty; write the handler code below the %%lambda line"),
    ("hello --memory", "x = 1", "%%lambda: argument --memory: expected one argument"),
    ("hello --reserved -", "x = 1", "%%lambda: argument --reserved: invalid int value: '-'"),
    ("hello --colour red", "x = 1", "%%lambda: unrecognized arguments: --colour red"),
])
def test_bad_cell_line_is_one_clear_error(line, cell, message):
    with pytest.raises(CommandError, match="^" + message.replace("-", r"\-")):
        parse_cell(line, cell)
