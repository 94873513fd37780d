def summarize_reports(lines):
    gb_seconds = Decimal(0)
    cold_starts = 0
    for line in lines:
        billed = int(re.search(r"Billed Duration: (\d+) ms", line).group(1))
        memory = int(re.search(r"Memory Size: (\d+) MB", line).group(1))
        gb_seconds += Decimal(billed) * memory / 1024 / 1000
        cold_starts += "Init Duration" in line
    return {"invocations": len(lines), "cold_starts": cold_starts, "gb_seconds": gb_seconds}
