#!/usr/bin/env python3
"""Fuzzes the Python decoders of the env protocol with random and mutated messages.

Every case must either decode or raise envproto.ProtocolError: any other exception, a case that
takes more than a second, or a peak-memory growth above 256 MiB fails the run. A second phase
throws mutated byte streams at the server's connection handler over socket pairs: each must end
(reply or close) within its timeout and leave the handler's thread finished.

    python3 envs/tests/fuzz_decoder.py [--cases 12000] [--seed 0] [--server-cases 300]

The last line of output is "fuzz_decoder: ok cases=N accepted=A rejected=R server_cases=S".
"""

import argparse
import os
import random
import resource
import socket
import struct
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from agentrnn_envs import protocol as ep  # noqa: E402
from agentrnn_envs import server  # noqa: E402
from agentrnn_envs.samples.cue_memory import CueMemoryEnv  # noqa: E402


def specs():
    """Spec variants the decoders are exercised under, with one valid message of each type."""
    image = ep.Box(0, 255, (6, 5, 3), "uint8")
    vector = ep.Box([-1.0, -2.0, -3.0], [1.0, 2.0, float("inf")], (3,), "float32")
    nested = ep.Dict({"frame": image, "state": ep.Dict({"v": vector, "k": ep.Discrete(4, 1)})})
    out = []
    for obs, act, n, autoreset in [(image, ep.Discrete(3), 1, 0), (vector, ep.Box(-1, 1, (2,), "float32"), 4, 1),
                                   (nested, ep.MultiDiscrete([3, 2], dtype="int64"), 2, 0),
                                   (vector, ep.Dict({"a": ep.Discrete(2), "b": ep.Box(0, 1, (2, 2), "float64")}), 3, 2)]:
        spec = ep.Spec(1, autoreset, 1 << 20, n, obs, act, {"env": "fuzz"})
        rng = random.Random(n)
        obs_values = [sample(obs, rng) for _ in range(n)]
        act_values = [sample(act, rng) for _ in range(n)]
        flags = [ep.F_TERMINATED | (ep.F_FINAL if autoreset == 1 else 0), 0] + [ep.F_TRUNCATED] * (n - 2)
        flags = flags[:n]
        finals = [sample(obs, rng) for f in flags if f & ep.F_FINAL]
        messages = [
            ep.hello(),
            ep.spec(obs, act, n, autoreset, 1 << 20, {"env": "fuzz", "x": [1, 2]}),
            ep.reset_msg(7, {"difficulty": 2}, [True] * n),
            ep.reset_msg(),
            ep.reset_result(obs, obs_values, [{"k": i} for i in range(n)]),
            ep.step_msg(act, act_values),
            ep.step_result(obs, obs_values, [0.5 * i for i in range(n)], flags, finals, [{}] * n),
            ep.error_msg(ep.E_ENV, "boom"),
            ep.frame(ep.CLOSE, []),
        ]
        out.append((spec, messages))
    return out


def sample(space, rng):
    if isinstance(space, ep.Dict):
        return {k: sample(v, rng) for k, v in space.spaces.items()}
    if isinstance(space, ep.Discrete):
        return space.start + rng.randrange(space.n)
    if isinstance(space, ep.MultiDiscrete):
        return [s + rng.randrange(n) for s, n in zip(space.start, space.nvec)]
    n = ep.prod(space.shape)
    if space.dtype == "uint8":
        return bytes(rng.randrange(256) for _ in range(n))
    return [rng.uniform(-1, 1) for _ in range(n)]


