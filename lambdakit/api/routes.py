"""The route table of the Lambda REST API (paths as in botocore's model) and the dispatcher.

To serve another operation, add one row here and one function in operations.py.
"""

import logging
import re
from urllib.parse import parse_qs, unquote, urlsplit

from ..core.errors import LambdaError
from . import operations as op
from .wire import Request, UnknownOperationException, error_response, internal_error

log = logging.getLogger("lambdakit.api")

_FUNCTIONS = "/2015-03-31/functions"
_FUNCTION = _FUNCTIONS + "/{FunctionName}"
_PROVISIONED = "/2019-09-30/functions/{FunctionName}/provisioned-concurrency"
_EVENT_INVOKE_CONFIG = "/2019-09-25/functions/{FunctionName}/event-invoke-config"
_LAYERS = "/2018-10-31/layers"
_MAPPINGS = "/2015-03-31/event-source-mappings"
_LAYER = _LAYERS + "/{LayerName}"
_LAYER_VERSION = _LAYER + "/versions/{VersionNumber}"
_TAGS = "/2017-03-31/tags/{Resource}"
_URL = "/2021-10-31/functions/{FunctionName}/url"
_RECURSION = "/2024-08-31/functions/{FunctionName}/recursion-config"
_RUNTIME_MANAGEMENT = "/2021-07-20/functions/{FunctionName}/runtime-management-config"
_CSCS = "/2020-04-22/code-signing-configs"
_CSC = _CSCS + "/{CodeSigningConfigArn}"
_FUNCTION_CSC = "/2020-06-30/functions/{FunctionName}/code-signing-config"
_RESOURCE_POLICY = "/2026-07-09/resource-policy/{ResourceArn}"
_DURABLE = "/2025-12-01/durable-executions/{DurableExecutionArn}"
_CALLBACK = "/2025-12-01/durable-execution-callbacks/{CallbackId}"

