"""Runtime.records keeps the latest records in bounded memory, and bills and counts stay exact."""

import pytest

import lambdakit
from lambdakit.cost.billing import Bill
from lambdakit.runtime.recordstore import RecordStore

HANDLER = '''
import json
def lambda_handler(event, context):
    if event.get("fail"):
        raise ValueError("asked to fail")
    return event
'''


@pytest.fixture
def small():
    rt = lambdakit.Runtime(clock="virtual", seed=7, records_kept=50)
    rt.create_function("echo", HANDLER, memory=256)
    rt.create_function("other", HANDLER, memory=1024)
    yield rt
    rt.close()


def test_keeps_the_latest_records_and_counts_every_one(small):
    results = [small.invoke("echo", {"n": i, "fail": i % 10 == 0}) for i in range(120)]
    assert len(small.records) == 50
    assert small.records.total == 120 and small.records.dropped == 70
    assert [r.request_id for r in small.records] == [r.request_id for r in results[70:]]
    assert small.records[-1].request_id == results[-1].request_id
    assert small.records.outcomes("echo") == {"ok": 108, "function_error": 12}
    assert small.records.cold_starts("echo") == 1


def test_the_bill_stays_exact_after_records_are_dropped(small):
    every = [small.invoke("echo", {"n": i}).record for i in range(80)]
    every += [small.invoke("other", {"n": i}).record for i in range(40)]
    exact = Bill.from_records(every)
    assert small.records.dropped == 70
    assert Bill.from_records(small.records).total() == exact.total()
    assert small.records.bill().render() == exact.render()
    assert small.records.bill(function="other").total() == Bill.from_records(every[80:]).total()
    assert small.records.bill(function="echo").requests == 80


def test_a_load_test_larger_than_the_store_gets_all_its_records(small):
    test = lambdakit.load_test("echo", concurrency=5, n=200, payload={}, runtime=small, display=False)
    result = test.result()
    assert len(result.records) == 200 == len({r.request_id for r in result.records})
    assert len(small.records) == 50


def test_the_bill_magic_counts_dropped_records(small, shell, capsys):
    from lambdakit.notebook import default
    every = [small.invoke("echo", {"n": i}).record for i in range(60)]
    previous = default.set_default_runtime(small)
    try:
        capsys.readouterr()
        shell.run_line_magic("lambda", "bill echo")
    finally:
        default.set_default_runtime(previous)
    assert capsys.readouterr().out == Bill.from_records(every).render() + "\n"


def test_a_store_needs_a_positive_size():
    for bad in (0, -1, 2.5, True, "10"):
        with pytest.raises(ValueError, match="records_kept must be a positive whole number"):
            RecordStore(bad)
