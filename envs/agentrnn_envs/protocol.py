"""AgentRnn env protocol, version 1 (see PROTOCOL.md): message codec and framed socket I/O.

Standard library only; numpy is used when present (values then decode to ndarrays, and ndarrays
encode without copies through Python lists). Without numpy, decoded values are Python ints and
(nested) lists, and encoders accept bytes, array.array, scalars and (nested) lists. The spaces live in
agentrnn_envs.spaces and are re-exported here.
"""

import array
import json
import math
import socket
import struct
import sys
import time

from .spaces import (  # noqa: F401  (re-exported: protocol users reach the spaces through this module)
    DTYPE_CODES, DTYPES, INTEGER_DTYPES, Box, Dict, Discrete, MultiDiscrete, batch_space, dtype_name, flat,
    flat_any, leaf_paths, leaves, nest, np, prod, shape_of, to_gymnasium, to_space)

VERSION = 1
MAGIC = b"AGRN"
DEFAULT_MAX_MESSAGE = 64 * 1024 * 1024
MIN_MAX_MESSAGE = 4096
HELLO_LIMIT = 1024
MAX_RANK = 8
MAX_DEPTH = 8
MAX_DICT = 1024

HELLO, SPEC, RESET, RESET_RESULT, STEP, STEP_RESULT, CLOSE, ERROR = range(1, 9)
MESSAGE_NAMES = {1: "HELLO", 2: "SPEC", 3: "RESET", 4: "RESET_RESULT", 5: "STEP",
                 6: "STEP_RESULT", 7: "CLOSE", 8: "ERROR"}

E_MALFORMED, E_VERSION, E_TOO_LARGE, E_UNEXPECTED, E_ENV, E_OTHER = range(1, 7)

AUTORESET_MODES = {"next-step": 0, "same-step": 1, "disabled": 2}
AUTORESET_NAMES = {v: k for k, v in AUTORESET_MODES.items()}

F_TERMINATED, F_TRUNCATED, F_FINAL, F_RESET = 1, 2, 4, 8

_HEADER = struct.Struct("<IB")
_U8, _U16, _U32, _I64, _F64 = (struct.Struct(f) for f in ("<B", "<H", "<I", "<q", "<d"))


class ProtocolError(Exception):
    """A malformed or unexpected message; the text names the field and byte offset."""

    def __init__(self, text, code=E_MALFORMED):
        super().__init__(text)
        self.code = code


class RemoteError(Exception):
    """The peer sent an ERROR message."""

    def __init__(self, code, text):
        super().__init__(f"peer reported error {code}: {text}")
        self.code = code
        self.text = text


# ----------------------------------------------------------------------------------------- spaces

def encode_space(space, parts):
    if isinstance(space, Box):
        parts.append(bytes([1, DTYPE_CODES[space.dtype], len(space.shape)]))
        parts.append(struct.pack(f"<{len(space.shape)}I", *space.shape))
        if len(space.low) == 1 and len(space.high) == 1:
            parts.append(b"\x00" + struct.pack("<dd", space.low[0], space.high[0]))
        else:
            n = prod(space.shape)
            low = space.low * n if len(space.low) == 1 else space.low
            high = space.high * n if len(space.high) == 1 else space.high
            parts.append(b"\x01" + struct.pack(f"<{n}d", *low) + struct.pack(f"<{n}d", *high))
    elif isinstance(space, Discrete):
        parts.append(b"\x02" + struct.pack("<qq", space.n, space.start))
    elif isinstance(space, MultiDiscrete):
        n = len(space.nvec)
        parts.append(bytes([3, DTYPE_CODES[space.dtype], len(space.shape)]))
        parts.append(struct.pack(f"<{len(space.shape)}I{n}q{n}q", *space.shape, *space.nvec, *space.start))
    elif isinstance(space, Dict):
        parts.append(b"\x04" + _U16.pack(len(space.spaces)))
        for k, v in space.spaces.items():
            key = k.encode("utf-8")
            parts.append(_U16.pack(len(key)) + key)
            encode_space(v, parts)
    else:
        raise ValueError(f"cannot encode space {space!r}")


