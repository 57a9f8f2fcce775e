"""gymnasium.spaces: Space, Box, Discrete, MultiDiscrete and Dict (gymnasium keeps them in a package)."""

import numpy as np

from gymnasium import error
from gymnasium.utils.seeding import np_random as _np_random


class Space:
    """A set of elements with a shape, a dtype and a seeded generator for sample()."""

    def __init__(self, shape=None, dtype=None, seed=None):
        self._shape = None if shape is None else tuple(shape)
        self.dtype = None if dtype is None else np.dtype(dtype)
        self._np_random = None
        if seed is not None:
            if isinstance(seed, np.random.Generator):
                self._np_random = seed
            else:
                self.seed(seed)

    @property
    def np_random(self):
        if self._np_random is None:
            self.seed()
        return self._np_random

    @property
    def shape(self):
        return self._shape

    def seed(self, seed=None):
        self._np_random, np_random_seed = _np_random(seed)
        return np_random_seed

    def sample(self, mask=None, probability=None):
        raise NotImplementedError

    def contains(self, x):
        raise NotImplementedError

    def __contains__(self, x):
        return self.contains(x)


class Box(Space):
    """A (possibly unbounded) box in R^n; integer and bool dtypes too."""

    def __init__(self, low, high, shape=None, dtype=np.float32, seed=None):
        self.dtype = np.dtype(dtype)
        if shape is not None:
            shape = tuple(int(d) for d in shape)
        elif isinstance(low, np.ndarray):
            shape = low.shape
        elif isinstance(high, np.ndarray):
            shape = high.shape
        else:
            shape = (1,)
        if self.dtype.kind == "f":
            dmin, dmax = float(np.finfo(self.dtype).min), float(np.finfo(self.dtype).max)
        elif self.dtype.kind == "b":
            dmin, dmax = 0, 1
        else:
            dmin, dmax = int(np.iinfo(self.dtype).min), int(np.iinfo(self.dtype).max)
        low = np.full(shape, low, dtype=np.float64) if np.isscalar(low) else np.array(low, dtype=np.float64)
        high = np.full(shape, high, dtype=np.float64) if np.isscalar(high) else np.array(high, dtype=np.float64)
        if low.shape != shape or high.shape != shape:
            raise ValueError(f"Box low.shape {low.shape} or high.shape {high.shape} doesn't match shape {shape}")
        if np.any(np.isnan(low)) or np.any(np.isnan(high)):
            raise ValueError("No low or high value can be equal to `np.nan`")
        self.bounded_below = -np.inf < low
        self.bounded_above = high < np.inf
        if self.dtype.kind in "ub" and (np.any(~self.bounded_below) or np.any(~self.bounded_above)):
            raise ValueError("Box unsigned int dtype don't support `np.inf`")
        if self.dtype.kind == "i":
            low = np.where(self.bounded_below, low, dmin)
            high = np.where(self.bounded_above, high, dmax)
        self.low = low.astype(self.dtype)
        self.high = high.astype(self.dtype)
        if np.any(self.low > self.high):
            raise ValueError(f"Box all low values must be less than or equal to high, low={self.low}, high={self.high}")
        super().__init__(shape, self.dtype, seed)

    def is_bounded(self, manner="both"):
        below, above = bool(np.all(self.bounded_below)), bool(np.all(self.bounded_above))
        return {"both": below and above, "below": below, "above": above}[manner]

    def sample(self, mask=None, probability=None):
        if mask is not None or probability is not None:
            raise error.Error("Box.sample cannot be provided a mask or a probability")
        high = self.high if self.dtype.kind == "f" else self.high.astype("int64") + 1
        sample = np.empty(self.shape)
        unbounded = ~self.bounded_below & ~self.bounded_above
        upp_bounded = ~self.bounded_below & self.bounded_above
        low_bounded = self.bounded_below & ~self.bounded_above
        bounded = self.bounded_below & self.bounded_above
        sample[unbounded] = self.np_random.normal(size=unbounded[unbounded].shape)
        sample[low_bounded] = self.np_random.exponential(size=low_bounded[low_bounded].shape) + self.low[low_bounded]
        sample[upp_bounded] = -self.np_random.exponential(size=upp_bounded[upp_bounded].shape) + high[upp_bounded]
        sample[bounded] = self.np_random.uniform(low=self.low[bounded], high=high[bounded], size=bounded[bounded].shape)
        if self.dtype.kind in "iub":
            sample = np.floor(sample)
        if np.issubdtype(self.dtype, np.integer):
            info = np.iinfo(self.dtype)
            margin = 2 if self.dtype == np.int64 else 0
            sample = sample.clip(min=info.min + margin, max=info.max - margin)
        sample = sample.astype(self.dtype)
        if self.dtype == np.int64:
            sample = sample.clip(min=self.low, max=self.high)
        return sample

    def contains(self, x):
        if not isinstance(x, np.ndarray):
            try:
                x = np.asarray(x, dtype=self.dtype)
            except (ValueError, TypeError, OverflowError):
                return False
        return bool(np.can_cast(x.dtype, self.dtype) and x.shape == self.shape
                    and np.all(x >= self.low) and np.all(x <= self.high))

    def __repr__(self):
        return f"Box({self.low.min()}, {self.high.max()}, {self.shape}, {self.dtype})"

    def __eq__(self, other):
        return (isinstance(other, Box) and self.shape == other.shape and self.dtype == other.dtype
                and np.allclose(self.low, other.low) and np.allclose(self.high, other.high))


