"""The environment variables of an execution environment: a pure function of its configuration.

Nothing comes from the kernel's own environment: no host credentials reach handler code.
"""

import os
import sys

from ..core import limits
from .logs import log_group

# The execution role's credentials, as Lambda injects them; dummies that only the local
# services (moto) accept.
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "ASIALAMBDAKITLOCAL00",
    "AWS_SECRET_ACCESS_KEY": "lambdakit-local-secret-access-key-not-a-real-one",
    "AWS_SESSION_TOKEN": "lambdakit-local-session-token",
}

# AWS's PATH; the interpreter's own directory is appended so `python3` in a subprocess is ours.
AWS_PATH = "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"


def lambda_environment(config, version, log_stream, initialization_type="on-demand", extra=None):
    env = {
        "_HANDLER": config.handler,
        "AWS_REGION": limits.REGION,
        "AWS_DEFAULT_REGION": limits.REGION,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{config.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": config.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_size),
        "AWS_LAMBDA_FUNCTION_VERSION": version,
        "AWS_LAMBDA_INITIALIZATION_TYPE": initialization_type,
        "AWS_LAMBDA_LOG_GROUP_NAME": log_group(config.name),
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        # No Runtime API listens here (the environment talks to the service over a pipe),
        # but code that reads the variable finds it in AWS's form.
        "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
        "LAMBDA_TASK_ROOT": "/var/task",
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PATH": AWS_PATH + ":" + os.path.dirname(sys.executable),
        "LD_LIBRARY_PATH": "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000",
        **DUMMY_CREDENTIALS,
    }
    if config.log_format == "JSON":
        env["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
        env["AWS_LAMBDA_LOG_LEVEL"] = "INFO"
    env.update(extra or {})
    env.update(config.env)
    return env