# ----------------------------------------------------------------------------------------- reader

class Reader:
    """Bounds-checked little-endian reads over one message's payload; errors name field and offset."""

    __slots__ = ("buf", "pos", "base")

    def __init__(self, buf, base=5):
        self.buf = memoryview(buf)
        self.pos = 0
        self.base = base  # offset of the payload within the whole message, for error texts

    def fail(self, what):
        raise ProtocolError(f"{what} at byte {self.base + self.pos}")

    def need(self, n, what):
        if n < 0 or self.pos + n > len(self.buf):
            self.fail(f"{what}: needs {n} bytes, {len(self.buf) - self.pos} left")

    def take(self, n, what):
        self.need(n, what)
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out

    def unpack(self, st, what):
        self.need(st.size, what)
        v = st.unpack_from(self.buf, self.pos)[0]
        self.pos += st.size
        return v

    def u8(self, what):
        return self.unpack(_U8, what)

    def u16(self, what):
        return self.unpack(_U16, what)

    def u32(self, what):
        return self.unpack(_U32, what)

    def i64(self, what):
        return self.unpack(_I64, what)

    def f64(self, what):
        return self.unpack(_F64, what)

    def json(self, what):
        n = self.u32(f"{what} length")
        if n == 0:
            return None
        raw = self.take(n, what)
        try:
            return json.loads(bytes(raw).decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as e:
            self.pos -= n
            self.fail(f"{what} is not UTF-8 JSON ({type(e).__name__})")

    def end(self, what):
        if self.pos != len(self.buf):
            self.fail(f"{len(self.buf) - self.pos} trailing bytes after {what}")


def _dims(r, what):
    rank = r.u8(f"{what} rank")
    if rank > MAX_RANK:
        r.pos -= 1
        r.fail(f"{what} rank {rank} exceeds {MAX_RANK}")
    r.need(4 * rank, f"{what} dims")
    dims = struct.unpack_from(f"<{rank}I", r.buf, r.pos)
    r.pos += 4 * rank
    return dims


def _dtype(r, what):
    code = r.u8(f"{what} dtype")
    if code not in DTYPES:
        r.pos -= 1
        r.fail(f"{what} has unknown dtype code {code}")
    return DTYPES[code][0]


def decode_space(r, depth=0, what="space"):
    kind = r.u8(f"{what} kind")
    if kind == 1:
        dtype = _dtype(r, what)
        shape = _dims(r, what)
        n = prod(shape)
        bounds = r.u8(f"{what} bounds")
        if bounds == 0:
            low, high = [r.f64(f"{what} low")], [r.f64(f"{what} high")]
        elif bounds == 1:
            r.need(16 * n, f"{what} low/high")
            low = list(struct.unpack_from(f"<{n}d", r.buf, r.pos))
            high = list(struct.unpack_from(f"<{n}d", r.buf, r.pos + 8 * n))
            r.pos += 16 * n
        else:
            r.pos -= 1
            r.fail(f"{what} has unknown bounds kind {bounds}")
        for lo, hi in zip(low, high):
            if math.isnan(lo) or math.isnan(hi) or lo > hi:
                r.fail(f"{what} has bounds low={lo} > high={hi}")
        return Box(low, high, shape, dtype) if n else Box(low[:1] or 0.0, high[:1] or 0.0, shape, dtype)
    if kind == 2:
        n, start = r.i64(f"{what} n"), r.i64(f"{what} start")
        if n < 1:
            r.fail(f"{what} is Discrete({n}); n must be >= 1")
        return Discrete(n, start)
    if kind == 3:
        dtype = _dtype(r, what)
        if dtype not in INTEGER_DTYPES:
            r.fail(f"{what} MultiDiscrete dtype {dtype} is not an integer type")
        shape = _dims(r, what)
        n = prod(shape)
        r.need(16 * n, f"{what} nvec/start")
        nvec = struct.unpack_from(f"<{n}q", r.buf, r.pos)
        start = struct.unpack_from(f"<{n}q", r.buf, r.pos + 8 * n)
        r.pos += 16 * n
        if any(v < 1 for v in nvec):
            r.fail(f"{what} has an nvec entry < 1")
        return MultiDiscrete(list(nvec), list(start), dtype, shape)
    if kind == 4:
        if depth >= MAX_DEPTH:
            r.fail(f"{what} nests Dicts deeper than {MAX_DEPTH}")
        count = r.u16(f"{what} Dict count")
        if count > MAX_DICT:
            r.fail(f"{what} Dict has {count} entries, more than {MAX_DICT}")
        spaces = {}
        for _ in range(count):
            klen = r.u16(f"{what} key length")
            raw = r.take(klen, f"{what} key")
            try:
                key = bytes(raw).decode("utf-8")
            except UnicodeDecodeError:
                r.pos -= klen
                r.fail(f"{what} key is not UTF-8")
            if key in spaces:
                r.fail(f"{what} repeats key {key!r}")
            spaces[key] = decode_space(r, depth + 1, f"{what}[{key!r}]")
        if not spaces:
            r.fail(f"{what} is an empty Dict")
        return Dict(spaces)
    r.pos -= 1
    return r.fail(f"{what} has unknown space kind {kind}")


# ----------------------------------------------------------------------------------------- values

def _leaf_shape(leaf):
    return tuple(leaf.shape)


def to_bytes(dtype, shape, value, what, strict=False):
    """prod(shape) elements of value as raw little-endian bytes of dtype, in C order.

    With strict, the value's shape must be `shape`; otherwise only the element count must match.
    """
    n = prod(shape)
    name, fmt, size, tc = DTYPES[DTYPE_CODES[dtype]]
    if np is not None and (hasattr(value, "__array__") or isinstance(value, (list, tuple))):
        a = np.asarray(value)
        if a.shape != shape and (strict or a.size != n):
            raise ValueError(f"{what} has shape {a.shape}, but the space says {shape}")
        return np.ascontiguousarray(a, dtype=np.dtype(name).newbyteorder("<")).tobytes()
    if strict:
        if shape_of(value) != shape:
            raise ValueError(f"{what} has shape {shape_of(value)}, but the space says {shape}")
    elif isinstance(value, (bytes, bytearray, memoryview)) and len(value) == n * size:
        return bytes(value)
    elif isinstance(value, array.array) and value.typecode == tc and len(value) == n and sys.byteorder == "little":
        return value.tobytes()
    values = flat(value, n, what)
    if fmt in "fde":
        values = [float(x) for x in values]
    elif fmt != "?":
        values = [int(x) for x in values]
    return struct.pack(f"<{n}{fmt}", *values)


def leaf_to_bytes(leaf, value, what):
    """One env's element of a leaf space as raw little-endian bytes in the leaf's dtype."""
    return to_bytes(leaf.dtype, _leaf_shape(leaf), value, what)


def _tensor_header(dtype, shape):
    return bytes([DTYPE_CODES[dtype], len(shape)]) + struct.pack(f"<{len(shape)}I", *shape)


def encode_value(space, values, parts):
    """Encodes a batch: values is a list of B per-env elements of space (dicts for Dict spaces)."""
    b = len(values)
    for path, leaf in leaf_paths(space):
        chunks = []
        for i, v in enumerate(values):
            for key in path:
                v = v[key]
            chunks.append(leaf_to_bytes(leaf, v, f"value {i}{''.join(f'[{k!r}]' for k in path)}"))
        parts.append(_tensor_header(leaf.dtype, (b,) + _leaf_shape(leaf)))
        parts.append(b"".join(chunks))


def encode_batch(space, leaf_values, batch, parts, what):
    """Encodes a batch given as one value per leaf (Value order), each of shape (batch, *leaf shape) exactly."""
    for (path, leaf), value in zip(leaf_paths(space), leaf_values):
        shape = (batch,) + _leaf_shape(leaf)
        parts.append(_tensor_header(leaf.dtype, shape))
        parts.append(to_bytes(leaf.dtype, shape, value, what + "".join(f"[{k!r}]" for k in path), strict=True))


def decode_value(r, space, batch, what):
    """Decodes a Value; returns one batched array per leaf (ndarray with numpy, else (shape, flat list))."""
    out = []
    for path, leaf in leaf_paths(space):
        name = what + "".join(f"[{k!r}]" for k in path)
        dtype = _dtype(r, name)
        shape = _dims(r, name)
        want = (batch,) + _leaf_shape(leaf)
        if dtype != leaf.dtype or tuple(shape) != want:
            r.fail(f"{name} is {dtype}{tuple(shape)}, but the space says {leaf.dtype}{want}")
        _, fmt, size, _ = DTYPES[DTYPE_CODES[dtype]]
        n = prod(shape)
        raw = r.take(n * size, f"{name} data")
        if np is not None:
            # A copy, so that callers get writable arrays that outlive the message buffer.
            out.append(np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<")).reshape(shape).copy())
        else:
            out.append((tuple(shape), list(struct.unpack(f"<{n}{fmt}", raw))))
    return out


def split_value(space, arrays, batch):
    """Per-env elements (ints for Discrete, dicts for Dict, arrays or nested lists) from decode_value's output."""
    paths = leaf_paths(space)
    items = []
    for i in range(batch):
        leaf_values = []
        for (path, leaf), a in zip(paths, arrays):
            if np is not None:
                v = a[i]
                if isinstance(leaf, Discrete):
                    v = int(v)
            else:
                shape, values = a
                step = prod(shape[1:])
                v = nest(values[i * step:(i + 1) * step], shape[1:])
            leaf_values.append(v)
        items.append(_assemble(space, iter(leaf_values)))
    return items


def _assemble(space, it):
    if isinstance(space, Dict):
        return {k: _assemble(v, it) for k, v in space.spaces.items()}
    return next(it)


def batched_value(space, arrays):
    """A batched value: ndarray (or nested list) per leaf, assembled into dicts for Dict spaces."""
    if np is None:
        arrays = [nest(values, shape) for shape, values in arrays]
    return _assemble(space, iter(arrays))


# ----------------------------------------------------------------------------------------- messages

def _json_bytes(obj):
    if obj is None:
        return _U32.pack(0)
    try:
        text = json.dumps(obj, default=_jsonable, separators=(",", ":"), allow_nan=False)
    except ValueError:  # NaN and ±Infinity are not JSON, and strict peers (System.Text.Json) refuse them
        text = json.dumps(_finite(json.loads(json.dumps(obj, default=_jsonable))), separators=(",", ":"))
    raw = text.encode("utf-8")
    return _U32.pack(len(raw)) + raw


def _finite(x):
    """x with every non-finite float replaced by None (JSON null)."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, list):
        return [_finite(v) for v in x]
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    return x


def _jsonable(x):
    if hasattr(x, "tolist"):
        return x.tolist()
    if hasattr(x, "item"):
        return x.item()
    if isinstance(x, (bytes, bytearray)):
        return f"<{len(x)} bytes>"
    if isinstance(x, (set, tuple)):
        return list(x)
    return repr(x)


def infos_json(infos):
    """None when every info dict is empty, else the list (encoded as a JSON array)."""
    return None if all(not i for i in infos) else list(infos)


def frame(mtype, parts):
    body = b"".join(parts)
    return _HEADER.pack(len(body) + 1, mtype) + body


def hello(max_message=DEFAULT_MAX_MESSAGE, version=VERSION):
    return frame(HELLO, [MAGIC, struct.pack("<HHI", version, 0, max_message)])


def decode_hello(payload):
    r = Reader(payload)
    magic = bytes(r.take(4, "HELLO magic"))
    if magic != MAGIC:
        r.pos = 0
        r.fail(f"HELLO magic is {magic!r}, not {MAGIC!r} (is this an AgentRnn env client?)")
    version = r.u16("HELLO version")
    r.u16("HELLO reserved")
    max_message = r.u32("HELLO max_message_size")
    r.end("HELLO")
    return version, max_message


def spec(obs_space, act_space, num_envs, autoreset, max_message, metadata):
    parts = [struct.pack("<HBBII", VERSION, autoreset, 0, max_message, num_envs)]
    encode_space(obs_space, parts)
    encode_space(act_space, parts)
    parts.append(_json_bytes(metadata))
    return frame(SPEC, parts)


class Spec:
    """What SPEC announces: spaces, number of envs, autoreset mode, negotiated max size, metadata."""

    def __init__(self, version, autoreset, max_message, num_envs, obs_space, act_space, metadata):
        self.version = version
        self.autoreset = autoreset
        self.max_message = max_message
        self.num_envs = num_envs
        self.observation_space = obs_space
        self.action_space = act_space
        self.metadata = metadata or {}


def decode_spec(payload, client_max=DEFAULT_MAX_MESSAGE):
    r = Reader(payload)
    version = r.u16("SPEC version")
    if version != VERSION:
        raise ProtocolError(f"protocol version mismatch: the server speaks version {version}, "
                            f"this client speaks version {VERSION}", E_VERSION)
    autoreset = r.u8("SPEC autoreset")
    if autoreset not in AUTORESET_NAMES:
        r.pos -= 1
        r.fail(f"SPEC has unknown autoreset mode {autoreset}")
    r.u8("SPEC reserved")
    max_message = r.u32("SPEC max_message_size")
    if max_message < MIN_MAX_MESSAGE or max_message > client_max:
        r.pos -= 4
        r.fail(f"SPEC max_message_size {max_message} is outside {MIN_MAX_MESSAGE}..{client_max}")
    num_envs = r.u32("SPEC num_envs")
    if num_envs < 1 or num_envs > 65536:
        r.pos -= 4
        r.fail(f"SPEC num_envs {num_envs} is outside 1..65536")
    obs_space = decode_space(r, 0, "observation space")
    act_space = decode_space(r, 0, "action space")
    metadata = r.json("SPEC metadata")
    r.end("SPEC")
    return Spec(version, autoreset, max_message, num_envs, obs_space, act_space, metadata)


def reset_msg(seed=None, options=None, mask=None):
    flags = (1 if seed is not None else 0) | (2 if mask is not None else 0)
    parts = [struct.pack("<Bq", flags, 0 if seed is None else int(seed))]
    if mask is not None:
        parts.append(bytes(1 if m else 0 for m in mask))
    parts.append(_json_bytes(options))
    return frame(RESET, parts)


def decode_reset(payload, num_envs):
    r = Reader(payload)
    flags = r.u8("RESET flags")
    if flags & ~3:
        r.pos -= 1
        r.fail(f"RESET flags {flags:#x} has reserved bits set")
    seed = r.i64("RESET seed")
    mask = None
    if flags & 2:
        mask = [b != 0 for b in r.take(num_envs, "RESET mask")]
    options = r.json("RESET options")
    if options is not None and not isinstance(options, dict):
        r.fail("RESET options is not a JSON object")
    r.end("RESET")
    return (seed if flags & 1 else None), options, mask


def reset_result(obs_space, observations, infos):
    parts = []
    encode_value(obs_space, observations, parts)
    parts.append(_json_bytes(infos_json(infos)))
    return frame(RESET_RESULT, parts)


def _decode_infos(r, num_envs, what):
    infos = r.json(what)
    if infos is None:
        return [{} for _ in range(num_envs)]
    if not isinstance(infos, list) or len(infos) != num_envs or not all(isinstance(i, dict) for i in infos):
        r.fail(f"{what} is not a JSON array of {num_envs} objects")
    return infos


def decode_reset_result(payload, spec_):
    r = Reader(payload)
    obs = decode_value(r, spec_.observation_space, spec_.num_envs, "RESET_RESULT observation")
    infos = _decode_infos(r, spec_.num_envs, "RESET_RESULT infos")
    r.end("RESET_RESULT")
    return obs, infos


def step_msg_batched(act_space, leaf_values, batch):
    """A STEP from one batched value per action leaf, each of shape (batch, *leaf shape)."""
    parts = []
    encode_batch(act_space, leaf_values, batch, parts, "action")
    return frame(STEP, parts)


def step_msg(act_space, actions):
    parts = []
    encode_value(act_space, actions, parts)
    return frame(STEP, parts)


def decode_step(payload, act_space, num_envs):
    r = Reader(payload)
    arrays = decode_value(r, act_space, num_envs, "STEP action")
    r.end("STEP")
    _check_actions(r, act_space, arrays)
    return split_value(act_space, arrays, num_envs)


def _check_actions(r, space, arrays):
    for (path, leaf), a in zip(leaf_paths(space), arrays):
        if isinstance(leaf, Box):
            continue
        values = a.reshape(-1).tolist() if np is not None else a[1]
        if isinstance(leaf, Discrete):
            lo = [leaf.start]
            hi = [leaf.start + leaf.n]
        else:
            lo, hi = leaf.start, [s + n for s, n in zip(leaf.start, leaf.nvec)]
        k = len(lo)
        for j, v in enumerate(values):
            if not lo[j % k] <= v < hi[j % k]:
                r.fail(f"STEP action{''.join(f'[{p!r}]' for p in path)} element {j} is {v}, "
                       f"outside {lo[j % k]}..{hi[j % k] - 1}")


def step_result(obs_space, observations, rewards, flags, final_observations, infos):
    parts = []
    encode_value(obs_space, observations, parts)
    parts.append(struct.pack(f"<{len(rewards)}d", *rewards))
    parts.append(bytes(flags))
    if final_observations:
        encode_value(obs_space, final_observations, parts)
    parts.append(_json_bytes(infos_json(infos)))
    return frame(STEP_RESULT, parts)


def decode_step_result(payload, spec_):
    n = spec_.num_envs
    r = Reader(payload)
    obs = decode_value(r, spec_.observation_space, n, "STEP_RESULT observation")
    r.need(8 * n, "STEP_RESULT rewards")
    rewards = list(struct.unpack_from(f"<{n}d", r.buf, r.pos))
    r.pos += 8 * n
    flags = bytes(r.take(n, "STEP_RESULT flags"))
    for i, f in enumerate(flags):
        if f & 0xF0:
            r.pos -= n - i
            r.fail(f"STEP_RESULT flags of env {i} ({f:#x}) has reserved bits set")
    finals = sum(1 for f in flags if f & F_FINAL)
    final_obs = decode_value(r, spec_.observation_space, finals, "STEP_RESULT final_observation") if finals else None
    infos = _decode_infos(r, n, "STEP_RESULT infos")
    r.end("STEP_RESULT")
    return obs, rewards, flags, final_obs, infos


def error_msg(code, text):
    raw = " ".join(str(text).split()).encode("utf-8")[:4000]
    return frame(ERROR, [struct.pack("<HI", code, len(raw)), raw])


def decode_error(payload):
    r = Reader(payload)
    code = r.u16("ERROR code")
    n = r.u32("ERROR text length")
    text = bytes(r.take(n, "ERROR text")).decode("utf-8", "replace")
    r.end("ERROR")
    return code, text


DECODERS = {
    HELLO: lambda p, s: decode_hello(p),
    SPEC: lambda p, s: decode_spec(p),
    RESET: lambda p, s: decode_reset(p, s.num_envs),
    RESET_RESULT: lambda p, s: decode_reset_result(p, s),
    STEP: lambda p, s: decode_step(p, s.action_space, s.num_envs),
    STEP_RESULT: lambda p, s: decode_step_result(p, s),
    ERROR: lambda p, s: decode_error(p),
}


def decode_frame(data, spec_, max_message=DEFAULT_MAX_MESSAGE):
    """Decodes one whole framed message held in memory (used by tests and the fuzzer)."""
    if len(data) < 5:
        raise ProtocolError(f"message of {len(data)} bytes is shorter than its 5-byte header at byte 0")
    length, mtype = _HEADER.unpack_from(data, 0)
    if length + 4 > max_message:
        raise ProtocolError(f"message length {length} exceeds the maximum {max_message} at byte 0", E_TOO_LARGE)
    if length + 4 != len(data):
        raise ProtocolError(f"message length field says {length + 4} bytes, got {len(data)} at byte 0")
    if mtype == CLOSE:
        if length != 1:
            raise ProtocolError("CLOSE has a payload at byte 5")
        return mtype, None
    if mtype not in DECODERS:
        raise ProtocolError(f"unknown message type {mtype} at byte 4", E_UNEXPECTED)
    return mtype, DECODERS[mtype](memoryview(data)[5:], spec_)


# ----------------------------------------------------------------------------------------- sockets

class Connection:
    """Framed messages over a connected stream socket, with a size cap and optional deadlines.

    Without message_timeout (a client), the socket's own timeout governs every read and write. With it
    (a server), recv(wait=...) waits up to `wait` seconds (None: for ever) for a message to begin, and
    then the whole message, and every send, must move within message_timeout seconds: a peer that
    stalls or trickles bytes mid-message cannot hold the connection's thread.
    """

    # A declared length is only a claim: buffers grow from this size as the bytes actually arrive.
    _FIRST_CHUNK = 1 << 20

    def __init__(self, sock, max_message=DEFAULT_MAX_MESSAGE, message_timeout=None):
        self.sock = sock
        self.max_message = max_message
        self.message_timeout = message_timeout
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send(self, data):
        if self.message_timeout is not None:
            self.sock.settimeout(self.message_timeout)
        self.sock.sendall(data)

    def _recv_exact(self, n, what, deadline=None):
        buf = bytearray(min(n, self._FIRST_CHUNK))
        got = 0
        while got < n:
            if got == len(buf):
                buf.extend(bytes(min(len(buf), n - len(buf))))
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise socket.timeout(f"{what} did not arrive within {self.message_timeout} s")
                self.sock.settimeout(left)
            k = self.sock.recv_into(memoryview(buf)[got:], len(buf) - got)
            if k == 0:
                raise ProtocolError(f"peer closed the connection in the middle of a message "
                                    f"({what}: got {got} of {n} bytes)")
            got += k
        return buf

    def recv(self, limit=None, wait=None):
        """Returns (type, payload). Raises EOFError on a clean close between messages."""
        limit = self.max_message if limit is None else limit
        deadline = None
        if self.message_timeout is not None:
            self.sock.settimeout(wait)
        first = self.sock.recv(5)
        if not first:
            raise EOFError("peer closed the connection")
        if self.message_timeout is not None:
            deadline = time.monotonic() + self.message_timeout
        header = first + self._recv_exact(5 - len(first), "header", deadline)
        length, mtype = _HEADER.unpack(header)
        if length < 1:
            raise ProtocolError("message length 0 at byte 0")
        if length + 4 > limit:
            raise ProtocolError(f"message of {length + 4} bytes exceeds the maximum {limit} at byte 0", E_TOO_LARGE)
        name = MESSAGE_NAMES.get(mtype, f"type {mtype}")
        payload = self._recv_exact(length - 1, name, deadline) if length > 1 else bytearray()
        return mtype, payload

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def parse_address(address):
    """'tcp://HOST:PORT' or 'unix:PATH' → (family, sockaddr)."""
    if address.startswith("unix:"):
        path = address[5:]
        if path.startswith("//"):
            path = path[2:]
        return socket.AF_UNIX, path
    if address.startswith("tcp://"):
        rest = address[6:]
        host, sep, port = rest.rpartition(":")
        if not sep or not port.isdigit():
            raise ValueError(f"address {address!r} has no port (expected tcp://HOST:PORT)")
        host = host.strip("[]") or "127.0.0.1"
        return (socket.AF_INET6 if ":" in host else socket.AF_INET), (host, int(port))
    raise ValueError(f"address {address!r} is not tcp://HOST:PORT or unix:PATH")
