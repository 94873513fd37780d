"""A local runner for AWS's durable execution conformance requirements (requirements/*/*.yaml)
against lambdakit, on the virtual clock.

For each requirement with a handler in handlers/<suite>.py: create a durable function with AWS's
SDK as a layer, invoke it with {"Input": <Input>} (RequestResponse, or Event when AsyncInvoke),
send the CallbackActions when their CallbackStarted events appear, then compare the history
(GetDurableExecutionHistory, IncludeExecutionData) and the ExpectedResult as the package's own
runner does: events matched by EventId, extra events ignored, '*' any value, {} don't care,
${NAME} a placeholder bound on first use, ${/re/} a regular expression. ExpectedLogs (CloudWatch
queries in the package) are not checked.

    python -m tests.durable_conformance.runner [suite ...]
"""

import importlib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).parent
REQUIREMENTS = HERE / "requirements"
SUITES = ("step", "wait", "callback", "child", "map", "parallel", "invoke", "wait_for_callback",
          "wait_for_condition", "plugin")
_PLACEHOLDER = re.compile(r"^\$\{([^/].*)\}$")
_REGEX = re.compile(r"^\$\{/(.+)/\}$")
_GEN_STR = re.compile(r"^\$\{GEN_STR:(\d+)\}$")


@dataclass
class Outcome:
    requirement: str
    passed: bool
    errors: list = field(default_factory=list)


def requirements(suite):
    files = sorted((REQUIREMENTS / suite).glob("*.yaml"), key=lambda p: [int(n) for n in p.stem.split("-")])
    return [(path.stem, yaml.safe_load(path.read_text())) for path in files]


def handlers(suite):
    """(requirement id -> handler source, target function name -> source) for a suite."""
    try:
        module = importlib.import_module(f"tests.durable_conformance.handlers.{suite}")
    except ModuleNotFoundError:
        return {}, {}
    return module.HANDLERS, getattr(module, "TARGETS", {})


# ----------------------------------------------------------------- matching
class Matcher:
    def __init__(self, bindings):
        self.bindings, self.errors = bindings, []

    def events(self, expected, actual):
        by_id = {event.get("EventId"): event for event in actual}
        for event in expected:
            found = by_id.get(event.get("EventId"))
            if found is None:
                self.errors.append(f"no event with EventId {event.get('EventId')} ({event.get('EventType')})")
            else:
                self.value(event, found, f"Event[{event['EventId']}]")
        return not self.errors

    def value(self, expected, actual, where):
        if expected == "*" or expected == {}:
            return
        if isinstance(expected, str) and (regex := _REGEX.match(expected)):
            if not re.search(regex.group(1), str(actual)):
                self.errors.append(f"{where}: {actual!r} does not match /{regex.group(1)}/")
            return
        if isinstance(expected, str) and (name := _PLACEHOLDER.match(expected)):
            bound = self.bindings.setdefault(name.group(1), actual)
            if bound != actual:
                self.errors.append(f"{where}: {actual!r} differs from ${{{name.group(1)}}} = {bound!r}")
            return
        if isinstance(expected, dict) and isinstance(actual, dict):
            for key, item in expected.items():
                if key not in actual:
                    self.errors.append(f"{where}.{key}: missing")
                else:
                    self.value(item, actual[key], f"{where}.{key}")
            return
        if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
            for i, (e, a) in enumerate(zip(expected, actual)):
                self.value(e, a, f"{where}[{i}]")
            return
        if expected != actual and not _same_number(expected, actual):
            self.errors.append(f"{where}: expected {expected!r}, got {actual!r}")


def _same_number(expected, actual):
    return isinstance(expected, (int, float)) and isinstance(actual, (int, float)) and expected == actual


def _substitute(value, bindings):
    if isinstance(value, str):
        for name, bound in bindings.items():
            if value == f"${{{name}}}":
                return bound
            value = value.replace(f"${{{name}}}", str(bound))
        return value
    if isinstance(value, list):
        return [_substitute(v, bindings) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, bindings) for k, v in value.items()}
    return value


def _variables(spec, seed):
    bindings = {}
    for i, (name, value) in enumerate((spec or {}).items()):
        generated = _GEN_STR.match(str(value))
        bindings[name] = (f"v{seed}{i}abcdefghijklmnop"[: int(generated.group(1))] if generated else value)
    return bindings


# ------------------------------------------------------------------- running
def run_requirement(runtime, layer, suite, requirement, data, source):
    name = f"conf-{suite}-{requirement}".replace("_", "-")
    bindings = _variables(data.get("Variables"), requirement)
    runtime.create_function(name, source, handler="lambda_function.handler", runtime="python3.11",
                            layers=[layer], timeout=60, durable_config={"ExecutionTimeout": 86_400})
    payload = json.dumps({"Input": _substitute(data.get("Input"), bindings)})
    if data.get("AsyncInvoke"):
        arn = runtime.invoke(f"{name}:$LATEST", payload, invocation_type="Event").durable_execution_arn
        _drive_callbacks(runtime, arn, _substitute(data.get("CallbackActions") or [], bindings))
    else:
        arn = runtime.invoke(f"{name}:$LATEST", payload).durable_execution_arn
    events = runtime.get_durable_execution_history(arn, include_execution_data=True)["Events"]
    matcher = Matcher(bindings)
    matcher.events(_substitute(data.get("ExpectedExecutionHistory") or [], bindings), events)
    expected = data.get("ExpectedResult") or {}
    described = runtime.get_durable_execution(arn, include_execution_data=True)
    if expected.get("ExecutionStatus") and described["Status"] != expected["ExecutionStatus"]:
        matcher.errors.append(f"status {described['Status']}, expected {expected['ExecutionStatus']}")
    elif described["Status"] == "SUCCEEDED" and "Result" in expected:
        try:
            result = json.loads(described.get("Result"))
        except (TypeError, ValueError):
            result = described.get("Result")
        wanted = _substitute(expected["Result"], matcher.bindings)
        if result != wanted:
            matcher.errors.append(f"result {result!r}, expected {wanted!r}")
    return Outcome(requirement, not matcher.errors, matcher.errors)