def mutate(data, rng):
    b = bytearray(data)
    kind = rng.randrange(9)
    if kind == 0 and b:  # flip bits
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
    elif kind == 1 and b:  # overwrite bytes with extreme values
        for _ in range(rng.randint(1, 4)):
            b[rng.randrange(len(b))] = rng.choice([0, 1, 0x7F, 0x80, 0xFF])
    elif kind == 2:  # truncate, keeping the length field honest or not
        cut = rng.randrange(len(b) + 1)
        b = b[:cut]
        if rng.random() < 0.5 and len(b) >= 4:
            struct.pack_into("<I", b, 0, max(0, len(b) - 4))
    elif kind == 3:  # append garbage
        b += bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        if rng.random() < 0.5:
            struct.pack_into("<I", b, 0, len(b) - 4)
    elif kind == 4 and len(b) >= 5:  # huge or odd length field
        struct.pack_into("<I", b, 0, rng.choice([0, 1, 0xFFFFFFFF, 0x7FFFFFFF, len(b), rng.randrange(1 << 32)]))
    elif kind == 5 and len(b) >= 9:  # overwrite a u32 in the payload with a huge count
        i = rng.randrange(5, len(b) - 3)
        struct.pack_into("<I", b, i, rng.choice([0xFFFFFFFF, 0x10000, 1 << 31, rng.randrange(1 << 32)]))
    elif kind == 6 and len(b) >= 5:  # change the message type
        b[4] = rng.randrange(256)
    elif kind == 7:  # splice two halves
        j = rng.randrange(len(b) + 1)
        b = b[:j] + b[rng.randrange(len(b) + 1):]
    else:  # pure random bytes with a plausible header
        body = bytes(rng.randrange(256) for _ in range(rng.randint(0, 64)))
        b = bytearray(struct.pack("<IB", len(body) + 1, rng.randint(1, 9)) + body)
    return bytes(b)


def decoder_phase(cases, rng):
    variants = specs()
    accepted = rejected = 0
    for spec, messages in variants:  # every valid message decodes
        for m in messages:
            ep.decode_frame(m, spec)
    for case in range(cases):
        spec, messages = variants[rng.randrange(len(variants))]
        data = mutate(rng.choice(messages), rng)
        start = time.monotonic()
        try:
            ep.decode_frame(data, spec, spec.max_message)
            accepted += 1
        except ep.ProtocolError:
            rejected += 1
        except Exception:
            print(f"case {case}: decoder raised a non-protocol error on {data[:64].hex()}...", file=sys.stderr)
            traceback.print_exc()
            return None
        if time.monotonic() - start > 1.0:
            print(f"case {case}: decoding took {time.monotonic() - start:.2f} s", file=sys.stderr)
            return None
    return accepted, rejected


def server_phase(cases, rng):
    """Mutated client streams against serve.py's handler; each connection must end on its own."""
    good = [ep.hello(), ep.reset_msg(3), ep.step_msg(ep.Discrete(2), [1]), ep.step_msg(ep.Discrete(2), [0])]
    for case in range(cases):
        stream = b"".join(good)
        if rng.random() < 0.8:
            stream = b"".join(mutate(m, rng) if rng.random() < 0.5 else m for m in good)
        else:
            stream = mutate(stream, rng)
        server_side, client_side = socket.socketpair()
        worker = threading.Thread(target=server.serve_connection, daemon=True,
                                  args=(server_side, lambda: CueMemoryEnv(12, 12, 2), {}, 1, 0, 1 << 20,
                                        "fuzz", lambda text: None))
        worker.start()
        client_side.settimeout(5)
        try:
            client_side.sendall(stream)
        except OSError:
            pass
        client_side.shutdown(socket.SHUT_WR)
        try:
            while client_side.recv(65536):
                pass
        except OSError:
            pass
        worker.join(5)
        client_side.close()
        if worker.is_alive():
            print(f"server case {case}: the handler did not finish on {stream[:64].hex()}...", file=sys.stderr)
            return False
    return True


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cases", type=int, default=12000)
    p.add_argument("--server-cases", type=int, default=300)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    rng = random.Random(a.seed)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = decoder_phase(a.cases, rng)
    if result is None:
        print("fuzz_decoder: FAILED in the decoder phase")
        return 1
    server.HANDSHAKE_TIMEOUT = 2.0
    server.MESSAGE_TIMEOUT = 2.0
    if not server_phase(a.server_cases, rng):
        print("fuzz_decoder: FAILED in the server phase")
        return 1
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
    if grown_mib > 256:
        print(f"fuzz_decoder: FAILED: peak memory grew by {grown_mib:.0f} MiB")
        return 1
    accepted, rejected = result
    print(f"fuzz_decoder: ok cases={a.cases} accepted={accepted} rejected={rejected} server_cases={a.server_cases} "
          f"numpy={'yes' if ep.np is not None else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
