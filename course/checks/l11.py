"""Checks for lesson 11, configuration, permissions, packaging, networking, edge, runtimes."""

import json
import shutil

from lambdakit.course.checking import deployed, handler_source, learner_random
from lambdakit.course.exercises import exercise, expect, fail
from lambdakit.course.iam import ALLOWED, evaluate

BUCKET = "arn:aws:s3:::lambda-demo-bucket-unique-name"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/FileProcessingLog"


def _logs(function):
    group = f"arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/{function}"
    return [("logs:CreateLogGroup", group), ("logs:CreateLogStream", f"{group}:*"),
            ("logs:PutLogEvents", f"{group}:log-stream:2026/01/01/[$LATEST]0a5d2f34")]


NEEDS = {
    "S3ProcessorFunction": [("s3:GetObject", f"{BUCKET}/uploads/test-file.txt"),
                            ("s3:GetObject", f"{BUCKET}/uploads/reports/q1.txt"),
                            ("dynamodb:PutItem", TABLE)] + _logs("S3ProcessorFunction"),
    "EC2MonitoringFunction": [("ec2:DescribeInstances", "*"),
                              ("cloudwatch:PutMetricData", "*")] + _logs("EC2MonitoringFunction"),
}
FORBIDDEN = [
    ("s3:DeleteObject", f"{BUCKET}/uploads/test-file.txt"),
    ("s3:PutObject", f"{BUCKET}/uploads/test-file.txt"),
    ("s3:GetObject", "arn:aws:s3:::lambda-demo-bucket/uploads/test-file.txt"),
    ("s3:GetObject", "arn:aws:s3:::payroll-exports/2026/january.csv"),
    ("s3:DeleteBucket", BUCKET),
    ("dynamodb:DeleteTable", TABLE),
    ("dynamodb:Scan", "arn:aws:dynamodb:us-east-1:123456789012:table/Customers"),
    ("ec2:TerminateInstances", "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc"),
    ("iam:CreateUser", "arn:aws:iam::123456789012:user/intruder"),
]


@exercise("11.1")
def least_privilege(policies):
    if not isinstance(policies, dict) or set(policies) != set(NEEDS):
        fail("policies should map S3ProcessorFunction and EC2MonitoringFunction to a policy each.")
    for function, needs in NEEDS.items():
        policy = policies[function]
        for action, resource in needs:
            decision = evaluate(policy, action, resource)
            if decision != ALLOWED:
                hint = {"s3:GetObject": "Check the bucket name in the resource ARN.",
                        "ec2:DescribeInstances": "The monitor's two actions need Resource \"*\".",
                        "cloudwatch:PutMetricData": "The monitor's two actions need Resource \"*\"."}.get(action)
                fail(f"{function} is {decision} for {action} on {resource}.", hint)
        other = [call for name, calls in NEEDS.items() if name != function for call in calls
                 if not call[0].startswith("logs:")]
        group = f"arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/{function}"
        # logs:* on * would pass the three calls above; deleting logs it does not need must not.
        log_admin = [("logs:DeleteLogGroup", group), ("logs:PutRetentionPolicy", group)]
        for action, resource in FORBIDDEN + other + log_admin:
            decision = evaluate(policy, action, resource)
            expect(decision != ALLOWED, f"{function} may {action} on {resource}: more than it needs.",
                   "List the exact actions on the exact resources; one policy per function.")
    return "each function may make exactly the calls its code makes"


LAYOUTS = {"b", "d"}


@exercise("11.2")
def layer_layouts(answer):
    if not isinstance(answer, (set, frozenset, list, tuple)) or Ellipsis in answer:
        fail("importable_layouts should be a set of letters, e.g. {'a', 'f'}.")
    chosen = {str(letter).strip().lower() for letter in answer}
    if "c" in chosen:
        fail("c is the certification guide's layout: /opt/python/lib is not on sys.path.",
             "Only /opt/python and /opt/python/lib/python3.12/site-packages are.")
    if "e" in chosen:
        fail("e is for python3.11: a python3.12 function looks in python3.12/site-packages.")
    expect(chosen == LAYOUTS, f"{sorted(chosen)} is not the set.",
           "The ZIP is extracted under /opt; the package folder must sit directly in /opt/python "
           "or in /opt/python/lib/python3.12/site-packages.")
    return "b and d: python/ and python/lib/python3.12/site-packages/"


WORDS = ["amber", "bolt", "cedar", "delta", "ember", "fjord", "grove", "haze", "iris", "jade",
         "kelp", "lumen", "moss", "nova", "onyx", "pine", "quill", "reef", "sage", "tide"]
TOOLS = ("bash", "curl")


