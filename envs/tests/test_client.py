"""RemoteVectorEnv and RemoteEnv without gymnasium (blocked here even where it is installed).

Run with numpy and without it (`python3 envs/tests/hide.py numpy -m unittest ...`). The servers are
agentrnn_envs.EnvServer on threads of this process, serving the sample envs and envs defined here.
"""

import math
import socket
import threading
import unittest

import support

support.block("gymnasium")

from agentrnn_envs import RemoteEnv, RemoteVectorEnv, protocol  # noqa: E402
from agentrnn_envs.samples.cue_memory import CueMemoryEnv  # noqa: E402
from agentrnn_envs.samples.point_reach import PointReachEnv  # noqa: E402
from agentrnn_envs.spaces import Box, Dict, Discrete, MultiDiscrete, flat_any, nest, np  # noqa: E402

CUE = "agentrnn_envs.samples.cue_memory:make"
REACH = "agentrnn_envs.samples.point_reach:make"


def as_list(x):
    """Arrays (and dicts and lists of them) as plain Python values."""
    if isinstance(x, dict):
        return {k: as_list(v) for k, v in x.items()}
    if isinstance(x, list):
        return [as_list(v) for v in x]
    return x.tolist() if hasattr(x, "tolist") else x


def frame(env, name):
    """One of CueMemory's frames as nested lists (height, width, 3)."""
    raw = env._obs(name)
    return as_list(raw) if np is not None else nest(list(raw), (env.height, env.width, 3))


def reach_obs(seed):
    return [float(v) for v in flat_any(PointReachEnv().reset(seed=seed)[0])]


class InfoEnv:
    """Env i of each connection (of 3) reports different infos, to exercise gymnasium's info arrays."""

    def __init__(self):
        self.index = None
        self.observation_space = Box(0, 1, (1,), "float32")
        self.action_space = Discrete(2)

    def reset(self, seed=None, options=None):
        self.index = seed % 3  # reset(seed=0) gives env i the seed i
        return [0.0], {}

    def step(self, action):
        info = [{"x": 1, "only0": "a", "nested": {"k": True}, "bad": math.nan}, {"x": 0.5}, {}][self.index]
        return [0.0], 0.0, False, False, info


class EchoDictEnv:
    """Dict spaces (keys deliberately not sorted): the observation echoes the action."""

    def __init__(self):
        self.observation_space = Dict({"z": Box(-1, 1, (2,), "float32"), "a": Discrete(3)})
        self.action_space = Dict({"move": Box(-1, 1, (2,), "float32"), "pick": Discrete(2, start=1)})

    def reset(self, seed=None, options=None):
        return {"z": [0.0, 0.0], "a": 0}, {}

    def step(self, action):
        return {"z": [float(v) for v in flat_any(action["move"])], "a": int(action["pick"])}, 0.0, False, False, {}


class FailingEnv(EchoDictEnv):
    def step(self, action):
        raise RuntimeError("the game crashed")


class VectorSpacesTests(unittest.TestCase):
    def test_Spaces_WithoutGymnasium_BridgeSpacesBatchedLikeGymnasium(self):
        with support.ThreadServer(CUE, env_kwargs={"delay": 2, "height": 8, "width": 8}, num_envs=3) as server, \
                RemoteVectorEnv(server.address) as envs:
            self.assertEqual(3, envs.num_envs)
            self.assertEqual(Box(0, 255, (8, 8, 3), "uint8"), envs.single_observation_space)
            self.assertEqual(Box(0, 255, (3, 8, 8, 3), "uint8"), envs.observation_space)
            self.assertEqual(Discrete(2), envs.single_action_space)
            self.assertEqual(MultiDiscrete([2, 2, 2]), envs.action_space)
            self.assertEqual("next-step", envs.metadata["autoreset_mode"])
            self.assertEqual(CUE, envs.metadata["env"])
            self.assertEqual(f"RemoteVectorEnv({server.address}, num_envs=3)", repr(envs))


