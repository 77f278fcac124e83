"""nbclient's NotebookClient, made robust against a missed wake-up in asyncio zmq polling.

Seen here (pyzmq 27, jupyter_client 8, nbclient 0.10): after a cell that sends a burst of
IOPub messages (a widget), the kernel has already replied and is idle, but the client's
`await channel.get_msg(timeout=T)` only notices the reply when T runs out: every such cell
costs the full cell timeout (300 s in `make run`), then execution continues as if nothing had
happened. (pyzmq issue 1558 describes the same: "the poller will return a received event after
the timeout".) Polling in short slices until the same deadline avoids the wait and changes
nothing else. nbval is not affected: it uses the blocking client.

Used by scripts/run_notebooks.py (`make run`), scripts/portability.py --spread and bench/.
"""

import time
from queue import Empty

import nbclient

POLL_SLICE_S = 0.5


def _sliced(get_msg):
    """Wrap an async channel's get_msg so that it polls in short slices up to the deadline."""

    async def get_msg_in_slices(timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else deadline - time.monotonic()
            try:
                return await get_msg(timeout=POLL_SLICE_S if left is None else
                                     max(0.0, min(POLL_SLICE_S, left)))
            except Empty:
                if left is not None and left <= POLL_SLICE_S:
                    raise

    return get_msg_in_slices


class NotebookClient(nbclient.NotebookClient):
    """nbclient.NotebookClient whose shell and IOPub reads poll in short slices."""

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        for channel in (kc.shell_channel, kc.iopub_channel):
            channel.get_msg = _sliced(channel.get_msg)
        return kc
