"""Function URL configs (Create/Get/Update/Delete/ListFunctionUrlConfigs): the rules.

A config belongs to a function's $LATEST or to one of its aliases (AWS accepts no version
number). Each config is served over real HTTP on its own port of 127.0.0.1 by
lambdakit.apigw.function_urls; the URL id AWS puts in the host name
(https://<id>.lambda-url.<region>.on.aws/) is in the events' requestContext.domainName.
"""

from dataclasses import dataclass, replace

from ..core.config import function_arn
from ..core.errors import (InvalidParameterValueException, ResourceConflictException, ResourceNotFoundException,
                           validation_error)
from ..events.identifiers import derived_hex
from .functions import LATEST, split_name

AUTH_TYPES = ("NONE", "AWS_IAM")
INVOKE_MODES = ("BUFFERED", "RESPONSE_STREAM")
_CORS_MEMBERS = {"AllowCredentials": bool, "AllowHeaders": list, "AllowMethods": list, "AllowOrigins": list,
                 "ExposeHeaders": list, "MaxAge": int}


@dataclass(frozen=True)
class UrlConfig:
    function: str
    qualifier: str | None     # an alias, or None for $LATEST
    url_id: str
    auth_type: str
    cors: dict
    invoke_mode: str
    created: str
    modified: str

    @property
    def function_arn(self):
        return function_arn(self.function, self.qualifier)


def _check(auth_type, cors, invoke_mode):
    if auth_type not in AUTH_TYPES:
        raise validation_error(auth_type, "authType", "Member must satisfy enum value set: [NONE, AWS_IAM]")
    if invoke_mode not in INVOKE_MODES:
        raise validation_error(invoke_mode, "invokeMode",
                               "Member must satisfy enum value set: [BUFFERED, RESPONSE_STREAM]")
    if not isinstance(cors, dict):
        raise InvalidParameterValueException("Cors must be an object.")
    for member, value in cors.items():
        kind = _CORS_MEMBERS.get(member)
        if kind is None or not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise InvalidParameterValueException(f"Cors member {member} is not valid.")
    return dict(cors)


class FunctionUrls:
    """Mixed into Runtime: function URL configs and the HTTP servers that serve them."""

    def _url_key(self, function_name, qualifier):
        name, qualifier = split_name(function_name, qualifier)
        with self._lock:
            function = self._function(name)
            if qualifier not in (None, LATEST) and qualifier not in function.aliases:
                if qualifier in function.versions:
                    raise InvalidParameterValueException(
                        "Function URLs are only supported on $LATEST or an alias, not on a version.")
                raise ResourceNotFoundException(f"Function not found: {function_arn(name, qualifier)}")
        return name, None if qualifier == LATEST else qualifier

    def _url_config(self, key):
        with self._lock:
            found = self._urls.get(key)
        if found is None:
            raise ResourceNotFoundException("The resource you requested does not exist.")
        return found

    def _describe_url(self, key, created_only=False):
        config, server = self._url_config(key)
        reply = {"FunctionUrl": server.url, "FunctionArn": config.function_arn, "AuthType": config.auth_type,
                 "Cors": config.cors, "CreationTime": config.created, "InvokeMode": config.invoke_mode}
        if not created_only:
            reply["LastModifiedTime"] = config.modified
        return reply

    def create_function_url_config(self, function_name, auth_type, *, qualifier=None, cors=None,
                                   invoke_mode="BUFFERED"):
        """CreateFunctionUrlConfig: a URL on 127.0.0.1 that invokes the function (or alias) over HTTP."""
        key = self._url_key(function_name, qualifier)
        cors = _check(auth_type, cors or {}, invoke_mode)
        from ..apigw.function_urls import UrlServer  # the HTTP front is loaded only when used
        with self._lock:
            if key in self._urls:
                raise ResourceConflictException(
                    f"Failed to create function url config for [functionArn = {function_arn(*key)}]. "
                    "Error message:  FunctionUrlConfig exists for this Lambda function")
            now = self._timestamp()
            config = UrlConfig(key[0], key[1], derived_hex(32, "function-url", *key), auth_type, cors,
                               invoke_mode, now, now)
            self._urls[key] = (config, UrlServer(self, key))
        return self._describe_url(key, created_only=True)

    def url_config(self, key):
        """The UrlConfig in force for (function, alias or None), as the URL server reads it per request."""
        return self._url_config(key)[0]

    def get_function_url_config(self, function_name, qualifier=None):
        return self._describe_url(self._url_key(function_name, qualifier))

    def update_function_url_config(self, function_name, *, qualifier=None, auth_type=None, cors=None,
                                   invoke_mode=None):
        key = self._url_key(function_name, qualifier)
        with self._lock:
            config, server = self._url_config(key)
            updated = replace(config, auth_type=auth_type or config.auth_type,
                              cors=config.cors if cors is None else cors,
                              invoke_mode=invoke_mode or config.invoke_mode, modified=self._timestamp())
            _check(updated.auth_type, updated.cors, updated.invoke_mode)
            self._urls[key] = (updated, server)
        return self._describe_url(key)

    def delete_function_url_config(self, function_name, qualifier=None):
        key = self._url_key(function_name, qualifier)
        with self._lock:
            _, server = self._url_config(key)
            del self._urls[key]
        server.close()

    def list_function_url_configs(self, function_name):
        name, _ = split_name(function_name)
        with self._lock:
            self._function(name)
            keys = sorted((k for k in self._urls if k[0] == name), key=lambda k: k[1] or "")
        return [self._describe_url(k) for k in keys]

    def _close_urls(self, name=None):
        """Stop the URL servers of one function (deleted) or of all (the runtime closes)."""
        with self._lock:
            keys = [k for k in self._urls if name is None or k[0] == name]
            servers = [self._urls.pop(k)[1] for k in keys]
        for server in servers:
            server.close()

