"""Logs as CloudWatch shows them: START/END/REPORT in AWS's exact format, print and logging
output per request, the JSON log format, log groups and one stream per environment."""

import json
import math
import re

import pytest

from lambdakit import layers

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"

WORKS = """
from lambdakit import work

def lambda_handler(event, context):
    work(cpu_ms=event.get("cpu_ms", 0))
    return "done"
"""


def test_start_end_report_on_a_cold_then_a_warm_invoke(virtual):
    virtual.create_function("f", WORKS, memory_size=1_769)  # one full vCPU: cpu_ms is wall time
    cold = virtual.invoke("f", {"cpu_ms": 2.21})
    warm = virtual.invoke("f", {"cpu_ms": 0.4})
    rid = cold.request_id
    assert cold.log == (f"START RequestId: {rid} Version: $LATEST\n"
                        f"END RequestId: {rid}\n"
                        f"REPORT RequestId: {rid}\tDuration: 2.21 ms\tBilled Duration: 153 ms\tMemory Size: 1769 MB\t"
                        "Max Memory Used: 40 MB\tInit Duration: 150.00 ms\t\n")
    rid = warm.request_id
    assert warm.log == (f"START RequestId: {rid} Version: $LATEST\n"
                        f"END RequestId: {rid}\n"
                        f"REPORT RequestId: {rid}\tDuration: 0.40 ms\tBilled Duration: 1 ms\tMemory Size: 1769 MB\t"
                        "Max Memory Used: 40 MB\t\n")
    assert (cold.record.billed_ms, warm.record.billed_ms) == (153, 1)


def test_report_line_format_on_the_real_clock(real):
    real.create_function("f", WORKS, memory_size=256)
    cold, warm = real.invoke("f", {}), real.invoke("f", {})
    number = r"\d+\.\d{2}"
    assert re.fullmatch(rf"REPORT RequestId: {UUID}\tDuration: {number} ms\tBilled Duration: \d+ ms\t"
                        rf"Memory Size: 256 MB\tMax Memory Used: \d+ MB\tInit Duration: {number} ms\t", cold.report)
    assert re.fullmatch(rf"REPORT RequestId: {UUID}\tDuration: {number} ms\tBilled Duration: \d+ ms\t"
                        rf"Memory Size: 256 MB\tMax Memory Used: \d+ MB\t", warm.report)
    record = warm.record
    assert f"\tDuration: {record.duration_ms:.2f} ms\tBilled Duration: {record.billed_ms} ms\t" in warm.report
    assert record.billed_ms == max(1, math.ceil(record.duration_ms))


PRINTS_AND_LOGS = """
import logging, sys

logger = logging.getLogger()
logging.warning("at init")

def lambda_handler(event, context):
    print("first line")
    print("two\\nlines")
    sys.stderr.write("to stderr\\n")
    logger.info("not shown: the root level is WARNING")
    logger.warning("shown: %s", event["word"])
    logging.getLogger("app.db").error("from a named logger")
    if event.get("verbose"):
        logger.setLevel(logging.INFO)
        logger.info("shown once the level is INFO")
    return "ok"
"""


def test_print_and_logging_output(virtual):
    virtual.create_function("f", PRINTS_AND_LOGS)
    result = virtual.invoke("f", {"word": "hello"})
    rid = result.request_id
    assert result.log.splitlines()[:8] == [
        "[WARNING]\t2026-01-01T00:00:00.000Z\t\tat init",  # INIT has no request id yet
        f"START RequestId: {rid} Version: $LATEST",
        "first line", "two", "lines", "to stderr",
        f"[WARNING]\t2026-01-01T00:00:00.150Z\t{rid}\tshown: hello",
        f"[ERROR]\t2026-01-01T00:00:00.150Z\t{rid}\tfrom a named logger",
    ]
    assert "not shown" not in result.log
    verbose = virtual.invoke("f", {"word": "again", "verbose": True})
    assert re.search(rf"^\[INFO\]\t\S+Z\t{verbose.request_id}\tshown once the level is INFO$", verbose.log, re.M)


