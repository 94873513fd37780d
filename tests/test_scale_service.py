"""Concurrency in the service, pinned with exact numbers on the virtual clock: the account
limit, reserved concurrency (0 throttles everything; the unreserved pool keeps 100),
provisioned concurrency on versions and aliases (initialised ahead of traffic, never cold,
overflow on-demand), and the 429 a synchronous caller gets. The REST operations are driven
through an unmodified boto3 client."""

import pytest

from lambdakit import (InvalidParameterValueException, ResourceNotFoundException, TooManyRequestsException,
                       load_test)
from lambdakit.core import records
from lambdakit.core.errors import ProvisionedConcurrencyConfigNotFoundException
from loopback import lambda_client

RESERVED = "ReservedFunctionConcurrentInvocationLimitExceeded"
ACCOUNT = "ConcurrentInvocationLimitExceeded"

# 100 ms of declared waiting: on the virtual clock every invocation takes exactly this long.
SLOW = """
import os
from lambdakit import work

KIND = os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"]
print("INIT", KIND)

def lambda_handler(event, context):
    work(io_ms=100)
    return {"initialization": KIND, "version": context.function_version}
"""


def outcomes(result):
    return sorted((r.outcome, r.error_type, r.cold) for r in result.records)


# ------------------------------------------------------------------- reserved
def test_reserved_10_and_100_concurrent_requests_give_exactly_90_throttles(virtual):
    virtual.create_function("api", SLOW)
    virtual.put_function_concurrency("api", 10)
    run = load_test("api", concurrency=100, n=100, runtime=virtual).result()
    assert run.requests == len(run.records) == 100
    assert run.throttles_by_reason == {RESERVED: 90}
    assert outcomes(run) == [("ok", None, True)] * 10 + [("throttled", RESERVED, False)] * 90
    # Throttled attempts never reached an environment and cost nothing.
    throttled = [r for r in run.records if r.outcome == records.THROTTLED]
    assert {(r.environment_id, r.billed_ms, r.duration_ms) for r in throttled} == {(None, 0, 0.0)}
    assert len(virtual.environments("api")) == 10
    # The 10 executions end 250 ms in (150 ms INIT + 100 ms); from then on there is room again.
    assert run.elapsed_s == 0.25
    again = load_test("api", concurrency=10, n=10, runtime=virtual).result()
    assert outcomes(again) == [("ok", None, False)] * 10


def test_a_synchronous_invoke_over_the_limit_is_a_429_and_leaves_a_throttled_record(virtual):
    virtual.create_function("api", SLOW)
    virtual.put_function_concurrency("api", 1)
    at = virtual.clock.now_ms()
    first = virtual.invoke_at("api", {}, at)
    with pytest.raises(TooManyRequestsException) as caught:
        virtual.invoke_at("api", {}, at + 249)   # the first execution runs until at + 250
    assert (caught.value.status, caught.value.message, caught.value.fields) == (429, "Rate Exceeded.",
                                                                              {"Reason": RESERVED})
    assert caught.value.to_body() == {"Type": "User", "message": "Rate Exceeded.", "Reason": RESERVED}
    throttled = virtual.records[-1]
    assert (throttled.request_id, throttled.outcome, throttled.start_ms) == (
        caught.value.request_id, records.THROTTLED, at + 249)
    assert virtual.invoke_at("api", {}, at + 250).record.environment_id == first.record.environment_id


def test_reserved_concurrency_0_throttles_every_invocation(virtual):
    virtual.create_function("off", SLOW)
    virtual.put_function_concurrency("off", 0)
    run = load_test("off", concurrency=5, n=5, runtime=virtual).result()
    assert outcomes(run) == [("throttled", RESERVED, False)] * 5
    assert virtual.environments("off") == []


