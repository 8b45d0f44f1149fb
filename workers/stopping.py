"""A stopped `importer worker` process takes no new message, at once.

Dramatiq's worker process answers SIGTERM (and SIGHUP) by setting a flag that its main
thread looks at once a second; only then does it stop its worker threads. Until then they
go on taking messages, and each chunk of an import queues the next, so a worker told to
stop could go on importing for up to a second (a whole import, if it is small).

StopTakingMessages wraps Dramatiq's handler of those signals: the signal first stops every
worker thread (each finishes the message under way and takes no other), then Dramatiq's
handler runs as before, and its shutdown hands the messages fetched but not started back
to the broker. Dramatiq has no hook for the signal itself; `after_worker_boot` runs in the
worker process's main thread once Dramatiq's handlers are installed, so it can wrap them.

A thread idle at that moment, already waiting on Dramatiq's empty work queue, still takes
a message that arrives during that wait (at most one, within Dramatiq's worker timeout,
1 s): that wait cannot be cut short from outside, and Dramatiq's own stop has the same
edge. A busy thread takes none.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType

import dramatiq
from dramatiq.middleware import Middleware

log = logging.getLogger("importer.worker")

Handler = Callable[[int, FrameType | None], object]

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class StopTakingMessages(Middleware):
    """On SIGTERM or SIGHUP, the worker's threads take no new message before Dramatiq's own
    handler runs; one log line says so and how many messages are under way."""

    def __init__(self) -> None:
        self.under_way: set[str] = set()  # ids of the messages being processed
        self.stopping = False

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be set from the main thread
        for signum in STOP_SIGNALS:
            dramatiq_handler = signal.getsignal(signum)
            if callable(dramatiq_handler):
                signal.signal(signum, self._handler(worker, dramatiq_handler))

    def _handler(self, worker: dramatiq.Worker, dramatiq_handler: Handler) -> Handler:
        def stop_taking_messages(signum: int, frame: FrameType | None) -> None:
            for thread in worker.workers:
                thread.stop()  # it ends its loop after the message under way
            if not self.stopping:
                self.stopping = True
                log.info("%s: no new messages are taken; finishing the %d under way (within the shutdown timeout)",
                         signal.Signals(signum).name, len(self.under_way))
            dramatiq_handler(signum, frame)

        return stop_taking_messages

    def before_process_message(self, broker: dramatiq.Broker, message: dramatiq.MessageProxy) -> None:
        self.under_way.add(message.message_id)

    def after_process_message(self, broker: dramatiq.Broker, message: dramatiq.MessageProxy, *,
                              result: object = None, exception: BaseException | None = None) -> None:
        self.under_way.discard(message.message_id)

    after_skip_message = after_process_message
