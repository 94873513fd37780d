"""The virtual-time simulator: every rule pinned with exact numbers, both engines held equal."""

from collections import Counter
from decimal import Decimal

import pytest

from lambdakit.scale.async_retry import EVENT_AGE_EXCEEDED, RETRIES_EXHAUSTED, SUCCESS, EventInvokeConfig
from lambdakit.scale.concurrency import ACCOUNT_LIMIT_EXCEEDED, RESERVED_LIMIT_EXCEEDED
from lambdakit.core.errors import InvalidParameterValueException, ResourceNotFoundException, ValidationException
from lambdakit.core.records import FUNCTION_ERROR, OK, THROTTLED, TIMEOUT
from lambdakit.cost.billing import Bill
from lambdakit.scale.sim import (EVENT, Bursty, Constant, Diurnal, Empirical, Fixed, LogNormal, Poisson, Scenario,
                           SimFunction, SqsSource, Trace, Uniform, Workload, report_from_records, simulate,
                           simulated_bill)
from lambdakit.scale.sim.durations import slot_atoms

SYNC_ENGINES = ["exact", "fast"]
DLQ = "arn:aws:sqs:us-east-1:123456789012:dead-letters"
ON_FAILURE = "arn:aws:sqs:us-east-1:123456789012:failures"


def one(fn, traffic, invocation_type="RequestResponse", qualifier=None, **settings):
    return Scenario([fn], [Workload(fn.name, traffic, invocation_type, qualifier)], **settings)


def offsets(result):
    """Each record's start in seconds from the scenario's start."""
    start = result.records[0].start_ms
    return [round((r.start_ms - start) / 1000, 3) for r in result.records]


# -- throttling -------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", SYNC_ENGINES)
def test_burst_of_100_against_reserved_10_gives_90_reserved_throttles(engine):
    scenario = one(SimFunction("orders", duration=Fixed(1000), reserved=10), Trace.burst(100), bucket_s=1)
    report = simulate(scenario, engine=engine).report
    fn, (version,) = report.functions[0], report.versions
    assert fn.throttles_by_reason == ((RESERVED_LIMIT_EXCEEDED, 90),)
    assert (version.invocations, version.cold_starts, version.throttles) == (10, 10, 90)
    assert fn.concurrency.peak == (10, 10)


@pytest.mark.parametrize("engine", SYNC_ENGINES)
def test_reserved_zero_throttles_everything(engine):
    scenario = one(SimFunction("off", reserved=0), Constant(rps=5), duration_s=10)
    report = simulate(scenario, engine=engine).report
    assert report.functions[0].throttles_by_reason == ((RESERVED_LIMIT_EXCEEDED, 50),)
    assert report.versions[0].invocations == 0


def test_records_account_for_every_request():
    scenario = one(SimFunction("orders", duration=Fixed(1000), reserved=10), Trace.burst(100))
    result = simulate(scenario, records=True)
    assert len(result.records) == 100
    assert len({r.request_id for r in result.records}) == 100
    assert Counter(r.outcome for r in result.records) == {OK: 10, THROTTLED: 90}
    throttled = [r for r in result.records if r.outcome == THROTTLED]
    assert {(r.environment_id, r.billed_ms, r.error_type) for r in throttled} == \
        {(None, 0, RESERVED_LIMIT_EXCEEDED)}


def test_a_reservation_that_starves_the_unreserved_pool_is_rejected():
    with pytest.raises(InvalidParameterValueException) as caught:
        Scenario([SimFunction("a", reserved=600), SimFunction("b", reserved=301)], [])
    assert caught.value.message == (
        "Specified ReservedConcurrentExecutions for function decreases account's "
        "UnreservedConcurrentExecution below its minimum value of [100].")


