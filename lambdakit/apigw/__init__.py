"""A local API Gateway: HTTP routes to this runtime's functions, over real HTTP on 127.0.0.1.

    api = rt.api_gateway({"POST /lambda/hello": "hello", "GET /users/{id}": "users"})
    api.url                                    # http://127.0.0.1:PORT/prod
    # curl -X POST $URL/lambda/hello -d '{"name": "AWS Lambda"}'
    api.request("POST", "/lambda/hello", json_body={"name": "AWS Lambda"})   # in-process

kind="rest" (default; payload 1.0, stage "prod") or kind="http" (payload 2.0, stage
"$default"). Servers for `%lambda` and `lambdakit serve` call `start` the same way.
"""

from .gateway import HTTP, INTEGRATION_TIMEOUT_MS, REST, ApiGateway, GatewayRequest
from .routes import Route, RouteError, parse_route, parse_routes, routes_from_specs
from .server import GatewayServer, start

__all__ = ["ApiGateway", "GatewayRequest", "GatewayServer", "HTTP", "INTEGRATION_TIMEOUT_MS", "REST",
           "Route", "RouteError", "parse_route", "parse_routes", "routes_from_specs", "start"]
