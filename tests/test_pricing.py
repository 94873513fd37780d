"""Pricing and billing: exact Decimal figures for AWS's own examples and every seed example.

Every expected value below was worked out by hand from the price table (us-east-1,
checked 2026-11); a wrong rate, unit or rounding rule changes at least one of them.
"""

import decimal
from decimal import Decimal as D

import pytest

from lambdakit.cost import pricing
from lambdakit.cost.billing import (Bill, Line, invocation_cost, monthly_bill, monthly_cost,
                               provisioned_cost, record_cost)
from lambdakit.cost.pricing import (US_EAST_1, Charges, billed_duration_ms, duration_charge, format_usd,
                               gb, gb_seconds, price_per_ms, to_cents, to_cents_up)
from lambdakit.core.records import OK, THROTTLED, TIMEOUT, InvocationRecord

X86_RATE = D("0.0000166667")
SECONDS_30_DAYS = 30 * 24 * 3600


def record(function="fn", version="$LATEST", *, duration_ms=100.0, init_ms=0.0, memory_mb=128,
           outcome=OK, **extra):
    """A record as the runtime writes it: billed_ms from the pricing module's own rule."""
    return InvocationRecord(
        function=function, version=version, request_id="req", environment_id="env-1",
        start_ms=0.0, init_ms=init_ms, duration_ms=duration_ms,
        billed_ms=billed_duration_ms(duration_ms, init_ms), memory_mb=memory_mb,
        max_memory_used_mb=40, cold=init_ms > 0, outcome=outcome, **extra)


# --- billed duration and units -------------------------------------------------------------

def test_billed_duration_rounds_the_sum_of_init_and_handler_up_once():
    # REPORT lines measured on AWS: Init 1307.68 + Duration 1058.15 -> Billed 2366 ms.
    # Rounding each part up first would give 1308 + 1059 = 2367.
    assert billed_duration_ms(1058.15, 1307.68) == 2366
    assert billed_duration_ms(1049.63, 1293.83) == 2344
    assert billed_duration_ms(2.21, 188.88) == 192


def test_billed_duration_without_init_is_the_pre_august_2025_rule():
    assert billed_duration_ms(2.21, 188.88, bill_init=False) == 3


def test_billed_duration_is_one_ms_granular():
    assert billed_duration_ms(100.0) == 100
    assert billed_duration_ms(100.01) == 101
    assert billed_duration_ms(0.2) == 1
    assert billed_duration_ms(0.0) == 1  # the virtual clock's instant handler still ran


def test_an_instant_warm_record_bills_no_init():
    assert record_cost(record(duration_ms=0.0, memory_mb=1024)) == Charges(
        requests=D("0.0000002"), duration=D("0.001") * X86_RATE)


def test_billed_duration_uses_the_printed_value_of_floats():
    # Decimal(0.9) + Decimal(0.1) is 1.0000000000000000277..., which would bill 2 ms.
    assert billed_duration_ms(0.9, 0.1) == 1


def test_gb_is_mb_over_1024():
    assert gb(128) == D("0.125")
    assert gb(3008) == D("2.9375")
    assert gb_seconds(1000, 512) == D("0.5")
    assert gb_seconds(1, 129) == D("0.0001259765625")


def test_money_is_exact_decimal_even_for_huge_months():
    # 200 billion GB-s plus one MB-ms: Python's default 28 digits would round this charge.
    gb_s = D(200_000_000_000) + pricing.mb_ms_to_gb_seconds(1)
    assert gb_s == D("200000000000.0000009765625")
    charge = duration_charge(gb_s)
    assert isinstance(charge, D)
    assert charge == D("2701679.2000000000130208984375")
    with decimal.localcontext() as default:
        assert default.prec == 28
        assert charge != (D(6_000_000_000) * X86_RATE + D(9_000_000_000) * D("0.0000150000")
                          + (gb_s - D(15_000_000_000)) * D("0.0000133334"))


