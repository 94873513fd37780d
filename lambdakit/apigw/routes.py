"""Routes of a local API Gateway: which function answers which method and path.

A route is written as API Gateway writes a route key: "GET /users/{id}", "ANY /{proxy+}",
"POST /lambda/hello", or (HTTP APIs) "$default". Its target is a function name, optionally
with a qualifier ("hello:live"), or a function ARN.
"""

from dataclasses import dataclass
from urllib.parse import unquote

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")
DEFAULT_ROUTE = "$default"

# How specific a path segment is: a literal beats a {variable}, which beats a {greedy+}.
_LITERAL, _VARIABLE, _GREEDY = 0, 1, 2


class RouteError(ValueError):
    """A route key or target that API Gateway would refuse."""


@dataclass(frozen=True)
class Route:
    method: str                 # one of METHODS ("ANY" matches every method)
    path: str                   # the resource path, e.g. "/users/{id}", or "$default"
    function: str
    qualifier: str | None = None

    @property
    def key(self):
        return DEFAULT_ROUTE if self.path == DEFAULT_ROUTE else f"{self.method} {self.path}"

    @property
    def _segments(self):
        return [] if self.path in ("/", DEFAULT_ROUTE) else self.path.strip("/").split("/")

    def match(self, method, path):
        """The path parameters if this route takes `method` `path` (None if it does not)."""
        if self.path == DEFAULT_ROUTE:
            return {}
        if self.method not in ("ANY", method):
            return None
        wanted = self._segments
        given = [] if path.strip("/") == "" else path.strip("/").split("/")
        params = {}
        for i, segment in enumerate(wanted):
            kind, name = _segment(segment)
            if kind == _GREEDY:
                if i >= len(given):
                    return None
                params[name] = unquote("/".join(given[i:]))
                return params
            if i >= len(given):
                return None
            if kind == _VARIABLE:
                params[name] = unquote(given[i])
            elif segment != given[i]:
                return None
        return params if len(given) == len(wanted) else None

    def specificity(self):
        """Smaller is more specific: literal segments first, then a method over ANY;
        $default comes last."""
        if self.path == DEFAULT_ROUTE:
            return ((3,), 1)
        return (tuple(_segment(s)[0] for s in self._segments), int(self.method == "ANY"))


def _segment(segment):
    if segment.startswith("{") and segment.endswith("+}"):
        return _GREEDY, segment[1:-2]
    if segment.startswith("{") and segment.endswith("}"):
        return _VARIABLE, segment[1:-1]
    return _LITERAL, segment


def parse_route(key, target, *, allow_default=False):
    """A Route from a route key and a target ("name", "name:qualifier" or a function ARN)."""
    key = key.strip()
    if key == DEFAULT_ROUTE:
        if not allow_default:
            raise RouteError("$default routes belong to HTTP APIs; a REST API needs a method and a path")
        method, path = "ANY", DEFAULT_ROUTE
    else:
        method, _, path = key.partition(" ")
        method, path = method.upper(), path.strip()
        if method not in METHODS:
            raise RouteError(f"Invalid route key {key!r}: the method must be one of {', '.join(METHODS)}")
        if not path.startswith("/"):
            raise RouteError(f"Invalid route key {key!r}: the path must start with '/'")
        segments = path.strip("/").split("/") if path != "/" else []
        for i, segment in enumerate(segments):
            kind, name = _segment(segment)
            if segment == "" or (kind != _LITERAL and not name):
                raise RouteError(f"Invalid route key {key!r}: empty path segment or variable")
            if kind == _GREEDY and i != len(segments) - 1:
                raise RouteError(f"Invalid route key {key!r}: a greedy variable must be the last segment")
    function, qualifier = split_target(target)
    return Route(method, path.rstrip("/") or "/", function, qualifier)


def split_target(target):
    if target.startswith("arn:"):
        parts = target.split(":")
        if len(parts) not in (7, 8) or parts[2] != "lambda" or parts[5] != "function":
            raise RouteError(f"Not a Lambda function ARN: {target}")
        return parts[6], (parts[7] if len(parts) == 8 else None)
    name, _, qualifier = target.partition(":")
    return name, qualifier or None


def parse_routes(routes, *, allow_default=False):
    """Routes from {route key: target}; the same key twice is refused as API Gateway does."""
    parsed = [parse_route(k, v, allow_default=allow_default) for k, v in dict(routes).items()]
    seen = set()
    for route in parsed:
        if route.key in seen:
            raise RouteError(f"Route {route.key!r} is defined twice")
        seen.add(route.key)
    return tuple(parsed)


def select(routes, method, path):
    """The most specific route for `method` `path` and its path parameters, or None."""
    matched = [(route, params) for route in routes
               if (params := route.match(method, path)) is not None]
    if not matched:
        return None
    return min(matched, key=lambda pair: pair[0].specificity())


def routes_from_specs(specs):
    """{route key: target} from command-line specs like "POST /lambda/hello=hello" or
    "$default=fn" (for `lambdakit serve` and `%lambda`)."""
    routes = {}
    for spec in specs:
        key, sep, target = spec.rpartition("=")
        if not sep or not key.strip() or not target.strip():
            raise RouteError(f"Route {spec!r} is not of the form 'METHOD /path=function'")
        if key.strip() in routes:
            raise RouteError(f"Route {key.strip()!r} is defined twice")
        routes[key.strip()] = target.strip()
    return routes
