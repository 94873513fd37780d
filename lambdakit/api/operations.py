"""One function per Lambda API operation: read the REST request, call the Runtime, shape the reply.

Translation only. Validation, quotas and state are the Runtime's (runtime/service.py); a
member that cannot be translated at all (wrong JSON type, bad base64) is the only error
raised here, as InvalidRequestContentException.
"""

import json
from urllib.parse import quote, unquote

from ..core.errors import InvalidParameterValueException, InvalidRequestContentException, validation_error
from ..runtime.response_stream import ResponseStream
from . import eventstream
from .wire import b64decode, b64encode, empty_response, json_response, Response

# REST member -> Runtime setting, for members that are plain values in both.
_SCALARS = {"Handler": "handler", "Runtime": "runtime", "MemorySize": "memory_size",
            "Timeout": "timeout", "Description": "description", "Role": "role"}


def _member(body, name, kind, what):
    """body[name] if present and of JSON type `kind` (dict, list, str), else InvalidRequestContent."""
    value = body.get(name)
    if value is not None and not isinstance(value, kind):
        raise InvalidRequestContentException(
            f"Could not parse request body into json: {name} must be {what}")
    return value


def _settings(body):
    """Runtime settings (snake_case) from the configuration members of a request body."""
    settings = {setting: body[member] for member, setting in _SCALARS.items() if member in body}
    if "Environment" in body:
        environment = _member(body, "Environment", dict, "an object") or {}
        settings["environment"] = _member(environment, "Variables", dict, "an object") or {}
    if "Layers" in body:
        settings["layers"] = tuple(_member(body, "Layers", list, "a list") or ())
    if "EphemeralStorage" in body:
        settings["ephemeral_storage"] = (_member(body, "EphemeralStorage", dict, "an object") or {}).get("Size")
    if "LoggingConfig" in body:
        logging = _member(body, "LoggingConfig", dict, "an object") or {}
        if "LogFormat" in logging:
            settings["log_format"] = logging["LogFormat"]
    if "DeadLetterConfig" in body:
        settings["dead_letter_config"] = _member(body, "DeadLetterConfig", dict, "an object") or {}
    if "Architectures" in body:
        architectures = _member(body, "Architectures", list, "a list") or []
        if len(architectures) != 1:
            raise validation_error(architectures, "architectures",
                                   "Member must have length less than or equal to 1")
        settings["architecture"] = architectures[0]
    return settings


def _zip_file(body):
    """The deployment package of CreateFunction (Code.ZipFile) or UpdateFunctionCode (ZipFile)."""
    if body.get("ZipFile") is not None:
        return b64decode(body["ZipFile"], "ZipFile")
    if any(body.get(k) for k in ("S3Bucket", "S3Key", "ImageUri")):
        raise InvalidParameterValueException(
            "lambdakit takes deployment packages as ZipFile only (no S3 location or container image).")
    raise InvalidParameterValueException("Please provide a source for function code.")


def _weights(body):
    """RoutingConfig.AdditionalVersionWeights, or None when the request leaves routing alone."""
    if "RoutingConfig" not in body:
        return None
    routing = _member(body, "RoutingConfig", dict, "an object") or {}
    weights = _member(routing, "AdditionalVersionWeights", dict, "an object") or {}
    if not all(isinstance(w, (int, float)) and not isinstance(w, bool) for w in weights.values()):
        raise InvalidRequestContentException(
            "Could not parse request body into json: AdditionalVersionWeights values must be numbers")
    return weights


def _page(items, request, key):
    """Marker / MaxItems pagination over a list the Runtime returns whole."""
    try:
        start = int(request.query.get("Marker") or 0)
        size = int(request.query.get("MaxItems") or 50)
    except ValueError:
        raise InvalidParameterValueException("Marker and MaxItems must be integers.")
    if size < 1 or size > 10_000:
        raise validation_error(size, "maxItems", "Member must have value between 1 and 10000")
    page = {key: items[start:start + size]}
    if start + size < len(items):
        page["NextMarker"] = str(start + size)
    return page


