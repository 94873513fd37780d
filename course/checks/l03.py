"""Checks for lesson 3, cold starts."""

from lambdakit.course.checking import as_count, deployed, handler_source, invoke_ok
from lambdakit.course.exercises import exercise, expect, fail
from lambdakit.events import scheduled_event

ARRIVALS = [0, 3, 9, 25, 26, 40, 52, 53, 70]
TRACE_FUNCTION = """
from lambdakit import work

MODEL = work(io_ms=800)

def lambda_handler(event, context):
    work(cpu_ms=20)
    return "ok"
"""


def replay(runtime, name, arrivals_min, event=None):
    """Invoke `name` once at each minute of `arrivals_min`; return the results."""
    start = runtime.clock.now_ms()
    results = []
    for minute in arrivals_min:
        runtime.advance(seconds=max(0, start + minute * 60_000 - runtime.clock.now_ms()) / 1000)
        results.append(runtime.invoke(name, event or {}))
    return results


@exercise("3.1")
def count_cold_starts(answer):
    value = as_count(answer, "cold_starts")
    with deployed(TRACE_FUNCTION, "trace", memory=1024) as lam:
        colds = [minute for minute, r in zip(ARRIVALS, replay(lam, "trace", ARRIVALS)) if r.cold]
    if value == len(colds) + 1 or value == len(colds) - 1:
        fail(f"{answer} is close, but not it.",
             "An environment idle for more than 10 minutes is reclaimed; measure each gap.")
    expect(value == len(colds), f"{answer} is not it.",
           "The first request is cold; then count the gaps longer than 10 minutes.")
    return f"{len(colds)} cold starts, at minutes {', '.join(map(str, colds))}"


@exercise("3.2")
def lazy_model(code):
    code = handler_source(code)
    plan = [False, False, True, False, True, False]
    with deployed(code, "recommender-lazy", memory=1024) as lam:
        results = [invoke_ok(lam, "recommender-lazy", {"personal": personal}) for personal in plan]
    first = results[0]
    expect(first.cold and first.init_ms < 800,
           f"INIT took {first.init_ms:.2f} ms: the model is still loaded at INIT.",
           "Do not call load_model() at module level; start with MODEL = None.")
    for personal, result in zip(plan, results):
        if not personal:
            expect(result.result == {"recommendation": "popular"},
                   f"a popular request returned {result.result!r}; expected {{'recommendation': 'popular'}}.")
            expect(result.duration_ms < 800, "a popular request loaded the model.",
                   "Load the model only when event.get('personal') is true.")
        else:
            expect(result.result == {"recommendation": 1},
                   f"a personal request returned {result.result!r}; expected {{'recommendation': 1}}.")
    loads = [r.duration_ms >= 800 for personal, r in zip(plan, results) if personal]
    expect(loads == [True, False],
           "the second personal request loaded the model again." if loads[1] else
           "the first personal request did not load the model.",
           "Keep the loaded model in a module-level global (global MODEL) and load it only if it is None.")
    return ("INIT without the model; loaded once, by the first personal request in "
            f"{results[2].duration_ms:.2f} ms, then reused")


@exercise("3.3")
def warm_up_marker(code):
    code = handler_source(code)
    tick = scheduled_event("nightly-report-schedule", now="2026-01-02T02:00:00Z")
    with deployed(code, "nightly-report") as lam:
        scheduled = invoke_ok(lam, "nightly-report", tick).result
        warmer = invoke_ok(lam, "nightly-report", {"warmer": True}).result
        ordinary = invoke_ok(lam, "nightly-report", {"order": 7}).result
    expect(scheduled != {"statusCode": 200, "body": "Warm-up successful"},
           "a real scheduled event still returns early as a warm-up.",
           "Every EventBridge schedule sends source aws.events and detail-type Scheduled Event.")
    expect(isinstance(scheduled, dict) and '"processed": true' in str(scheduled.get("body")),
           f"a scheduled event should be processed; it returned {scheduled!r}.")
    expect(warmer == {"statusCode": 200, "body": "Warm-up successful"},
           f"{{'warmer': True}} should return early with 'Warm-up successful'; it returned {warmer!r}.",
           "if event.get('warmer') is True: return the warm-up response.")
    expect(isinstance(ordinary, dict) and '"processed": true' in str(ordinary.get("body")),
           f"an ordinary event should be processed; it returned {ordinary!r}.")
    return "scheduled events are processed; only {'warmer': true} returns early"
