"""HTTP fronts of the local Lambda service.

The AWS Lambda REST API (for unmodified boto3) is `Runtime.endpoint_url` /
`Runtime.serve_http(port)`, or `lambdakit serve` on the command line. Its parts: wire.py
(requests, responses, AWS error shapes), routes.py (route table, dispatch),
operations.py (REST <-> Runtime translation), server.py (the loopback HTTP server).
"""