def _word_events(rng):
    """Events for the word runtime, drawn per learner: the first starts the environment,
    the rest (a missing text and an empty text among them) must all reach it warm."""
    def text(count):
        return " ".join(rng.choice(WORDS) for _ in range(count))
    first = {"text": text(rng.randint(3, 6))}
    rest = [{"id": rng.randint(100, 999), "text": text(rng.randint(7, 11)), "lang": "en"},
            {"text": ""}, {"text": text(1)}, {"text": text(rng.randint(2, 5)), "n": 2}]
    rng.shuffle(rest)
    # never last: a runtime that ends after an error must meet another event
    rest.insert(rng.randrange(len(rest)), {"title": text(2)})
    return [first] + rest


@exercise("11.3")
def word_runtime(code):
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        fail(f"this check runs your bootstrap, which needs {' and '.join(missing)}: install "
             f"{'them' if len(missing) > 1 else 'it'} (Debian/Ubuntu: apt-get install {' '.join(missing)}).")
    code = handler_source(code, "your bootstrap")
    events = _word_events(learner_random("11.3"))
    with deployed(code, "words", runtime="provided.al2023", timeout=3) as lam:
        for number, event in enumerate(events, 1):
            invoked = lam.invoke("words", event)
            _expect_started(invoked, number, event, events[number - 2])
            if "text" in event:
                _expect_counted(invoked, event)
            else:
                _expect_refused(invoked, event)
    return f"{len(events)} events in one warm environment, a missing text refused as MissingText"


def _expect_started(invoked, number, event, previous):
    error = invoked.result if invoked.function_error and isinstance(invoked.result, dict) else {}
    kind = error.get("errorType", "")
    if kind == "Runtime.InvalidEntrypoint":
        fail(f"Lambda could not start your bootstrap: {error.get('errorMessage')}",
             "The cell is the bootstrap itself: its first line is #!/bin/bash.")
    if kind == "Sandbox.Timedout":
        fail(f"event {number}, {json.dumps(event)}, got no answer before the timeout.",
             "Post the answer to $API/invocation/$REQUEST_ID/response (or /error) with the request id "
             "from this event's headers.")
    if kind == "Runtime.ExitError":
        fail(f"your bootstrap exited before answering event {number}, {json.dumps(event)}.")
    if number > 1 and invoked.record.cold:
        after = "the error it posted for" if "text" not in previous else "its answer to"
        fail(f"event {number} started a new environment: your bootstrap stopped after {after} event {number - 1}.",
             "A runtime serves many events: after each answer or error, ask /invocation/next again, forever.")


def _expect_counted(invoked, event):
    words = event["text"].split()
    payload = invoked.result
    if invoked.function_error:
        fail(f"{json.dumps(event)} failed with {payload}; only an event without a text is an error.")
    expect(isinstance(payload, dict) and set(payload) >= {"words", "reversed"},
           f"for {json.dumps(event)} the answer is {payload!r}; it should be an object with words and reversed.")
    count, reversed_text = payload["words"], payload["reversed"]
    expect(type(count) is int, f"words is {count!r}, a {type(count).__name__}: it should be a JSON number.",
           "Write the count without quotes in the JSON you post.")
    expect(count != len(words) - 1 or not words,
           f"{json.dumps(event)} has {len(words)} words and you counted {count}: one too few.",
           "Count the words themselves, not the spaces between them.")
    expect(count == len(words), f"{json.dumps(event)} has {len(words)} words, not {count}.")
    right = " ".join(reversed(words))
    expect(reversed_text != event["text"] or event["text"] == right,
           f"for {json.dumps(event)} reversed is the text in its original order.")
    expect(reversed_text != event["text"][::-1] or event["text"][::-1] == right,
           f"for {json.dumps(event)} reversed is {reversed_text!r}: the letters are reversed, not the words.")
    expect(reversed_text == right,
           f"for {json.dumps(event)} reversed is {reversed_text!r}.",
           "The last word first, one space between words, no space at either end.")


def _expect_refused(invoked, event):
    payload = invoked.result
    if not invoked.function_error:
        fail(f"{json.dumps(event)} has no text, and the caller got a success: {payload!r}.",
             "An error the caller can see is posted to /invocation/REQUEST_ID/error, not /response.")
    kind = payload.get("errorType") if isinstance(payload, dict) else None
    expect(kind == "MissingText",
           f"{json.dumps(event)} has no text and the caller sees errorType {kind!r}, not MissingText.",
           "The caller sees the JSON body you post to /error: its errorType and errorMessage.")
    expect(isinstance(payload.get("errorMessage"), str),
           f"the error for {json.dumps(event)} has no errorMessage.")
