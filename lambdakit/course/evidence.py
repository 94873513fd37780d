"""What a graded exercise hands the grader, carried out of the learner's kernel as data.

The grader never runs a checker in the learner's kernel (a cell there can redefine `check`
or patch `lambdakit.course`), and never runs the learner's code in its own process. It asks
the kernel for the values a check cell names; the kernel answers with tagged JSON:

    ["int", 3]  ["float", 0.5]  ["str", "x"]  ["bool", true]  ["none"]  ["ellipsis"]
    ["decimal", "0.62"]  ["list", [...]]  ["tuple", [...]]  ["set", [...]]  ["frozenset", [...]]
    ["dict", [[key, value], ...]]
    ["callable", ref, name]     a function the grader may call back (see `call`)
    ["object", type name, repr] anything else: it reaches the checker as an Opaque

A string that names a function deployed on the kernel's default runtime (`%%lambda NAME`)
also brings the function's handler source. Evidence can be replaced by a determined
notebook, but whatever it hands over is then tested by the grader's own checks.
"""

import base64
import json
import os
import pickle
from decimal import Decimal

MAX_DEPTH = 20
_REFS = {}


# ------------------------------------------------------------- in the kernel
def _encode(value, depth=0):
    if depth > MAX_DEPTH:
        return ["object", type(value).__name__, "(nested too deeply)"]
    if value is None:
        return ["none"]
    if value is Ellipsis:
        return ["ellipsis"]
    for kind in (bool, int, float, str):
        if type(value) is kind:
            return [kind.__name__, value]
    if isinstance(value, Decimal):
        return ["decimal", str(value)]
    if type(value) in (list, tuple, set, frozenset):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [type(value).__name__, [_encode(v, depth + 1) for v in items]]
    if type(value) is dict:
        return ["dict", [[_encode(k, depth + 1), _encode(v, depth + 1)] for k, v in value.items()]]
    if callable(value) and not isinstance(value, type):
        _REFS[id(value)] = value
        return ["callable", id(value), getattr(value, "__name__", "function")]
    return ["object", type(value).__name__, repr(value)[:200]]


def export(value):
    """The evidence for one value, as JSON text (called in the kernel by the grader)."""
    return json.dumps(_encode(value))


def function_source(name):
    """The handler source of a function on the kernel's default runtime, or None."""
    from ..core.errors import ResourceNotFoundException
    from ..notebook.default import default_runtime
    from ..runtime.runtimes import code_file
    runtime = default_runtime()
    try:
        location = runtime.get_function(name)["Code"]["Location"].removeprefix("file://")
        config = runtime.get_function_configuration(name)
        # MODULE.py, index.mjs or a custom runtime's bootstrap: the file the cell became
        path = os.path.join(location, code_file(config["Runtime"], config["Handler"]))
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (ResourceNotFoundException, OSError):
        return None


def export_function(name):
    """A deployed function's handler source as JSON (null when there is none)."""
    return json.dumps(function_source(name))


def call(ref, arguments):
    """Call a function the grader was given, with arguments the grader pickled."""
    args, kwargs = pickle.loads(base64.b64decode(arguments))
    try:
        return json.dumps(["ok", _encode(_REFS[ref](*args, **kwargs))])
    except Exception as error:  # the learner's function raised: that is its answer
        return json.dumps(["raised", f"{type(error).__name__}: {error}"])


# -------------------------------------------------------------- in the grader
class Opaque:
    """A value the grader cannot rebuild (an object of the learner's own type)."""

    def __init__(self, type_name, text):
        self.type_name, self.text = type_name, text

    def __repr__(self):
        return self.text


class LearnerFunctionRaised(Exception):
    pass


class KernelFunction:
    """A learner's function, called where it lives: in the learner's kernel."""

    def __init__(self, evaluate, ref, name):
        self._evaluate, self._ref, self.__name__ = evaluate, ref, name

    def __call__(self, *args, **kwargs):
        packed = base64.b64encode(pickle.dumps((args, kwargs))).decode()
        status, value = json.loads(self._evaluate(
            f"__import__('lambdakit.course.evidence', fromlist=['call']).call({self._ref}, {packed!r})"))
        if status == "raised":
            raise LearnerFunctionRaised(value)
        return decode(value, self._evaluate)

    def __repr__(self):
        return f"<function {self.__name__}>"


def decode(tagged, evaluate=None, depth=0):
    """Rebuild a value from its evidence; only plain types (and KernelFunction) come out."""
    if depth > MAX_DEPTH or not isinstance(tagged, list) or not tagged:
        return Opaque("?", "(unreadable evidence)")
    kind, rest = tagged[0], tagged[1:]
    if kind == "none":
        return None
    if kind == "ellipsis":
        return Ellipsis
    if kind in ("bool", "int", "float", "str") and rest and type(rest[0]).__name__ in (kind, "int"):
        return {"bool": bool, "int": int, "float": float, "str": str}[kind](rest[0])
    if kind == "decimal":
        return Decimal(rest[0])
    if kind in ("list", "tuple", "set", "frozenset"):
        items = [decode(v, evaluate, depth + 1) for v in rest[0]]
        if kind in ("set", "frozenset"):
            try:
                return {"set": set, "frozenset": frozenset}[kind](items)
            except TypeError:
                return Opaque(kind, "(a set of unhashable items)")
        return items if kind == "list" else tuple(items)
    if kind == "dict":
        pairs = [(decode(k, evaluate, depth + 1), decode(v, evaluate, depth + 1)) for k, v in rest[0]]
        try:
            return dict(pairs)
        except TypeError:
            return Opaque("dict", "(a dict with unhashable keys)")
    if kind == "callable" and evaluate is not None:
        return KernelFunction(evaluate, int(rest[0]), str(rest[1]))
    if kind == "object":
        return Opaque(str(rest[0]), str(rest[1]))
    return Opaque("?", "(unreadable evidence)")