# ---------------------------------------------------------------- functions
def create_function(runtime, request):
    body = request.json()
    code = _member(body, "Code", dict, "an object") or {}
    if body.get("PackageType", "Zip") != "Zip":
        raise InvalidParameterValueException("lambdakit runs Zip packages only, not container images.")
    created = runtime.create_function(body.get("FunctionName"), _zip_file(code),
                                      publish=bool(body.get("Publish")),
                                      tags=_member(body, "Tags", dict, "an object"),
                                      durable_config=_member(body, "DurableConfig", dict, "an object"),
                                      **_settings(body))
    return json_response(created, 201)


def get_function(runtime, request):
    name = request.params["FunctionName"]
    function = runtime.get_function(name, request.query.get("Qualifier"))
    function["Code"]["Location"] = code_location(runtime, request, function["Configuration"]["FunctionName"])
    concurrency = runtime.get_function_concurrency(name)
    if concurrency:
        function["Concurrency"] = concurrency
    return json_response(function)


CODE_DOWNLOAD = "/lambdakit/code/"  # not an AWS path: the presigned download of GetFunction's Code.Location


def code_location(runtime, request, name):
    """A URL on this server from which the ZIP downloads without signing, as AWS's presigned S3 URL."""
    version, token = runtime.code_download_token(name, request.query.get("Qualifier"))
    return f"http://{request.header('Host')}{CODE_DOWNLOAD}{quote(name)}/{quote(version)}?token={token}"


def download_code(runtime, request):
    name, _, version = request.path[len(CODE_DOWNLOAD):].partition("/")
    data = runtime.download_function_code(unquote(name), unquote(version), request.query.get("token"))
    return Response(200, data, {"Content-Type": "application/zip"})


def get_function_configuration(runtime, request):
    return json_response(runtime.get_function_configuration(
        request.params["FunctionName"], request.query.get("Qualifier")))


def list_functions(runtime, request):
    functions = runtime.list_functions()
    if request.query.get("FunctionVersion") == "ALL":
        functions = [v for f in functions for v in runtime.list_versions_by_function(f["FunctionName"])]
    return json_response(_page(functions, request, "Functions"))


def update_function_code(runtime, request):
    body = request.json()
    return json_response(runtime.update_function_code(
        request.params["FunctionName"], _zip_file(body), publish=bool(body.get("Publish"))))


def update_function_configuration(runtime, request):
    return json_response(runtime.update_function_configuration(
        request.params["FunctionName"], **_settings(request.json())))


def delete_function(runtime, request):
    runtime.delete_function(request.params["FunctionName"], request.query.get("Qualifier"))
    return empty_response(204)


# ------------------------------------------------------------------- invoke
def _client_context(header):
    """X-Amz-Client-Context: base64 of a JSON object, as the handler's context.client_context."""
    if not header:
        return None
    try:
        value = json.loads(b64decode(header, "X-Amz-Client-Context"))
    except (ValueError, InvalidRequestContentException):
        value = None
    if not isinstance(value, dict):
        raise InvalidRequestContentException("Client context must be a valid Base64-encoded JSON object.")
    return value


def invoke(runtime, request):
    log_type = request.header("X-Amz-Log-Type")
    result = runtime.invoke(
        request.params["FunctionName"], request.body,
        invocation_type=request.header("X-Amz-Invocation-Type") or "RequestResponse",
        qualifier=request.query.get("Qualifier"), log_type=log_type,
        client_context=_client_context(request.header("X-Amz-Client-Context")),
        durable_execution_name=request.header("X-Amz-Durable-Execution-Name"))
    headers = {"Content-Type": "application/json"}
    if result.durable_execution_arn:
        headers["X-Amz-Durable-Execution-Arn"] = result.durable_execution_arn
    if result.status_code == 200:
        headers["X-Amz-Executed-Version"] = result.executed_version
        if result.function_error:
            headers["X-Amz-Function-Error"] = result.function_error
        if log_type == "Tail":
            headers["X-Amz-Log-Result"] = b64encode(result.log_tail.encode())
    return Response(result.status_code, result.payload, headers, result.request_id)