def test_the_account_limit_is_a_setting_of_the_runtime(make_runtime):
    small = make_runtime(clock="virtual", account_concurrency=20)
    assert small.account_concurrency == 20
    limit = small.get_account_settings()["AccountLimit"]
    assert (limit["ConcurrentExecutions"], limit["UnreservedConcurrentExecutions"]) == (20, 20)
    small.create_function("api", SLOW)
    run = load_test("api", concurrency=25, n=25, runtime=small).result()
    assert run.throttles_by_reason == {ACCOUNT: 5}
    assert len([r for r in run.records if r.outcome == "ok"]) == 20
    # Under 100, an account's minimum unreserved concurrency is its whole limit.
    with pytest.raises(InvalidParameterValueException, match=r"below its minimum value of \[20\]"):
        small.put_function_concurrency("api", 1)


def test_reservations_never_leave_less_than_100_unreserved(make_runtime):
    runtime = make_runtime(clock="virtual", account_concurrency=105)
    runtime.create_function("a", SLOW)
    runtime.create_function("b", SLOW)
    runtime.put_function_concurrency("a", 5)
    assert runtime.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 100
    with pytest.raises(InvalidParameterValueException) as caught:
        runtime.put_function_concurrency("b", 1)
    assert caught.value.message == ("Specified ReservedConcurrentExecutions for function decreases account's "
                                    "UnreservedConcurrentExecution below its minimum value of [100].")
    runtime.delete_function_concurrency("a")
    runtime.put_function_concurrency("b", 5)
    # A deleted function's reservation goes back to the account.
    runtime.delete_function("b")
    assert runtime.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 105


# ---------------------------------------------------------------- provisioned
def published_with_alias(runtime, name="api"):
    runtime.create_function(name, SLOW, publish=True)
    runtime.create_alias(name, "live", "1")


def test_provisioned_environments_are_initialised_ahead_and_ready_after_init(virtual):
    published_with_alias(virtual)
    put = virtual.put_provisioned_concurrency_config("api", "live", 5)
    # On the virtual clock INIT takes its 150 ms from the moment of the Put.
    assert put == {"RequestedProvisionedConcurrentExecutions": 5, "AvailableProvisionedConcurrentExecutions": 0,
                   "AllocatedProvisionedConcurrentExecutions": 0, "Status": "IN_PROGRESS",
                   "LastModified": "2026-01-01T00:00:00.000+0000"}
    assert [e.initialization_type for e in virtual.environments("api")] == ["provisioned-concurrency"] * 5
    assert [e.kind for e in virtual.lifecycle] == ["created"] * 5
    # INIT ran in each of them, with the variable AWS sets, and logged to its stream.
    assert [e.message for e in virtual.log_events("api")] == ["INIT provisioned-concurrency"] * 5
    virtual.advance(seconds=0.15)
    ready = virtual.get_provisioned_concurrency_config("api", "live")
    assert (ready["Status"], ready["AvailableProvisionedConcurrentExecutions"],
            ready["AllocatedProvisionedConcurrentExecutions"]) == ("READY", 5, 5)
    assert virtual.list_provisioned_concurrency_configs("api") == [
        {"FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:api:live", **ready}]
    assert virtual.get_function("api:live")["Configuration"]["Version"] == "1"


def test_provisioned_environments_give_no_cold_starts_until_they_are_exhausted(virtual):
    published_with_alias(virtual)
    virtual.put_provisioned_concurrency_config("api", "live", 5)
    virtual.advance(seconds=1)
    run = load_test("api", qualifier="live", concurrency=8, n=8, runtime=virtual).result()
    served = [(r.provisioned, r.cold, r.init_ms, r.billed_ms) for r in run.records]
    # Five served by provisioned environments (no INIT, billed 100 ms), three spill over on demand.
    assert served == [(True, False, 0.0, 100)] * 5 + [(False, True, 150.0, 250)] * 3
    results = [virtual.invoke("api", {}, qualifier="live") for _ in range(3)]
    assert [r.result["initialization"] for r in results] == ["provisioned-concurrency"] * 3
    assert [(r.record.provisioned, r.record.cold) for r in results] == [(True, False)] * 3
    assert "Init Duration" not in results[0].report
    # The version named directly is not the alias: its requests never use the alias's environments.
    direct = virtual.invoke("api", {}, qualifier="1")
    assert (direct.record.provisioned, direct.result["initialization"]) == (False, "on-demand")