def test_three_functions_share_the_account_as_aws_does():
    # Reserved A=200 and B=100 leave 700 for C; a burst of 1,000 to C loses 300.
    functions = [SimFunction(name, duration=Fixed(2000), reserved=reserved)
                 for name, reserved in (("a", 200), ("b", 100), ("c", None))]
    workloads = [Workload("a", Trace.burst(250)), Workload("c", Trace.burst(1000))]
    report = simulate(Scenario(functions, workloads)).report
    assert report.function("a").throttles_by_reason == ((RESERVED_LIMIT_EXCEEDED, 50),)
    assert report.function("c").throttles_by_reason == ((ACCOUNT_LIMIT_EXCEEDED, 300),)
    assert report.account_concurrency.max == 900


@pytest.mark.parametrize("engine", SYNC_ENGINES)
def test_a_jump_to_3000_concurrency_gets_1000_new_environments_per_10_seconds(engine):
    demand = [at for at in (0, 5, 10, 15, 20) for _ in range(3000)]
    scenario = one(SimFunction("spike", duration=Fixed(60_000), timeout_s=900), Trace(demand),
                   account_limit=5000, bucket_s=10)
    report = simulate(scenario, engine=engine).report
    series = report.functions[0].concurrency
    # 1,000 at once, then the continuous refill: 500 every 5 s (100 environments a second).
    assert series.cold_starts[:4] == (1500, 1000, 500, 0)
    assert series.throttles[:3] == (4500, 5000, 2500)
    assert series.peak[:8] == (1500, 2500, 3000, 3000, 3000, 3000, 3000, 1500)
    assert report.functions[0].throttles_by_reason == ((ACCOUNT_LIMIT_EXCEEDED, 12_000),)


# -- provisioned concurrency -------------------------------------------------------------------

def provisioned_api():
    return SimFunction("api", duration=Fixed(500), aliases={"live": "3"}, provisioned={"live": 5})


def test_provisioned_5_on_an_alias_serves_5_without_cold_starts_then_on_demand_is_cold():
    scenario = one(provisioned_api(), Trace([0.0] * 8 + [10.0] * 8), qualifier="live")
    records = simulate(scenario, records=True).records
    first, second = records[:8], records[8:]
    assert [(r.provisioned, r.cold) for r in first] == [(True, False)] * 5 + [(False, True)] * 3
    assert {r.version for r in records} == {"3"}
    assert {r.init_ms for r in first[:5]} == {0.0}
    # Ten seconds later the three on-demand environments are warm.
    assert [(r.provisioned, r.cold) for r in second] == [(True, False)] * 5 + [(False, False)] * 3


@pytest.mark.parametrize("engine", SYNC_ENGINES)
def test_provisioned_totals(engine):
    scenario = one(provisioned_api(), Trace([0.0] * 8), qualifier="live")
    (version,) = simulate(scenario, engine=engine).report.versions
    assert (version.invocations, version.provisioned_invocations, version.cold_starts) == (8, 5, 3)
    assert (version.provisioned_billed_ms, version.billed_ms) == (5 * 500, 3 * 650)


def test_latest_never_uses_the_alias_provisioned_concurrency():
    result = simulate(one(provisioned_api(), Trace.burst(3)), records=True)
    assert [(r.version, r.provisioned, r.cold) for r in result.records] == [("$LATEST", False, True)] * 3


def test_provisioned_concurrency_on_latest_is_rejected():
    with pytest.raises(InvalidParameterValueException):
        Scenario([SimFunction("api", provisioned={"$LATEST": 1})], [])


# -- environments: cold starts, reclaim, timeouts -----------------------------------------------

def test_an_environment_idle_longer_than_the_reclaim_parameter_is_cold_again():
    # 100 ms handler + 150 ms INIT: the environment is free at 0.25 s.
    scenario = one(SimFunction("f", duration=Fixed(100)), Trace([0, 600.2, 1200.31]))
    result = simulate(scenario, records=True)
    assert [r.cold for r in result.records] == [True, False, True]
    assert [r.environment_id for r in result.records] == ["env-1", "env-1", "env-2"]