def test_unknown_architecture_is_rejected():
    with pytest.raises(ValueError, match="Unknown architecture 'arm'"):
        monthly_cost(1, 1, 128, "arm")


def test_usage_must_be_whole_billed_milliseconds():
    with pytest.raises(TypeError, match="whole milliseconds"):
        Bill().add_usage("fn", "$LATEST", invocations=1, billed_ms=2.5, memory_mb=128)


# --- rounding for display ------------------------------------------------------------------

def test_cents_half_up_and_cents_up():
    assert to_cents(D("2.675")) == D("2.68")
    assert to_cents(D("18.73337")) == D("18.73")
    assert to_cents(D("0.005")) == D("0.01")
    assert to_cents_up(D("18.33337")) == D("18.34")
    assert to_cents_up(D("0.40")) == D("0.40")


def test_format_usd_is_fixed_decimals():
    assert format_usd(D("1234.5")) == "$1,234.50"
    assert format_usd(D("-1.5")) == "-$1.50"
    assert format_usd(D("0.0000062500125"), 10) == "$0.0000062500"


# --- AWS pricing-page examples -------------------------------------------------------------

def test_pricing_page_example_1_512mb_3m_invocations_of_1s():
    bill = monthly_bill(3_000_000, 1000, 512)
    # 1,500,000 GB-s - 400,000 free = 1,100,000 x $0.0000166667 = $18.33337; requests 2M = $0.40.
    assert bill.total(free_tier=True) == D("18.73337")
    assert bill.cents(free_tier=True) == D("18.73")
    # The page writes $18.34 + $0.40 = $18.74: each part rounded up to the cent.
    assert bill.cents(free_tier=True, per_line=True) == D("18.74")
    assert [line.amount for line in bill.lines(free_tier=True)] == [D("0.40"), D("18.33337")]
    assert bill.total() == D("25.60005")


def test_pricing_page_example_2_128mb_30m_invocations_of_200ms():
    # 750,000 GB-s - 400,000 = 350,000 x rate = $5.833345; 29M requests = $5.80. With its
    # rounded unit price ($0.00001667) the page's method gives $5.83 + $5.80 = $11.63, which
    # here matches rounding the total, not rounding each part up ($11.64).
    bill = monthly_bill(30_000_000, 200, 128)
    assert bill.total(free_tier=True) == D("11.633345")
    assert bill.cents(free_tier=True) == D("11.63")
    assert bill.cents(free_tier=True, per_line=True) == D("11.64")


def test_pricing_page_provisioned_concurrency_example():
    # 1,024 MB, 1,000 environments for 2 hours, 1.2M invocations of 1 s served by them.
    charges = provisioned_cost(1000, 1024, 2 * 3600, invocations=1_200_000, duration_ms=1000)
    assert charges.provisioned == D("30.00024")         # 7,200,000 GB-s x $0.0000041667
    assert charges.provisioned_duration == D("11.66664")  # 1,200,000 GB-s x $0.0000097222
    assert charges.requests == D("0.24")
    assert charges.duration == 0
    assert to_cents(charges.total) == D("41.91")


# --- course-plan section 2.3: every worked cost example, recomputed ------------------------

def test_s0_10m_requests():
    # Seed $2.00 is the list price (right); after the free tier it is $1.80.
    assert monthly_cost(10_000_000, 0, 128) == D("2.00")
    assert monthly_cost(10_000_000, 0, 128, free_tier=True) == D("1.80")


def test_s0_128mb_for_3s_once():
    # Seed "0.375 GB-s, $0.000006" is right but rounded: exactly $0.0000062500125.
    assert gb_seconds(3000, 128) == D("0.375")
    assert invocation_cost(3000, 128).duration == D("0.0000062500125")


def test_s0_1gb_for_10s_once():
    # Seed $0.00017 is $0.000166667 rounded.
    assert invocation_cost(10_000, 1024).duration == D("0.000166667")


