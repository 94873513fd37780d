"""Tags on functions, event source mappings and code signing configs (TagResource, UntagResource, ListTags, and
Tags on CreateFunction), stored by the resource's unqualified ARN and dropped with it."""

import re
import threading

from ..core import limits
from ..core.errors import InvalidParameterValueException, validation_error
from .functions import split_name

TAGS_MAX = 50          # per resource (checked 2026-12)
_KEY_MAX, _VALUE_MAX = 128, 256
_ARN_RE = re.compile(rf"arn:aws:lambda:{limits.REGION}:{limits.ACCOUNT_ID}:"
                     r"(?:(?P<function>function:[a-zA-Z0-9-_]+(?::(?P<qualifier>[^:]+))?)"
                     r"|event-source-mapping:(?P<mapping>[0-9a-f-]{36})"
                     r"|(?P<csc>code-signing-config:csc-[a-z0-9]{17}))")


def check_tags(tags):
    """Tags as CreateFunction and TagResource accept them: {key: value} strings, AWS's limits."""
    if not isinstance(tags, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items()):
        raise InvalidParameterValueException("Tags must be a map of string keys to string values.")
    for key, value in tags.items():
        if not 1 <= len(key) <= _KEY_MAX or len(value) > _VALUE_MAX:
            raise validation_error(tags, "tags", f"Map keys must have length between 1 and {_KEY_MAX}, "
                                   f"values at most {_VALUE_MAX}")
        if key.lower().startswith("aws:"):
            raise InvalidParameterValueException("Tag keys starting with 'aws:' are reserved for AWS.")
    return dict(tags)


class TagStore:
    def __init__(self):
        self._tags = {}
        self._lock = threading.Lock()

    def get(self, arn):
        with self._lock:
            return dict(self._tags.get(arn, {}))

    def add(self, arn, tags):
        with self._lock:
            merged = {**self._tags.get(arn, {}), **check_tags(tags)}
            if len(merged) > TAGS_MAX:
                raise InvalidParameterValueException(f"Number of tags exceeds resource tag limit of {TAGS_MAX}.")
            self._tags[arn] = merged

    def remove(self, arn, keys):
        with self._lock:
            kept = {k: v for k, v in self._tags.get(arn, {}).items() if k not in set(keys)}
            self._tags[arn] = kept

    def forget(self, arn):
        with self._lock:
            self._tags.pop(arn, None)


class Tagging:
    """Mixed into Runtime: tags of its functions and event source mappings."""

    def _taggable(self, resource):
        """The unqualified ARN of an existing taggable resource, or AWS's error."""
        found = _ARN_RE.fullmatch(resource) if isinstance(resource, str) else None
        if found is None:
            raise validation_error(resource, "resource", "Member must satisfy regular expression pattern: "
                                   "arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:"
                                   "\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|"
                                   "event-source-mapping:[0-9a-f-]{36}|code-signing-config:csc-[a-z0-9]{17})")
        if found["csc"]:
            self.get_code_signing_config(resource)  # ResourceNotFoundException if gone
            return resource
        if found["mapping"]:
            self.get_event_source_mapping(found["mapping"])  # ResourceNotFoundException if gone
            return resource
        if found["qualifier"]:
            raise InvalidParameterValueException("Tags are not supported on qualified function ARNs; "
                                                 "use the unqualified ARN.")
        name, _ = split_name(resource)
        with self._lock:
            self._function(name)
        return resource

    def tag_resource(self, resource, tags):
        """TagResource: add or replace tags on a function or event source mapping (by ARN)."""
        self._tags.add(self._taggable(resource), tags)

    def untag_resource(self, resource, tag_keys):
        if not isinstance(tag_keys, (list, tuple)) or not tag_keys:
            raise validation_error(tag_keys, "tagKeys", "Member must have length greater than or equal to 1")
        self._tags.remove(self._taggable(resource), tag_keys)

    def list_tags(self, resource):
        """ListTags: {"Tags": {...}} of a function or event source mapping."""
        return {"Tags": self._tags.get(self._taggable(resource))}

