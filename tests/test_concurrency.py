"""Concurrency accounting: pools, AWS's throttle reasons and validation errors, scaling rate."""

import pytest

from lambdakit.scale.concurrency import (ACCOUNT_LIMIT_EXCEEDED, PROVISIONED, RESERVED, RESERVED_LIMIT_EXCEEDED,
                                   UNRESERVED, ConcurrencyAccount)
from lambdakit.core.errors import InvalidParameterValueException, TooManyRequestsException, ValidationException

UNRESERVED_MINIMUM_TEXT = ("Specified ReservedConcurrentExecutions for function decreases account's "
                           "UnreservedConcurrentExecution below its minimum value of [100].")


def admit(account, function, count, at_ms=0.0, **kwargs):
    """Acquire `count` slots; return the slots granted and the throttle reasons, in order."""
    slots, reasons = [], []
    for _ in range(count):
        try:
            slots.append(account.acquire(function, at_ms, **kwargs))
        except TooManyRequestsException as throttle:
            reasons.append(throttle.fields["Reason"])
    return slots, reasons


def test_burst_of_100_against_reserved_10_throttles_90_with_the_reserved_reason():
    account = ConcurrencyAccount()
    account.put_reserved("orders", 10)
    slots, reasons = admit(account, "orders", 100)
    assert len(slots) == 10 and {slot.pool for slot in slots} == {RESERVED}
    assert reasons == [RESERVED_LIMIT_EXCEEDED] * 90


def test_a_throttle_is_a_429_with_aws_message_and_reason():
    account = ConcurrencyAccount()
    account.put_reserved("orders", 0)
    with pytest.raises(TooManyRequestsException) as caught:
        account.acquire("orders", 0.0)
    assert caught.value.status == 429
    assert caught.value.message == "Rate Exceeded."
    assert caught.value.to_body() == {"Type": "User", "message": "Rate Exceeded.",
                                      "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"}


def test_reserved_zero_throttles_everything():
    account = ConcurrencyAccount()
    account.put_reserved("off", 0)
    slots, reasons = admit(account, "off", 5, warm_environment=True)
    assert slots == [] and reasons == [RESERVED_LIMIT_EXCEEDED] * 5


def test_released_slots_are_available_again():
    account = ConcurrencyAccount()
    account.put_reserved("orders", 2)
    first, _ = admit(account, "orders", 2)
    account.release(first[0])
    slots, reasons = admit(account, "orders", 2, warm_environment=True)
    assert len(slots) == 1 and reasons == [RESERVED_LIMIT_EXCEEDED]
    assert account.in_flight("orders") == 2


def test_reservations_may_not_leave_fewer_than_100_unreserved():
    account = ConcurrencyAccount()
    account.put_reserved("a", 200)
    account.put_reserved("b", 700)
    assert account.unreserved_limit == 100
    with pytest.raises(InvalidParameterValueException) as caught:
        account.put_reserved("c", 1)
    assert caught.value.message == UNRESERVED_MINIMUM_TEXT
    assert caught.value.status == 400
    account.put_reserved("b", 699)          # changing a reservation counts it once
    account.put_reserved("c", 1)
    assert account.reserved("c") == 1


def test_a_small_account_keeps_its_whole_limit_as_the_minimum():
    account = ConcurrencyAccount(account_limit=10)
    with pytest.raises(InvalidParameterValueException) as caught:
        account.put_reserved("a", 1)
    assert caught.value.message.endswith("below its minimum value of [10].")


def test_reserved_concurrency_must_be_a_non_negative_integer():
    with pytest.raises(ValidationException) as caught:
        ConcurrencyAccount().put_reserved("a", -1)
    assert caught.value.message == (
        "1 validation error detected: Value '-1' at 'reservedConcurrentExecutions' failed to satisfy "
        "constraint: Member must have value greater than or equal to 0")


def test_unreserved_functions_share_what_reservations_leave():
    account = ConcurrencyAccount()
    account.put_reserved("a", 200)
    account.put_reserved("b", 100)
    assert account.unreserved_limit == 700
    c_slots, c_reasons = admit(account, "c", 500, warm_environment=True)
    d_slots, d_reasons = admit(account, "d", 300, warm_environment=True)
    assert (len(c_slots), len(d_slots)) == (500, 200)
    assert c_reasons == [] and d_reasons == [ACCOUNT_LIMIT_EXCEEDED] * 100
    assert {slot.pool for slot in c_slots + d_slots} == {UNRESERVED}
    # The reserved functions keep their guarantee while the pool is exhausted.
    a_slots, a_reasons = admit(account, "a", 201, warm_environment=True)
    assert len(a_slots) == 200 and a_reasons == [RESERVED_LIMIT_EXCEEDED]
    assert account.in_flight() == 900 and account.in_flight("a") == 200