def test_the_reclaim_parameter_can_be_changed():
    scenario = one(SimFunction("f", duration=Fixed(100)), Trace([0, 300.2, 600.31]), idle_reclaim_s=300)
    assert [r.cold for r in simulate(scenario, records=True).records] == [True, False, True]


def test_the_most_recently_freed_environment_serves_next_so_the_surplus_is_reclaimed():
    # Two overlapping requests make two environments; steady traffic then keeps one warm.
    trace = [0, 0] + [1 + 60 * k for k in range(12)] + [721.5, 721.5]
    result = simulate(one(SimFunction("f", duration=Fixed(100)), Trace(trace)), records=True)
    assert [r.environment_id for r in result.records[:4]] == ["env-1", "env-2", "env-2", "env-2"]
    assert [r.cold for r in result.records[-2:]] == [False, True]


def test_a_timed_out_invocation_loses_its_environment():
    scenario = one(SimFunction("slow", duration=Fixed(5000), timeout_s=3), Trace([0, 10]))
    records = simulate(scenario, records=True).records
    assert [(r.outcome, r.duration_ms, r.cold, r.error_type) for r in records] == \
        [(TIMEOUT, 3000.0, True, "Sandbox.Timedout")] * 2


def test_billing_rounds_init_plus_duration_up_to_the_millisecond():
    scenario = one(SimFunction("f", duration=Fixed(100.2), memory_mb=1024), Trace([0, 1]))
    result = simulate(scenario, records=True)
    assert [r.billed_ms for r in result.records] == [251, 101]
    (version,) = result.report.versions
    assert version.billed_ms == 352
    assert version.gb_seconds == Decimal("0.352")


# -- asynchronous invocations -----------------------------------------------------------------

def failing(**settings):
    return SimFunction("f", duration=Fixed(1), error_rate=1.0, **settings)


def test_an_always_failing_async_event_is_tried_at_0_60_and_180_seconds_then_goes_to_the_dlq():
    result = simulate(one(failing(dead_letter_queue=DLQ), Trace([0]), EVENT), records=True)
    assert offsets(result) == [0.0, 60.151, 180.152]
    assert [(r.attempt, r.outcome, r.invocation_type) for r in result.records] == \
        [(1, FUNCTION_ERROR, EVENT), (2, FUNCTION_ERROR, EVENT), (3, FUNCTION_ERROR, EVENT)]
    assert len({r.request_id for r in result.records}) == 1
    (outcome,) = result.async_outcomes
    assert (outcome.condition, outcome.invocations, outcome.destinations) == \
        (RETRIES_EXHAUSTED, 3, ("dead_letter_queue",))
    totals = result.report.functions[0].asynchronous
    assert (totals.accepted, totals.retries_exhausted, totals.to_dead_letter_queue) == (1, 1, 1)


def test_an_on_failure_destination_receives_the_failed_event():
    config = EventInvokeConfig(on_failure=ON_FAILURE)
    totals = simulate(one(failing(event_invoke_config=config), Trace([0]), EVENT)).report.functions[0].asynchronous
    assert (totals.to_on_failure, totals.to_dead_letter_queue, totals.discarded) == (1, 0, 0)


def test_zero_retries_means_one_attempt():
    config = EventInvokeConfig(maximum_retry_attempts=0)
    result = simulate(one(failing(event_invoke_config=config), Trace([0]), EVENT), records=True)
    assert len(result.records) == 1
    assert result.async_outcomes[0].condition == RETRIES_EXHAUSTED
    assert result.report.functions[0].asynchronous.discarded == 1


def test_a_throttled_async_event_backs_off_until_its_maximum_age():
    config = EventInvokeConfig(maximum_event_age_s=60, on_failure=ON_FAILURE)
    fn = SimFunction("f", reserved=0, event_invoke_config=config)
    result = simulate(one(fn, Trace([0]), EVENT), records=True)
    assert offsets(result) == [0.0, 1.0, 3.0, 7.0, 15.0, 31.0]
    assert {r.outcome for r in result.records} == {THROTTLED}
    (outcome,) = result.async_outcomes
    assert (outcome.condition, outcome.invocations, outcome.attempts) == (EVENT_AGE_EXCEEDED, 0, 6)
    assert outcome.finished_ms - outcome.accepted_ms == 60_000.0
    assert outcome.destinations == ("on_failure",)


