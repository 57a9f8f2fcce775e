"""The bridge's own spaces (used without gymnasium): sample(), seed(), contains(), batch_space.

Run with numpy and without it (`python3 envs/tests/hide.py numpy -m unittest ...`): elements are
ndarrays in one case and Python numbers and lists in the other, and a seed draws the same values.
"""

import json
import math
import struct
import sys
import unittest

import support
from agentrnn_envs import spaces
from agentrnn_envs.spaces import Box, Dict, Discrete, MultiDiscrete, batch_space, flat_any, np, shape_of

DRAWS = 400


def draws(space, n=DRAWS):
    return [space.sample() for _ in range(n)]


def as_list(x):
    """An element as plain JSON-able Python values (ndarrays and numpy scalars to lists and numbers)."""
    if isinstance(x, dict):
        return {k: as_list(v) for k, v in x.items()}
    return x.tolist() if hasattr(x, "tolist") else x


class BoxTests(unittest.TestCase):
    def test_Sample_BoundedFloat32_WithinBoundsShapeAndDtype(self):
        space = Box(-2.0, 3.0, (2, 3), "float32", seed=1)
        for x in draws(space):
            self.assertEqual((2, 3), shape_of(x))
            self.assertTrue(space.contains(x), x)
            for v in flat_any(x):
                self.assertEqual(v, struct.unpack("f", struct.pack("f", v))[0], "not a float32 value")
            if np is not None:
                self.assertEqual(np.float32, x.dtype)
        values = [v for x in draws(space) for v in flat_any(x)]
        self.assertLess(min(values), -1.5)
        self.assertGreater(max(values), 2.5)

    def test_Sample_PerElementBounds_EachElementInItsOwnRange(self):
        space = Box([0.0, 10.0, -5.0], [1.0, 11.0, -4.0], (3,), "float64", seed=2)
        for x in draws(space):
            a, b, c = flat_any(x)
            self.assertTrue(0 <= a <= 1 and 10 <= b <= 11 and -5 <= c <= -4, x)

    def test_Sample_Uint8Image_UniformOverInclusiveRange(self):
        space = Box(0, 3, (50,), "uint8", seed=3)
        seen = set()
        for x in draws(space, 50):
            values = flat_any(x)
            self.assertTrue(all(isinstance(v, int) and 0 <= v <= 3 for v in values), values)
            seen.update(values)
            if np is not None:
                self.assertEqual(np.uint8, x.dtype)
        self.assertEqual({0, 1, 2, 3}, seen)

    def test_Sample_SignedIntWithInfiniteBounds_UsesDtypeLimits(self):
        space = Box(-math.inf, math.inf, (100,), "int8", seed=4)
        values = [v for x in draws(space, 20) for v in flat_any(x)]
        self.assertTrue(all(-128 <= v <= 127 for v in values))
        self.assertLess(min(values), -100)
        self.assertGreater(max(values), 100)

    def test_Sample_Bool_BothValues(self):
        space = Box(0, 1, (8,), "bool", seed=5)
        values = [v for x in draws(space, 20) for v in flat_any(x)]
        self.assertEqual({False, True}, set(values))
        self.assertTrue(all(isinstance(v, bool) for v in values))

    def test_Sample_UnboundedAndHalfBounded_GymnasiumDistributions(self):
        space = Box([-math.inf, 1.0, -math.inf], [math.inf, math.inf, -1.0], (3,), "float64", seed=6)
        xs = [flat_any(x) for x in draws(space, 2000)]
        normal = [x[0] for x in xs]
        self.assertLess(abs(sum(normal) / len(normal)), 0.15, "unbounded: mean of a standard normal")
        self.assertTrue(all(x[1] >= 1.0 for x in xs), "bounded below: low + exponential")
        self.assertTrue(all(x[2] <= -1.0 for x in xs), "bounded above: high - exponential")
        mean_excess = sum(x[1] - 1.0 for x in xs) / len(xs)
        self.assertLess(abs(mean_excess - 1.0), 0.15, f"exponential(1) has mean 1, got {mean_excess}")

    def test_Contains_OutsideWrongShapeOrFraction_False(self):
        self.assertFalse(Box(0, 1, (2,), "float32").contains([0.5, 1.5]))
        self.assertFalse(Box(0, 1, (2,), "float32").contains([0.5]))
        self.assertFalse(Box(0, 9, (1,), "int32").contains([2.5]))
        self.assertTrue(Box(0, 9, (1,), "int32").contains([2]))
        self.assertIn([0.25, 1.0], Box(0, 1, (2,), "float32"))


class DiscreteTests(unittest.TestCase):
    def test_Sample_WithStart_EveryValueInRange(self):
        space = Discrete(4, start=-2, seed=7)
        values = [int(x) for x in draws(space)]
        self.assertEqual({-2, -1, 0, 1}, set(values))
        sample = space.sample()
        self.assertIsInstance(sample, np.int64 if np is not None else int)
        self.assertTrue(space.contains(sample))

    def test_Contains_OutOfRangeOrNotInteger_False(self):
        space = Discrete(3, start=1)
        self.assertEqual([False, True, True, True, False], [space.contains(v) for v in range(5)])
        self.assertFalse(space.contains(1.0))
        self.assertFalse(space.contains(True))


