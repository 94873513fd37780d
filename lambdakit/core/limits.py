"""Lambda quotas and constants: one source of truth for validation and lessons.

Every value was checked against the AWS Lambda Developer Guide ("Lambda quotas",
"Configuring Lambda function memory/timeout/ephemeral storage") on CHECKED.
"""

CHECKED = "2026-11"

MEMORY_MIN_MB = 128
MEMORY_MAX_MB = 10_240
MEMORY_DEFAULT_MB = 128

TIMEOUT_MIN_S = 1
TIMEOUT_MAX_S = 900
TIMEOUT_DEFAULT_S = 3

EPHEMERAL_MIN_MB = 512
EPHEMERAL_MAX_MB = 10_240
EPHEMERAL_DEFAULT_MB = 512

ENV_VARS_MAX_BYTES = 4 * 1024
LAYERS_MAX = 5
PACKAGE_ZIPPED_MAX_BYTES = 50 * 1024 * 1024
PACKAGE_UNZIPPED_MAX_BYTES = 250 * 1024 * 1024
CODE_STORAGE_BYTES = 75 * 1024 ** 3  # functions and layers of a region (GetAccountSettings' TotalCodeSize)

SYNC_PAYLOAD_MAX_BYTES = 6 * 1024 * 1024
ASYNC_PAYLOAD_MAX_BYTES = 1 * 1024 * 1024
INVOKE_ASYNC_MAX_BYTES = 256 * 1024  # the deprecated InvokeAsync keeps its old cap
# Response streaming (docs.aws.amazon.com/lambda/latest/dg/configuration-response-streaming.html,
# checked 2026-12): a streamed response may reach 200 MB (it was 20 MB until 2025); the first
# 6 MB stream uncapped, the rest at most 2 MBps.
STREAM_RESPONSE_MAX_BYTES = 200 * 1024 * 1024
STREAM_UNCAPPED_BYTES = 6 * 1024 * 1024
STREAM_BANDWIDTH_BYTES_PER_S = 2 * 1024 * 1024

INIT_TIMEOUT_S = 10

FUNCTION_NAME_MAX = 64
FUNCTION_NAME_PATTERN = r"[a-zA-Z0-9\-_]+"
# What CreateFunction accepts as FunctionName: a name, a partial ARN or a full ARN.
FUNCTION_NAME_API_MAX = 140

PROCESSES_MAX = 1_024
FILE_DESCRIPTORS_MAX = 1_024

ACCOUNT_CONCURRENCY_DEFAULT = 1_000
UNRESERVED_CONCURRENCY_MIN = 100
# Since Nov 2023: each function scales by 1,000 environments every 10 s.
SCALING_STEP_ENVIRONMENTS = 1_000
SCALING_STEP_SECONDS = 10

ARCHITECTURES = ("x86_64", "arm64")
DEFAULT_ARCHITECTURE = "x86_64"
# Python runs on lambdakit's own runtime; Node.js and the OS-only runtimes (a `bootstrap` of
# the function's own) through the Runtime API. nodejs20.x is left out: creating functions on it
# has been blocked since 2026-08-31 (docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html).
RUNTIMES = ("python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14",
            "nodejs22.x", "nodejs24.x", "provided.al2023", "provided.al2")
DEFAULT_RUNTIME = "python3.12"
DEFAULT_HANDLER = "lambda_function.lambda_handler"
# lambdakit's default where a function is created without a handler: what AWS's console
# creates for Node.js (index.mjs exporting `handler`), and the handler of AWS's custom runtime
# tutorial (function.sh defining `handler`).
DEFAULT_HANDLERS = {"nodejs": "index.handler", "provided": "function.handler"}


def default_handler(runtime):
    return next((h for prefix, h in DEFAULT_HANDLERS.items() if runtime.startswith(prefix)), DEFAULT_HANDLER)

# CPU is allocated in proportion to memory: 1,769 MB is one full vCPU, 10,240 MB is six.
MB_PER_VCPU = 1_769
VCPUS_MAX = 6

LOG_TAIL_BYTES = 4 * 1024

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"

# Environment variables Lambda sets itself; a function may not set these.
RESERVED_ENV_KEYS = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})