def test_a_retry_that_would_come_too_late_expires_the_event():
    config = EventInvokeConfig(maximum_event_age_s=60)
    result = simulate(one(failing(event_invoke_config=config), Trace([0]), EVENT), records=True)
    assert len(result.records) == 1
    assert result.async_outcomes[0].condition == EVENT_AGE_EXCEEDED
    assert result.report.end_ms == 60_000.0


def test_async_successes_go_to_on_success():
    config = EventInvokeConfig(on_success="arn:aws:sns:us-east-1:123456789012:done")
    fn = SimFunction("f", event_invoke_config=config)
    totals = simulate(one(fn, Constant(rps=2), EVENT, duration_s=5)).report.functions[0].asynchronous
    assert (totals.accepted, totals.succeeded, totals.to_on_success) == (10, 10, 10)


def test_every_async_event_ends_exactly_once_and_its_records_say_how():
    fn = SimFunction("f", duration=LogNormal(median_ms=400), error_rate=0.3, reserved=3,
                     event_invoke_config=EventInvokeConfig(maximum_event_age_s=300))
    scenario = one(fn, Poisson(rps=20), EVENT, duration_s=60)
    result = simulate(scenario, seed=3, records=True)
    totals = result.report.functions[0].asynchronous
    assert totals.accepted == result.report.functions[0].requests == len(result.async_outcomes) > 1000
    assert totals.accepted == totals.succeeded + totals.retries_exhausted + totals.event_age_exceeded
    assert min(totals.succeeded, totals.retries_exhausted, totals.event_age_exceeded) > 0
    assert totals.discarded == totals.failed
    attempts = Counter(r.request_id for r in result.records)
    ran = Counter(r.request_id for r in result.records if r.outcome != THROTTLED)
    for outcome in result.async_outcomes:
        assert attempts[outcome.request_id] == outcome.attempts
        assert ran[outcome.request_id] == outcome.invocations
        final = max((r for r in result.records if r.request_id == outcome.request_id), key=lambda r: r.attempt)
        assert (final.outcome == OK) == (outcome.condition == SUCCESS)


# -- SQS queues and their event source mappings -------------------------------------------------

def queued(fn, traffic, source, **settings):
    return Scenario([fn], [Workload(fn.name, traffic, source=source)], **settings)


def test_maximum_concurrency_keeps_the_rest_of_the_queue_waiting_and_loses_nothing():
    scenario = queued(SimFunction("worker", duration=Fixed(1000), init_ms=0), Trace([0] * 10),
                      SqsSource(maximum_concurrency=2))
    result = simulate(scenario, records=True)
    assert offsets(result) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    fn = result.report.function("worker")
    assert fn.throttles == 0 and fn.concurrency.max == 2
    q = fn.queue
    assert (q.sent, q.processed, q.delayed, q.receives, q.lost) == (10, 10, 8, 10, 0)
    assert q.wait.counts == ((0, 2), (1000, 2), (2000, 2), (3000, 2), (4000, 2))
    assert (q.wait.percentile(50), q.wait.percentile(99)) == (2000, 4000)


def test_a_reservation_throttles_what_the_mapping_receives_and_the_messages_return_after_the_visibility_timeout():
    fn = SimFunction("worker", duration=Fixed(1000), init_ms=0, reserved=2)
    result = simulate(queued(fn, Trace([0] * 5), SqsSource(visibility_timeout_s=30)), records=True)
    assert [(s, r.outcome) for s, r in zip(offsets(result), result.records)] == [
        (0, OK), (0, OK), (0, THROTTLED), (0, THROTTLED), (0, THROTTLED), (30, OK), (30, OK), (30, THROTTLED),
        (60, OK)]
    report = result.report
    q = report.function("worker").queue
    assert (q.sent, q.processed, q.delayed, q.receives, q.lost) == (5, 5, 3, 9, 0)
    assert q.wait.max_ms == 60_000
    (version,) = report.versions
    assert (version.invocations, version.throttles, version.billed_ms) == (5, 4, 5000)   # throttles cost nothing


