"""The bridge with gymnasium: RemoteVectorEnv is a gymnasium.vector.VectorEnv (1.x autoreset and info
arrays), RemoteEnv a gymnasium.Env, and serve.py makes gymnasium:ID envs with gymnasium.make.

These run against real gymnasium where it is installed and against the stand-in in fake_gymnasium/
(which mirrors the gymnasium 1.x API the bridge uses) where it is not; both need numpy.
"""

import sys
import unittest

import support

gym, REAL = support.gymnasium()

import numpy as np  # noqa: E402

from agentrnn_envs import RemoteEnv, RemoteVectorEnv  # noqa: E402
from agentrnn_envs import spaces as ours  # noqa: E402
from agentrnn_envs.samples.cue_memory import CueMemoryEnv  # noqa: E402
from agentrnn_envs.samples.point_reach import PointReachEnv  # noqa: E402

CUE = "agentrnn_envs.samples.cue_memory:make"
PYTHONPATH = () if REAL else (support.FAKE_GYMNASIUM,)


def setUpModule():
    print(f"\n{'real gymnasium ' + gym.__version__ if REAL else 'the gymnasium stand-in (real gymnasium is not installed)'}",
          file=sys.stderr)


class EchoDictEnv:
    def __init__(self):
        self.observation_space = ours.Dict({"z": ours.Box(-1, 1, (2,), "float32"), "a": ours.Discrete(3)})
        self.action_space = ours.Dict({"move": ours.Box(-1, 1, (2,), "float32"), "pick": ours.Discrete(2, start=1)})

    def reset(self, seed=None, options=None):
        return {"z": np.zeros(2, np.float32), "a": 0}, {"score": 0}

    def step(self, action):
        return {"z": np.asarray(action["move"], np.float32), "a": int(action["pick"])}, 0.5, False, False, {"score": 1}