class NextStepAutoresetTests(unittest.TestCase):
    def setUp(self):
        self.server = support.ThreadServer(CUE, env_kwargs={"delay": 2, "height": 8, "width": 8}, num_envs=3)
        self.envs = RemoteVectorEnv(self.server.address)
        self.local = CueMemoryEnv(8, 8, 2)

    def tearDown(self):
        self.envs.close()
        self.server.close()

    def test_Step_EpisodeEnds_NextStepResetsEnvWithRewardZero(self):
        obs, infos = self.envs.reset(seed=0)
        self.assertEqual([True] * 3, as_list(infos["_cue"]))
        self.assertEqual([True] * 3, self.envs.starts)
        for _ in range(2):
            obs, rewards, terms, truncs, infos = self.envs.step([0, 0, 0])
            self.assertEqual([False] * 3, as_list(terms))
        obs, rewards, terms, truncs, infos = self.envs.step([0, 1, 0])
        self.assertEqual([True] * 3, as_list(terms))
        self.assertEqual([False] * 3, as_list(truncs))
        self.assertTrue(all(r in (-1.0, 1.0) for r in as_list(rewards)))
        self.assertEqual(as_list(rewards), as_list(infos["episode"]["r"]))
        self.assertEqual([True] * 3, as_list(infos["_episode"]))
        self.assertEqual([3] * 3, as_list(infos["episode"]["l"]))
        blank = frame(self.local, "blank")
        for i in range(3):
            self.assertEqual(blank, as_list(obs)[i], "the ending step returns the episode's last frame")
            self.assertEqual(as_list(obs)[i], as_list(self.envs.final_observations[i]))
        self.assertEqual([False] * 3, self.envs.starts)

        obs, rewards, terms, truncs, infos = self.envs.step([1, 1, 1])  # actions ignored: these envs reset
        self.assertEqual([0.0] * 3, as_list(rewards))
        self.assertEqual([False] * 3, as_list(terms))
        self.assertEqual([True] * 3, self.envs.starts)
        self.assertEqual([True] * 3, as_list(infos["_cue"]))
        cues = {0: frame(self.local, "left"), 1: frame(self.local, "right")}
        for i in range(3):
            self.assertEqual(cues[as_list(infos["cue"])[i]], as_list(obs)[i], "the reset observation shows the cue")
        self.assertEqual([None] * 3, self.envs.final_observations)


class CueMemoryVectorTests(unittest.TestCase):
    """CueMemory's vector observations (obs="vector"): [left cue, right cue, question], served as float32."""

    def test_Served_VectorObservations_CueThenBlanksThenQuestion(self):
        with support.ThreadServer(CUE, env_kwargs={"delay": 2, "obs": "vector"}, num_envs=2) as server, \
                RemoteVectorEnv(server.address) as envs:
            self.assertEqual(Box(0.0, 1.0, (3,), "float32"), envs.single_observation_space)
            obs, infos = envs.reset(seed=5)
            cues = as_list(infos["cue"])
            self.assertEqual([[1.0, 0.0, 0.0] if c == 0 else [0.0, 1.0, 0.0] for c in cues], as_list(obs))
            obs, rewards, terms, _, _ = envs.step([0, 0])
            self.assertEqual([[0.0, 0.0, 0.0]] * 2, as_list(obs))
            obs, rewards, terms, _, _ = envs.step([0, 0])
            self.assertEqual([[0.0, 0.0, 1.0]] * 2, as_list(obs))
            obs, rewards, terms, _, _ = envs.step(cues)
            self.assertEqual([1.0, 1.0], as_list(rewards))
            self.assertEqual([True, True], as_list(terms))

    def test_Make_UnknownObservationKind_Raises(self):
        with self.assertRaisesRegex(ValueError, "obs must be 'image' or 'vector'"):
            CueMemoryEnv(obs="pixels")


