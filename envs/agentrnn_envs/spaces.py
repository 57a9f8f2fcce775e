"""Spaces the env protocol carries (PROTOCOL.md): Box, Discrete, MultiDiscrete and Dict.

These are the bridge's own spaces, used when gymnasium is not installed (with gymnasium, RemoteEnv and
RemoteVectorEnv expose gymnasium.spaces instead). They follow gymnasium 1.x: `sample()` draws from the
space, `seed(seed)` makes the draws reproducible, `contains(x)` (and `x in space`) checks an element.

Elements are numpy arrays (numpy scalars for Discrete) when numpy is installed, and Python numbers and
nested lists otherwise. A seed gives the same draws with and without numpy: every draw comes from
Python's `random.Random`, and floats are rounded to the space's dtype before they are returned.
"""

import array
import math
import random
import struct

try:
    import numpy as np
except ImportError:  # numpy is optional by design: the bridge must run on a bare python3
    np = None

# code -> (name, struct format char, itemsize, array.array typecode or None)
DTYPES = {
    1: ("uint8", "B", 1, "B"), 2: ("int8", "b", 1, "b"), 3: ("uint16", "H", 2, "H"),
    4: ("int16", "h", 2, "h"), 5: ("uint32", "I", 4, "I"), 6: ("int32", "i", 4, "i"),
    7: ("uint64", "Q", 8, "Q"), 8: ("int64", "q", 8, "q"), 9: ("float16", "e", 2, None),
    10: ("float32", "f", 4, "f"), 11: ("float64", "d", 8, "d"), 12: ("bool", "?", 1, None),
}
DTYPE_CODES = {v[0]: k for k, v in DTYPES.items()}
INTEGER_DTYPES = ("uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64")


def dtype_name(dtype):
    """Normalizes a dtype given as a string, numpy dtype or numpy scalar type to its name."""
    if isinstance(dtype, str):
        name = dtype
    elif np is not None:
        name = np.dtype(dtype).name
    else:
        name = getattr(dtype, "name", None) or getattr(dtype, "__name__", str(dtype))
    if name == "bool_":
        name = "bool"
    if name not in DTYPE_CODES:
        raise ValueError(f"dtype {dtype!r} is not one the protocol carries ({', '.join(DTYPE_CODES)})")
    return name


def integer_range(dtype):
    """(min, max) of an integer or bool dtype."""
    if dtype == "bool":
        return 0, 1
    bits = 8 * DTYPES[DTYPE_CODES[dtype]][2]
    return (0, (1 << bits) - 1) if dtype.startswith("u") else (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)


def prod(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def flat_any(value):
    """Flattens a scalar, (nested) list/tuple/array.array or array-like to a list of Python numbers."""
    if np is not None and hasattr(value, "__array__"):
        return np.asarray(value).reshape(-1).tolist()
    if isinstance(value, (int, float, bool)):
        return [value]
    out = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, (list, tuple, array.array)):
            stack.extend(reversed(list(v)))
        else:
            out.append(v)
    return out


def flat(value, n, what):
    out = flat_any(value)
    if len(out) != n:
        raise ValueError(f"{what} has {len(out)} elements, expected {n}")
    return out