def test_the_redrive_policy_moves_a_message_received_max_receive_count_times_to_the_dlq():
    fn = SimFunction("worker", duration=Fixed(1000), init_ms=0, reserved=2)
    q = simulate(queued(fn, Trace([0] * 5), SqsSource(max_receive_count=2))).report.function("worker").queue
    assert (q.sent, q.processed, q.to_dead_letter_queue, q.receives) == (5, 4, 1, 8)
    always = simulate(queued(failing(), Trace([0]), SqsSource(visibility_timeout_s=30, max_receive_count=3)),
                      records=True)
    assert offsets(always) == [0, 30, 60]
    assert always.report.end_ms == 90_000     # moved on the fourth receive
    assert always.report.function("f").queue.to_dead_letter_queue == 1


def test_without_a_redrive_policy_a_failing_message_returns_until_the_retention_period_deletes_it():
    scenario = queued(failing(), Trace([0]), SqsSource(visibility_timeout_s=30, retention_s=120))
    q = simulate(scenario).report.function("f").queue
    assert (q.receives, q.processed, q.expired, q.to_dead_letter_queue) == (4, 0, 1, 0)


def test_an_uncapped_queue_runs_exactly_as_direct_synchronous_traffic():
    direct = month_like()
    fn, (workload,) = direct.functions[0], direct.workloads
    scenario = queued(fn, workload.traffic, SqsSource(), duration_s=direct.duration_s)
    fast, exact = simulate(direct, engine="fast").report, simulate(scenario).report
    assert exact.versions == fast.versions and exact.account_concurrency == fast.account_concurrency
    mine = exact.function("api")
    assert mine.latency == fast.function("api").latency and mine.throttles == 0
    assert (mine.queue.sent, mine.queue.processed, mine.queue.delayed) == (fast.function("api").requests,) * 2 + (0,)
    assert simulated_bill(scenario, exact).total() == simulated_bill(direct, fast).total()


def test_a_capped_queue_is_deterministic_and_waits_are_reported():
    fn = SimFunction("worker", duration=LogNormal(median_ms=900, sigma=0.6), error_rate=0.05, timeout_s=10)
    scenario = queued(fn, Bursty(base_rps=1, burst_rps=20, period_s=300, burst_s=20),
                      SqsSource(maximum_concurrency=4, visibility_timeout_s=60, max_receive_count=2),
                      duration_s=1800)
    first, again = simulate(scenario, seed=3).report, simulate(scenario, seed=3).report
    assert first == again and simulate(scenario, seed=4).report != first
    q = first.function("worker").queue
    assert q.processed + q.to_dead_letter_queue + q.expired == q.sent > 0
    assert q.delayed > 0 and q.to_dead_letter_queue > 0 and q.wait.percentile(99) > 1000
    assert first.function("worker").concurrency.max == 4 and first.function("worker").throttles == 0
    assert "queue wait ms: p50" in first.text()


def test_a_queue_workload_is_validated_as_aws_validates_the_mapping():
    with pytest.raises(InvalidParameterValueException, match="Queue visibility timeout: 30 seconds is less than "
                                                           "Function timeout: 60 seconds"):
        queued(SimFunction("f", timeout_s=60), Trace([0]), SqsSource())
    with pytest.raises(ValidationException, match="greater than or equal to 2"):
        SqsSource(maximum_concurrency=1)
    with pytest.raises(ValidationException, match="maxReceiveCount"):
        SqsSource(max_receive_count=0)
    with pytest.raises(ValueError, match="synchronously"):
        Workload("f", Trace([0]), EVENT, source=SqsSource())
    with pytest.raises(ValueError, match="failed messages return"):
        simulate(queued(failing(), Trace([0]), SqsSource()), engine="fast")
    with pytest.raises(ValueError, match="throttled"):
        simulate(queued(SimFunction("f", reserved=1), Trace([0, 0]), SqsSource()), engine="fast")