class VectorEnvTests(unittest.TestCase):
    def test_Types_GymnasiumInstalled_VectorEnvWithGymnasiumSpaces(self):
        with support.ThreadServer(CUE, env_kwargs={"delay": 2, "height": 8, "width": 8}, num_envs=3) as server, \
                RemoteVectorEnv(server.address) as envs:
            self.assertIsInstance(envs, gym.vector.VectorEnv)
            self.assertEqual(3, envs.num_envs)
            self.assertEqual(gym.spaces.Box(0, 255, (8, 8, 3), np.uint8), envs.single_observation_space)
            self.assertEqual(gym.spaces.Discrete(2), envs.single_action_space)
            self.assertEqual(gym.vector.utils.batch_space(envs.single_observation_space, 3), envs.observation_space)
            self.assertEqual(gym.vector.utils.batch_space(gym.spaces.Discrete(2), 3), envs.action_space)
            self.assertIs(gym.vector.AutoresetMode.NEXT_STEP, envs.metadata["autoreset_mode"])
            self.assertIsNone(envs.spec)
            self.assertFalse(envs.closed)
        self.assertTrue(envs.closed)

    def test_AutoresetMode_EachServerMode_GymnasiumEnum(self):
        modes = gym.vector.AutoresetMode
        for name, mode in [("next-step", modes.NEXT_STEP), ("same-step", modes.SAME_STEP), ("disabled", modes.DISABLED)]:
            with support.ThreadServer(CUE, num_envs=2, autoreset=name) as server, RemoteVectorEnv(server.address) as envs:
                self.assertIs(mode, envs.metadata["autoreset_mode"])

    def test_Step_NextStepAutoreset_AsGymnasiumVectorEnvs(self):
        with support.ThreadServer(CUE, env_kwargs={"delay": 1, "height": 8, "width": 8}, num_envs=4) as server, \
                RemoteVectorEnv(server.address) as envs:
            obs, infos = envs.reset(seed=0)
            self.assertEqual((4, 8, 8, 3), obs.shape)
            self.assertEqual(np.uint8, obs.dtype)
            self.assertTrue(obs.flags.writeable)
            self.assertEqual(np.int64, infos["cue"].dtype)
            self.assertEqual(np.bool_, infos["_cue"].dtype)
            envs.action_space.seed(0)
            ended, episodes = np.zeros(4, bool), 0
            for _ in range(6):
                obs, rewards, terms, truncs, infos = envs.step(envs.action_space.sample())
                self.assertIn(obs, envs.observation_space)
                self.assertEqual((np.float64, np.bool_, np.bool_), (rewards.dtype, terms.dtype, truncs.dtype))
                if ended.any():
                    # gymnasium 1.x next-step: the step after an episode ends resets it, reward 0, not done.
                    np.testing.assert_array_equal(np.zeros(4), rewards[ended])
                    self.assertFalse(terms[ended].any())
                    np.testing.assert_array_equal(ended, infos["_cue"])
                ended = terms | truncs
                if ended.any():
                    episodes += 1
                    np.testing.assert_array_equal(ended, infos["_episode"])
                    np.testing.assert_array_equal(rewards[ended], infos["episode"]["r"][ended])
            self.assertEqual(2, episodes, "6 steps: two episodes of 2 steps, each followed by its reset step")

    def test_Step_SameStepAutoreset_FinalObsAndFinalInfoAsGymnasium(self):
        with support.ThreadServer(CUE, env_kwargs={"delay": 1, "height": 8, "width": 8}, num_envs=2,
                                  autoreset="same-step") as server, RemoteVectorEnv(server.address) as envs:
            envs.reset(seed=1)
            envs.step(np.array([0, 0]))
            obs, rewards, terms, _, infos = envs.step(np.array([1, 1]))
            self.assertTrue(terms.all())
            self.assertEqual(object, infos["final_obs"].dtype)
            ask = CueMemoryEnv(8, 8, 1)._obs("ask")
            for i in range(2):
                np.testing.assert_array_equal(ask, infos["final_obs"][i])
            np.testing.assert_array_equal(rewards, infos["final_info"]["episode"]["r"])
            self.assertTrue(infos["_final_info"].all())

    def test_Reset_DisabledModeMask_ResetMaskOptionAsGymnasium(self):
        with support.ThreadServer("agentrnn_envs.samples.point_reach:make", env_kwargs={"max_steps": 1}, num_envs=2,
                                  autoreset="disabled") as server, RemoteVectorEnv(server.address) as envs:
            first, _ = envs.reset(seed=0)
            envs.step(np.zeros((2, 2), np.float32))
            obs, _ = envs.reset(seed=5, options={"reset_mask": np.array([False, True])})
            np.testing.assert_array_equal(first[0], obs[0])
            np.testing.assert_array_equal(PointReachEnv().reset(seed=6)[0], obs[1])

    def test_DictSpaces_ProtocolKeyOrderKept(self):
        with support.ThreadServer(EchoDictEnv, num_envs=2) as server, RemoteVectorEnv(server.address) as envs:
            self.assertIsInstance(envs.single_observation_space, gym.spaces.Dict)
            self.assertEqual(["z", "a"], list(envs.single_observation_space.spaces))
            self.assertEqual(["move", "pick"], list(envs.action_space.spaces))
            self.assertEqual(gym.spaces.Discrete(2, start=1), envs.single_action_space["pick"])
            envs.reset()
            envs.action_space.seed(2)
            action = envs.action_space.sample()
            obs, rewards, _, _, infos = envs.step(action)
            np.testing.assert_array_equal(action["pick"], obs["a"])
            np.testing.assert_allclose(action["move"], obs["z"], rtol=0, atol=0)
            self.assertIn(obs, envs.observation_space)
            np.testing.assert_array_equal([1, 1], infos["score"])


