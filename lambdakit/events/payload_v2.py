"""Payload format 2.0: the event HTTP APIs and Lambda function URLs send.

The two front doors differ only in their request context (ids, domain, authorizer) and
the headers they add, so both build their events here.
"""

from .http_request import grouped, is_text_body, proxied_headers, query_pairs
from .payloads import b64
from .timestamps import request_time


def v2_payload(request, *, raw_path, route_key, stage, context, added_headers, ms,
               path_parameters=None, stage_variables=None):
    """`context` carries accountId, apiId, domainName, requestId and, when there is one,
    authorizer; this function adds the fields every 2.0 request context has."""
    passed = proxied_headers(request, added_headers, context["domainName"])
    # Cookies leave the headers for their own list; repeated headers join with commas.
    cookies = [c.strip() for k, v in passed if k.lower() == "cookie"
               for c in v.split(";") if c.strip()]
    headers = {name: ",".join(values) for name, values in
               grouped([(k, v) for k, v in passed if k.lower() != "cookie"], fold_case=True).items()}
    query = grouped(query_pairs(request.query_string))

    event = {"version": "2.0", "routeKey": route_key, "rawPath": raw_path,
             "rawQueryString": request.query_string}
    # Absent parts are left out of the event, not set to null.
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if query:
        event["queryStringParameters"] = {k: ",".join(v) for k, v in query.items()}
    event["requestContext"] = {
        **context,
        "domainPrefix": context["domainName"].split(".")[0],
        "http": {"method": request.method, "path": raw_path, "protocol": request.protocol,
                 "sourceIp": request.source_ip, "userAgent": headers.get("user-agent", "")},
        "routeKey": route_key,
        "stage": stage,
        "time": request_time(ms),
        "timeEpoch": ms,
    }
    encoded = bool(request.body) and not is_text_body(headers.get("content-type"))
    if request.body:
        event["body"] = b64(request.body) if encoded else request.body.decode("utf-8", "replace")
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if stage_variables:
        event["stageVariables"] = dict(stage_variables)
    event["isBase64Encoded"] = encoded
    return event