# -- determinism and the two engines ----------------------------------------------------------

def month_like(seed_traffic=Poisson(rps=4)):
    fn = SimFunction("api", duration=LogNormal(median_ms=80), memory_mb=512)
    return one(fn, seed_traffic, duration_s=3600)


def test_the_same_seed_gives_identical_reports_and_another_seed_does_not():
    scenario = month_like()
    first, again = simulate(scenario, seed=7).report, simulate(scenario, seed=7).report
    assert first == again and first.text() == again.text()
    assert simulate(scenario, seed=8).report != first


def test_the_same_seed_gives_identical_records():
    scenario = one(SimFunction("f", duration=Uniform(10, 300), error_rate=0.1), Poisson(rps=3), duration_s=60)
    assert simulate(scenario, seed=1, records=True).records == simulate(scenario, seed=1, records=True).records


AGREEMENT = {
    "poisson-lognormal": month_like(),
    "bursty-empirical-timeouts-errors": one(
        SimFunction("f", duration=Empirical([20, 35, 50, 400, 2900, 3000, 4100]), error_rate=0.3, timeout_s=3),
        Bursty(base_rps=2, burst_rps=40, period_s=120, burst_s=10), duration_s=900, bucket_s=7),
    "reserved-throttles": one(
        SimFunction("f", duration=LogNormal(median_ms=900, sigma=0.8), reserved=12),
        Bursty(base_rps=1, burst_rps=60, period_s=60, burst_s=5), duration_s=600, bucket_s=1),
    "provisioned-spillover": one(
        SimFunction("f", duration=Uniform(200, 1800), aliases={"live": "1"}, provisioned={"live": 4}),
        Poisson(rps=5), qualifier="live", duration_s=600, bucket_s=15),
    "provisioned-fills-reservation": one(
        SimFunction("f", duration=Uniform(200, 1800), aliases={"live": "1"}, provisioned={"live": 4},
                    reserved=4),
        Poisson(rps=5), qualifier="live", duration_s=120, bucket_s=10),
    "diurnal-short-reclaim": one(
        SimFunction("f", duration=LogNormal(median_ms=300)), Diurnal(mean_rps=0.05, swing=0.9),
        duration_s=86_400, idle_reclaim_s=120, bucket_s=3600),
    "scaling-rate": one(
        SimFunction("f", duration=Fixed(20_000), timeout_s=60), Constant(rps=400), duration_s=40,
        account_limit=20_000, bucket_s=10),
    "ties-at-exact-ends": one(SimFunction("f", duration=Fixed(250), init_ms=0), Constant(rps=4), duration_s=60),
    "zero-durations": one(SimFunction("f", duration=Empirical([0, 0, 5])), Trace([0, 0, 0, 0.001, 1, 1]),
                          bucket_s=0.5),
}


# Queues the fast path takes (no throttle, no failure): every message once, in order.
QUEUE_AGREEMENT = {
    "capped-bursty": queued(SimFunction("f", duration=LogNormal(median_ms=900, sigma=0.7), timeout_s=30),
                            Bursty(base_rps=1, burst_rps=30, period_s=300, burst_s=20),
                            SqsSource(maximum_concurrency=5), duration_s=1800, bucket_s=7),
    "capped-diurnal-short-reclaim": queued(
        SimFunction("f", duration=Empirical([50, 400, 2900, 7000]), timeout_s=10), Diurnal(mean_rps=0.5, swing=0.9),
        SqsSource(maximum_concurrency=2), duration_s=86_400, idle_reclaim_s=20, bucket_s=3600),
    "ties-at-exact-ends": queued(SimFunction("f", duration=Fixed(500), init_ms=0), Constant(rps=4),
                                 SqsSource(maximum_concurrency=2), duration_s=60),
    "uncapped": queued(SimFunction("f", duration=Uniform(100, 900)), Poisson(rps=20), SqsSource(), duration_s=600),
    "zero-durations": queued(SimFunction("f", duration=Empirical([0, 0, 5])), Trace([0, 0, 0, 0.001, 1, 1]),
                             SqsSource(maximum_concurrency=2), bucket_s=0.5),
}


