"""The proof that lambdakit's own Python runtime is faithful: the same handlers run through the
Lambda Runtime API with AWS's own runtime interface client (awslambdaric, PyPI) give the same
payloads, errors and log lines (request ids, timestamps and timings aside)."""

import re

import pytest

import lambdakit

pytest.importorskip("awslambdaric")

HANDLERS = {
    "returns": ("import json\n\ndef lambda_handler(event, context):\n"
                "    print('event', json.dumps(event, sort_keys=True))\n"
                "    return {'event': event, 'name': context.function_name, 'memory': context.memory_limit_in_mb,\n"
                "            'arn': context.invoked_function_arn, 'left': context.get_remaining_time_in_millis() > 0}\n"),
    "logs": ("import logging\nlogger = logging.getLogger()\nlogger.setLevel(logging.INFO)\n\n"
             "def lambda_handler(event, context):\n    logger.info('info %s', event)\n"
             "    logger.warning('careful')\n    return None\n"),
    "raises": ("def helper(n):\n    raise ValueError(f'bad value {n}')\n\n"
               "def lambda_handler(event, context):\n    return helper(event['n'])\n"),
    "unserializable": "def lambda_handler(event, context):\n    return {1, 2}\n",
    "decimal": "import decimal\n\ndef lambda_handler(event, context):\n    return {'d': decimal.Decimal('1.5')}\n",
    "init_fails": "raise RuntimeError('no config')\n\ndef lambda_handler(event, context):\n    return 1\n",
    "no_handler": "def other(event, context):\n    return 1\n",
    "import_error": "import not_a_module_anywhere\n\ndef lambda_handler(event, context):\n    return 1\n",
}
_VARIABLE = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<request id>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"), "<time>"),
    (re.compile(r"\tDuration: .*"), "\t<figures>"),
]


def normalised(log):
    """The log with what varies run to run blanked, and lambdakit's own hint lines (which say
    what to install) left out: they are not AWS's."""
    log = "".join(line for line in log.splitlines(keepends=True) if not line.startswith("[lambdakit] "))
    for pattern, replacement in _VARIABLE:
        log = pattern.sub(replacement, log)
    return log


@pytest.fixture(scope="module")
def both():
    runtimes = [lambdakit.Runtime(clock="real"), lambdakit.Runtime(clock="real", python_runtime_api=True)]
    for runtime in runtimes:
        for name, code in HANDLERS.items():
            runtime.create_function(name, code)
    yield runtimes
    for runtime in runtimes:
        runtime.close()


@pytest.mark.parametrize("name", sorted(HANDLERS))
def test_same_results_either_way(both, name):
    event = {"n": 7, "text": "héllo"}
    own, ric = (runtime.invoke(name, event) for runtime in both)
    assert own.function_error == ric.function_error
    if own.function_error:
        own_error, ric_error = own.result, ric.result
        for error, invoked in ((own_error, own), (ric_error, ric)):  # INIT errors carry none
            assert error.pop("requestId", invoked.request_id) in (invoked.request_id, "")
        assert own_error == ric_error
    else:
        assert own.payload == ric.payload
    assert normalised(own.log) == normalised(ric.log)


def test_warm_invocations_agree_too(both):
    own, ric = ([runtime.invoke("returns", {"i": i}) for i in range(3)] for runtime in both)
    assert [r.payload for r in own] == [r.payload for r in ric]
    assert [r.record.cold for r in own] == [r.record.cold for r in ric]