LOGS_JSON = """
import logging

logger = logging.getLogger()

def lambda_handler(event, context):
    print("plain print")
    logger.info("hello %s", "json")
    logger.info({"order": 42, "items": ["a"]})
    logger.warning("with extra", extra={"orderId": 7, "when": object})
    logger.debug("not shown at the default INFO level")
    try:
        1 / 0
    except ZeroDivisionError:
        logger.exception("division failed")
    return "ok"
"""


def json_lines(log):
    return [json.loads(line) for line in log.splitlines() if line.startswith("{")]


def test_json_log_format(virtual):
    virtual.create_function("f", LOGS_JSON, log_format="JSON")
    result = virtual.invoke("f", {})
    rid = result.request_id
    assert "plain print" in result.log.splitlines()  # print output stays plain text
    start, hello, as_dict, extra, failed, report = json_lines(result.log)
    assert start == {"time": "2026-01-01T00:00:00.150Z", "type": "platform.start",
                     "record": {"requestId": rid, "version": "$LATEST"}}
    assert hello == {"timestamp": "2026-01-01T00:00:00Z", "level": "INFO", "message": "hello json",
                     "logger": "root", "requestId": rid}
    assert list(hello) == ["timestamp", "level", "message", "logger", "requestId"]
    assert as_dict["message"] == {"order": 42, "items": ["a"]}
    assert (extra["orderId"], extra["when"]) == (7, "<class 'object'>")
    assert list(failed) == ["timestamp", "level", "message", "logger", "stackTrace", "errorType", "errorMessage",
                            "requestId", "location"]
    assert (failed["level"], failed["errorType"], failed["errorMessage"]) == ("ERROR", "ZeroDivisionError",
                                                                             "division by zero")
    assert failed["location"] == "/var/task/lambda_function.py:lambda_handler:15"
    assert "not shown" not in result.log
    used = report["record"]["metrics"]["maxMemoryUsedMB"]
    assert used == result.record.max_memory_used_mb >= 40
    assert report == {"time": "2026-01-01T00:00:00.150Z", "type": "platform.report", "record": {
        "requestId": rid, "metrics": {"durationMs": 0.0, "billedDurationMs": 150, "memorySizeMB": 128,
                                      "maxMemoryUsedMB": used, "initDurationMs": 150.0}, "status": "success"}}
    assert result.report == result.log.splitlines()[-1]
    assert "END RequestId" not in result.log and "REPORT RequestId" not in result.log


AGAINST_AWSLAMBDARIC = """
import logging
from awslambdaric.lambda_runtime_log_utils import JsonFormatter as AwsJsonFormatter

def lambda_handler(event, context):
    ours = logging.getLogger().handlers[-1]
    theirs = AwsJsonFormatter()
    logger = logging.getLogger("app")
    records = [
        logger.makeRecord("app", logging.INFO, "/var/task/x.py", 3, "plain %s", ("text",), None),
        logger.makeRecord("app", 25, "/var/task/x.py", 3, {"a": "ü"}, None, None),
        logger.makeRecord("app", logging.ERROR, "/var/task/x.py", 3, "extra", None, None,
                          extra={"n": 1, "obj": object()}),
    ]
    try:
        raise KeyError("k")
    except KeyError:
        import sys
        records.append(logger.makeRecord("app", logging.ERROR, "/var/task/x.py", 9, "boom", None, sys.exc_info(),
                                         func="f"))
    pairs = []
    for record in records:
        ours.filter(record)
        pairs.append([ours.format(record), theirs.format(record)])
    return pairs
"""


def test_json_records_match_awslambdaric(virtual):
    # The oracle, a test dependency of this checkout, reaches the sandboxed handler in a layer.
    oracle = virtual.publish_layer_version("awslambdaric", layers.installed_layer("awslambdaric"))
    virtual.create_function("f", AGAINST_AWSLAMBDARIC, log_format="JSON", layers=[oracle["LayerVersionArn"]])
    pairs = virtual.invoke("f", {}).result
    assert len(pairs) == 4
    for ours, theirs in pairs:
        assert ours == theirs