@pytest.mark.parametrize("name", QUEUE_AGREEMENT)
def test_the_fast_path_and_the_exact_engine_agree_on_queues(name):
    scenario = QUEUE_AGREEMENT[name]
    fast, exact = simulate(scenario, engine="fast").report, simulate(scenario, engine="exact").report
    assert fast == exact
    assert fast.functions[0].queue.processed == fast.functions[0].requests > 0


@pytest.mark.parametrize("name", AGREEMENT)
def test_the_fast_path_and_the_exact_engine_agree(name):
    scenario = AGREEMENT[name]
    fast, exact = simulate(scenario, engine="fast").report, simulate(scenario, engine="exact").report
    assert fast == exact
    assert fast.versions[0].invocations > 0


def test_records_come_from_the_exact_engine_and_the_fast_path_refuses_what_it_cannot_do():
    scenario = month_like()
    fast = simulate(scenario)
    assert fast.records is None
    assert len(simulate(scenario, records=True).records) == fast.report.functions[0].requests
    with pytest.raises(ValueError):
        simulate(scenario, engine="fast", records=True)
    with pytest.raises(ValueError):
        simulate(one(failing(), Trace([0]), EVENT), engine="fast")


def test_records_rebuild_the_same_report():
    scenario = AGREEMENT["reserved-throttles"]
    result = simulate(scenario, records=True)
    rebuilt = report_from_records(result.records, bucket_s=scenario.bucket_s)
    assert rebuilt.versions == result.report.versions
    assert rebuilt.functions[0].latency == result.report.functions[0].latency
    assert rebuilt.functions[0].throttles_by_reason == result.report.functions[0].throttles_by_reason


def test_the_report_is_fixed_size_whatever_the_traffic():
    quiet = simulate(one(SimFunction("f"), Poisson(rps=0.1), duration_s=3600)).report
    busy = simulate(one(SimFunction("f"), Poisson(rps=50), duration_s=3600)).report
    assert len(quiet.functions[0].concurrency.peak) == len(busy.functions[0].concurrency.peak) == 61


def test_text_twin():
    scenario = one(SimFunction("orders", duration=Fixed(1000), reserved=10), Trace.burst(100))
    assert simulate(scenario).report.text().splitlines()[:3] == [
        "simulated 1.150 s; peak account concurrency 10",
        "orders: 100 requests, 10 invocations (10 cold), 90 throttled; peak concurrency 10",
        "  throttled 90 x ReservedFunctionConcurrentInvocationLimitExceeded",
    ]


# -- traffic and duration models --------------------------------------------------------------

def arrivals(model, horizon_s, seed=0):
    from lambdakit.scale.sim.streams import stream
    return [t for chunk in model.chunks(stream(seed, "test"), horizon_s * 1000.0) for t in chunk]


def test_constant_traffic_is_evenly_spaced():
    times = arrivals(Constant(rps=4), 10)
    assert len(times) == 40 and times[:3] == [0.0, 250.0, 500.0] and times[-1] == 9750.0


def test_poisson_traffic_has_the_requested_rate_and_stays_inside_the_horizon():
    times = arrivals(Poisson(rps=10), 1000)
    assert 9700 < len(times) < 10_300          # 3 standard deviations around 10,000
    assert times == sorted(times) and times[-1] < 1_000_000