def nest(values, shape):
    """A flat list as nested lists of the given shape (the element itself for shape ())."""
    if not shape:
        return values[0]
    if len(shape) == 1:
        return list(values)
    step = prod(shape[1:])
    return [nest(values[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def shape_of(value):
    """The shape of an ndarray, a scalar or a rectangular nested list; None when the lists are ragged."""
    if np is not None and hasattr(value, "__array__"):
        return tuple(np.shape(value))
    if isinstance(value, (list, tuple, array.array)):
        inner = [shape_of(v) for v in value]
        if any(s is None or s != inner[0] for s in inner):
            return None
        return (len(value),) + (inner[0] if inner else ())
    return ()


def _bounds(value, n, what):
    """Box bounds as a flat list of n floats, or of one float when every element shares it."""
    out = [float(x) for x in flat_any(value)]
    if len(out) != 1 and len(out) != n:
        raise ValueError(f"{what} has {len(out)} elements, expected 1 or {n}")
    if len(out) > 1 and all(x == out[0] for x in out):
        out = out[:1]
    return out


def _round_to(dtype, x):
    """x as the nearest value of a float dtype, back as a Python float."""
    fmt = DTYPES[DTYPE_CODES[dtype]][1]
    if fmt == "d":
        return x
    try:
        return struct.unpack(fmt, struct.pack(fmt, x))[0]
    except OverflowError:  # beyond the dtype's range: the dtype rounds it to infinity
        return math.copysign(math.inf, x)


def _element(dtype, shape, values):
    """Sampled values as one element of a space: an ndarray with numpy, nested lists (or a number) without."""
    if np is not None:
        return np.array(values, dtype=dtype).reshape(shape)
    if dtype == "bool":
        values = [bool(v) for v in values]
    return nest(values, shape)


class Space:
    """What every space shares: a random generator for sample(), set by seed() or on first use."""

    shape = ()
    dtype = None

    def __init__(self, seed=None):
        self._random = None
        if seed is not None:
            self.seed(seed)

    @property
    def random(self):
        """The space's `random.Random`, seeded from the operating system on first use unless seed() set it."""
        if self._random is None:
            self.seed()
        return self._random

    def seed(self, seed=None):
        """Seeds sample() with a non-negative int (a fresh random seed when None); returns the seed used."""
        if seed is None:
            seed = random.SystemRandom().randrange(1 << 63)
        elif isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"a space's seed must be a non-negative int, got {seed!r}")
        self._random = random.Random(seed)
        return seed

    def sample(self):
        raise NotImplementedError

    def contains(self, x):
        raise NotImplementedError

    def __contains__(self, x):
        return self.contains(x)


class Box(Space):
    """Gymnasium's Box: a shape, a dtype and low/high bounds.

    low and high are flat lists in C order of either one float (the same for every element) or
    one per element. Unbounded float elements are ±infinity; an integer Box's infinite bounds mean its
    dtype's limits.
    """

    def __init__(self, low, high, shape, dtype="float32", seed=None):
        self.shape = tuple(int(d) for d in shape)
        self.dtype = dtype_name(dtype)
        n = prod(self.shape)
        self.low = _bounds(low, n, "Box.low")
        self.high = _bounds(high, n, "Box.high")
        super().__init__(seed)

    def limits(self):
        """Per-element (low, high) lists, with an integer dtype's bounds as ints within the dtype's limits."""
        n = prod(self.shape)
        low = self.low * n if len(self.low) == 1 else self.low
        high = self.high * n if len(self.high) == 1 else self.high
        if self.dtype.startswith("float"):
            return low, high
        lo, hi = integer_range(self.dtype)
        return ([lo if x == -math.inf else max(lo, math.ceil(x)) for x in low],
                [hi if x == math.inf else min(hi, math.floor(x)) for x in high])

    def sample(self):
        """Gymnasium's draw: uniform where both bounds are finite, normal where neither is, shifted
        exponential where one is; integers are uniform over low..high inclusive."""
        rng = self.random
        low, high = self.limits()
        if not self.dtype.startswith("float"):
            values = [rng.randint(lo, hi) for lo, hi in zip(low, high)]
            return _element(self.dtype, self.shape, values)
        values = []
        for lo, hi in zip(low, high):
            if lo > -math.inf and hi < math.inf:
                x = rng.uniform(lo, hi)
            elif lo > -math.inf:
                x = lo + rng.expovariate(1.0)
            elif hi < math.inf:
                x = hi - rng.expovariate(1.0)
            else:
                x = rng.gauss(0.0, 1.0)
            values.append(min(max(_round_to(self.dtype, x), lo), hi))
        return _element(self.dtype, self.shape, values)

    def contains(self, x):
        if shape_of(x) != self.shape:
            return False
        values = flat_any(x)
        low, high = self.limits()
        if not self.dtype.startswith("float"):
            if any(isinstance(v, float) and not v.is_integer() for v in values):
                return False
        return all(lo <= v <= hi for v, lo, hi in zip(values, low, high))

    def __eq__(self, other):
        return (isinstance(other, Box) and self.shape == other.shape and self.dtype == other.dtype
                and self.limits() == other.limits())

    def __repr__(self):
        return f"Box({min(self.low)}, {max(self.high)}, {self.shape}, {self.dtype})"


class Discrete(Space):
    """Gymnasium's Discrete: values start .. start + n - 1."""

    def __init__(self, n, start=0, seed=None):
        self.n = int(n)
        self.start = int(start)
        if self.n < 1:
            raise ValueError(f"Discrete n must be >= 1, got {self.n}")
        self.shape = ()
        self.dtype = "int64"
        super().__init__(seed)

    def sample(self):
        value = self.start + self.random.randrange(self.n)
        return np.int64(value) if np is not None else value

    def contains(self, x):
        if np is not None and isinstance(x, np.ndarray):
            if x.shape != () or x.dtype.kind not in "iu":
                return False
            x = int(x)
        elif np is not None and isinstance(x, np.integer):
            x = int(x)
        elif isinstance(x, bool) or not isinstance(x, int):
            return False
        return self.start <= x < self.start + self.n

    def __eq__(self, other):
        return isinstance(other, Discrete) and (self.n, self.start) == (other.n, other.start)

    def __repr__(self):
        return f"Discrete({self.n}" + (f", start={self.start})" if self.start else ")")


class MultiDiscrete(Space):
    """Gymnasium's MultiDiscrete: nvec (and start) with a shape, values start[i] .. start[i] + nvec[i] - 1."""

    def __init__(self, nvec, start=None, dtype="int64", shape=None, seed=None):
        if shape is None:
            shape = shape_of(nvec)
        self.shape = tuple(int(d) for d in shape)
        n = prod(self.shape)
        self.nvec = [int(x) for x in flat(nvec, n, "MultiDiscrete.nvec")]
        self.start = [0] * n if start is None else [int(x) for x in flat(start, n, "MultiDiscrete.start")]
        self.dtype = dtype_name(dtype)
        if self.dtype not in INTEGER_DTYPES:
            raise ValueError(f"MultiDiscrete dtype must be an integer type, got {self.dtype}")
        if any(v < 1 for v in self.nvec):
            raise ValueError(f"MultiDiscrete nvec entries must be >= 1, got {self.nvec}")
        super().__init__(seed)

    def sample(self):
        rng = self.random
        return _element(self.dtype, self.shape, [s + rng.randrange(k) for s, k in zip(self.start, self.nvec)])

    def contains(self, x):
        if shape_of(x) != self.shape:
            return False
        values = flat_any(x)
        if any(isinstance(v, bool) or not isinstance(v, int) for v in values):
            return False
        return all(s <= v < s + k for v, s, k in zip(values, self.start, self.nvec))

    def __eq__(self, other):
        return (isinstance(other, MultiDiscrete) and self.shape == other.shape and self.dtype == other.dtype
                and self.nvec == other.nvec and self.start == other.start)

    def __repr__(self):
        return f"MultiDiscrete({self.nvec}" + (f", start={self.start})" if any(self.start) else ")")


class Dict(Space):
    """Gymnasium's Dict: an ordered mapping of names to spaces (kept in the order given)."""

    def __init__(self, spaces, seed=None):
        self.spaces = dict(spaces)
        self.shape = None
        super().__init__(seed)

    def seed(self, seed=None):
        """None seeds every subspace afresh; an int derives one seed per subspace; a dict gives each its own.
        Returns the seeds used, by key."""
        if seed is None:
            return {k: s.seed(None) for k, s in self.spaces.items()}
        if isinstance(seed, dict):
            if list(seed) != list(self.spaces):
                raise ValueError(f"the seed's keys {list(seed)} are not the space's keys {list(self.spaces)}")
            return {k: self.spaces[k].seed(v) for k, v in seed.items()}
        derive = random.Random(super().seed(seed))
        return {k: s.seed(derive.randrange((1 << 31) - 1)) for k, s in self.spaces.items()}

    def sample(self):
        return {k: s.sample() for k, s in self.spaces.items()}

    def contains(self, x):
        return (isinstance(x, dict) and list(x) == list(self.spaces)
                and all(s.contains(x[k]) for k, s in self.spaces.items()))

    def __getitem__(self, key):
        return self.spaces[key]

    def __iter__(self):
        return iter(self.spaces)

    def __len__(self):
        return len(self.spaces)

    def keys(self):
        return self.spaces.keys()

    def items(self):
        return self.spaces.items()

    def __eq__(self, other):
        return isinstance(other, Dict) and list(self.spaces.items()) == list(other.spaces.items())

    def __repr__(self):
        return "Dict(" + ", ".join(f"{k!r}: {v!r}" for k, v in self.spaces.items()) + ")"


def batch_space(space, n):
    """The space of n elements of `space` stacked on a leading axis, as gymnasium.vector.utils.batch_space
    makes it: Box → Box (n, *shape); Discrete → MultiDiscrete of n; MultiDiscrete → integer Box; Dict → Dict."""
    if isinstance(space, Box):
        low = space.low if len(space.low) == 1 else space.low * n
        high = space.high if len(space.high) == 1 else space.high * n
        return Box(low, high, (n,) + space.shape, space.dtype)
    if isinstance(space, Discrete):
        return MultiDiscrete([space.n] * n, [space.start] * n, "int64", (n,))
    if isinstance(space, MultiDiscrete):
        low = [float(s) for s in space.start] * n
        high = [float(s + k - 1) for s, k in zip(space.start, space.nvec)] * n
        return Box(low, high, (n,) + space.shape, space.dtype)
    return Dict({k: batch_space(v, n) for k, v in space.spaces.items()})


def to_space(space):
    """Converts a duck-typed space (gymnasium's, or ours) to this module's classes."""
    kind = type(space).__name__
    if kind == "Box":
        return Box(space.low, space.high, space.shape, space.dtype)
    if kind == "Discrete":
        return Discrete(int(space.n), int(getattr(space, "start", 0)))
    if kind == "MultiDiscrete":
        return MultiDiscrete(space.nvec, getattr(space, "start", None), getattr(space, "dtype", "int64"),
                             tuple(getattr(space, "shape", ())) or None)
    if kind == "Dict":
        return Dict({str(k): to_space(v) for k, v in space.spaces.items()})
    raise ValueError(f"space {space!r} is not Box, Discrete, MultiDiscrete or Dict, the kinds the protocol carries")


def to_gymnasium(space):
    """Converts one of our spaces to gymnasium.spaces (requires gymnasium, and so numpy)."""
    import gymnasium.spaces as gs
    if isinstance(space, Box):
        dtype = np.dtype(space.dtype)
        low, high = space.limits()  # in the dtype's own type, so gymnasium has nothing to warn about
        return gs.Box(np.array(low, dtype=dtype).reshape(space.shape), np.array(high, dtype=dtype).reshape(space.shape),
                      space.shape, dtype)
    if isinstance(space, Discrete):
        return gs.Discrete(space.n, start=space.start)
    if isinstance(space, MultiDiscrete):
        return gs.MultiDiscrete(np.array(space.nvec).reshape(space.shape), dtype=np.dtype(space.dtype),
                                start=np.array(space.start).reshape(space.shape))
    # A list of pairs, not a dict: gymnasium sorts a dict's keys, and the protocol's order must survive.
    return gs.Dict([(k, to_gymnasium(v)) for k, v in space.spaces.items()])


def leaves(space):
    """The leaf spaces in depth-first order: the order their tensors travel in a Value."""
    return [leaf for _, leaf in leaf_paths(space)]


def leaf_paths(space, prefix=()):
    """(key path, leaf space) pairs in depth-first order."""
    if isinstance(space, Dict):
        out = []
        for k, v in space.spaces.items():
            out.extend(leaf_paths(v, prefix + (k,)))
        return out
    return [(prefix, space)]
