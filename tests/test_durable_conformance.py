"""AWS's durable execution conformance requirements (tests/durable_conformance/requirements, from
aws-durable-execution-conformance-tests 1.0.0) run against lambdakit by the local runner: every
requirement with a handler must pass, and every suite the issue names must reach 90%."""

import pytest

from tests.durable_conformance import runner

SUITES = ("step", "wait", "callback", "child", "map", "parallel", "invoke", "wait_for_callback",
          "wait_for_condition")


@pytest.fixture(scope="module")
def results():
    return runner.run(SUITES)


@pytest.mark.parametrize("suite", SUITES)
def test_suite_passes(results, suite):
    outcomes, missing = results[suite]
    failures = {o.requirement: o.errors[:3] for o in outcomes if not o.passed}
    assert failures == {}
    assert len(outcomes) >= 0.9 * (len(outcomes) + len(missing))


def test_the_matcher_fails_a_wrong_history():
    expected = [{"EventId": 2, "EventType": "StepStarted", "Id": "${ID1}"},
                {"EventId": 3, "EventType": "StepSucceeded", "Id": "${ID1}",
                 "StepSucceededDetails": {"Result": {"Payload": "${/^\"Hello/}"}}}]
    good = [{"EventId": 2, "EventType": "StepStarted", "Id": "a"},
            {"EventId": 3, "EventType": "StepSucceeded", "Id": "a", "StepSucceededDetails": {"Result": {"Payload": '"Hello"'}}}]
    assert runner.Matcher({}).events(expected, good)
    other_id = [dict(good[0]), dict(good[1], Id="b")]
    assert not runner.Matcher({}).events(expected, other_id)
    wrong_payload = [good[0], dict(good[1], StepSucceededDetails={"Result": {"Payload": '"Bye"'}})]
    assert not runner.Matcher({}).events(expected, wrong_payload)
    assert not runner.Matcher({}).events(expected, good[:1])
