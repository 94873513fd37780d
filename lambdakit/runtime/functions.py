"""Functions, their published versions and aliases: the rules of the Lambda API, no processes."""

import functools
import re
import threading
from dataclasses import dataclass, field

from ..core.config import function_arn, validate_name
from ..core.errors import (InvalidParameterValueException, ResourceConflictException,
                      ResourceNotFoundException, validation_error)

LATEST = "$LATEST"
_ALIAS_RE = re.compile(r"(?!^[0-9]+$)([a-zA-Z0-9-_]+)")
_QUALIFIER_RE = re.compile(r"(|[a-zA-Z0-9$_-]+)")


@dataclass(frozen=True)
class Code:
    directory: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Version:
    """A published version: configuration and code frozen together (or $LATEST's current pair)."""
    number: str
    config: object
    code: Code
    description: str = ""
    last_modified: str = ""
    revision: int = 1


@dataclass(frozen=True)
class Alias:
    name: str
    version: str
    weights: tuple = ()          # ((version, weight),) for weighted routing, at most one
    description: str = ""

    def route(self, draw):
        """The version an invocation runs on, given a uniform draw in [0, 1)."""
        for version, weight in self.weights:
            if draw < weight:
                return version
        return self.version


@dataclass
class Function:
    latest: Version
    versions: dict = field(default_factory=dict)   # "1" -> Version
    aliases: dict = field(default_factory=dict)    # name -> Alias
    reserved_concurrency: int | None = None
    provisioned: dict = field(default_factory=dict)  # qualifier -> requested environments
    event_invoke_config: dict = field(default_factory=dict)  # qualifier -> settings
    dead_letter_target: str | None = None  # DeadLetterConfig.TargetArn: set on the function, not per version
    code_signing_config: str | None = None  # a code signing config's ARN (stored, not enforced)
    durable_config: dict | None = None  # DurableConfig: set at CreateFunction only (lambdakit.runtime.durable)
    next_version: int = 1
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def name(self):
        return self.latest.config.name

    def version(self, number):
        if number == LATEST:
            return self.latest
        try:
            return self.versions[number]
        except KeyError:
            raise ResourceNotFoundException(f"Function not found: {function_arn(self.name, number)}")

    def publish(self, description, last_modified):
        """PublishVersion: a new number only if code or configuration changed since the last one."""
        with self.lock:
            newest = self.versions.get(str(self.next_version - 1))
            if newest and newest.code.sha256 == self.latest.code.sha256 and newest.config == self.latest.config:
                return newest
            number = str(self.next_version)
            self.next_version += 1
            version = Version(number, self.latest.config, self.latest.code,
                              description or self.latest.description, last_modified)
            self.versions[number] = version
            return version

    def delete_version(self, number):
        if number == LATEST:
            raise InvalidParameterValueException("$LATEST version cannot be deleted without deleting the function.")
        using = [a.name for a in self.aliases.values() if number in (a.version, *dict(a.weights))]
        if using:
            raise ResourceConflictException(
                f"Unable to delete version because the following aliases reference it: {using}")
        self.version(number)
        del self.versions[number]

    def put_alias(self, name, version, weights=None, description="", create=True):
        if not _ALIAS_RE.fullmatch(name) or len(name) > 128:
            raise validation_error(name, "name",
                                   "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)")
        if create and name in self.aliases:
            raise ResourceConflictException(f"Alias already exists: {function_arn(self.name, name)}")
        if not create and name not in self.aliases:
            raise ResourceNotFoundException(f"Alias not found: {function_arn(self.name, name)}")
        self.version(version)
        weights = tuple((weights or {}).items())
        if weights:
            self._check_weights(version, weights)
        alias = Alias(name, version, weights, description)
        self.aliases[name] = alias
        return alias

    def _check_weights(self, version, weights):
        if len(weights) > 1:
            raise InvalidParameterValueException(
                "Number of items in AdditionalVersionWeights cannot be greater than 1")
        (other, weight), = weights
        if version == LATEST or other == LATEST:
            raise InvalidParameterValueException(
                "$LATEST is not supported for an alias pointing to more than 1 version")
        if other == version:
            raise InvalidParameterValueException(
                f"Alias with weights can not point to the same version: {version}")
        self.version(other)
        if not 0.0 <= weight <= 1.0:
            raise validation_error(weight, "routingConfig.additionalVersionWeights",
                                   "Map value must satisfy constraint: [Member must have value less than "
                                   "or equal to 1.0, Member must have value greater than or equal to 0.0]")
        if self.version(other).config.architecture != self.version(version).config.architecture:
            raise InvalidParameterValueException("Versions of an alias must have the same architecture.")

    def resolve(self, qualifier, draw):
        """(version number, invoked ARN) for an invocation with this qualifier."""
        if qualifier in (None, ""):
            return LATEST, function_arn(self.name)
        if qualifier == LATEST or qualifier in self.versions:
            return qualifier, function_arn(self.name, qualifier)
        alias = self.aliases.get(qualifier)
        if alias is None:
            raise ResourceNotFoundException(f"Function not found: {function_arn(self.name, qualifier)}")
        return alias.route(draw), function_arn(self.name, qualifier)


def split_name(function_name, qualifier=None):
    """Accept NAME, NAME:QUALIFIER, a partial ARN or a full ARN; return (name, qualifier)."""
    if isinstance(function_name, str) and (qualifier is None or isinstance(qualifier, str)):
        return _split_name(function_name, qualifier)  # every invoke parses its name: remember them
    return _split_name.__wrapped__(function_name, qualifier)


@functools.lru_cache(maxsize=1024)
def _split_name(function_name, qualifier):
    if not isinstance(function_name, str) or not function_name:
        raise validation_error(function_name, "functionName", "Member must have length greater than or equal to 1")
    parts = function_name.split(":")
    if parts[0] == "arn":
        parts = parts[6:] if len(parts) >= 7 else []
    elif len(parts) >= 3 and parts[1] == "function":
        parts = parts[2:]
    elif len(parts) >= 2 and parts[0] == "function":
        parts = parts[1:]
    if not parts or len(parts) > 2:
        raise validation_error(function_name, "functionName", "Member must satisfy regular expression pattern")
    name = validate_name(parts[0])
    if len(parts) == 2:
        if qualifier not in (None, "", parts[1]):
            raise InvalidParameterValueException("The derived qualifier from the function name does not match the specified qualifier.")
        qualifier = parts[1]
    if qualifier is not None and not _QUALIFIER_RE.fullmatch(qualifier):
        raise validation_error(qualifier, "qualifier", "Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)")
    return name, qualifier