def invoke_with_response_stream(runtime, request):
    """The function's response as event-stream PayloadChunk events, each sent as the runtime
    streams it (a function that does not stream sends its whole response as one), then
    InvokeComplete with ErrorCode, ErrorDetails and LogResult as AWS fills them."""
    log_type = request.header("X-Amz-Log-Type")
    headers = {"Content-Type": "application/vnd.amazon.eventstream"}

    def produce(send):
        def started(_content_type):  # the head goes out with the first chunk: it needs these
            headers.update({"x-amzn-RequestId": stream.request_id, "X-Amz-Executed-Version": stream.executed_version})

        stream = ResponseStream(started, lambda data: send(eventstream.event("PayloadChunk", data)))
        result = runtime.invoke_with_response_stream(
            request.params["FunctionName"], request.body,
            invocation_type=request.header("X-Amz-Invocation-Type") or "RequestResponse",
            qualifier=request.query.get("Qualifier"), log_type=log_type,
            client_context=_client_context(request.header("X-Amz-Client-Context")),
            response_stream=stream)
        headers.update({"x-amzn-RequestId": result.request_id,
                        "X-Amz-Executed-Version": result.executed_version or "$LATEST"})
        if result.status_code != 200:  # DryRun
            return Response(result.status_code, b"", headers)
        complete = {}
        if result.function_error:
            complete = {"ErrorCode": result.error_type or "Unhandled",
                        "ErrorDetails": result.payload.decode("utf-8", "replace")}
        elif not stream.started:  # a response that came whole: one chunk
            send(eventstream.event("PayloadChunk", result.payload))
        if log_type == "Tail":
            complete["LogResult"] = b64encode(result.log_tail.encode())
        send(eventstream.event("InvokeComplete", json.dumps(complete).encode(), "application/json"))
        return None

    return Response(200, b"", headers, produce=produce)


def invoke_async(runtime, request):
    return json_response(runtime.invoke_async(request.params["FunctionName"], request.body), 202)


# --------------------------------------------------------- versions, aliases
def publish_version(runtime, request):
    body = request.json()
    return json_response(runtime.publish_version(
        request.params["FunctionName"], body.get("Description") or ""), 201)


def list_versions_by_function(runtime, request):
    versions = runtime.list_versions_by_function(request.params["FunctionName"])
    return json_response(_page(versions, request, "Versions"))


def create_alias(runtime, request):
    body = request.json()
    return json_response(runtime.create_alias(
        request.params["FunctionName"], body.get("Name"), body.get("FunctionVersion"),
        _weights(body), body.get("Description") or ""), 201)


def get_alias(runtime, request):
    return json_response(runtime.get_alias(request.params["FunctionName"], request.params["Name"]))


def update_alias(runtime, request):
    body = request.json()
    return json_response(runtime.update_alias(
        request.params["FunctionName"], request.params["Name"], body.get("FunctionVersion"),
        _weights(body), body.get("Description")))


def list_aliases(runtime, request):
    aliases = runtime.list_aliases(request.params["FunctionName"])
    version = request.query.get("FunctionVersion")
    if version:
        aliases = [a for a in aliases if a["FunctionVersion"] == version]
    return json_response(_page(aliases, request, "Aliases"))


def delete_alias(runtime, request):
    runtime.delete_alias(request.params["FunctionName"], request.params["Name"])
    return empty_response(204)


# -------------------------------------------------------------- concurrency
def put_function_concurrency(runtime, request):
    return json_response(runtime.put_function_concurrency(
        request.params["FunctionName"], request.json().get("ReservedConcurrentExecutions")))


def get_function_concurrency(runtime, request):
    return json_response(runtime.get_function_concurrency(request.params["FunctionName"]))


def delete_function_concurrency(runtime, request):
    runtime.delete_function_concurrency(request.params["FunctionName"])
    return empty_response(204)