class MultiDiscreteTests(unittest.TestCase):
    def test_Sample_NvecStartAndShape_EachElementInItsRange(self):
        space = MultiDiscrete([[2, 3], [4, 5]], start=[[0, 10], [-4, 100]], dtype="int32", seed=8)
        self.assertEqual((2, 2), space.shape)
        seen = [set() for _ in range(4)]
        for x in draws(space):
            self.assertEqual((2, 2), shape_of(x))
            self.assertTrue(space.contains(x), x)
            for s, v in zip(seen, flat_any(x)):
                s.add(v)
            if np is not None:
                self.assertEqual(np.int32, x.dtype)
        self.assertEqual([{0, 1}, {10, 11, 12}, {-4, -3, -2, -1}, {100, 101, 102, 103, 104}], seen)

    def test_Contains_ElementAboveNvec_False(self):
        space = MultiDiscrete([2, 3])
        self.assertTrue(space.contains([1, 2]))
        self.assertFalse(space.contains([2, 0]))
        self.assertFalse(space.contains([1]))


class DictTests(unittest.TestCase):
    def make(self, seed=None):
        return Dict({"pos": Box(-1, 1, (2,), "float32"), "key": Discrete(3), "inner": Dict({"m": MultiDiscrete([2, 2])})},
                    seed=seed)

    def test_Sample_KeepsDeclaredOrderAndIsContained(self):
        space = self.make(seed=9)
        x = space.sample()
        self.assertEqual(["pos", "key", "inner"], list(x))
        self.assertTrue(space.contains(x))
        self.assertFalse(space.contains({"pos": x["pos"], "key": x["key"]}))

    def test_Seed_Int_ReturnsSubseedsAndReproduces(self):
        a, b = self.make(), self.make()
        seeds = a.seed(42)
        self.assertEqual(["pos", "key", "inner"], list(seeds))
        self.assertEqual(seeds, b.seed(42))
        self.assertEqual([as_list(a.sample()) for _ in range(20)], [as_list(b.sample()) for _ in range(20)])

    def test_Seed_DictOfSeeds_SeedsEachSubspace(self):
        space = self.make()
        space.seed({"pos": 1, "key": 2, "inner": {"m": 3}})
        alone = Discrete(3, seed=2)
        self.assertEqual([int(alone.sample()) for _ in range(10)], [int(space.sample()["key"]) for _ in range(10)])
        with self.assertRaises(ValueError):
            space.seed({"pos": 1})


class SeedTests(unittest.TestCase):
    def test_Seed_SameSeed_SameDraws(self):
        for make in (lambda: Box(0, 1, (3,), "float32"), lambda: Discrete(5), lambda: MultiDiscrete([3, 4])):
            a, b, c = make(), make(), make()
            self.assertEqual(11, a.seed(11))
            b.seed(11)
            c.seed(12)
            first = [as_list(a.sample()) for _ in range(30)]
            self.assertEqual(first, [as_list(b.sample()) for _ in range(30)])
            self.assertNotEqual(first, [as_list(c.sample()) for _ in range(30)])

    def test_Seed_None_ReturnsTheRandomSeedItUsed(self):
        space = Discrete(1000)
        seed = space.seed()
        first = [int(space.sample()) for _ in range(10)]
        space.seed(seed)
        self.assertEqual(first, [int(space.sample()) for _ in range(10)])

    def test_Seed_NegativeOrNotInt_ValueError(self):
        for bad in (-1, 1.5, "3", True):
            with self.assertRaises(ValueError, msg=repr(bad)):
                Discrete(2).seed(bad)

    def test_Seed_WithAndWithoutNumpy_SameDraws(self):
        code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import test_spaces as t; "
                "print(json.dumps(t.golden()))")
        other = "numpy" if np is not None else ""
        out = support.run([sys.executable, support.HIDE, other, "-c", code, support.HERE])
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertEqual(golden(), json.loads(out.stdout))


def golden():
    """Seeded draws from every kind of space, as plain lists (compared across numpy and no numpy)."""
    space = Dict({"f": Box(-1, 1, (2,), "float32"), "h": Box(-1, 1, (2,), "float16"), "u": Box(0, 255, (3,), "uint8"),
                  "d": Discrete(7, start=3), "m": MultiDiscrete([4, 5])}, seed=123)
    return [as_list(space.sample()) for _ in range(5)]


class BatchSpaceTests(unittest.TestCase):
    def test_BatchSpace_EachKind_AsGymnasiumBatchesIt(self):
        box = batch_space(Box([0.0, -1.0], [1.0, 1.0], (2,), "float32"), 3)
        self.assertEqual(Box([0.0, -1.0] * 3, [1.0, 1.0] * 3, (3, 2), "float32"), box)
        self.assertEqual(MultiDiscrete([4, 4, 4], [2, 2, 2]), batch_space(Discrete(4, start=2), 3))
        md = batch_space(MultiDiscrete([2, 5], [1, 0], "int16"), 2)
        self.assertEqual(Box([1, 0, 1, 0], [2, 4, 2, 4], (2, 2), "int16"), md)
        d = batch_space(Dict({"b": Discrete(2), "a": Box(0, 1, (1,), "float64")}), 4)
        self.assertEqual(["b", "a"], list(d.spaces))
        self.assertEqual((4,), d["b"].shape)
        self.assertEqual((4, 1), d["a"].shape)

    def test_BatchSpace_Sample_OneActionPerEnv(self):
        space = batch_space(Discrete(3), 5)
        space.seed(0)
        x = space.sample()
        self.assertEqual((5,), shape_of(x))
        self.assertTrue(all(0 <= v < 3 for v in flat_any(x)))


class ConversionTests(unittest.TestCase):
    def test_ToSpace_Unsupported_NamesTheKinds(self):
        class Tuple:
            pass

        with self.assertRaisesRegex(ValueError, "Box, Discrete, MultiDiscrete or Dict"):
            spaces.to_space(Tuple())


if __name__ == "__main__":
    unittest.main()