class SeedAndMaskTests(unittest.TestCase):
    def setUp(self):
        self.server = support.ThreadServer(REACH, env_kwargs={"max_steps": 50}, num_envs=3)
        self.envs = RemoteVectorEnv(self.server.address)

    def tearDown(self):
        self.envs.close()
        self.server.close()

    def rows(self, obs):
        return [[float(v) for v in flat_any(row)] for row in as_list(obs)]

    def assertClose(self, want, got):
        worst = max(abs(a - b) for a, b in zip(want, got))
        self.assertLessEqual(worst, 1e-6, f"worst |difference| {worst} (float32 tolerance 1e-6)")

    def test_Reset_IntSeed_EnvIGetsSeedPlusI(self):
        obs, _ = self.envs.reset(seed=10)
        for i, row in enumerate(self.rows(obs)):
            self.assertClose(reach_obs(10 + i), row)

    def test_Reset_SeedList_EachEnvGetsItsOwnSeed(self):
        obs, _ = self.envs.reset(seed=[5, 5, 7])
        rows = self.rows(obs)
        self.assertClose(reach_obs(5), rows[0])
        self.assertClose(reach_obs(5), rows[1])
        self.assertClose(reach_obs(7), rows[2])

    def test_Reset_MaskWithSeeds_OnlySelectedEnvsReset(self):
        before, _ = self.envs.reset(seed=1)
        obs, _ = self.envs.reset(seed=[None, 4, None], options={"reset_mask": [False, True, False]})
        rows, old = self.rows(obs), self.rows(before)
        self.assertEqual(old[0], rows[0])
        self.assertClose(reach_obs(4), rows[1])
        self.assertEqual(old[2], rows[2])
        self.assertEqual([False, True, False], self.envs.starts)

    def test_Reset_BadMaskOrSeedList_ValueErrorAndConnectionSurvives(self):
        for options, seed, text in [({"reset_mask": [True, False]}, None, "expected num_envs=3"),
                                    ({"reset_mask": [False] * 3}, None, "selects no env"),
                                    (None, [1, 2], "num_envs=3 entries")]:
            with self.assertRaisesRegex(ValueError, text):
                self.envs.reset(seed=seed, options=options)
        obs, _ = self.envs.reset(seed=2)
        self.assertClose(reach_obs(2), self.rows(obs)[0])


class SameStepAutoresetTests(unittest.TestCase):
    def test_Step_EpisodeEnds_InfosCarryFinalObsAndFinalInfo(self):
        with support.ThreadServer(CUE, env_kwargs={"delay": 1, "height": 8, "width": 8}, num_envs=2,
                                  autoreset="same-step") as server, RemoteVectorEnv(server.address) as envs:
            self.assertEqual("same-step", envs.metadata["autoreset_mode"])
            envs.reset(seed=3)
            envs.step([0, 0])
            obs, rewards, terms, truncs, infos = envs.step([0, 1])
            self.assertEqual([True, True], as_list(terms))
            self.assertEqual([True, True], as_list(infos["_final_obs"]))
            self.assertEqual([True, True], as_list(infos["_final_info"]))
            self.assertEqual(as_list(rewards), as_list(infos["final_info"]["episode"]["r"]))
            self.assertEqual([True, True], as_list(infos["_cue"]), "the reset's info is there too")
            local = CueMemoryEnv(8, 8, 1)
            for i in range(2):
                self.assertEqual(frame(local, "ask"), as_list(infos["final_obs"][i]))
                self.assertEqual(as_list(infos["final_obs"][i]), as_list(envs.final_observations[i]))
                cue = frame(local, "left" if as_list(infos["cue"])[i] == 0 else "right")
                self.assertEqual(cue, as_list(obs)[i], "the observation begins the next episode")
            self.assertEqual([True, True], envs.starts)


class DisabledAutoresetTests(unittest.TestCase):
    def test_Step_FinishedEnvNotReset_ValueErrorUntilMaskedReset(self):
        with support.ThreadServer(REACH, env_kwargs={"max_steps": 2}, num_envs=2, autoreset="disabled") as server, \
                RemoteVectorEnv(server.address) as envs:
            envs.reset(seed=0)
            envs.step([[0.0, 0.0], [0.0, 0.0]])
            _, _, terms, truncs, _ = envs.step([[0.0, 0.0], [0.0, 0.0]])
            self.assertEqual([True, True], [a or b for a, b in zip(as_list(terms), as_list(truncs))])
            with self.assertRaisesRegex(ValueError, "env 0 has finished its episode and autoreset is disabled"):
                envs.step([[0.0, 0.0], [0.0, 0.0]])
            envs.reset(options={"reset_mask": [True, False]})
            with self.assertRaisesRegex(ValueError, "env 1 has finished"):
                envs.step([[0.0, 0.0], [0.0, 0.0]])
            envs.reset(options={"reset_mask": [False, True]})
            _, _, terms, truncs, _ = envs.step([[0.0, 0.0], [0.0, 0.0]])
            self.assertEqual([False, False], as_list(truncs))


