"""Serve the AWS Lambda REST API on 127.0.0.1, so unmodified boto3 code (or the AWS CLI)
creates and invokes functions on a local Lambda runtime. Stop with Ctrl-C or SIGTERM."""

import sys

HELP = "serve the AWS Lambda API on 127.0.0.1 for boto3 (endpoint_url / AWS_ENDPOINT_URL_LAMBDA)"
DEFAULT_PORT = 3001  # the port `sam local start-lambda` uses, so existing snippets work


def add_arguments(parser):
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help="TCP port on 127.0.0.1; 0 picks a free one (default: %(default)s)")
    parser.add_argument("--clock", choices=("real", "virtual"), default="real",
                        help="real wall time, or deterministic virtual time (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed for the virtual clock's request ids and alias routing (default: %(default)s)")
    parser.add_argument("--no-local-aws", action="store_true",
                        help="do not start the local AWS services (moto) for queues, tables, buckets and streams")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")


def run(args):
    import logging
    import signal
    import threading

    from ..runtime.service import Runtime

    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="lambdakit: %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with Runtime(clock=args.clock, seed=args.seed) as runtime:
        try:
            url = runtime.serve_http(args.port)
        except OSError as e:
            print(f"lambdakit serve: cannot listen on 127.0.0.1:{args.port}: {e.strerror}", file=sys.stderr)
            return 1
        print(f"lambdakit: AWS Lambda API on {url} (clock: {args.clock})", flush=True)
        print(f"  boto3.client('lambda', endpoint_url='{url}')  or  export AWS_ENDPOINT_URL_LAMBDA={url}",
              flush=True)
        if not args.no_local_aws:
            # Started now, not on first use: a queue or table must exist before its event source mapping.
            aws = runtime.local_aws(kernel_env=False)
            print(f"lambdakit: local AWS services (SQS, DynamoDB, Kinesis, S3, ...) on {aws.url}", flush=True)
            print(f"  export AWS_ENDPOINT_URL={aws.url}  (with AWS_ENDPOINT_URL_LAMBDA set as above)", flush=True)
        stop.wait()
    print("lambdakit: stopped", flush=True)
    return 0
