"""Resource-based policies: who may invoke a function (AddPermission, GetPolicy,
RemovePermission) and who may use a layer version (AddLayerVersionPermission, ...).

Statements are stored as AWS writes them (the JSON GetPolicy returns), one policy per
function, version or alias, and per layer version. Triggers ask `allows()` before they
invoke, as AWS evaluates the policy: a function URL with AuthType NONE runs only for a
statement granting lambda:InvokeFunctionUrl to "*" with that auth type.
"""

import hashlib
import json
import re
import threading
import uuid

from ..core.config import function_arn
from ..core.errors import (InvalidParameterValueException, PreconditionFailedException,
                           ResourceConflictException, ResourceNotFoundException, validation_error)
from .functions import LATEST, split_name

_SID_RE = re.compile(r"([a-zA-Z0-9-_.]+)")
_ACTION_RE = re.compile(r"(lambda:[*]|lambda:[a-zA-Z]+|[*])")
_PRINCIPAL_RE = re.compile(r"[^\s]+")
_ACCOUNT_RE = re.compile(r"\d{12}")
_ORG_RE = re.compile(r"o-[a-z0-9]{10,32}")
_LAYER_ACTION = "lambda:GetLayerVersion"
POLICY_MAX_BYTES = 20 * 1024  # a function's resource policy, as AWS caps it (checked 2026-12)


class PolicyStore:
    """Policies by key: ("function", name, qualifier) or ("layer", name, version)."""

    def __init__(self):
        self._statements = {}
        self._lock = threading.Lock()

    def revision(self, key):
        """The policy's RevisionId: derived from its content, so stable across processes."""
        with self._lock:
            return _revision(key, self._statements.get(key, ()))

    def statements(self, key):
        with self._lock:
            return list(self._statements.get(key, ()))

    def add(self, key, statement, revision_id):
        with self._lock:
            current = self._statements.get(key, [])
            _check_revision(revision_id, _revision(key, current))
            if any(s["Sid"] == statement["Sid"] for s in current):
                raise ResourceConflictException(
                    "The statement id (sid) you provided already exists. Please provide a new statement id, "
                    "or remove the existing statement.")
            updated = current + [statement]
            if len(json.dumps(_document(updated))) > POLICY_MAX_BYTES:
                raise InvalidParameterValueException(
                    "The final policy size is bigger than the limit.")  # AWS's PolicyLengthExceededException
            self._statements[key] = updated
            return _revision(key, updated)

    def remove(self, key, sid, revision_id):
        with self._lock:
            current = self._statements.get(key, [])
            kept = [s for s in current if s["Sid"] != sid]
            if len(kept) == len(current):
                raise ResourceNotFoundException(f"Statement {sid} is not found in resource policy.")
            _check_revision(revision_id, _revision(key, current))
            self._statements[key] = kept

    def replace(self, key, statements, revision_id):
        """PutResourcePolicy / DeleteResourcePolicy: the whole policy at once."""
        with self._lock:
            _check_revision(revision_id, _revision(key, self._statements.get(key, [])))
            self._statements[key] = list(statements)
            return _revision(key, self._statements[key])

    def forget(self, kind, name, qualifier=None):
        """Drop a deleted function's (or version's, alias's, layer version's) policies."""
        with self._lock:
            for key in [k for k in self._statements if k[:2] == (kind, name)
                        and (qualifier is None or k[2] == qualifier)]:
                del self._statements[key]


def _document(statements):
    return {"Version": "2012-10-17", "Id": "default", "Statement": statements}


