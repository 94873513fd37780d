"""A runtime's invocation records, in bounded memory.

A kernel that invokes a function a million times must not keep a million records. The
store keeps the latest `kept` records for charts and reads, and running totals over every
record it was ever given, so that what is counted stays exact however many were dropped:
the bill (usage counters, not records: lambdakit.cost.billing.Bill) and the count of
each outcome and of cold starts per function.
"""

import threading
from collections import Counter, deque
from collections.abc import Sequence

from ..cost.billing import Bill
from ..cost.pricing import US_EAST_1

# Records kept by default: about 4 MB (a record is about 0.4 KB), enough for every lesson
# and a load test of 10,000 requests.
RECORDS_KEPT = 10_000


class RecordStore(Sequence):
    """The latest `kept` InvocationRecords (oldest first), and exact totals over all of them."""

    def __init__(self, kept=RECORDS_KEPT):
        if isinstance(kept, bool) or not isinstance(kept, int) or kept < 1:
            raise ValueError(f"records_kept must be a positive whole number, not {kept!r}")
        self.kept = kept
        self._records = deque(maxlen=kept)
        self._lock = threading.Lock()
        self._bill = Bill()
        self._outcomes = Counter()   # (function, outcome) -> attempts
        self._cold = Counter()       # function -> cold starts
        self._listeners = []
        self.total = 0               # every record ever appended

    def append(self, record):
        with self._lock:
            self._records.append(record)
            self.total += 1
            self._bill.add(record)
            self._outcomes[(record.function, record.outcome)] += 1
            self._cold[record.function] += record.cold
            listeners = list(self._listeners)
        for listener in listeners:
            listener(record)

    def subscribe(self, listener):
        """Call `listener(record)` for each record appended from now on; returns the
        function that stops it (a load test collects its own requests' records this way)."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe():
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)
        return unsubscribe

    @property
    def dropped(self):
        """Records counted in the totals but no longer kept."""
        return self.total - len(self._records)

    def bill(self, prices=US_EAST_1, function=None):
        """The exact Bill of every record ever appended (of one function, if named)."""
        with self._lock:
            return self._bill.repriced(prices, function)

    def outcomes(self, function=None):
        """{outcome: attempts} over every record ever appended (of one function, if named)."""
        counts = Counter()
        with self._lock:
            for (name, outcome), n in self._outcomes.items():
                if function in (None, name):
                    counts[outcome] += n
        return dict(counts)

    def cold_starts(self, function=None):
        with self._lock:
            return sum(n for name, n in self._cold.items() if function in (None, name))

    def __len__(self):
        return len(self._records)

    def __getitem__(self, index):
        with self._lock:
            if isinstance(index, slice):
                return list(self._records)[index]
            return self._records[index]

    def __iter__(self):
        with self._lock:
            snapshot = list(self._records)  # appends from other threads must not break a reader
        return iter(snapshot)

    def __eq__(self, other):  # compares as the list of kept records, as a list would
        if isinstance(other, (list, RecordStore)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None

    def __repr__(self):
        return f"<RecordStore: {len(self)} kept of {self.total} records>"