class InfoArrayTests(unittest.TestCase):
    def test_Step_InfosDiffer_DictOfArraysWithMasksAsGymnasium(self):
        with support.ThreadServer(InfoEnv, num_envs=3) as server, RemoteVectorEnv(server.address) as envs:
            envs.reset(seed=0)
            _, _, _, _, infos = envs.step([0, 0, 0])
        self.assertEqual([1.0, 0.5, 0.0], as_list(infos["x"]), "an int and a float widen to float, never truncate")
        self.assertEqual([True, True, False], as_list(infos["_x"]))
        self.assertEqual(["a", None, None], as_list(infos["only0"]))
        self.assertEqual([True, False, False], as_list(infos["_only0"]))
        self.assertEqual({"k": [True, False, False], "_k": [True, False, False]}, as_list(infos["nested"]))
        self.assertEqual([True, False, False], as_list(infos["_nested"]))
        self.assertEqual([None, None, None], as_list(infos["bad"]), "NaN travels as JSON null")
        if np is not None:
            self.assertEqual(np.float64, infos["x"].dtype)
            self.assertEqual(np.bool_, infos["_x"].dtype)
            self.assertEqual(object, infos["only0"].dtype)

    def test_JsonBytes_NonFinite_StrictJsonWithNull(self):
        raw = bytes(protocol._json_bytes([{"a": math.inf, "b": [1.5, -math.inf], "c": "x"}]))[4:]
        self.assertEqual(b'[{"a":null,"b":[1.5,null],"c":"x"}]', raw)


class DictSpaceTests(unittest.TestCase):
    def setUp(self):
        self.server = support.ThreadServer(EchoDictEnv, num_envs=2)
        self.envs = RemoteVectorEnv(self.server.address)

    def tearDown(self):
        self.envs.close()
        self.server.close()

    def test_Step_DictOfBatches_EchoedInDeclaredKeyOrder(self):
        self.assertEqual(["move", "pick"], list(self.envs.single_action_space.spaces))
        self.assertEqual(["z", "a"], list(self.envs.single_observation_space.spaces))
        self.envs.reset()
        obs, *_ = self.envs.step({"move": [[0.5, -0.5], [0.25, 1.0]], "pick": [1, 2]})
        self.assertEqual(["z", "a"], list(obs))
        self.assertEqual([[0.5, -0.5], [0.25, 1.0]], as_list(obs["z"]))
        self.assertEqual([1, 2], as_list(obs["a"]))

    def test_Step_ListOfPerEnvDicts_SameAsBatches(self):
        self.envs.reset()
        obs, *_ = self.envs.step([{"move": [0.5, 0.5], "pick": 2}, {"move": [-1.0, 0.0], "pick": 1}])
        self.assertEqual([[0.5, 0.5], [-1.0, 0.0]], as_list(obs["z"]))
        self.assertEqual([2, 1], as_list(obs["a"]))

    def test_Step_SampledActions_Accepted(self):
        self.envs.action_space.seed(0)
        self.envs.reset()
        action = self.envs.action_space.sample()
        obs, *_ = self.envs.step(action)
        self.assertEqual(as_list(action["pick"]), as_list(obs["a"]))

    def test_Step_BadActions_ValueErrorAndConnectionSurvives(self):
        self.envs.reset()
        for action, text in [({"move": [[0.0, 0.0]], "pick": [1, 1]}, r"action\['move'\] has shape"),
                             ({"move": [[0.0, 0.0], [0.0, 0.0]], "pick": [1, 3]}, r"action\['pick'\] of env 1 is 3, outside 1..2"),
                             ({"move": [[0.0, 0.0], [0.0, 0.0]]}, "lack the key 'pick'"),
                             ({"move": [[0.0, 0.0], [0.0, 0.0]], "pick": [1.5, 1]}, "of env 0 is 1.5")]:
            with self.assertRaisesRegex(ValueError, text):
                self.envs.step(action)
        obs, *_ = self.envs.step({"move": [[0.0, 0.0], [0.0, 0.0]], "pick": [2, 2]})
        self.assertEqual([2, 2], as_list(obs["a"]))