def test_provisioned_environments_are_never_reclaimed_for_being_idle(virtual):
    published_with_alias(virtual)
    virtual.put_provisioned_concurrency_config("api", "1", 2)
    virtual.create_function("other", SLOW)
    virtual.invoke("other", {})
    virtual.advance(hours=2)
    assert [e.kind for e in virtual.lifecycle if e.function == "other"] == ["created", "reclaimed"]
    assert len(virtual.environments("api")) == 2
    result = virtual.invoke("api", {}, qualifier="1")
    assert (result.record.provisioned, result.record.cold) == (True, False)


def test_provisioned_concurrency_rules(virtual):
    published_with_alias(virtual)
    with pytest.raises(InvalidParameterValueException) as caught:
        virtual.put_provisioned_concurrency_config("api", "$LATEST", 1)
    assert caught.value.message == "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
    with pytest.raises(ResourceNotFoundException):
        virtual.put_provisioned_concurrency_config("api", "nope", 1)
    virtual.put_function_concurrency("api", 3)
    with pytest.raises(InvalidParameterValueException) as caught:
        virtual.put_provisioned_concurrency_config("api", "live", 4)
    assert caught.value.message == ("Requested Provisioned Concurrency should not be greater than the "
                                    "reservedConcurrentExecution for function")
    virtual.put_provisioned_concurrency_config("api", "live", 3)
    virtual.advance(seconds=1)
    # Provisioned concurrency counts against the reservation: nothing is left on demand.
    run = load_test("api", qualifier="1", concurrency=1, n=1, runtime=virtual).result()
    assert outcomes(run) == [("throttled", RESERVED, False)]
    virtual.delete_provisioned_concurrency_config("api", "live")
    assert virtual.environments("api") == []
    assert [e.kind for e in virtual.lifecycle][-3:] == ["retired"] * 3
    with pytest.raises(ProvisionedConcurrencyConfigNotFoundException) as caught:
        virtual.get_provisioned_concurrency_config("api", "live")
    assert (caught.value.status, caught.value.message) == (404, "No Provisioned Concurrency Config found for this function")


def test_a_weighted_alias_splits_its_provisioned_environments_by_weight(virtual):
    virtual.create_function("api", SLOW, publish=True)
    virtual.update_function_configuration("api", description="v2")
    virtual.publish_version("api")
    virtual.create_alias("api", "canary", "1", weights={"2": 0.25})
    virtual.put_provisioned_concurrency_config("api", "canary", 4)
    assert sorted(e.version for e in virtual.environments("api")) == ["1", "1", "1", "2"]


def test_a_provisioned_environment_stopped_by_a_timeout_is_replaced(virtual):
    virtual.create_function("slow", "import time\n\ndef lambda_handler(e, c):\n    time.sleep(e['s'])\n",
                            timeout=1, publish=True)
    virtual.put_provisioned_concurrency_config("slow", "1", 1)
    virtual.advance(seconds=1)
    (before,) = virtual.environments("slow")
    assert virtual.invoke("slow", {"s": 5}, qualifier="1").record.outcome == records.TIMEOUT
    (after,) = virtual.environments("slow")
    assert after.id != before.id and after.initialization_type == "provisioned-concurrency"
    virtual.advance(seconds=1)
    assert virtual.invoke("slow", {"s": 0}, qualifier="1").record.provisioned


# ------------------------------------------------------------------ REST API
@pytest.fixture
def client(real):
    return lambda_client(real.endpoint_url)


