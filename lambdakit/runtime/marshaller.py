"""JSON as AWS's Python runtime writes responses and error payloads (awslambdaric's
marshaller), with the standard library instead of simplejson.

- Non-ASCII characters are written as they are on python3.12 and later runtimes and
  escaped on older ones: awslambdaric decides by AWS_EXECUTION_ENV.
- A Decimal (what DynamoDB returns) is written with its exact digits, `Decimal("1.10")`
  as `1.10`, and a NaN Decimal as `NaN`.
- Anything else that is not JSON fails with json's own message, e.g. "Object of type set
  is not JSON serializable".
"""

import decimal
import json
import math
import os
import re


_PYTHON_RUNTIME = re.compile(r"AWS_Lambda_python3\.(\d+)")  # compiled once, in the zygote


def writes_unicode(execution_env):
    """Whether this runtime leaves non-ASCII unescaped (AWS_Lambda_python3.12 and later)."""
    match = _PYTHON_RUNTIME.fullmatch(execution_env or "")
    return bool(match) and int(match.group(1)) >= 12


class Encoder:
    def __init__(self, execution_env):
        self.ensure_ascii = not writes_unicode(execution_env)
        self._plain = json.JSONEncoder(ensure_ascii=self.ensure_ascii, allow_nan=True)

    def encode(self, value):
        try:
            return self._plain.encode(value)
        except TypeError:  # perhaps a Decimal: worth a second, slower pass
            return _DecimalEncoder(self.ensure_ascii).encode(value)


class _DecimalEncoder(json.JSONEncoder):
    """Writes each Decimal as a unique placeholder string, then puts its digits in its place."""

    def __init__(self, ensure_ascii):
        super().__init__(ensure_ascii=ensure_ascii, allow_nan=True)
        self._marker = "decimal-" + os.urandom(8).hex() + "-"
        self._texts = []

    def default(self, value):
        if isinstance(value, decimal.Decimal):
            if value.is_nan():
                return math.nan
            self._texts.append(str(value))
            return f"{self._marker}{len(self._texts) - 1}"
        return super().default(value)

    def encode(self, value):
        text = super().encode(value)
        if not self._texts:
            return text
        return re.sub(f'"{self._marker}(\\d+)"', lambda m: self._texts[int(m.group(1))], text)