def test_s0_price_list_is_per_ms_not_per_second():
    # Seed labels 128 MB "$0.0000000021 per second": that is the per-ms price (E9).
    assert price_per_ms(128) == D("0.0000000020833375")
    assert price_per_ms(128) * 1000 == D("0.0000020833375")
    # Seed "3008 MB: $0.0000000501 (max)" is wrong (E10): 3,008 MB costs $0.0000000490 per ms;
    # $0.0000000500 is the 3,072 MB price, and the maximum is 10,240 MB.
    assert price_per_ms(3008) == D("0.00000004895843125")
    assert to_cents(price_per_ms(3008) * 10**8) == D("4.90")
    assert price_per_ms(3072) == D("0.0000000500001")


def test_s0_free_tier_runs_1_23_functions_not_4():
    # Seed "4 functions constantly" is wrong under either allowance (E1, E2).
    month_at_128mb = gb_seconds(SECONDS_30_DAYS * 1000, 128)
    assert month_at_128mb == D(324_000)
    assert to_cents(US_EAST_1.free_gb_seconds.value / month_at_128mb) == D("1.23")
    assert to_cents(D(3_600_000) / month_at_128mb) == D("11.11")  # the seed's own 3.6M figure
    # One function busy all month with 1 s calls: its GB-s are free, 1,592,000 requests are not.
    assert monthly_cost(SECONDS_30_DAYS, 1000, 128, free_tier=True) == D("0.3184")
    two = Bill().add_usage("a", "$LATEST", invocations=2, billed_ms=SECONDS_30_DAYS * 1000,
                           memory_mb=128)
    assert two.lines(free_tier=True)[1].amount == D(248_000) * X86_RATE  # 648,000 - 400,000


def test_s1_10m_requests_pay_for_9m():
    assert monthly_cost(10_000_000, 0, 128, free_tier=True) == D("1.80")


def test_s1_1m_invocations_128mb_100ms():
    # Seed "~$0.20 total" is wrong (E23): it frees the duration but not the requests.
    assert monthly_cost(1_000_000, 100, 128) == D("0.40833375")
    assert to_cents(monthly_cost(1_000_000, 100, 128)) == D("0.41")
    assert monthly_cost(1_000_000, 100, 128, free_tier=True) == 0


def test_s2_memory_optimisation_128mb_5s_vs_1024mb_1s():
    # Seed "$0.00001067" divides by 1000 instead of 1024 (E29); it is $0.0000104166875.
    small = invocation_cost(5000, 128).duration
    large = invocation_cost(1000, 1024).duration
    assert small == D("0.0000104166875")
    assert large == D("0.0000166667")
    assert D(1) - small / large == D("0.375")  # 37.5% cheaper, not 37%


def test_s2_example_1_1m_512mb_200ms():
    # Seed $1.87 list is right; "the free tier covers it" is right too.
    assert monthly_cost(1_000_000, 200, 512) == D("1.86667")
    assert monthly_cost(1_000_000, 200, 512, free_tier=True) == 0


def test_s2_example_2_10m_1gb_3s():
    # Seed $502.00 is the list price; after the free tier it is $495.13.
    assert monthly_cost(10_000_000, 3000, 1024) == D("502.001")
    assert monthly_cost(10_000_000, 3000, 1024, free_tier=True) == D("495.13432")


def test_s2_example_3_provisioned_50_x_1gb_for_720h():
    # Seed $540 is right: 129,600,000 GB-s x $0.0000041667.
    assert provisioned_cost(50, 1024, 720 * 3600).total == D("540.00432")


