"""An append-only JSON-lines log of finished episodes, shared by every env of a process."""

import json
import os
import threading

_LOCK = threading.Lock()


def append(path, record):
    """Appends one episode record as a JSON line; safe across the server's connection threads."""
    if not path:
        return
    line = json.dumps(record, separators=(",", ":")) + "\n"
    with _LOCK:
        with open(path, "a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())