def test_provisioned_concurrency_over_the_rest_api(real, client):
    real.create_function("api", SLOW, publish=True)
    client.create_alias(FunctionName="api", Name="live", FunctionVersion="1")
    put = client.put_provisioned_concurrency_config(FunctionName="api", Qualifier="live",
                                                    ProvisionedConcurrentExecutions=2)
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert put["RequestedProvisionedConcurrentExecutions"] == 2
    got = client.get_provisioned_concurrency_config(FunctionName="api", Qualifier="live")
    # The real clock initialises them before the Put returns.
    assert (got["Status"], got["AvailableProvisionedConcurrentExecutions"]) == ("READY", 2)
    listed = client.list_provisioned_concurrency_configs(FunctionName="api")["ProvisionedConcurrencyConfigs"]
    assert [(c["FunctionArn"], c["RequestedProvisionedConcurrentExecutions"]) for c in listed] == [
        ("arn:aws:lambda:us-east-1:123456789012:function:api:live", 2)]
    response = client.invoke(FunctionName="api", Qualifier="live")
    assert b"provisioned-concurrency" in response["Payload"].read()
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        client.put_provisioned_concurrency_config(FunctionName="api", Qualifier="$LATEST",
                                                  ProvisionedConcurrentExecutions=1)
    assert client.delete_provisioned_concurrency_config(
        FunctionName="api", Qualifier="live")["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(client.exceptions.ProvisionedConcurrencyConfigNotFoundException) as caught:
        client.get_provisioned_concurrency_config(FunctionName="api", Qualifier="live")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


# ------------------------------------------------------------------ simulation
def test_simulate_builds_the_scenario_from_real_functions_and_measured_durations(virtual):
    from lambdakit.runtime.simulation import sim_function
    from lambdakit.scale.sim import Empirical, Trace

    published_with_alias(virtual)
    virtual.put_function_concurrency("api", 10)
    virtual.put_provisioned_concurrency_config("api", "live", 2)
    virtual.put_function_event_invoke_config("api", maximum_retry_attempts=1)
    spec = sim_function(virtual, "api", samples=3)
    # Measured: three invocations ran (one cold) to have three samples of the handler's duration.
    assert [r.cold for r in virtual.records] == [True, False, False]
    assert (spec.duration, spec.init_ms, spec.max_memory_used_mb, spec.error_rate) == (
        Empirical((100.0, 100.0, 100.0)), 150.0, 40, 0.0)
    assert (spec.memory_mb, spec.timeout_s, spec.reserved, spec.provisioned, spec.aliases) == (
        128, 3, 10, (("live", 2),), (("live", "1"),))
    assert spec.event_invoke_config.maximum_retry_attempts == 1
    # Twenty requests at one instant against reserved 10, two of it provisioned on "live".
    result = virtual.simulate({"api:live": Trace((0.0,) * 20)}, samples=3, records=True)
    simulated = result.records
    assert sum(r.outcome == "throttled" for r in simulated) == 10
    assert [(r.provisioned, r.cold) for r in simulated if r.outcome == "ok"] == \
        [(True, False)] * 2 + [(False, True)] * 8


def test_provisioned_environments_follow_their_alias(virtual):
    virtual.create_function("api", SLOW, publish=True)
    virtual.update_function_configuration("api", description="v2")
    virtual.publish_version("api")
    virtual.create_alias("api", "live", "1")
    virtual.put_provisioned_concurrency_config("api", "live", 2)
    virtual.update_alias("api", "live", version="2")
    assert sorted(e.version for e in virtual.environments("api")) == ["2", "2"]
    virtual.advance(seconds=1)
    result = virtual.invoke("api", {}, qualifier="live")
    assert (result.executed_version, result.record.provisioned) == ("2", True)
    virtual.delete_alias("api", "live")
    assert virtual.environments("api") == []
    assert virtual.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 1000