def test_s2_scenario_1_image_pipeline():
    # Seed ~$0.50 is right; /tmp of 2 GB adds 1.5 GB x 30,000 s x $0.0000000309.
    bill = monthly_bill(10_000, 3000, 1024, ephemeral_storage_mb=2048)
    assert bill.components().ephemeral == D("0.0013905")
    assert bill.total() == D("0.5033915")  # $0.002 requests + $0.500001 + $0.0013905
    # The free tier covers requests and GB-s, never ephemeral storage.
    assert bill.total(free_tier=True) == D("0.0013905")
    assert bill.cents(free_tier=True) == D("0.00")


def test_s2_scenario_2_api_backend_with_provisioned_concurrency():
    # Seed "$0.20 + $1.67 + $54 + $1 ~ $57" is wrong (E37, E44): PC-served duration is charged
    # $0.0000097222/GB-s (not the on-demand rate), a REST API costs $3.50/M (not $1), and
    # there is no free tier with PC.
    charges = provisioned_cost(10, 512, 720 * 3600, invocations=1_000_000, duration_ms=200)
    assert charges.provisioned == D("54.000432")
    assert charges.provisioned_duration == D("0.97222")
    assert charges.requests == D("0.20")
    rest_api, http_api = D("3.50"), D("1.00")  # API Gateway, per 1M requests, us-east-1
    assert to_cents(charges.total + rest_api) == D("58.67")
    assert to_cents(charges.total + http_api) == D("56.17")


def test_s2_scenario_3_stream_processing():
    # Seed ~$17 is the list price; after the free tier 600,000 GB-s remain billable.
    assert monthly_cost(1_000_000, 1000, 1024) == D("16.8667")
    assert to_cents(monthly_cost(1_000_000, 1000, 1024)) == D("16.87")
    assert monthly_cost(1_000_000, 1000, 1024, free_tier=True) == D("10.00002")


def test_s2_scenario_4_nightly_backup():
    # Seed $0.60 is right: 36,000 GB-s = $0.6000012, 30 requests = $0.000006.
    assert monthly_cost(30, 600_000, 2048) == D("0.6000072")
    assert monthly_cost(30, 600_000, 2048, free_tier=True) == 0


def test_s2_scenario_5_batch_csv_at_3008mb():
    # Seed $1.50 takes 3,008 MB as 3 GB; it is 2.9375 GB, so 88,125 GB-s -> $1.47 (E45).
    assert monthly_cost(100, 300_000, 3008) == D("1.4687729375")
    bill = monthly_bill(100, 300_000, 3008, ephemeral_storage_mb=10_240)
    assert bill.components().ephemeral == D("0.0088065")  # 9.5 GB x 30,000 s
    assert to_cents(bill.total()) == D("1.48")
    # Course plan says "$0.00 after FT": ephemeral storage has no free tier, so it is $0.01.
    assert bill.total(free_tier=True) == D("0.0088065")
    assert bill.cents(free_tier=True) == D("0.01")


def test_s3_1m_512mb_100ms():
    # Seed $1.03 is right, but $0.83 is the duration charge, not a "memory cost" (E61).
    bill = monthly_bill(1_000_000, 100, 512)
    assert bill.components().duration == D("0.833335")
    assert bill.total() == D("1.033335")
    assert bill.total(free_tier=True) == 0


def test_s4_1m_128mb_200ms():
    # Seed "0.128 GB -> 25,600 GB-s, $0.43, total $0.63" is wrong (E8): 128 MB is 0.125 GB.
    bill = monthly_bill(1_000_000, 200, 128)
    assert bill.gb_seconds() == D(25_000)
    assert to_cents(bill.components().duration) == D("0.42")
    assert bill.cents() == D("0.62")
    assert bill.total(free_tier=True) == 0


def test_operator_guide_1536mb_row():
    # The guide prints $0.024638 per 1,000 invocations of 1.465 s at 1,536 MB; it is $0.0368.
    per_thousand = monthly_cost(1000, 1465, 1536)
    assert per_thousand == D("0.03682507325")
    assert per_thousand.quantize(D("0.0001")) == D("0.0368")


# --- free tier, tiers, architectures -------------------------------------------------------

