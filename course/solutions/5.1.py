lambdakit.deploy("api", """
from lambdakit import work

def lambda_handler(event, context):
    work(cpu_ms=600)
    work(io_ms=50)
    return "ok"
""", timeout=30)
api_tuning = power_tune("api", invocations=3)
memory_for_api = min((size for size in api_tuning.sizes if size.avg_ms < 1000),
                     key=lambda size: size.cost).memory_mb
