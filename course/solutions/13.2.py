# A queue decouples the invoice from the answer; the cap protects the invoice store. The sale
# day's busiest hour decides the worker's memory.
cap = SCENARIO.invoice_connections
worker_months = {memory: try_worker(memory, cap) for memory in (512, 768, 1024)}
worker_memory = min(m for m, month in worker_months.items()
                    if capstone.busiest_hour_load(month, cap) <= SCENARIO.busiest_hour_load)
worker_design = {"memory_mb": worker_memory, "invocation": "queue", "max_concurrency": cap}
month_bill = round(try_api(api_design["memory_mb"]).bill.total() + worker_months[worker_memory].bill.total(), 2)
