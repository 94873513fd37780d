"""Per-function settings Lambda stores and reports but lambdakit does not act on:
the recursive loop setting (Get/PutFunctionRecursionConfig) and the runtime management
config (Get/PutRuntimeManagementConfig). lambdakit runs one interpreter per runtime name,
so runtime updates never happen; recursion detection itself lives in the invoke path."""

import re
import threading

from ..core.config import function_arn
from ..core.errors import InvalidParameterValueException, validation_error
from .functions import LATEST, split_name

RECURSIVE_LOOPS = ("Allow", "Terminate")
UPDATE_RUNTIME_ON = ("Auto", "Manual", "FunctionUpdate")
_RUNTIME_VERSION_ARN = re.compile(r"arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}::"
                                  r"runtime:.+")


class SettingsStore:
    def __init__(self):
        self._values = {}
        self._lock = threading.Lock()

    def get(self, key, default=None):
        with self._lock:
            return self._values.get(key, default)

    def put(self, key, value):
        with self._lock:
            self._values[key] = value

    def forget(self, name):
        with self._lock:
            for key in [k for k in self._values if k[0] == name]:
                del self._values[key]


class FunctionSettings:
    """Mixed into Runtime: recursion and runtime management settings of its functions."""

    def _settings_key(self, function_name, qualifier, kind):
        name, qualifier = split_name(function_name, qualifier)
        with self._lock:
            function = self._function(name)
            if qualifier not in (None, LATEST):
                function.resolve(qualifier, 0.0)  # ResourceNotFoundException for an unknown one
        return (name, kind, None if qualifier == LATEST else qualifier)

    def put_function_recursion_config(self, function_name, recursive_loop):
        """PutFunctionRecursionConfig: "Terminate" (the default) or "Allow"."""
        if recursive_loop not in RECURSIVE_LOOPS:
            raise validation_error(recursive_loop, "recursiveLoop", "Member must satisfy enum value set: [Allow, Terminate]")
        self._stored.put(self._settings_key(function_name, None, "recursion"), recursive_loop)
        return {"RecursiveLoop": recursive_loop}

    def get_function_recursion_config(self, function_name):
        return {"RecursiveLoop": self._stored.get(self._settings_key(function_name, None, "recursion"), "Terminate")}

    def put_runtime_management_config(self, function_name, update_runtime_on, *, qualifier=None,
                                      runtime_version_arn=None):
        if update_runtime_on not in UPDATE_RUNTIME_ON:
            raise validation_error(update_runtime_on, "updateRuntimeOn",
                                   "Member must satisfy enum value set: [Auto, Manual, FunctionUpdate]")
        if (update_runtime_on == "Manual") != (runtime_version_arn is not None):
            raise InvalidParameterValueException(
                "RuntimeVersionArn must be given with UpdateRuntimeOn Manual, and only then.")
        if runtime_version_arn is not None and not _RUNTIME_VERSION_ARN.fullmatch(runtime_version_arn):
            raise validation_error(runtime_version_arn, "runtimeVersionArn",
                                   "Member must satisfy regular expression pattern")
        key = self._settings_key(function_name, qualifier, "runtime-management")
        self._stored.put(key, (update_runtime_on, runtime_version_arn))
        return self.get_runtime_management_config(function_name, qualifier)

    def get_runtime_management_config(self, function_name, qualifier=None):
        key = self._settings_key(function_name, qualifier, "runtime-management")
        update_on, version_arn = self._stored.get(key, ("Auto", None))
        reply = {"UpdateRuntimeOn": update_on, "FunctionArn": function_arn(key[0], key[2])}
        if version_arn is not None:
            reply["RuntimeVersionArn"] = version_arn
        return reply
