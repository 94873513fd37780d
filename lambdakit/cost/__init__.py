"""What Lambda costs: the price table and its arithmetic, bills from invocation records,
and power tuning (memory size against cost and speed)."""