class Discrete(Space):
    """{start, ..., start + n - 1}."""

    def __init__(self, n, seed=None, start=0, dtype=np.int64):
        if not np.issubdtype(type(n), np.integer):
            raise TypeError(f"Expects `n` to be an integer, actual dtype: {type(n)}")
        if n <= 0:
            raise ValueError(f"n (counts) have to be positive, actual value: {n}")
        self.dtype = np.dtype(dtype)
        self.n = self.dtype.type(n)
        self.start = self.dtype.type(start)
        super().__init__((), self.dtype, seed)

    def sample(self, mask=None, probability=None):
        if mask is not None or probability is not None:
            raise error.Error("the stand-in's Discrete.sample takes no mask or probability")
        return self.start + self.np_random.integers(self.n, dtype=self.dtype.type)

    def contains(self, x):
        if isinstance(x, int):
            as_np = np.dtype(self.dtype).type(x)
        elif isinstance(x, (np.generic, np.ndarray)) and np.issubdtype(x.dtype, np.integer) and x.shape == ():
            as_np = x
        else:
            return False
        return bool(int(self.start) <= int(as_np) < int(self.start) + int(self.n)) and np.can_cast(as_np.dtype, self.dtype)

    def __repr__(self):
        return f"Discrete({self.n}" + (f", start={self.start})" if self.start != 0 else ")")

    def __eq__(self, other):
        return (isinstance(other, Discrete) and self.n == other.n and self.start == other.start
                and self.dtype == other.dtype)


class MultiDiscrete(Space):
    """An array of Discrete spaces: element i in start[i] .. start[i] + nvec[i] - 1."""

    def __init__(self, nvec, dtype=np.int64, seed=None, start=None):
        self.dtype = np.dtype(dtype)
        self.nvec = np.array(nvec, dtype=dtype, copy=True)
        self.start = np.zeros(self.nvec.shape, dtype=dtype) if start is None else np.array(start, dtype=dtype, copy=True)
        if self.start.shape != self.nvec.shape:
            raise ValueError("start and nvec (counts) should have the same shape")
        if not (self.nvec > 0).all():
            raise ValueError("nvec (counts) have to be positive")
        super().__init__(self.nvec.shape, self.dtype, seed)

    def sample(self, mask=None, probability=None):
        if mask is not None or probability is not None:
            raise error.Error("the stand-in's MultiDiscrete.sample takes no mask or probability")
        return (self.np_random.random(self.nvec.shape) * self.nvec).astype(self.dtype) + self.start

    def contains(self, x):
        if isinstance(x, (list, tuple)):
            x = np.array(x)
        return bool(isinstance(x, np.ndarray) and x.shape == self.shape and np.can_cast(x.dtype, self.dtype)
                    and np.all(self.start <= x) and np.all(x <= self.start + (self.nvec - 1)))

    def __repr__(self):
        return f"MultiDiscrete({self.nvec}" + (f", start={self.start})" if np.any(self.start != 0) else ")")

    def __eq__(self, other):
        return (isinstance(other, MultiDiscrete) and self.dtype == other.dtype and self.shape == other.shape
                and bool(np.all(self.nvec == other.nvec)) and bool(np.all(self.start == other.start)))


class Dict(Space):
    """A mapping of names to spaces. A dict's keys are sorted (gymnasium's legacy rule); a sequence of
    pairs keeps its order."""

    def __init__(self, spaces=None, seed=None, **spaces_kwargs):
        if isinstance(spaces, dict):
            try:
                spaces = dict(sorted(spaces.items()))
            except TypeError:
                spaces = dict(spaces.items())
        else:
            spaces = dict(spaces or [])
        spaces.update(spaces_kwargs)
        for key, space in spaces.items():
            if not isinstance(space, Space):
                raise TypeError(f"Dict space element is not an instance of Space: key='{key}', space={space}")
        self.spaces = spaces
        super().__init__(None, None, seed)

    def seed(self, seed=None):
        if seed is None:
            return {k: s.seed(None) for k, s in self.spaces.items()}
        if isinstance(seed, int):
            super().seed(seed)
            subseeds = self.np_random.integers(np.iinfo(np.int32).max, size=len(self.spaces))
            return {k: s.seed(int(sub)) for (k, s), sub in zip(self.spaces.items(), subseeds)}
        if isinstance(seed, dict):
            if seed.keys() != self.spaces.keys():
                raise ValueError(f"The seed keys: {seed.keys()} are not identical to space keys: {self.spaces.keys()}")
            return {k: self.spaces[k].seed(seed[k]) for k in seed}
        raise TypeError(f"Expected seed type: dict, int or None, actual type: {type(seed)}")

    def sample(self, mask=None, probability=None):
        if mask is not None or probability is not None:
            raise error.Error("the stand-in's Dict.sample takes no mask or probability")
        return {k: s.sample() for k, s in self.spaces.items()}

    def contains(self, x):
        return isinstance(x, dict) and x.keys() == self.spaces.keys() and all(x[k] in self.spaces[k] for k in self.spaces)

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

    def __repr__(self):
        return "Dict(" + ", ".join(f"{k!r}: {s}" for k, s in self.spaces.items()) + ")"

    def __eq__(self, other):
        return isinstance(other, Dict) and self.spaces == other.spaces