UNHANDLED = "def lambda_handler(event, context):\n    raise ValueError('oops')\n"


def test_json_error_record(virtual):
    virtual.create_function("f", UNHANDLED, log_format="JSON")
    result = virtual.invoke("f", {})
    error = next(line for line in json_lines(result.log) if line.get("level") == "ERROR")
    assert list(error) == ["timestamp", "level", "errorMessage", "errorType", "requestId", "stackTrace"]
    assert (error["timestamp"], error["errorMessage"], error["requestId"]) == (
        "2026-01-01T00:00:00Z", "oops", result.request_id)


def test_report_status_in_json(virtual):
    virtual.create_function("f", "import os\ndef lambda_handler(e, c):\n    os._exit(2)\n", log_format="JSON")
    record = json.loads(virtual.invoke("f", {}).report)["record"]
    assert (record["status"], record["errorType"]) == ("error", "Runtime.ExitError")


STREAM = re.compile(r"2026/01/01/\[\$LATEST\][0-9a-f]{32}")


def test_log_group_and_one_stream_per_environment(virtual):
    virtual.create_function("f", "def lambda_handler(event, context):\n    print(event['n'])\n")
    for n in range(3):
        virtual.invoke("f", {"n": n})
    virtual.update_function_configuration("f", description="new environment, new stream")
    virtual.invoke("f", {"n": 3})
    streams = virtual.logs.streams("/aws/lambda/f")
    assert len(streams) == 2 and all(STREAM.fullmatch(s) for s in streams)
    assert [e.log_stream for e in virtual.environments("f")] == [streams[1]]
    printed = [e.message for e in virtual.log_events("f") if e.message.isdigit()]
    assert printed == ["0", "1", "2", "3"]
    assert [e.message for e in virtual.log_events("f", streams[1]) if e.message.isdigit()] == ["3"]
    assert all(e.timestamp_ms >= 1767225600000 for e in virtual.log_events("f"))
    virtual.delete_function("f")
    assert virtual.logs.streams("/aws/lambda/f") == []


def test_log_tail_is_the_last_4_kb(virtual):
    virtual.create_function("f", "def lambda_handler(event, context):\n    print('z' * 10000)\n")
    result = virtual.invoke("f", {})
    assert len(result.log_tail.encode()) <= 4096
    assert result.log_tail.endswith(result.report + "\n")


def test_init_error_logs_the_lambda_warning_without_request_id(virtual):
    virtual.create_function("f", "import missing_module_x\n")
    result = virtual.invoke("f", {})
    warning = result.log.splitlines()[0]
    assert re.fullmatch(r"\[WARNING\]\t2026-01-01T00:00:00\.000Z\t\tLAMBDA_WARNING: Unhandled exception\. "
                        r"The most likely cause is an issue in the function code\. .*", warning)
    error = next(e.message for e in virtual.log_events("f") if e.message.startswith("[ERROR]"))
    assert error == ("[ERROR] Runtime.ImportModuleError: Unable to import module 'lambda_function': "
                     "No module named 'missing_module_x'\nTraceback (most recent call last):")


@pytest.mark.parametrize("fmt", ["Text", "JSON"])
def test_log_format_shows_in_the_configuration(virtual, fmt):
    config = virtual.create_function("f", WORKS, log_format=fmt)
    assert config["LoggingConfig"] == {"LogFormat": fmt, "LogGroup": "/aws/lambda/f"}


def test_log_streams_are_bounded(virtual, monkeypatch):
    monkeypatch.setattr("lambdakit.runtime.logs.STREAM_CHARS_KEPT", 50_000)
    virtual.create_function("f", "def lambda_handler(event, context):\n    print(str(event['n']) * 10_000)\n")
    for n in range(10):
        virtual.invoke("f", {"n": n})
    kept = virtual.log_events("f")
    assert sum(len(e.message) for e in kept) <= 50_000
    assert kept[-1].message.startswith("REPORT") and "9" * 10_000 in [e.message for e in kept]
    assert "0" * 10_000 not in [e.message for e in kept]  # the oldest went first