class RemoteEnvTests(unittest.TestCase):
    def test_Init_ServerRunsSeveralEnvs_OneLineSaysUseRemoteVectorEnv(self):
        with support.ThreadServer(CUE, num_envs=16) as server:
            with self.assertRaises(ValueError) as caught:
                RemoteEnv(server.address)
        text = str(caught.exception)
        self.assertNotIn("\n", text)
        self.assertIn("runs 16 envs per connection", text)
        self.assertIn("use RemoteVectorEnv, or serve with --num-envs 1", text)

    def test_Episode_OneEnv_GymnasiumEnvApi(self):
        with support.ThreadServer(CUE, env_kwargs={"delay": 2, "height": 8, "width": 8}) as server, \
                RemoteEnv(server.address) as env:
            self.assertEqual(Discrete(2), env.action_space)
            self.assertEqual(Box(0, 255, (8, 8, 3), "uint8"), env.observation_space)
            obs, info = env.reset(seed=4)
            self.assertEqual(CueMemoryEnv(8, 8, 2).reset(seed=4)[1], info)
            self.assertTrue(env.observation_space.contains(obs))
            env.action_space.seed(0)
            for t in range(3):
                obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
                self.assertIs(type(reward), float)
                self.assertIs(type(terminated), bool)
                self.assertIs(type(truncated), bool)
            self.assertTrue(terminated)
            self.assertEqual(reward, info["episode"]["r"])
            self.assertEqual(frame(CueMemoryEnv(8, 8, 2), "blank"), as_list(obs))
            obs, info = env.reset()
            self.assertIn(info["cue"], (0, 1))

    def test_Step_SameStepServer_ReturnsTheEpisodesLastObservation(self):
        with support.ThreadServer(CUE, env_kwargs={"delay": 1, "height": 8, "width": 8}, autoreset="same-step") as server, \
                RemoteEnv(server.address) as env:
            env.reset(seed=1)
            env.step(0)
            obs, reward, terminated, _, info = env.step(0)
            self.assertTrue(terminated)
            self.assertEqual(frame(CueMemoryEnv(8, 8, 1), "ask"), as_list(obs))
            self.assertEqual(reward, info["episode"]["r"])


class ConnectionErrorTests(unittest.TestCase):
    def test_Connect_NoServer_ConnectionErrorNamesAddress(self):
        address = f"tcp://127.0.0.1:{support.free_port()}"
        with self.assertRaisesRegex(ConnectionError, f"could not connect to {address}"):
            RemoteVectorEnv(address, timeout=5)

    def test_Connect_ServerNeverAnswers_TimeoutErrorNamesAddress(self):
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen(1)
            address = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
            with self.assertRaisesRegex(TimeoutError, f"{address} did not send SPEC within 0.5 s"):
                RemoteVectorEnv(address, timeout=0.5)

    def test_Step_EnvRaises_RemoteErrorCarriesItsMessage(self):
        with support.ThreadServer(FailingEnv) as server, RemoteVectorEnv(server.address) as envs:
            envs.reset()
            with self.assertRaisesRegex(protocol.RemoteError, "RuntimeError: the game crashed"):
                envs.step({"move": [[0.0, 0.0]], "pick": [1]})
            with self.assertRaisesRegex(ConnectionError, "is closed"):
                envs.reset()

    def test_Init_BadAddress_ValueError(self):
        with self.assertRaisesRegex(ValueError, "is not tcp://HOST:PORT or unix:PATH"):
            RemoteVectorEnv("localhost:5555")


class CheckoutImportTests(unittest.TestCase):
    def test_OldModuleNames_AreThePackagesModules(self):
        import agentrnn_envs.client
        import agentrnn_envs.samples.cue_memory
        import agentrnn_envs.server
        import client
        import envproto
        import samples.cue_memory
        import serve
        self.assertIs(protocol, envproto)
        self.assertIs(agentrnn_envs.client, client)
        self.assertIs(agentrnn_envs.server, serve)
        self.assertIs(agentrnn_envs.samples.cue_memory, samples.cue_memory)
        self.assertIs(RemoteEnv, client.RemoteEnv)


class ThreadSafetyTests(unittest.TestCase):
    def test_Connections_ManyAtOnce_EachGetsItsOwnEnvs(self):
        with support.ThreadServer(REACH, env_kwargs={"max_steps": 5}, num_envs=2) as server:
            errors = []

            def play(seed):
                try:
                    with RemoteVectorEnv(server.address) as envs:
                        obs, _ = envs.reset(seed=seed)
                        first = [float(v) for v in flat_any(as_list(obs)[0])]
                        worst = max(abs(a - b) for a, b in zip(reach_obs(seed), first))
                        if worst > 1e-6:
                            errors.append(f"seed {seed}: worst difference {worst}")
                        for _ in range(7):
                            envs.step([[0.1, 0.1], [-0.1, 0.0]])
                except Exception as e:  # collected and reported by the main thread
                    errors.append(f"seed {seed}: {e!r}")

            threads = [threading.Thread(target=play, args=(s,)) for s in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            self.assertEqual([], errors)


if __name__ == "__main__":
    unittest.main()