def _revision(key, statements):
    digest = hashlib.sha256(json.dumps([list(key), statements], sort_keys=True).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def _check_revision(given, current):
    if given is not None and given != current:
        raise PreconditionFailedException(
            "The RevisionId provided does not match the latest RevisionId for the Lambda function or alias. "
            "Call the GetFunction or the GetAlias API to retrieve the latest RevisionId for your resource.")


def _principal(principal):
    """Principal as AWS writes it: "*", {"Service": ...} or {"AWS": ARN} (an account id becomes its root)."""
    if not isinstance(principal, str) or not _PRINCIPAL_RE.fullmatch(principal):
        raise validation_error(principal, "principal", "Member must satisfy regular expression pattern: [^\\s]+")
    if principal == "*":
        return "*"
    if _ACCOUNT_RE.fullmatch(principal):
        return {"AWS": f"arn:aws:iam::{principal}:root"}
    if principal.startswith("arn:"):
        return {"AWS": principal}
    return {"Service": principal}


def _check(value, member, pattern, text):
    if not isinstance(value, str) or not pattern.fullmatch(value) or len(value) > 100:
        raise validation_error(value, member, f"Member must satisfy regular expression pattern: {text}")


def function_statement(resource, statement_id, action, principal, *, source_arn=None, source_account=None,
                       event_source_token=None, principal_org_id=None, function_url_auth_type=None):
    """The statement AddPermission stores (and returns as a JSON string)."""
    _check(statement_id, "statementId", _SID_RE, "([a-zA-Z0-9-_.]+)")
    _check(action, "action", _ACTION_RE, "(lambda:[*]|lambda:[a-zA-Z]+|[*])")
    if function_url_auth_type not in (None, "NONE", "AWS_IAM"):
        raise validation_error(function_url_auth_type, "functionUrlAuthType",
                               "Member must satisfy enum value set: [NONE, AWS_IAM]")
    conditions = {}
    if source_account is not None:
        conditions.setdefault("StringEquals", {})["AWS:SourceAccount"] = source_account
    if event_source_token is not None:
        conditions.setdefault("StringEquals", {})["lambda:EventSourceToken"] = event_source_token
    if principal_org_id is not None:
        conditions.setdefault("StringEquals", {})["aws:PrincipalOrgID"] = principal_org_id
    if function_url_auth_type is not None:
        conditions.setdefault("StringEquals", {})["lambda:FunctionUrlAuthType"] = function_url_auth_type
    if source_arn is not None:
        conditions["ArnLike"] = {"AWS:SourceArn": source_arn}
    statement = {"Sid": statement_id, "Effect": "Allow", "Principal": _principal(principal),
                 "Action": action, "Resource": resource}
    if conditions:
        statement["Condition"] = conditions
    return statement


def _arn_like(pattern, value):
    """IAM's ArnLike: * and ? wildcards within the ARN."""
    return re.fullmatch(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."), value or "") is not None


def grants(statement, principal, action, *, source_arn=None, source_account=None, url_auth_type=None):
    """Whether one statement applies to `principal` (a service name or "*") performing `action`."""
    granted_to = statement.get("Principal")
    if granted_to != "*" and not (isinstance(granted_to, dict) and principal in _as_list(granted_to.get("Service"))):
        return False
    if not {action, "lambda:*", "*"} & set(_as_list(statement.get("Action"))):
        return False
    condition = statement.get("Condition", {})
    equals, like = condition.get("StringEquals", {}), condition.get("ArnLike", {})
    if "AWS:SourceAccount" in equals and equals["AWS:SourceAccount"] != source_account:
        return False
    if "lambda:FunctionUrlAuthType" in equals and equals["lambda:FunctionUrlAuthType"] != url_auth_type:
        return False
    if "AWS:SourceArn" in like and not _arn_like(like["AWS:SourceArn"], source_arn):
        return False
    return True


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _allowed(statements, principal, action, **context):
    """IAM's rule: some Allow statement applies and no Deny statement does."""
    applying = [s for s in statements if grants(s, principal, action, **context)]
    return any(s.get("Effect") == "Allow" for s in applying) and not any(s.get("Effect") == "Deny" for s in applying)


def _parsed_policy(policy):
    """PutResourcePolicy's Policy text as statements, or AWS's error."""
    try:
        document = json.loads(policy) if isinstance(policy, str) else None
    except ValueError:
        document = None
    statements = _as_list(document.get("Statement")) if isinstance(document, dict) else None
    if not statements or not all(isinstance(s, dict) and s.get("Effect") in ("Allow", "Deny") and "Action" in s
                                 and ("Principal" in s) for s in statements):
        raise InvalidParameterValueException("The policy is not valid: it needs a Statement list whose statements "
                                             "have Effect (Allow or Deny), Principal and Action.")
    return statements


class Permissions:
    """Mixed into Runtime: resource-based policies of functions and layer versions."""

    def _policy_key(self, name, qualifier):
        name, qualifier = split_name(name, qualifier)
        with self._lock:
            function = self._function(name)
            if qualifier not in (None, LATEST) and qualifier not in function.versions \
                    and qualifier not in function.aliases:
                raise ResourceNotFoundException(f"Function not found: {function_arn(name, qualifier)}")
        return ("function", name, None if qualifier == LATEST else qualifier)

    def add_permission(self, function_name, statement_id, action, principal, *, qualifier=None, source_arn=None,
                       source_account=None, event_source_token=None, principal_org_id=None,
                       function_url_auth_type=None, revision_id=None):
        """AddPermission: grant `principal` (a service, an account, an ARN or "*") `action` on the
        function (or a version or alias); returns {"Statement": JSON text}."""
        key = self._policy_key(function_name, qualifier)
        statement = function_statement(function_arn(key[1], key[2]), statement_id, action, principal,
                                       source_arn=source_arn, source_account=source_account,
                                       event_source_token=event_source_token, principal_org_id=principal_org_id,
                                       function_url_auth_type=function_url_auth_type)
        self._policies.add(key, statement, revision_id)
        return {"Statement": json.dumps(statement, separators=(",", ":"))}

    def get_policy(self, function_name, qualifier=None):
        """GetPolicy: {"Policy": JSON text, "RevisionId": ...}, or ResourceNotFoundException if empty."""
        key = self._policy_key(function_name, qualifier)
        statements = self._policies.statements(key)
        if not statements:
            raise ResourceNotFoundException("The resource you requested does not exist.")
        return {"Policy": json.dumps(_document(statements), separators=(",", ":")),
                "RevisionId": self._policies.revision(key)}

    def remove_permission(self, function_name, statement_id, qualifier=None, revision_id=None):
        self._policies.remove(self._policy_key(function_name, qualifier), statement_id, revision_id)

    def invoke_allowed(self, function_name, qualifier, principal, action="lambda:InvokeFunction", **context):
        """Whether the function's policy (the version's or alias's, if qualified) lets `principal`
        (a service such as "s3.amazonaws.com", or "*" for anyone) perform `action`."""
        key = self._policy_key(function_name, qualifier)
        return _allowed(self._policies.statements(key), principal, action, **context)

    # ------------------------------------------------- the resource-policy API
    def put_resource_policy(self, resource_arn, policy, revision_id=None):
        """PutResourcePolicy on a function (or version, alias) ARN: the whole policy document."""
        key = self._policy_key(resource_arn, None)
        revision = self._policies.replace(key, _parsed_policy(policy), revision_id)
        return {"Policy": json.dumps(_document(self._policies.statements(key)), separators=(",", ":")),
                "RevisionId": revision}

    def get_resource_policy(self, resource_arn):
        return self.get_policy(resource_arn)

    def delete_resource_policy(self, resource_arn, revision_id=None):
        key = self._policy_key(resource_arn, None)
        if not self._policies.statements(key):
            raise ResourceNotFoundException("The resource you requested does not exist.")
        self._policies.replace(key, [], revision_id)

    # ------------------------------------------------------------ layer versions
    def _layer_key(self, layer_name, version_number):
        version = self.layers.get(layer_name, version_number)
        return ("layer", version.name, version.version), version.arn

    def add_layer_version_permission(self, layer_name, version_number, statement_id, action, principal, *,
                                     organization_id=None, revision_id=None):
        """AddLayerVersionPermission: let an account ("123456789012"), an organization or everyone
        ("*") use the layer version; returns {"Statement": JSON text, "RevisionId": ...}."""
        key, arn = self._layer_key(layer_name, version_number)
        _check(statement_id, "statementId", _SID_RE, "([a-zA-Z0-9-_]+)")
        if action != _LAYER_ACTION:
            raise validation_error(action, "action",
                                   "Member must satisfy regular expression pattern: lambda:GetLayerVersion")
        if not isinstance(principal, str) or not (principal == "*" or _ACCOUNT_RE.fullmatch(principal)
                                                  or principal.startswith("arn:aws:iam::")):
            raise validation_error(principal, "principal", "Member must satisfy regular expression pattern: "
                                   "\\d{12}|\\*|arn:(aws[a-zA-Z-]*):iam::\\d{12}:root")
        if organization_id is not None:
            if principal != "*":
                raise InvalidParameterValueException("OrganizationId can only be used with Principal '*'.")
            _check(organization_id, "organizationId", _ORG_RE, "o-[a-z0-9]{10,32}")
        statement = {"Sid": statement_id, "Effect": "Allow", "Principal": _principal(principal),
                     "Action": action, "Resource": arn}
        if organization_id is not None:
            statement["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": organization_id}}
        revision = self._policies.add(key, statement, revision_id)
        return {"Statement": json.dumps(statement, separators=(",", ":")), "RevisionId": revision}

    def get_layer_version_policy(self, layer_name, version_number):
        key, _ = self._layer_key(layer_name, version_number)
        statements = self._policies.statements(key)
        if not statements:
            raise ResourceNotFoundException("No policy is associated with the given resource.")
        return {"Policy": json.dumps(_document(statements), separators=(",", ":")),
                "RevisionId": self._policies.revision(key)}

    def remove_layer_version_permission(self, layer_name, version_number, statement_id, revision_id=None):
        key, _ = self._layer_key(layer_name, version_number)
        self._policies.remove(key, statement_id, revision_id)

