def canary_verdict(records, primary, canary, max_error_rate=0.01):
    mine = [r for r in records if r.version == canary]
    if not mine:
        return ("wait", None)
    rate = sum(r.outcome != "ok" for r in mine) / len(mine)
    return ("rollback" if rate > max_error_rate else "promote", rate)
