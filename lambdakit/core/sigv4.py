"""Requests must be signed as AWS clients sign them (SigV4), as LocalStack requires.

boto3, the AWS CLI and every SDK sign each request; a web page cannot (a browser sends an
`Authorization` header only after a CORS preflight this API never answers). The signature is
checked for its shape, not its key: any credentials are accepted, as on LocalStack.
"""

import re

from .errors import LambdaError

_PARAMETER = re.compile(r"(Credential|SignedHeaders|Signature)=[^,\s]+")


class _FrontDoorError(LambdaError):
    """An error from AWS's front door, before the Lambda service: a bare {"message": ...} body."""
    status = 403

    def to_body(self):
        return {"message": self.message}


class MissingAuthenticationTokenException(_FrontDoorError):
    code = "MissingAuthenticationTokenException"


class IncompleteSignatureException(_FrontDoorError):
    code = "IncompleteSignatureException"


class AccessDeniedException(_FrontDoorError):
    code = "AccessDeniedException"


def check_signature(headers):
    """Raise AWS's error unless `headers` carry a complete SigV4 Authorization header."""
    authorization = headers.get("Authorization")
    if not authorization:
        raise MissingAuthenticationTokenException("Missing Authentication Token")
    found = set(_PARAMETER.findall(authorization)) if authorization.startswith("AWS4-HMAC-SHA256 ") else set()
    missing = [f"Authorization header requires '{p}' parameter." for p in ("Credential", "Signature", "SignedHeaders")
               if p not in found]
    if not (headers.get("X-Amz-Date") or headers.get("Date")):
        missing.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
    if missing:
        raise IncompleteSignatureException(" ".join(missing + [f"Authorization={authorization}"]))