def test_diurnal_traffic_averages_the_mean_and_peaks_at_the_peak_hour():
    model = Diurnal(mean_rps=2, swing=0.5, peak_hour=14)
    rates = model.hourly_rps()
    assert sum(rates) / 24 == pytest.approx(2)
    assert rates.index(max(rates)) in (13, 14) and rates.index(min(rates)) in (1, 2)
    per_hour = Counter(int(t // 3_600_000) for t in arrivals(model, 86_400))
    assert per_hour[14] > 2 * per_hour[2]


def test_diurnal_day_factors_scale_each_day_and_repeat():
    model = Diurnal(mean_rps=1, swing=0.5, day_factors=(1, 0, 4))
    per_day = Counter(int(t // 86_400_000) for t in arrivals(model, 4 * 86_400))
    assert per_day[1] == 0 and 3 * per_day[0] < per_day[2] < 5 * per_day[0]
    assert 0.8 * per_day[0] < per_day[3] < 1.2 * per_day[0]    # the fourth day is the first again
    with pytest.raises(ValueError):
        Diurnal(mean_rps=1, day_factors=(1, -1))


def test_a_simulated_bill_prices_the_totals_and_the_provisioned_time():
    fn = SimFunction("f", duration=Fixed(100), memory_mb=1024, init_ms=500, aliases={"live": "1"},
                     provisioned={"live": 2})
    scenario = Scenario([fn], [Workload("f", Poisson(rps=20), qualifier="live")], duration_s=3600)
    report = simulate(scenario, seed=1).report
    bill = simulated_bill(scenario, report)
    records = simulate(scenario, seed=1, records=True).records
    by_records = Bill.from_records(records).add_provisioned("f", "1", environments=2, memory_mb=1024,
                                                           seconds=3600)
    assert bill.components() == by_records.components() and bill.components().provisioned > 0
    assert bill.components().init > 0


def test_bursty_traffic_is_denser_inside_bursts():
    times = arrivals(Bursty(base_rps=1, burst_rps=50, period_s=60, burst_s=6), 600)
    in_burst = sum(1 for t in times if t % 60_000 < 6_000)
    assert in_burst > 5 * (len(times) - in_burst)


def test_a_trace_is_sorted_and_cut_at_the_horizon():
    assert arrivals(Trace([3, 1, 2, 5]), 4) == [1000.0, 2000.0, 3000.0]


def test_traffic_that_never_ends_needs_a_duration():
    with pytest.raises(ValueError):
        simulate(one(SimFunction("f"), Poisson(rps=1)))


def test_duration_models_give_equally_likely_atoms_in_order():
    assert Fixed(42).atoms() == (42.0,)
    assert Empirical([30, 10, 20]).atoms() == (10.0, 20.0, 30.0)
    atoms = LogNormal(median_ms=100, sigma=0.5).atoms()
    assert len(atoms) == 1000 and list(atoms) == sorted(atoms)
    assert atoms[499] < 100 < atoms[500]
    assert Uniform(0, 1000, quantiles=4).atoms() == (125.0, 375.0, 625.0, 875.0)


def test_every_atom_gets_its_share_of_draw_slots():
    table = slot_atoms(1000)
    shares = Counter(table)
    assert len(table) == 65_536 and set(shares) == set(range(1000)) and set(shares.values()) == {65, 66}


# -- validation -------------------------------------------------------------------------------

def test_function_settings_are_validated_with_aws_errors():
    with pytest.raises(ValidationException) as caught:
        SimFunction("f", memory_mb=64)
    assert "Member must have value greater than or equal to 128" in caught.value.message
    with pytest.raises(ValueError):
        SimFunction("f", error_rate=1.5)
    with pytest.raises(TypeError):
        SimFunction("f", duration=100)
    with pytest.raises(TypeError):
        Workload("f", traffic=4)


def test_a_workload_must_name_a_known_function_and_alias():
    with pytest.raises(ResourceNotFoundException):
        Scenario([SimFunction("f")], [Workload("g", Trace([0]))])
    with pytest.raises(ResourceNotFoundException):
        Scenario([SimFunction("f")], [Workload("f", Trace([0]), qualifier="prod")])