def _drive_callbacks(runtime, arn, actions):
    """Send each CallbackAction `Delay` seconds after its CallbackStarted event, in virtual time,
    so callbacks and the execution's own timers interleave as they would on AWS."""
    scheduled, seen, used = [], set(), set()
    while True:
        for event in runtime.get_durable_execution_history(arn)["Events"]:
            if event["EventType"] != "CallbackStarted" or event["EventId"] in seen:
                continue
            seen.add(event["EventId"])
            callback_id = event["CallbackStartedDetails"]["CallbackId"]
            # As the package's runner: each action is used once, the first unused one whose name
            # matches; a heartbeat leaves the callback open for the next matching action.
            for order, index in enumerate(_actions_for(event.get("Name"), actions, used)):
                action = actions[index]
                due = event["EventTimestamp"] + float(action.get("Delay") or 0) + order * 0.001
                scheduled.append((due, callback_id, action))
        if runtime.get_durable_execution(arn)["Status"] not in ("RUNNING", "PAUSED"):
            return
        if not scheduled:
            before = len(seen)
            runtime.wait_durable_execution(arn)
            if not any(e["EventType"] == "CallbackStarted" and e["EventId"] not in seen
                       for e in runtime.get_durable_execution_history(arn)["Events"]) and len(seen) == before:
                return
            continue
        scheduled.sort(key=lambda item: item[0])
        due, callback_id, action = scheduled.pop(0)
        now_s = runtime.clock.now_ms() / 1000.0
        if due > now_s:
            runtime.advance(seconds=due - now_s)
        _send(runtime, callback_id, action)


def _send(runtime, callback_id, action):
    operation = action["Operation"].lower()
    try:
        if operation == "success":
            runtime.send_durable_execution_callback_success(callback_id, json.dumps(action.get("Payload")).encode())
        elif operation == "failure":
            runtime.send_durable_execution_callback_failure(callback_id, action.get("Payload") or {})
        else:
            runtime.send_durable_execution_callback_heartbeat(callback_id)
    except Exception as error:  # a callback already closed: as the package's runner, keep going
        print(f"  callback {operation} refused: {error}", file=sys.stderr)


def _actions_for(name, actions, used):
    for index, action in enumerate(actions):
        if index not in used and _name_matches(action["CallbackName"], name):
            used.add(index)
            yield index
            if action["Operation"].lower() != "heartbeat":
                return


def _name_matches(pattern, name):
    if pattern == "*":
        return True
    regex = _REGEX.match(pattern)
    return bool(re.search(regex.group(1), name or "")) if regex else pattern == name


def run(suites=SUITES, runtime=None):
    """{suite: (outcomes, requirements without a handler)}."""
    from lambdakit import Runtime
    own = runtime is None
    runtime = runtime or Runtime()
    try:
        layer = runtime.durable_sdk_layer()
        results = {}
        for suite in suites:
            (sources, targets), outcomes, missing = handlers(suite), [], []
            for name, source in targets.items():
                runtime.create_function(name, source, handler="lambda_function.handler", runtime="python3.11",
                                        layers=[layer], timeout=60, durable_config={"ExecutionTimeout": 86_400})
            for requirement, data in requirements(suite):
                if requirement not in sources:
                    missing.append(requirement)
                    continue
                try:
                    outcomes.append(run_requirement(runtime, layer, suite, requirement, data, sources[requirement]))
                except Exception as error:  # a requirement that breaks the run is a failure, not a crash
                    outcomes.append(Outcome(requirement, False, [f"{type(error).__name__}: {error}"]))
            results[suite] = (outcomes, missing)
        return results
    finally:
        if own:
            runtime.close()


def table(results):
    lines = [f"{'suite':<20}{'requirements':>13}{'run':>6}{'passed':>8}{'pass rate (run)':>17}"]
    for suite, (outcomes, missing) in results.items():
        passed = sum(o.passed for o in outcomes)
        total = len(outcomes) + len(missing)
        rate = f"{100 * passed / len(outcomes):.0f}%" if outcomes else "-"
        lines.append(f"{suite:<20}{total:>13}{len(outcomes):>6}{passed:>8}{rate:>17}")
    return "\n".join(lines)


if __name__ == "__main__":
    found = run(tuple(sys.argv[1:]) or SUITES)
    for suite, (outcomes, _) in found.items():
        for outcome in outcomes:
            if not outcome.passed:
                print(f"FAIL {suite} {outcome.requirement}: {'; '.join(outcome.errors)[:300]}")
    print(table(found))