def test_free_tier_covers_exactly_1m_requests_and_400k_gb_s():
    assert monthly_cost(1_000_000, 400, 1024, free_tier=True) == 0  # 400,000 GB-s
    assert monthly_cost(1_000_001, 400, 1024, free_tier=True) == D("0.0000002") + D("0.4") * X86_RATE


def test_free_tier_is_one_allowance_for_both_architectures_spent_on_x86_first():
    bill = Bill()
    bill.add_usage("x", "$LATEST", invocations=300_000, billed_ms=1000, memory_mb=1024)
    bill.add_usage("a", "$LATEST", invocations=300_000, billed_ms=1000, memory_mb=1024,
                   architecture="arm64")
    lines = bill.lines(free_tier=True)
    assert [line.name for line in lines] == ["Requests", "Duration x86_64", "Duration arm64"]
    assert [line.amount for line in lines] == [0, 0, D(200_000) * D("0.0000133334")]


def test_x86_tiers_switch_at_6_and_15_billion_gb_s():
    rate1, rate2, rate3 = X86_RATE, D("0.0000150000"), D("0.0000133334")
    assert duration_charge(D(6_000_000_000)) == D("100000.2")
    assert duration_charge(D(6_000_000_001)) == D("100000.2") + rate2
    assert duration_charge(D(15_000_000_000)) == D("100000.2") + D(9_000_000_000) * rate2
    assert duration_charge(D(15_000_000_001)) == D("235000.2") + rate3
    assert rate1 > rate2 > rate3


def test_arm64_tiers_switch_at_7_5_and_18_75_billion_gb_s():
    assert duration_charge(D(7_500_000_000), "arm64") == D("100000.5")
    assert duration_charge(D(7_500_000_001), "arm64") == D("100000.5") + D("0.0000120001")
    assert duration_charge(D(18_750_000_000), "arm64") == D("100000.5") + D("135001.125")
    assert duration_charge(D(18_750_000_001), "arm64") == D("235001.625") + D("0.0000106667")


def test_tiers_apply_to_the_gb_s_left_after_the_free_tier():
    month = 6_000_400_000  # GB-s: tier 1 ends exactly when the 400,000 free GB-s are gone
    bill = monthly_bill(month, 1000, 1024)
    assert bill.total(free_tier=True) == D(month - 1_000_000) * D("0.0000002") + D("100000.2")
    assert bill.volume_discount() == D(400_000) * (X86_RATE - D("0.0000150000"))


def test_arm64_is_cheaper_than_x86():
    x86 = monthly_cost(3_000_000, 1000, 512)
    arm = monthly_cost(3_000_000, 1000, 512, "arm64")
    assert arm == D("20.6001")  # 1,500,000 GB-s x $0.0000133334 + $0.60
    assert arm < x86 == D("25.60005")


def test_ephemeral_storage_10240mb():
    # 9,728 MB above the free 512 MB = 9.5 GB x 1 s x $0.0000000309.
    assert invocation_cost(1000, 1024, ephemeral_storage_mb=10_240).ephemeral == D("0.00000029355")
    assert invocation_cost(1000, 1024, ephemeral_storage_mb=512).ephemeral == 0
    assert invocation_cost(1000, 1024, ephemeral_storage_mb=10_240,
                           architecture="arm64").ephemeral == D("0.00000029355")


def test_provisioned_time_is_rounded_up_to_5_minutes():
    assert provisioned_cost(1, 1024, 301).provisioned == D(600) * D("0.0000041667")
    assert provisioned_cost(1, 1024, 300).provisioned == D(300) * D("0.0000041667")


def test_arm64_provisioned_concurrency_rates():
    charges = provisioned_cost(1, 1024, 3600, invocations=1000, duration_ms=1000,
                               architecture="arm64")
    assert charges.provisioned == D("0.01200024")          # 3,600 GB-s x $0.0000033334
    assert charges.provisioned_duration == D("0.0077778")  # 1,000 GB-s x $0.0000077778


