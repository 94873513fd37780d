"""Application Load Balancer events: a request forwarded to a Lambda target group.

ALB lower-cases header names and passes query parameters still percent-encoded. Unless
the target group enables multi-value headers, a repeated header or parameter keeps only
its last value; with them enabled the event carries lists under the multiValue* names
instead.
"""

from .http_request import (
    forwarded_headers, grouped, is_text_body, proxied_headers, raw_query_pairs, sample_request)
from .identifiers import ACCOUNT_ID, REGION, derived_hex, trace_header
from .payloads import b64
from .timestamps import epoch_ms


def target_group_arn(name, account_id=ACCOUNT_ID, region=REGION):
    return (f"arn:aws:elasticloadbalancing:{region}:{account_id}:"
            f"targetgroup/{name}/{derived_hex(16, name, account_id, region)}")


def alb_event_from_request(request, *, target_group="lambda-target", multi_value_headers=False,
                           now=None, account_id=ACCOUNT_ID, region=REGION):
    ms = epoch_ms(now)
    host = f"{target_group}-{derived_hex(10, target_group)}.{region}.elb.amazonaws.com"
    added = [(name.lower(), value) for name, value in forwarded_headers(request)]
    added.append(("x-amzn-trace-id", trace_header(ms, request.method, request.path, host)))
    headers = grouped(proxied_headers(request, added, host), fold_case=True)
    query = grouped(raw_query_pairs(request.query_string))
    encoded = bool(request.body) and not is_text_body(request.header("Content-Type"))
    event = {
        "requestContext": {"elb": {"targetGroupArn": target_group_arn(target_group, account_id,
                                                                      region)}},
        "httpMethod": request.method,
        "path": request.path,
    }
    if multi_value_headers:
        event["multiValueQueryStringParameters"] = query
        event["multiValueHeaders"] = headers
    else:
        event["queryStringParameters"] = {name: values[-1] for name, values in query.items()}
        event["headers"] = {name: values[-1] for name, values in headers.items()}
    event["body"] = b64(request.body) if encoded else request.body.decode("utf-8", "replace")
    event["isBase64Encoded"] = encoded
    return event


def alb_event(method="GET", path="/", *, query="", headers=None, body=b"", **options):
    """A sample ALB event, as `sam local generate-event alb request`; keywords as for
    alb_event_from_request."""
    request = sample_request(method, path, query=query, headers=headers, body=body)
    return alb_event_from_request(request, **options)