def put_provisioned_concurrency_config(runtime, request):
    return json_response(runtime.put_provisioned_concurrency_config(
        request.params["FunctionName"], request.query.get("Qualifier"),
        request.json().get("ProvisionedConcurrentExecutions")), 202)


def get_provisioned_concurrency_config(runtime, request):
    name = request.params["FunctionName"]
    if request.query.get("List") == "ALL":
        configs = runtime.list_provisioned_concurrency_configs(name)
        return json_response(_page(configs, request, "ProvisionedConcurrencyConfigs"))
    return json_response(runtime.get_provisioned_concurrency_config(name, request.query.get("Qualifier")))


def delete_provisioned_concurrency_config(runtime, request):
    runtime.delete_provisioned_concurrency_config(request.params["FunctionName"], request.query.get("Qualifier"))
    return empty_response(204)


# ------------------------------------------------------ event invoke config
def _event_invoke_settings(body):
    return {"maximum_retry_attempts": body.get("MaximumRetryAttempts"),
            "maximum_event_age_in_seconds": body.get("MaximumEventAgeInSeconds"),
            "destination_config": _member(body, "DestinationConfig", dict, "an object")}


def put_function_event_invoke_config(runtime, request):
    return json_response(runtime.put_function_event_invoke_config(
        request.params["FunctionName"], request.query.get("Qualifier"), **_event_invoke_settings(request.json())))


def update_function_event_invoke_config(runtime, request):
    return json_response(runtime.update_function_event_invoke_config(
        request.params["FunctionName"], request.query.get("Qualifier"), **_event_invoke_settings(request.json())))


def get_function_event_invoke_config(runtime, request):
    return json_response(runtime.get_function_event_invoke_config(
        request.params["FunctionName"], request.query.get("Qualifier")))


def delete_function_event_invoke_config(runtime, request):
    runtime.delete_function_event_invoke_config(request.params["FunctionName"], request.query.get("Qualifier"))
    return empty_response(204)


def list_function_event_invoke_configs(runtime, request):
    configs = runtime.list_function_event_invoke_configs(request.params["FunctionName"])
    return json_response(_page(configs, request, "FunctionEventInvokeConfigs"))


# ------------------------------------------------------------------- layers
def _version_number(request):
    try:
        return int(request.params["VersionNumber"])
    except ValueError:
        raise InvalidRequestContentException("VersionNumber must be a number.")


def publish_layer_version(runtime, request):
    body = request.json()
    content = _member(body, "Content", dict, "an object") or {}
    return json_response(runtime.publish_layer_version(
        request.params["LayerName"], _zip_file(content), description=body.get("Description") or "",
        compatible_runtimes=_member(body, "CompatibleRuntimes", list, "a list") or (),
        compatible_architectures=_member(body, "CompatibleArchitectures", list, "a list") or (),
        license_info=body.get("LicenseInfo")), 201)


def get_layer_version(runtime, request):
    return json_response(runtime.get_layer_version(request.params["LayerName"], _version_number(request)))


def list_layer_versions(runtime, request):
    versions = runtime.list_layer_versions(request.params["LayerName"])
    wanted = request.query.get("CompatibleRuntime")
    if wanted:
        versions = [v for v in versions if wanted in v["CompatibleRuntimes"]]
    return json_response(_page(versions, request, "LayerVersions"))


def delete_layer_version(runtime, request):
    runtime.delete_layer_version(request.params["LayerName"], _version_number(request))
    return empty_response(204)


def list_layers(runtime, request):
    """ListLayers, or GetLayerVersionByArn, which shares its path (GET ...?find=LayerVersion&Arn=)."""
    if request.query.get("find") == "LayerVersion":
        return json_response(runtime.get_layer_version_by_arn(request.query.get("Arn")))
    return json_response(_page(runtime.list_layers(), request, "Layers"))