# --- bills over records --------------------------------------------------------------------

def test_record_cost_splits_init_from_handler_duration():
    cold = record(duration_ms=2.21, init_ms=188.88, memory_mb=1024)  # billed 192 ms
    charges = record_cost(cold)
    assert charges == Charges(requests=D("0.0000002"), duration=D("0.003") * X86_RATE,
                              init=D("0.189") * X86_RATE)


def test_record_cost_of_a_provisioned_invocation_uses_the_provisioned_rate():
    charges = record_cost(record(duration_ms=1000.0, memory_mb=1024, provisioned=True))
    assert charges == Charges(requests=D("0.0000002"), provisioned_duration=D("0.0000097222"))


def test_bill_streams_records_and_totals_by_function_version_and_component():
    records = (r for r in [
        record("api", "1", duration_ms=99.5, init_ms=200.0),        # billed 300 ms, INIT 200
        record("api", "1", duration_ms=100.0),                      # billed 100 ms
        record("api", "2", duration_ms=50.0, memory_mb=256),        # billed 50 ms
        record("worker", "$LATEST", duration_ms=3000.0, memory_mb=1024, outcome=TIMEOUT,
               ephemeral_storage_mb=1536),
        record("worker", "$LATEST", duration_ms=0.0, outcome=THROTTLED),  # never ran
    ])
    bill = Bill.from_records(records)
    assert next(records, None) is None  # consumed once, not stored
    assert bill.requests == 4
    # 400 ms x 128 MB + 50 ms x 256 MB + 3000 ms x 1024 MB = 0.05 + 0.0125 + 3 GB-s.
    assert bill.gb_seconds() == D("3.0625")
    versions = bill.by_version()
    assert list(versions) == [("api", "1"), ("api", "2"), ("worker", "$LATEST")]
    assert versions[("api", "1")] == Charges(requests=D("0.0000004"), duration=D("0.025") * X86_RATE,
                                             init=D("0.025") * X86_RATE)
    assert versions[("api", "2")].total == D("0.0000002") + D("0.0125") * X86_RATE
    assert versions[("worker", "$LATEST")].ephemeral == D(3) * D("0.0000000309")
    functions = bill.by_function()
    assert list(functions) == ["api", "worker"]
    assert functions["api"] == versions[("api", "1")] + versions[("api", "2")]
    components = bill.components()
    assert components == Charges(requests=D("0.0000008"), duration=D("3.0375") * X86_RATE,
                                 init=D("0.025") * X86_RATE, ephemeral=D("0.0000000927"))
    assert bill.total() == components.total == sum(c.total for c in functions.values())
    assert bill.total(free_tier=True) == components.ephemeral
    assert bill.free_tier_credit() == bill.total() - components.ephemeral


def test_init_share_is_what_init_adds_after_the_free_tier():
    bill = Bill()
    bill.add_usage("fn", "$LATEST", invocations=1_000, billed_ms=400_000, init_ms=100_000,
                   memory_mb=1024)  # 400,000 GB-s, of which INIT 100,000
    bill.add_usage("fn", "$LATEST", invocations=1, billed_ms=100_000, memory_mb=1024)
    assert bill.components().init == D(100_000) * X86_RATE
    # The free tier first covers handler time (300,100 GB-s), then 99,900 GB-s of INIT.
    assert bill.components(free_tier=True) == Charges(init=D(100) * X86_RATE)


def test_functions_with_provisioned_concurrency_get_no_free_tier():
    bill = Bill()
    bill.add_provisioned("api", "1", environments=1, memory_mb=1024, seconds=3600)
    bill.add_usage("api", "1", invocations=10, billed_ms=1000, memory_mb=1024)  # overflow
    bill.add_usage("cron", "$LATEST", invocations=10, billed_ms=1000, memory_mb=1024)
    free = bill.components(free_tier=True)
    assert free.requests == D(10) * D("0.0000002")
    assert free.duration == D(10) * X86_RATE
    assert free.provisioned == D(3600) * D("0.0000041667")


