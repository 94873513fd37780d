"""API Gateway events: a client's HTTP request as a Lambda proxy integration receives it.

v1 is the REST API's proxy event (payload format 1.0); v2 is the HTTP API's (payload
format 2.0). The `*_from_request` builders are what a local API Gateway calls for each
request it routes; `rest_api_event` and `http_api_event` are sample generators in the
manner of `sam local generate-event`.

`request.path` is the path inside the stage. On the default execute-api endpoint the
client's URL also carries the stage name, and AWS shows it where it does: in the REST
event's requestContext.path, and in the HTTP API's rawPath for any stage but $default.
"""

from .http_request import (
    forwarded_headers, grouped, matches_media_types, proxied_headers, query_pairs, sample_request)
from .identifiers import (
    ACCOUNT_ID, REGION, derived_hex, derived_uuid, short_request_id, trace_header)
from .payload_v2 import v2_payload
from .payloads import b64
from .timestamps import epoch_ms, request_time

API_ID = "abcdef1234"


def execute_api_domain(api_id, region):
    return f"{api_id}.execute-api.{region}.amazonaws.com"


def v1_event_from_request(request, *, resource, stage="prod", path_parameters=None,
                          stage_variables=None, authorizer=None, binary_media_types=(),
                          request_id=None, now=None, api_id=API_ID, account_id=ACCOUNT_ID,
                          region=REGION):
    """The REST API proxy event for `request`, matched to `resource` (e.g. '/items/{id}').

    The body is base64-encoded only when its Content-Type matches one of the API's
    `binary_media_types`; otherwise REST APIs pass it as text.
    """
    ms = epoch_ms(now)
    request_id = request_id or derived_uuid("rest", api_id, request.method, request.path, ms)
    domain = execute_api_domain(api_id, region)
    added = forwarded_headers(request) + [("X-Amzn-Trace-Id", trace_header(ms, request_id))]
    headers = grouped(proxied_headers(request, added, domain))
    query = grouped(query_pairs(request.query_string))
    encoded = bool(request.body) and matches_media_types(
        request.header("Content-Type"), binary_media_types)
    if not request.body:
        body = None
    elif encoded:
        body = b64(request.body)
    else:
        # Unmatched payloads are treated as text, so bytes that are not UTF-8 are lost.
        body = request.body.decode("utf-8", "replace")

    context = {
        "resourceId": derived_hex(6, api_id, resource),
        "resourcePath": resource,
        "httpMethod": request.method,
        "extendedRequestId": short_request_id(request_id),
        "requestTime": request_time(ms),
        "path": f"/{stage}{request.path}",
        "accountId": account_id,
        "protocol": request.protocol,
        "stage": stage,
        "domainPrefix": api_id,
        "requestTimeEpoch": ms,
        "requestId": request_id,
        "identity": {
            "cognitoIdentityPoolId": None, "accountId": None, "cognitoIdentityId": None,
            "caller": None, "sourceIp": request.source_ip, "principalOrgId": None,
            "accessKey": None, "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None, "userArn": None,
            "userAgent": request.header("User-Agent"), "user": None,
        },
        "domainName": domain,
        "apiId": api_id,
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    # A repeated header or parameter keeps its last value in the single-value maps.
    return {
        "resource": resource,
        "path": request.path,
        "httpMethod": request.method,
        "headers": {name: values[-1] for name, values in headers.items()},
        "multiValueHeaders": headers,
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": dict(path_parameters) if path_parameters else None,
        "stageVariables": dict(stage_variables) if stage_variables else None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": encoded,
    }


def v2_event_from_request(request, *, route_key="$default", stage="$default",
                          path_parameters=None, stage_variables=None, authorizer=None,
                          request_id=None, now=None, api_id=API_ID, account_id=ACCOUNT_ID,
                          region=REGION):
    """The HTTP API event (payload 2.0) for `request`, matched to `route_key`
    (e.g. 'GET /items/{id}', or '$default'). Header names arrive lower-cased, repeated
    headers and parameters joined with commas, cookies in their own list; bodies that
    are not text are base64-encoded."""
    ms = epoch_ms(now)
    request_id = request_id or short_request_id("http", api_id, request.method, request.path, ms)
    added = [(name.lower(), value) for name, value in forwarded_headers(request)]
    added.append(("x-amzn-trace-id", trace_header(ms, request_id)))
    context = {"accountId": account_id, "apiId": api_id,
               "domainName": execute_api_domain(api_id, region), "requestId": request_id}
    if authorizer is not None:
        context["authorizer"] = authorizer
    raw_path = request.path if stage == "$default" else f"/{stage}{request.path}"
    return v2_payload(request, raw_path=raw_path, route_key=route_key, stage=stage,
                      context=context, added_headers=added, ms=ms,
                      path_parameters=path_parameters, stage_variables=stage_variables)


def rest_api_event(method="GET", path="/hello", *, query="", headers=None, body=b"",
                   resource=None, **options):
    """A sample REST API proxy event, as `sam local generate-event apigateway aws-proxy`.
    `resource` defaults to `path`; other keywords as for v1_event_from_request."""
    request = sample_request(method, path, query=query, headers=headers, body=body)
    return v1_event_from_request(request, resource=resource or path, **options)


def http_api_event(method="GET", path="/hello", *, query="", headers=None, body=b"",
                   **options):
    """A sample HTTP API event, as `sam local generate-event apigateway http-api-proxy`.
    Keywords as for v2_event_from_request."""
    request = sample_request(method, path, query=query, headers=headers, body=body)
    return v2_event_from_request(request, **options)