ROUTES = (
    ("POST", _FUNCTIONS, "CreateFunction", op.create_function),
    ("GET", _FUNCTIONS, "ListFunctions", op.list_functions),
    ("GET", _FUNCTION, "GetFunction", op.get_function),
    ("DELETE", _FUNCTION, "DeleteFunction", op.delete_function),
    ("GET", _FUNCTION + "/configuration", "GetFunctionConfiguration", op.get_function_configuration),
    ("PUT", _FUNCTION + "/configuration", "UpdateFunctionConfiguration", op.update_function_configuration),
    ("PUT", _FUNCTION + "/code", "UpdateFunctionCode", op.update_function_code),
    ("POST", _FUNCTION + "/invocations", "Invoke", op.invoke),
    ("POST", "/2021-11-15/functions/{FunctionName}/response-streaming-invocations", "InvokeWithResponseStream",
     op.invoke_with_response_stream),
    ("POST", "/2014-11-13/functions/{FunctionName}/invoke-async", "InvokeAsync", op.invoke_async),
    ("POST", _FUNCTION + "/versions", "PublishVersion", op.publish_version),
    ("GET", _FUNCTION + "/versions", "ListVersionsByFunction", op.list_versions_by_function),
    ("POST", _FUNCTION + "/aliases", "CreateAlias", op.create_alias),
    ("GET", _FUNCTION + "/aliases", "ListAliases", op.list_aliases),
    ("GET", _FUNCTION + "/aliases/{Name}", "GetAlias", op.get_alias),
    ("PUT", _FUNCTION + "/aliases/{Name}", "UpdateAlias", op.update_alias),
    ("DELETE", _FUNCTION + "/aliases/{Name}", "DeleteAlias", op.delete_alias),
    ("PUT", "/2017-10-31/functions/{FunctionName}/concurrency", "PutFunctionConcurrency",
     op.put_function_concurrency),
    ("GET", "/2019-09-30/functions/{FunctionName}/concurrency", "GetFunctionConcurrency",
     op.get_function_concurrency),
    ("DELETE", "/2017-10-31/functions/{FunctionName}/concurrency", "DeleteFunctionConcurrency",
     op.delete_function_concurrency),
    # ListProvisionedConcurrencyConfigs is this GET with ?List=ALL.
    ("PUT", _PROVISIONED, "PutProvisionedConcurrencyConfig", op.put_provisioned_concurrency_config),
    ("GET", _PROVISIONED, "GetProvisionedConcurrencyConfig", op.get_provisioned_concurrency_config),
    ("DELETE", _PROVISIONED, "DeleteProvisionedConcurrencyConfig", op.delete_provisioned_concurrency_config),
    ("PUT", _EVENT_INVOKE_CONFIG, "PutFunctionEventInvokeConfig", op.put_function_event_invoke_config),
    ("POST", _EVENT_INVOKE_CONFIG, "UpdateFunctionEventInvokeConfig", op.update_function_event_invoke_config),
    ("GET", _EVENT_INVOKE_CONFIG, "GetFunctionEventInvokeConfig", op.get_function_event_invoke_config),
    ("DELETE", _EVENT_INVOKE_CONFIG, "DeleteFunctionEventInvokeConfig", op.delete_function_event_invoke_config),
    ("GET", _EVENT_INVOKE_CONFIG + "/list", "ListFunctionEventInvokeConfigs", op.list_function_event_invoke_configs),
    ("POST", _LAYER + "/versions", "PublishLayerVersion", op.publish_layer_version),
    ("GET", _LAYER + "/versions", "ListLayerVersions", op.list_layer_versions),
    ("GET", _LAYER + "/versions/{VersionNumber}", "GetLayerVersion", op.get_layer_version),
    ("DELETE", _LAYER + "/versions/{VersionNumber}", "DeleteLayerVersion", op.delete_layer_version),
    ("GET", _LAYERS, "ListLayers", op.list_layers),  # and GetLayerVersionByArn (?find=LayerVersion)
    ("POST", _MAPPINGS, "CreateEventSourceMapping", op.create_event_source_mapping),
    ("GET", _MAPPINGS, "ListEventSourceMappings", op.list_event_source_mappings),
    ("GET", _MAPPINGS + "/{UUID}", "GetEventSourceMapping", op.get_event_source_mapping),
    ("PUT", _MAPPINGS + "/{UUID}", "UpdateEventSourceMapping", op.update_event_source_mapping),
    ("DELETE", _MAPPINGS + "/{UUID}", "DeleteEventSourceMapping", op.delete_event_source_mapping),
    ("GET", "/2016-08-19/account-settings", "GetAccountSettings", op.get_account_settings),
    ("POST", _FUNCTION + "/policy", "AddPermission", op.add_permission),
    ("GET", _FUNCTION + "/policy", "GetPolicy", op.get_policy),
    ("DELETE", _FUNCTION + "/policy/{StatementId}", "RemovePermission", op.remove_permission),
    ("POST", _LAYER_VERSION + "/policy", "AddLayerVersionPermission", op.add_layer_version_permission),
    ("GET", _LAYER_VERSION + "/policy", "GetLayerVersionPolicy", op.get_layer_version_policy),
    ("DELETE", _LAYER_VERSION + "/policy/{StatementId}", "RemoveLayerVersionPermission",
     op.remove_layer_version_permission),
    ("POST", _TAGS, "TagResource", op.tag_resource),
    ("DELETE", _TAGS, "UntagResource", op.untag_resource),
    ("GET", _TAGS, "ListTags", op.list_tags),
    ("POST", _URL, "CreateFunctionUrlConfig", op.create_function_url_config),
    ("GET", _URL, "GetFunctionUrlConfig", op.get_function_url_config),
    ("PUT", _URL, "UpdateFunctionUrlConfig", op.update_function_url_config),
    ("DELETE", _URL, "DeleteFunctionUrlConfig", op.delete_function_url_config),
    ("GET", _URL + "s", "ListFunctionUrlConfigs", op.list_function_url_configs),
    ("PUT", _RECURSION, "PutFunctionRecursionConfig", op.put_function_recursion_config),
    ("GET", _RECURSION, "GetFunctionRecursionConfig", op.get_function_recursion_config),
    ("PUT", _RUNTIME_MANAGEMENT, "PutRuntimeManagementConfig", op.put_runtime_management_config),
    ("GET", _RUNTIME_MANAGEMENT, "GetRuntimeManagementConfig", op.get_runtime_management_config),
    ("POST", _CSCS, "CreateCodeSigningConfig", op.create_code_signing_config),
    ("GET", _CSCS, "ListCodeSigningConfigs", op.list_code_signing_configs),
    ("GET", _CSC, "GetCodeSigningConfig", op.get_code_signing_config),
    ("PUT", _CSC, "UpdateCodeSigningConfig", op.update_code_signing_config),
    ("DELETE", _CSC, "DeleteCodeSigningConfig", op.delete_code_signing_config),
    ("GET", _CSC + "/functions", "ListFunctionsByCodeSigningConfig", op.list_functions_by_code_signing_config),
    ("PUT", _FUNCTION_CSC, "PutFunctionCodeSigningConfig", op.put_function_code_signing_config),
    ("GET", _FUNCTION_CSC, "GetFunctionCodeSigningConfig", op.get_function_code_signing_config),
    ("DELETE", _FUNCTION_CSC, "DeleteFunctionCodeSigningConfig", op.delete_function_code_signing_config),
    ("PUT", _RESOURCE_POLICY, "PutResourcePolicy", op.put_resource_policy),
    ("GET", _RESOURCE_POLICY, "GetResourcePolicy", op.get_resource_policy),
    ("DELETE", _RESOURCE_POLICY, "DeleteResourcePolicy", op.delete_resource_policy),
    ("POST", _DURABLE + "/checkpoint", "CheckpointDurableExecution", op.checkpoint_durable_execution),
    ("GET", _DURABLE + "/state", "GetDurableExecutionState", op.get_durable_execution_state),
    ("GET", _DURABLE + "/history", "GetDurableExecutionHistory", op.get_durable_execution_history),
    ("POST", _DURABLE + "/stop", "StopDurableExecution", op.stop_durable_execution),
    ("POST", _DURABLE + "/pause", "PauseDurableExecution", op.pause_durable_execution),
    ("POST", _DURABLE + "/resume", "ResumeDurableExecution", op.resume_durable_execution),
    ("GET", _DURABLE, "GetDurableExecution", op.get_durable_execution),
    ("DELETE", _DURABLE, "DeleteDurableExecution", op.delete_durable_execution),
    ("GET", "/2025-12-01/functions/{FunctionName}/durable-executions", "ListDurableExecutionsByFunction",
     op.list_durable_executions_by_function),
    ("POST", _CALLBACK + "/succeed", "SendDurableExecutionCallbackSuccess", op.send_durable_execution_callback_success),
    ("POST", _CALLBACK + "/fail", "SendDurableExecutionCallbackFailure", op.send_durable_execution_callback_failure),
    ("POST", _CALLBACK + "/heartbeat", "SendDurableExecutionCallbackHeartbeat",
     op.send_durable_execution_callback_heartbeat),
)