# ---------------------------------------------------- event source mappings
# REST member -> Runtime setting (nested members keep AWS's shape).
_MAPPING_MEMBERS = {
    "Enabled": "enabled", "BatchSize": "batch_size",
    "MaximumBatchingWindowInSeconds": "maximum_batching_window_in_seconds",
    "FunctionResponseTypes": "function_response_types", "FilterCriteria": "filter_criteria",
    "ScalingConfig": "scaling_config", "StartingPosition": "starting_position",
    "StartingPositionTimestamp": "starting_position_timestamp",
    "ParallelizationFactor": "parallelization_factor", "MaximumRetryAttempts": "maximum_retry_attempts",
    "MaximumRecordAgeInSeconds": "maximum_record_age_in_seconds",
    "BisectBatchOnFunctionError": "bisect_batch_on_function_error", "DestinationConfig": "destination_config",
    "TumblingWindowInSeconds": "tumbling_window_in_seconds"}
_MAPPING_OBJECTS = ("FilterCriteria", "ScalingConfig", "DestinationConfig")


def _mapping_settings(body):
    for member in _MAPPING_OBJECTS:
        _member(body, member, dict, "an object")
    _member(body, "FunctionResponseTypes", list, "a list")
    return {setting: body[member] for member, setting in _MAPPING_MEMBERS.items() if member in body}


def create_event_source_mapping(runtime, request):
    body = request.json()
    return json_response(runtime.create_event_source_mapping(
        body.get("FunctionName"), body.get("EventSourceArn"), **_mapping_settings(body)), 202)


def get_event_source_mapping(runtime, request):
    return json_response(runtime.get_event_source_mapping(request.params["UUID"]))


def list_event_source_mappings(runtime, request):
    mappings = runtime.list_event_source_mappings(request.query.get("EventSourceArn"),
                                                  request.query.get("FunctionName"))
    return json_response(_page(mappings, request, "EventSourceMappings"))


def update_event_source_mapping(runtime, request):
    body = request.json()
    settings = _mapping_settings(body)
    if "FunctionName" in body:
        settings["function_name"] = body["FunctionName"]
    return json_response(runtime.update_event_source_mapping(request.params["UUID"], **settings), 202)


def delete_event_source_mapping(runtime, request):
    return json_response(runtime.delete_event_source_mapping(request.params["UUID"]), 202)


# ---------------------------------------------------------- account settings
def get_account_settings(runtime, request):
    return json_response(runtime.get_account_settings())


# ------------------------------------------------------ resource policies
def add_permission(runtime, request):
    body = request.json()
    return json_response(runtime.add_permission(
        request.params["FunctionName"], body.get("StatementId"), body.get("Action"), body.get("Principal"),
        qualifier=request.query.get("Qualifier"), source_arn=body.get("SourceArn"),
        source_account=body.get("SourceAccount"), event_source_token=body.get("EventSourceToken"),
        principal_org_id=body.get("PrincipalOrgID"), function_url_auth_type=body.get("FunctionUrlAuthType"),
        revision_id=body.get("RevisionId")), 201)


def get_policy(runtime, request):
    return json_response(runtime.get_policy(request.params["FunctionName"], request.query.get("Qualifier")))


def remove_permission(runtime, request):
    runtime.remove_permission(request.params["FunctionName"], request.params["StatementId"],
                              request.query.get("Qualifier"), request.query.get("RevisionId"))
    return empty_response(204)


def add_layer_version_permission(runtime, request):
    body = request.json()
    return json_response(runtime.add_layer_version_permission(
        request.params["LayerName"], _version_number(request), body.get("StatementId"), body.get("Action"),
        body.get("Principal"), organization_id=body.get("OrganizationId"),
        revision_id=request.query.get("RevisionId")), 201)


def get_layer_version_policy(runtime, request):
    return json_response(runtime.get_layer_version_policy(request.params["LayerName"], _version_number(request)))


def remove_layer_version_permission(runtime, request):
    runtime.remove_layer_version_permission(request.params["LayerName"], _version_number(request),
                                            request.params["StatementId"], request.query.get("RevisionId"))
    return empty_response(204)


