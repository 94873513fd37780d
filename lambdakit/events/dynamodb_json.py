"""DynamoDB JSON: attribute values tagged with their type, as streams deliver items.

Python values map as boto3's TypeSerializer maps them, except that binary values appear
base64-encoded (the wire form) and floats are accepted:
str -> S, bool -> BOOL, int/float/Decimal -> N (a string), bytes -> B, None -> NULL,
list/tuple -> L, dict -> M, and non-empty sets of str, numbers or bytes -> SS, NS, BS.
"""

import base64
import math
from collections.abc import Mapping, Set
from decimal import Decimal

_NUMBER = (int, float, Decimal)


def to_attribute_value(value):
    if isinstance(value, bool):  # before numbers: bool is an int subclass
        return {"BOOL": value}
    if value is None:
        return {"NULL": True}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, _NUMBER):
        return {"N": _number_text(value)}
    if isinstance(value, (bytes, bytearray)):
        return {"B": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, Set):
        return _set_value(value)
    if isinstance(value, Mapping):
        return {"M": to_item(value)}
    if isinstance(value, (list, tuple)):
        return {"L": [to_attribute_value(v) for v in value]}
    raise TypeError(f"DynamoDB has no type for {type(value).__name__}")


def to_item(mapping):
    return {str(name): to_attribute_value(value) for name, value in mapping.items()}


def _number_text(value):
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("DynamoDB numbers cannot be NaN or Infinity")
    # repr() of a float is its shortest exact decimal form; Decimal keeps it as written.
    return str(Decimal(repr(value))) if isinstance(value, float) else str(value)


def _set_value(values):
    if not values:
        raise ValueError("DynamoDB does not store empty sets")
    if all(isinstance(v, str) for v in values):
        return {"SS": sorted(values)}
    if all(isinstance(v, _NUMBER) and not isinstance(v, bool) for v in values):
        return {"NS": sorted(_number_text(v) for v in values)}
    if all(isinstance(v, (bytes, bytearray)) for v in values):
        return {"BS": sorted(base64.b64encode(bytes(v)).decode() for v in values)}
    raise TypeError("a DynamoDB set holds only strings, only numbers or only binary values")


def item_size(item):
    """Bytes an item of DynamoDB JSON counts for, by the rules of the DynamoDB Developer
    Guide ("DynamoDB item sizes and formats", checked 2026-11): each attribute is its
    name's UTF-8 length plus its value's size."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value):
    (kind, data), = value.items()
    if kind == "S":
        return len(data.encode())
    if kind == "N":
        return _number_size(data)
    if kind == "B":
        return len(base64.b64decode(data))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(v.encode()) for v in data)
    if kind == "NS":
        return sum(_number_size(v) for v in data)
    if kind == "BS":
        return sum(len(base64.b64decode(v)) for v in data)
    # Lists and maps: 3 bytes of overhead, plus 1 byte for each element.
    if kind == "L":
        return 3 + sum(1 + _value_size(v) for v in data)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_size(v) for k, v in data.items())
    raise ValueError(f"unknown DynamoDB type {kind!r}")


def _number_size(text):
    """1 byte per two significant digits, plus 1; leading and trailing zeros trimmed."""
    digits = text.lstrip("-").lower().split("e")[0].replace(".", "").strip("0") or "0"
    return (len(digits) + 1) // 2 + 1
