"""Checks for lesson 1, Hello, handler."""

from lambdakit.course.checking import deployed, handler_source, invoke_ok, json_body
from lambdakit.course.exercises import exercise, expect, fail


@exercise("1.1")
def fixed_year(code):
    code = handler_source(code)
    cases = [("2025-06-01T12:00:00Z", {"name": "Alice", "age": 25}, 2025),
             ("2031-03-15T08:00:00Z", {"name": "Alice", "age": 25}, 2031),
             ("2031-03-15T08:00:00Z", {}, 2031),
             ("2028-12-31T23:59:00Z", {"name": "Bo", "age": 16}, 2028)]
    for start, event, year in cases:
        with deployed(code, "process-data", start=start) as lam:
            body = json_body(invoke_ok(lam, "process-data", event).result)
        name, age = event.get("name", "Guest"), event.get("age", 18)
        expect(body.get("birth_year") == year - age,
               f"on {start[:10]} with {event} the birth_year is {body.get('birth_year')}, "
               f"expected {year - age}.",
               "The year must come from the clock when the handler runs, not from a constant.")
        expect(body.get("message") == f"Hello {name}!" and body.get("verification") == (age >= 18),
               f"with {event} the response changed: {body}; keep the message, the defaults "
               "(Guest, 18) and verification as they were.")
    return "birth_year follows the clock: 2000 in 2025, 2006 in 2031"


@exercise("1.2")
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


@exercise("1.3")
def process_endpoint(code):
    code = handler_source(code)
    cases = [({"data": [1, 2, 3, 4, 5]}, 128, 3), ({"data": [2, 3]}, 256, 30), ({"data": []}, 1024, 10)]
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