# --------------------------------------------------------------------- tags
def tag_resource(runtime, request):
    runtime.tag_resource(request.params["Resource"], _member(request.json(), "Tags", dict, "an object") or {})
    return empty_response(204)


def untag_resource(runtime, request):
    runtime.untag_resource(request.params["Resource"], request.query_list("tagKeys"))
    return empty_response(204)


def list_tags(runtime, request):
    return json_response(runtime.list_tags(request.params["Resource"]))


# ------------------------------------------------------------ function URLs
def create_function_url_config(runtime, request):
    body = request.json()
    return json_response(runtime.create_function_url_config(
        request.params["FunctionName"], body.get("AuthType"), qualifier=request.query.get("Qualifier"),
        cors=_member(body, "Cors", dict, "an object"), invoke_mode=body.get("InvokeMode") or "BUFFERED"), 201)


def get_function_url_config(runtime, request):
    return json_response(runtime.get_function_url_config(request.params["FunctionName"],
                                                         request.query.get("Qualifier")))


def update_function_url_config(runtime, request):
    body = request.json()
    return json_response(runtime.update_function_url_config(
        request.params["FunctionName"], qualifier=request.query.get("Qualifier"), auth_type=body.get("AuthType"),
        cors=_member(body, "Cors", dict, "an object"), invoke_mode=body.get("InvokeMode")))


def delete_function_url_config(runtime, request):
    runtime.delete_function_url_config(request.params["FunctionName"], request.query.get("Qualifier"))
    return empty_response(204)


def list_function_url_configs(runtime, request):
    configs = runtime.list_function_url_configs(request.params["FunctionName"])
    return json_response(_page(configs, request, "FunctionUrlConfigs"))


# ------------------------------------------- stored settings: recursion, runtime management
def put_function_recursion_config(runtime, request):
    return json_response(runtime.put_function_recursion_config(request.params["FunctionName"],
                                                               request.json().get("RecursiveLoop")))


def get_function_recursion_config(runtime, request):
    return json_response(runtime.get_function_recursion_config(request.params["FunctionName"]))


def put_runtime_management_config(runtime, request):
    body = request.json()
    return json_response(runtime.put_runtime_management_config(
        request.params["FunctionName"], body.get("UpdateRuntimeOn"), qualifier=request.query.get("Qualifier"),
        runtime_version_arn=body.get("RuntimeVersionArn")))


def get_runtime_management_config(runtime, request):
    return json_response(runtime.get_runtime_management_config(request.params["FunctionName"],
                                                               request.query.get("Qualifier")))


# ------------------------------------------------------- code signing configs
def create_code_signing_config(runtime, request):
    body = request.json()
    return json_response(runtime.create_code_signing_config(
        _member(body, "AllowedPublishers", dict, "an object"), description=body.get("Description") or "",
        code_signing_policies=_member(body, "CodeSigningPolicies", dict, "an object"),
        tags=_member(body, "Tags", dict, "an object")), 201)


def get_code_signing_config(runtime, request):
    return json_response(runtime.get_code_signing_config(request.params["CodeSigningConfigArn"]))


def update_code_signing_config(runtime, request):
    body = request.json()
    return json_response(runtime.update_code_signing_config(
        request.params["CodeSigningConfigArn"], description=body.get("Description"),
        allowed_publishers=_member(body, "AllowedPublishers", dict, "an object"),
        code_signing_policies=_member(body, "CodeSigningPolicies", dict, "an object")))


def delete_code_signing_config(runtime, request):
    runtime.delete_code_signing_config(request.params["CodeSigningConfigArn"])
    return empty_response(204)


def list_code_signing_configs(runtime, request):
    return json_response(_page(runtime.list_code_signing_configs(), request, "CodeSigningConfigs"))


def list_functions_by_code_signing_config(runtime, request):
    arns = runtime.list_functions_by_code_signing_config(request.params["CodeSigningConfigArn"])
    return json_response(_page(arns, request, "FunctionArns"))