def test_provisioned_concurrency_serves_first_then_spills_over_on_demand():
    account = ConcurrencyAccount()
    account.put_provisioned("api", "live", 5)
    slots, reasons = admit(account, "api", 8, qualifier="live")
    assert [slot.pool for slot in slots] == [PROVISIONED] * 5 + [UNRESERVED] * 3
    assert [slot.new_environment for slot in slots] == [False] * 5 + [True] * 3
    assert reasons == []
    account.release(slots[0])
    assert account.acquire("api", 0.0, qualifier="live").pool == PROVISIONED


def test_latest_and_other_qualifiers_do_not_use_an_alias_provisioned_concurrency():
    account = ConcurrencyAccount()
    account.put_provisioned("api", "live", 5)
    assert account.acquire("api", 0.0).pool == UNRESERVED
    assert account.acquire("api", 0.0, qualifier="$LATEST").pool == UNRESERVED
    assert account.acquire("api", 0.0, qualifier="2").pool == UNRESERVED


def test_provisioned_concurrency_cannot_go_on_latest():
    with pytest.raises(InvalidParameterValueException) as caught:
        ConcurrencyAccount().put_provisioned("api", "$LATEST", 1)
    assert caught.value.message == \
        "Provisioned Concurrency Configs cannot be applied to unpublished function versions."


def test_provisioned_concurrency_counts_against_the_reservation():
    account = ConcurrencyAccount()
    account.put_reserved("api", 10)
    account.put_provisioned("api", "live", 4)
    with pytest.raises(InvalidParameterValueException) as caught:
        account.put_provisioned("api", "1", 7)
    assert caught.value.message == ("Requested Provisioned Concurrency should not be greater than the "
                                    "reservedConcurrentExecution for function")
    with pytest.raises(InvalidParameterValueException):
        account.put_reserved("api", 3)
    assert account.on_demand_capacity("api") == 6
    # Provisioned 4 + on-demand 6 = the reservation of 10.
    slots, reasons = admit(account, "api", 11, qualifier="live")
    assert len(slots) == 10 and reasons == [RESERVED_LIMIT_EXCEEDED]


def test_provisioned_concurrency_when_it_fills_the_reservation_throttles_latest():
    account = ConcurrencyAccount()
    account.put_reserved("api", 5)
    account.put_provisioned("api", "live", 5)
    with pytest.raises(TooManyRequestsException):
        account.acquire("api", 0.0)


def test_provisioned_concurrency_of_unreserved_functions_comes_out_of_the_pool():
    account = ConcurrencyAccount()
    account.put_provisioned("api", "live", 300)
    assert account.on_demand_capacity("other") == 700
    with pytest.raises(InvalidParameterValueException) as caught:
        account.put_provisioned("web", "1", 601)
    assert caught.value.message == ("Specified ConcurrentExecutions for function decreases account's "
                                    "UnreservedConcurrentExecution below its minimum value of [100].")
    account.delete_provisioned("api", "live")
    assert account.on_demand_capacity("other") == 1000


def test_scaling_rate_allows_1000_new_environments_per_10_seconds():
    account = ConcurrencyAccount(account_limit=5000)
    slots, reasons = admit(account, "spike", 3000, at_ms=0.0)
    assert len(slots) == 1000 and reasons == [ACCOUNT_LIMIT_EXCEEDED] * 2000
    slots, reasons = admit(account, "spike", 2000, at_ms=10_000.0)
    assert len(slots) == 1000 and len(reasons) == 1000


def test_scaling_rate_refills_continuously_and_never_accrues():
    # AWS: "a best attempt to refill ... continuously over time, rather than in one single
    # refill of 1,000 units every 10 seconds"; unused rate does not accrue beyond 1,000.
    account = ConcurrencyAccount(account_limit=5000)
    admit(account, "f", 1000, at_ms=0.0)
    slots, _ = admit(account, "f", 1000, at_ms=5_000.0)    # half of 10 s: 500 refilled
    assert len(slots) == 500
    slots, reasons = admit(account, "f", 10, at_ms=5_010.0)  # 100 a second: 1 in 10 ms
    assert len(slots) == 1 and len(reasons) == 9
    slots, _ = admit(account, "f", 2000, at_ms=60_000.0)    # a quiet minute still gives only 1,000
    assert len(slots) == 1000


def test_scaling_rate_does_not_limit_warm_environments_or_other_functions():
    account = ConcurrencyAccount(account_limit=5000)
    admit(account, "f", 1000)
    slots, reasons = admit(account, "f", 500, warm_environment=True)
    assert len(slots) == 500 and reasons == []
    slots, _ = admit(account, "g", 1000)
    assert len(slots) == 1000


def test_removing_a_function_returns_its_reservations():
    account = ConcurrencyAccount()
    account.put_reserved("a", 800)
    account.put_provisioned("a", "1", 100)
    account.remove_function("a")
    assert account.unreserved_limit == 1000 and account.on_demand_capacity("b") == 1000
    assert account.reserved("a") is None and account.provisioned("a", "1") == 0


@pytest.mark.parametrize("limit", [0, -5, 2.5, True])
def test_account_limit_must_be_a_positive_integer(limit):
    with pytest.raises(ValueError):
        ConcurrencyAccount(account_limit=limit)