def _compile(template):
    pattern = re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(pattern + "/?")


# Requests that carry their own proof (a token the runtime issued) instead of a SigV4 signature,
# as AWS's presigned S3 URLs do; not Lambda API operations.
PRESIGNED = (
    ("GET", op.CODE_DOWNLOAD + "{FunctionName}/{Version}", "DownloadFunctionCode", op.download_code),
)

_TABLE = tuple((method, _compile(path), name, handler) for method, path, name, handler in ROUTES + PRESIGNED)
_PRESIGNED = frozenset(name for _, _, name, _ in PRESIGNED)


def presigned(method, target):
    """Whether this request is a presigned download (no Authorization header expected)."""
    try:
        return match(method, urlsplit(target).path)[0] in _PRESIGNED
    except UnknownOperationException:
        return False


def match(method, path):
    """(operation name, handler, URI members) for a request, or UnknownOperationException."""
    for route_method, pattern, name, handler in _TABLE:
        found = pattern.fullmatch(path)
        if found and route_method == method:
            return name, handler, {k: unquote(v) for k, v in found.groupdict().items()}
    raise UnknownOperationException(f"Unknown operation: {method} {path}")


def dispatch(runtime, method, target, headers, body):
    """Answer one HTTP request with a Response. Never raises; never leaks a traceback."""
    url = urlsplit(target)
    name = None
    try:
        name, handler, params = match(method, url.path)
        lists = parse_qs(url.query, keep_blank_values=True)
        query = {k: v[0] for k, v in lists.items()}
        return handler(runtime, Request(method, url.path, params, query, headers, body, lists))
    except LambdaError as error:
        return error_response(error)
    except Exception:
        log.exception("lambdakit: %s %s (%s) failed inside the server", method, url.path, name)
        return internal_error()