class EnvTests(unittest.TestCase):
    def test_Types_GymnasiumInstalled_EnvWithGymnasiumSpaces(self):
        with support.ThreadServer(CUE, env_kwargs={"delay": 1, "height": 8, "width": 8}) as server, \
                RemoteEnv(server.address) as env:
            self.assertIsInstance(env, gym.Env)
            self.assertEqual(gym.spaces.Box(0, 255, (8, 8, 3), np.uint8), env.observation_space)
            self.assertEqual(gym.spaces.Discrete(2), env.action_space)
            obs, info = env.reset(seed=3)
            self.assertIn(obs, env.observation_space)
            env.action_space.seed(3)
            obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
            self.assertIn(obs, env.observation_space)
            obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
            self.assertTrue(terminated)
            self.assertEqual(reward, info["episode"]["r"])

    def test_Init_SixteenEnvServer_ValueErrorSaysUseRemoteVectorEnv(self):
        with support.ThreadServer(CUE, num_envs=16) as server:
            with self.assertRaisesRegex(ValueError, "use RemoteVectorEnv"):
                RemoteEnv(server.address)


class ServeGymnasiumTests(unittest.TestCase):
    def test_Serve_GymnasiumCartPole_PlaysWithGymnasiumSemantics(self):
        with support.serve_process("--env", "gymnasium:CartPole-v1", "--num-envs", "2", "--port", "0",
                                   pythonpath=PYTHONPATH) as server, RemoteVectorEnv(server.address) as envs:
            reference = gym.make("CartPole-v1")
            self.assertEqual(reference.observation_space, envs.single_observation_space)
            self.assertEqual(reference.action_space, envs.single_action_space)
            self.assertEqual("gymnasium:CartPole-v1", envs.metadata["env"])
            obs, _ = envs.reset(seed=42)
            ref_obs, _ = reference.reset(seed=42)
            np.testing.assert_array_equal(ref_obs, obs[0])
            lengths, length, previous_done = [], np.zeros(2, int), np.zeros(2, bool)
            for _ in range(400):
                obs, rewards, terms, truncs, _ = envs.step(np.array([0, 1]))
                np.testing.assert_array_equal(np.where(previous_done, 0.0, 1.0), rewards)
                length += ~previous_done
                previous_done = terms | truncs
                for i in np.flatnonzero(previous_done):
                    lengths.append(int(length[i]))
                    length[i] = 0
                if len(lengths) >= 4:
                    break
            self.assertGreaterEqual(len(lengths), 4, "constant pushes topple the pole within a few dozen steps")
            self.assertTrue(all(5 <= n < 100 for n in lengths), lengths)

    def test_Serve_ModuleColonId_ImportsTheModuleAndAppliesTimeLimit(self):
        pythonpath = PYTHONPATH + (support.HERE,)
        with support.serve_process("--env", "gymnasium:gym_count:AgentRnnTest/Count-v0", "--env-kwargs", '{"start": 10}',
                                   "--port", "0", pythonpath=pythonpath) as server, RemoteEnv(server.address) as env:
            obs, info = env.reset()
            self.assertEqual(([10], {"t": 10}), (obs.tolist(), info))
            steps = [env.step(2) for _ in range(4)]
            self.assertEqual([[11], [12], [13], [14]], [s[0].tolist() for s in steps])
            self.assertEqual([2.0] * 4, [s[1] for s in steps])
            self.assertEqual([False, False, False, True], [s[3] for s in steps], "TimeLimit(4) truncates")

    def test_Serve_UnknownGymnasiumId_OneLineExit2(self):
        out = support.run([sys.executable, support.SERVE, "--env", "gymnasium:NoSuchEnv-v0", "--port", "0"],
                          env=support.child_env(PYTHONPATH))
        self.assertEqual(2, out.returncode, out.stderr)
        self.assertEqual("", out.stdout)
        lines = out.stderr.strip().splitlines()
        self.assertEqual(1, len(lines), out.stderr)
        self.assertTrue(lines[0].startswith("serve.py: error: --env gymnasium:NoSuchEnv-v0: making the env failed: "),
                        lines[0])


if __name__ == "__main__":
    unittest.main()
