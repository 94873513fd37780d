"""Checks for lesson 1, Hello, handler."""

from lambdakit.course.checking import deployed, handler_source, invoke_ok, json_body, learner_random
from lambdakit.course.exercises import exercise, expect, fail


def _people(rng):
    names = ["Alice", "Bo", "Chen", "Dara", "Eli", "Femi", "Gus", "Hana"]
    return [{}, {"name": rng.choice(names), "age": 18}, {"name": rng.choice(names), "age": rng.randint(1, 17)},
            {"name": rng.choice(names), "age": rng.randint(19, 90)}]


@exercise("1.1")
def predicted_body(my_body):
    actual = '"Hello from Lambda!"'
    if my_body is Ellipsis:
        fail("my_body is still `...`: write your prediction as a Python string.")
    if my_body == "Hello from Lambda!":
        fail("that is what the guide shows, but not what json.dumps returns.",
             "json.dumps of a string is JSON text, and JSON strings are written in double quotes.")
    expect(my_body == actual, f"{my_body!r} is not the body.",
           "Run the next cell, look at the printed repr, and think about why.")
    return f"body == {actual!r}: json.dumps keeps the quotes"


@exercise("1.2")
def fixed_year(code):
    code = handler_source(code)
    rng = learner_random("1.2")
    people = _people(rng)
    # The last start is a minute before New Year: a year read once, at INIT, goes stale.
    starts = ["2025-06-01T12:00:00Z", f"20{rng.randint(30, 39)}-03-15T08:00:00Z", "2028-12-31T23:59:00Z"]
    for start in starts:
        with deployed(code, "process-data", start=start) as lam:
            for crossing in (False, True):
                if crossing:
                    lam.advance(minutes=2)
                year = int(start[:4]) + (crossing and start.startswith("2028-12-31"))
                for event in people:
                    body = json_body(invoke_ok(lam, "process-data", event).result)
                    _expect_person(body, event, year, crossing)
    return "birth_year follows the clock, also across New Year in a warm environment"


def _expect_person(body, event, year, crossing):
    name, age = event.get("name", "Guest"), event.get("age", 18)
    stale = " in an environment that started last year" if crossing and year == 2029 else ""
    expect(body.get("birth_year") == year - age,
           f"in {year}{stale}, with {event}, the birth_year is {body.get('birth_year')}, expected {year - age}.",
           "Read the year when the handler runs: code at module level runs once, at INIT."
           if stale else "The year must come from the clock, not from a constant.")
    expect(body.get("message") == f"Hello {name}!",
           f"with {event} the message is {body.get('message')!r}; keep 'Hello NAME!' with the default Guest.")
    expect(body.get("verification") is (age >= 18),
           f"with {event} verification is {body.get('verification')!r}.",
           "An adult is 18 or older; an event without an age counts as 18.")


@exercise("1.3")
def process_endpoint(code):
    code = handler_source(code)
    rng = learner_random("1.3")
    cases = [({"data": [rng.randint(-50, 50) for _ in range(rng.randint(3, 9))]}, 128, 3),
             ({"data": [rng.randint(2, 99), rng.randint(2, 99)]}, rng.choice([256, 512, 1769]), 30),
             ({"data": []}, 1024, 10)]
    first = None
    for event, memory, timeout in cases:
        with deployed(code, "process", memory=memory, timeout=timeout) as lam:
            payload = invoke_ok(lam, "process", event).result
        expect(isinstance(payload, dict) and payload.get("statusCode") == 200,
               f"the response should have statusCode 200, got {payload!r}.")
        body = json_body(payload)
        data = event["data"]
        expect(body.get("original") == data and body.get("processed") == [x * x for x in data]
               and body.get("count") == len(data),
               f"for {event} the body is {body}; expected original {data}, processed "
               f"{[x * x for x in data]} and count {len(data)}.")
        expect(body.get("memoryLimit") == f"{memory}MB",
               f"at {memory} MB memoryLimit is {body.get('memoryLimit')!r}, expected '{memory}MB'.",
               "Read it from context.memory_limit_in_mb (a string) instead of writing 128.")
        remaining = str(body.get("remainingTime", ""))
        expect(remaining.endswith("ms") and remaining[:-2].isdigit(),
               f"remainingTime should look like '2995ms' (whole milliseconds), got {remaining!r}.",
               "context.get_remaining_time_in_millis() returns an int; format it with f'{...}ms'.")
        expect(0 < int(remaining[:-2]) <= timeout * 1000,
               f"with a {timeout} s timeout remainingTime is {remaining}; it should be at most "
               f"{timeout * 1000}ms.", "Ask the context: context.get_remaining_time_in_millis().")
        first = first or remaining
    return f"string body; memoryLimit and remainingTime from the context, {first} left of the default 3 s"
