"""Code signing configs: stored, returned and attached to functions as the API does, but not
enforced (lambdakit takes unsigned ZIPs; signature checks need AWS Signer). Said in the README."""

import threading

from ..core import limits
from ..core.errors import InvalidParameterValueException, ResourceNotFoundException, validation_error
from ..events.identifiers import derived_hex
from .functions import split_name

POLICIES = ("Warn", "Enforce")


def _csc_arn(csc_id):
    return f"arn:aws:lambda:{limits.REGION}:{limits.ACCOUNT_ID}:code-signing-config:{csc_id}"


def _check(allowed_publishers, policies):
    arns = (allowed_publishers or {}).get("SigningProfileVersionArns")
    if not isinstance(arns, list) or not 1 <= len(arns) <= 20:
        raise validation_error(arns, "allowedPublishers.signingProfileVersionArns",
                               "Member must have length between 1 and 20")
    action = (policies or {}).get("UntrustedArtifactOnDeployment", "Warn")
    if action not in POLICIES:
        raise validation_error(action, "codeSigningPolicies.untrustedArtifactOnDeployment",
                               "Member must satisfy enum value set: [Warn, Enforce]")
    return {"SigningProfileVersionArns": list(arns)}, {"UntrustedArtifactOnDeployment": action}


class CodeSigning:
    """Mixed into Runtime: code signing configs and which function uses which."""

    def _csc(self, arn):
        with self._lock:
            found = self._code_signing.get(arn)
        if found is None:
            raise ResourceNotFoundException(f"The code signing configuration cannot be found. Check that the "
                                            f"provided configuration is not deleted: {arn}.")
        return found

    def create_code_signing_config(self, allowed_publishers, *, description="", code_signing_policies=None,
                                   tags=None):
        publishers, policies = _check(allowed_publishers, code_signing_policies)
        with self._lock:
            csc_id = "csc-" + derived_hex(17, "code-signing-config", next(self._csc_ids))
            arn = _csc_arn(csc_id)
            self._code_signing[arn] = {"CodeSigningConfigId": csc_id, "CodeSigningConfigArn": arn,
                                       "Description": description or "", "AllowedPublishers": publishers,
                                       "CodeSigningPolicies": policies, "LastModified": self._timestamp()}
        if tags:
            self._tags.add(arn, tags)
        return {"CodeSigningConfig": dict(self._csc(arn))}

    def get_code_signing_config(self, arn):
        return {"CodeSigningConfig": dict(self._csc(arn))}

    def update_code_signing_config(self, arn, *, description=None, allowed_publishers=None,
                                   code_signing_policies=None):
        current = self._csc(arn)
        publishers, policies = _check(allowed_publishers or current["AllowedPublishers"],
                                      code_signing_policies or current["CodeSigningPolicies"])
        with self._lock:
            self._code_signing[arn] = {**current, "AllowedPublishers": publishers, "CodeSigningPolicies": policies,
                                       "Description": current["Description"] if description is None else description,
                                       "LastModified": self._timestamp()}
        return self.get_code_signing_config(arn)

    def delete_code_signing_config(self, arn):
        self._csc(arn)
        if self.list_functions_by_code_signing_config(arn):
            raise InvalidParameterValueException("The code signing configuration is in use by functions.")
        with self._lock:
            del self._code_signing[arn]
        self._tags.forget(arn)

    def list_code_signing_configs(self):
        with self._lock:
            return [dict(c) for _, c in sorted(self._code_signing.items())]

    def list_functions_by_code_signing_config(self, arn):
        self._csc(arn)
        with self._lock:
            return sorted(f.latest.config.arn for f in self._functions.values() if f.code_signing_config == arn)

    def put_function_code_signing_config(self, function_name, arn):
        name, _ = split_name(function_name)
        self._csc(arn)
        with self._lock:
            self._function(name).code_signing_config = arn
        return {"CodeSigningConfigArn": arn, "FunctionName": name}

    def get_function_code_signing_config(self, function_name):
        name, _ = split_name(function_name)
        with self._lock:
            arn = self._function(name).code_signing_config
        return {"CodeSigningConfigArn": arn or "", "FunctionName": name}

    def delete_function_code_signing_config(self, function_name):
        name, _ = split_name(function_name)
        with self._lock:
            self._function(name).code_signing_config = None