def test_volume_discount_and_free_tier_credit_reconcile_list_price_and_total():
    bill = monthly_bill(1_000_000, 7_000_000, 1024)  # 7 billion GB-s: 1 billion in tier 2
    listed = bill.by_function()["what-if"].total
    assert bill.volume_discount() == D(1_000_000_000) * (X86_RATE - D("0.0000150000"))
    assert listed - bill.volume_discount() == bill.total()
    assert bill.total() - bill.free_tier_credit() == bill.total(free_tier=True)
    assert bill.free_tier_credit() == D("0.2") + D(400_000) * D("0.0000150000")


def test_lines_are_aws_usage_types():
    bill = Bill()
    bill.add_provisioned("api", "1", environments=2, memory_mb=512, seconds=300, architecture="arm64")
    bill.add_usage("api", "1", invocations=3, billed_ms=10, memory_mb=512, architecture="arm64",
                   provisioned=True, ephemeral_storage_mb=1024)
    assert bill.lines() == (
        Line("Requests", D(3), "requests", D("0.0000006")),
        Line("Provisioned concurrency arm64", D(300), "GB-s", D(300) * D("0.0000033334")),
        Line("Provisioned duration arm64", D("0.015"), "GB-s", D("0.015") * D("0.0000077778")),
        Line("Ephemeral storage arm64", D("0.015"), "GB-s", D("0.015") * D("0.0000000309")),
    )


def test_render_is_stable_fixed_decimal_text():
    bill = Bill.from_records([
        record("api", "1", duration_ms=2.21, init_ms=188.88, memory_mb=1024),  # 192 ms, INIT 189
        record("api", "1", duration_ms=99.5, memory_mb=1024),                  # 100 ms
        record("job", "$LATEST", duration_ms=10.0, init_ms=5.0, memory_mb=2048,
               architecture="arm64"),                                          # 15 ms, INIT 5
    ])
    # x86: 0.292 GB-s x $0.0000166667 = $0.00000486667, INIT 0.189 GB-s = $0.00000315001;
    # arm64: 0.03 GB-s x $0.0000133334 = $0.000000400002, INIT $0.000000133334.
    assert bill.render() == "\n".join([
        "Lambda bill, us-east-1, prices checked 2026-11",
        "                                                                   list price        free tier",
        "Requests                                          3 requests      $0.00000060      $0.00000000",
        "Duration x86_64                               0.292 GB-s          $0.00000487      $0.00000000",
        "  of which INIT (billed since 1 Aug 2025)                         $0.00000315      $0.00000000",
        "Duration arm64                                0.030 GB-s          $0.00000040      $0.00000000",
        "  of which INIT (billed since 1 Aug 2025)                         $0.00000013      $0.00000000",
        "Total                                                             $0.00000587      $0.00000000",
        "Total in cents, rounded half-up                                         $0.00            $0.00",
        "Total in cents, each line rounded up (AWS pricing page)                 $0.03            $0.00",
        "By version, list price (the free tier and volume tiers apply to the account):",
        "  api                             1                               $0.00000527",
        "  job                             $LATEST                         $0.00000060",
        "  Volume tier discount                                            $0.00000000",
        "  Free tier credit                                               -$0.00000587",
    ])


def test_price_table_carries_check_dates():
    text = pricing.render_prices()
    assert text.splitlines()[1] == (
        "Requests                                                   0.0000002 USD per request    checked 2026-11")
    assert "Provisioned concurrency arm64                           0.0000033334 USD per GB-s" in text
    assert all(line.endswith("checked 2026-11") for line in text.splitlines()[1:])


def test_exact_context_refuses_to_round():
    @pricing.exact
    def third():
        return D(1) / 3
    with pytest.raises(decimal.Inexact):
        third()
