"""Record-changed pushes off the request thread: a save enqueues and returns at once; one daemon
thread sends, coalescing what is queued for the same page into one push (the last values win per
field), and retries while Tandem is unreachable. A save never fails because of Tandem."""
from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import OrderedDict
from typing import Callable, Dict, Mapping, Optional, Tuple

from .client import FieldValue, TandemClient
from .errors import TandemError, TandemRateLimited, TandemUnavailable

log = logging.getLogger("tandem_integration")
Pending = Tuple[Dict[str, FieldValue], Optional[str]]


class RecordPusher:
    def __init__(self, client: TandemClient, *, batch_wait: float = 0.05, retry_delays: Tuple[float, ...] = (0.5, 1, 2, 5, 10, 30),
                 max_pending: int = 10_000, on_error: Optional[Callable[[str, Exception], None]] = None,
                 exit_timeout: float = 5.0) -> None:
        """``retry_delays``: the waits between attempts while Tandem is unavailable; after the last
        one the push is dropped and logged. Errors Tandem answers for the push itself (a bad page
        key, a revoked key) are logged and not retried. A process that exits right after saving
        (a management command, a shell script) waits up to ``exit_timeout`` for its pushes."""
        self.client = client
        self.batch_wait = batch_wait
        self.retry_delays = retry_delays
        self.max_pending = max_pending
        self.on_error = on_error
        self._pending: "OrderedDict[str, Pending]" = OrderedDict()
        self._cond = threading.Condition()
        self._busy = 0
        self._thread: Optional[threading.Thread] = None
        self._stopped = False
        self.delivered = 0
        self.exit_timeout = exit_timeout

    def push(self, page_key: str, values: Mapping[str, FieldValue], saved_by: Optional[str] = None) -> None:
        """Queues a record-changed for ``page_key``; never blocks on the network, never raises."""
        with self._cond:
            prior = self._pending.pop(page_key, None)
            merged = {**(prior[0] if prior else {}), **values}
            if len(self._pending) >= self.max_pending:
                dropped, _ = self._pending.popitem(last=False)
                log.warning("tandem: %d record pushes pending, dropped the oldest (%s)", self.max_pending, dropped)
            self._pending[page_key] = (merged, saved_by or (prior[1] if prior else None))
            if self._thread is None or not self._thread.is_alive():
                if self._thread is None:
                    atexit.register(self.flush, self.exit_timeout)
                self._thread = threading.Thread(target=self._run, name="tandem-pusher", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def flush(self, timeout: float = 10.0) -> bool:
        """Waits until everything queued so far was delivered or given up; True if it got there."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
            time.sleep(self.batch_wait)  # let the rest of a transaction's saves join the batch
            with self._cond:
                batch = list(self._pending.items())
                self._pending.clear()
                self._busy = len(batch)
            for page_key, (values, saved_by) in batch:
                self._send(page_key, values, saved_by)
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def _send(self, page_key: str, values: Dict[str, FieldValue], saved_by: Optional[str]) -> None:
        for attempt in range(len(self.retry_delays) + 1):
            try:
                self.client.record_changed(page_key, values, saved_by)
                self.delivered += 1
                return
            except (TandemUnavailable, TandemRateLimited) as e:
                if attempt == len(self.retry_delays):
                    self._fail(page_key, e)
                    return
                with self._cond:
                    newer = self._pending.pop(page_key, None)
                if newer:  # saved again meanwhile: send both as one
                    values, saved_by = {**values, **newer[0]}, newer[1] or saved_by
                wait = max(self.retry_delays[attempt], e.retry_after or 0)
                log.info("tandem: record push for %s failed (%s); retrying in %.1f s", page_key, e.code, wait)
                time.sleep(wait)
            except TandemError as e:
                self._fail(page_key, e)
                return

    def _fail(self, page_key: str, e: Exception) -> None:
        log.error("tandem: record push for %s given up: %s", page_key, e)
        if self.on_error:
            self.on_error(page_key, e)
