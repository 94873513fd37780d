"""Lambda function URL events: payload format 2.0 without API Gateway.

A function URL has no routes or stages (routeKey and stage are always '$default'), and
its request context names the caller only when the URL's AuthType is AWS_IAM. Responses
follow the same rules as an HTTP API's: see proxy_responses.response_from_v2_payload.
"""

from .http_request import forwarded_headers, sample_request
from .identifiers import ACCOUNT_ID, REGION, derived_uuid, trace_header
from .payload_v2 import v2_payload
from .timestamps import epoch_ms

URL_ID = "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6"
AUTH_TYPES = ("NONE", "AWS_IAM")


def function_url_domain(url_id, region):
    return f"{url_id}.lambda-url.{region}.on.aws"


def function_url_event_from_request(request, *, auth_type="NONE", url_id=URL_ID,
                                    request_id=None, now=None, account_id=ACCOUNT_ID,
                                    region=REGION):
    """The event a function URL sends for `request`. With AuthType AWS_IAM the caller
    (here: an IAM user of the same account) appears under authorizer.iam; with NONE the
    request is anonymous."""
    if auth_type not in AUTH_TYPES:
        raise ValueError(f"auth_type must be one of {AUTH_TYPES}, not {auth_type!r}")
    ms = epoch_ms(now)
    request_id = request_id or derived_uuid("url", url_id, request.method, request.path, ms)
    added = []
    if request.scheme == "https":
        added += [("x-amzn-tls-cipher-suite", "ECDHE-RSA-AES128-GCM-SHA256"),
                  ("x-amzn-tls-version", "TLSv1.2")]
    added += [(name.lower(), value) for name, value in forwarded_headers(request)]
    added.append(("x-amzn-trace-id", trace_header(ms, request_id)))

    context = {"accountId": "anonymous", "apiId": url_id,
               "domainName": function_url_domain(url_id, region), "requestId": request_id}
    if auth_type == "AWS_IAM":
        context["accountId"] = account_id
        context["authorizer"] = {"iam": {
            "accessKey": "AKIAIOSFODNN7EXAMPLE", "accountId": account_id,
            "callerId": "AIDACKCEVSQ6C2EXAMPLE", "cognitoIdentity": None,
            "principalOrgId": None, "userArn": f"arn:aws:iam::{account_id}:user/example-user",
            "userId": "AIDACKCEVSQ6C2EXAMPLE"}}
    return v2_payload(request, raw_path=request.path, route_key="$default", stage="$default",
                      context=context, added_headers=added, ms=ms)


def function_url_event(method="GET", path="/", *, query="", headers=None, body=b"", **options):
    """A sample function URL event; keywords as for function_url_event_from_request."""
    request = sample_request(method, path, query=query, headers=headers, body=body)
    return function_url_event_from_request(request, **options)