def put_function_code_signing_config(runtime, request):
    return json_response(runtime.put_function_code_signing_config(
        request.params["FunctionName"], request.json().get("CodeSigningConfigArn")))


def get_function_code_signing_config(runtime, request):
    return json_response(runtime.get_function_code_signing_config(request.params["FunctionName"]))


def delete_function_code_signing_config(runtime, request):
    runtime.delete_function_code_signing_config(request.params["FunctionName"])
    return empty_response(204)


def put_resource_policy(runtime, request):
    body = request.json()
    return json_response(runtime.put_resource_policy(request.params["ResourceArn"], body.get("Policy"),
                                                     body.get("RevisionId")))


def get_resource_policy(runtime, request):
    return json_response(runtime.get_resource_policy(request.params["ResourceArn"]))


def delete_resource_policy(runtime, request):
    runtime.delete_resource_policy(request.params["ResourceArn"], request.query.get("RevisionId"))
    return empty_response(204)


# ------------------------------------------------------------ durable executions
def _flag(request, name):
    return (request.query.get(name) or "").lower() == "true"


def checkpoint_durable_execution(runtime, request):
    body = request.json()
    return json_response(runtime.checkpoint_durable_execution(
        request.params["DurableExecutionArn"], body.get("CheckpointToken"),
        _member(body, "Updates", list, "a list") or [], body.get("ClientToken")))


def get_durable_execution_state(runtime, request):
    return json_response(runtime.get_durable_execution_state(
        request.params["DurableExecutionArn"], request.query.get("CheckpointToken"),
        request.query.get("Marker"), request.query.get("MaxItems")))


def get_durable_execution(runtime, request):
    return json_response(runtime.get_durable_execution(
        request.params["DurableExecutionArn"], _flag(request, "IncludeExecutionData")))


def get_durable_execution_history(runtime, request):
    return json_response(runtime.get_durable_execution_history(
        request.params["DurableExecutionArn"], _flag(request, "IncludeExecutionData"),
        request.query.get("Marker"), request.query.get("MaxItems"), _flag(request, "ReverseOrder")))


def list_durable_executions_by_function(runtime, request):
    def seconds(name):  # botocore sends query-string timestamps as ISO 8601
        from datetime import datetime
        value = request.query.get(name)
        if not value:
            return None
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            raise InvalidParameterValueException(f"{name} must be a timestamp.")
    return json_response(runtime.list_durable_executions_by_function(
        request.params["FunctionName"], request.query.get("Qualifier"), request.query.get("DurableExecutionName"),
        request.query_list("Statuses") or None, seconds("StartedAfter"), seconds("StartedBefore"),
        _flag(request, "ReverseOrder"), request.query.get("Marker"), request.query.get("MaxItems")))


def stop_durable_execution(runtime, request):
    return json_response(runtime.stop_durable_execution(request.params["DurableExecutionArn"],
                                                        request.json() or None))


def pause_durable_execution(runtime, request):
    body = request.json()
    runtime.pause_durable_execution(request.params["DurableExecutionArn"], body.get("Reason"),
                                    body.get("ExecutionTimeoutPaused", True), body.get("ClientToken"))
    return empty_response(202)


def resume_durable_execution(runtime, request):
    body = request.json()
    runtime.resume_durable_execution(request.params["DurableExecutionArn"], body.get("Reason"),
                                     body.get("ClientToken"))
    return empty_response(202)


def delete_durable_execution(runtime, request):
    return json_response(runtime.delete_durable_execution(request.params["DurableExecutionArn"]), 202)


def send_durable_execution_callback_success(runtime, request):
    runtime.send_durable_execution_callback_success(request.params["CallbackId"], request.body)
    return empty_response(200)


def send_durable_execution_callback_failure(runtime, request):
    runtime.send_durable_execution_callback_failure(request.params["CallbackId"], request.json() or None)
    return empty_response(200)


def send_durable_execution_callback_heartbeat(runtime, request):
    runtime.send_durable_execution_callback_heartbeat(request.params["CallbackId"])
    return empty_response(200)
