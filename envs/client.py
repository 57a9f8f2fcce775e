"""Gymnasium-style envs that play a remote environment over the AgentRnn env protocol (PROTOCOL.md).

    from client import RemoteEnv, RemoteVectorEnv
    env = RemoteEnv("tcp://127.0.0.1:5555")          # a server with one env
    obs, info = env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(env.action_space.sample())

The server may be envs/serve.py or a C# game (AgentRnn.Host.Env.EnvServer). RemoteEnv subclasses
gymnasium.Env and exposes gymnasium spaces when gymnasium is installed (so SB3 and CleanRL accept
it); otherwise it is a plain object with envproto spaces. Standard library only, numpy when present.
"""

import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import envproto as ep  # noqa: E402

try:
    import gymnasium as _gym
except ImportError:  # gymnasium is optional: the client must run on a bare python3
    _gym = None


class RemoteVectorEnv:
    """All N envs of one connection, stepped together (Gymnasium vector-env style).

    reset(seed=None, options=None, mask=None) -> (observations, infos)
    step(actions) -> (observations, rewards, terminations, truncations, infos)

    Observations are batched (leading dim N; dicts of batches for Dict spaces); infos is a list of
    N dicts. `final_observations` holds, after each step, the final observation of each env whose
    episode ended in that step (None for the others): the step's own observation in next-step
    autoreset mode, the one the server sent separately in same-step mode. `starts` marks envs
    whose observation begins a new episode (an autoreset happened).
    """

    def __init__(self, address, timeout=30.0, max_message=ep.DEFAULT_MAX_MESSAGE):
        family, sockaddr = ep.parse_address(address)
        self.address = address
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(sockaddr)
        except OSError as e:
            sock.close()
            raise ConnectionError(f"could not connect to {address}: {e}") from e
        self._conn = ep.Connection(sock, max_message)
        self._conn.send(ep.hello(max_message))
        mtype, payload = self._conn.recv(max_message)
        if mtype == ep.ERROR:
            code, text = ep.decode_error(payload)
            self._conn.close()
            raise ep.RemoteError(code, text)
        if mtype != ep.SPEC:
            self._conn.close()
            raise ep.ProtocolError(f"expected SPEC from {address}, got message type {mtype}")
        self.spec = ep.decode_spec(payload, max_message)
        self._conn.max_message = self.spec.max_message
        self.num_envs = self.spec.num_envs
        self.autoreset_mode = ep.AUTORESET_NAMES[self.spec.autoreset]
        self.single_observation_space = self.spec.observation_space
        self.single_action_space = self.spec.action_space
        self.metadata = dict(self.spec.metadata)
        self.final_observations = [None] * self.num_envs
        self.starts = [True] * self.num_envs
        self.closed = False

    def _request(self, data, expected):
        self._conn.send(data)
        mtype, payload = self._conn.recv()
        if mtype == ep.ERROR:
            code, text = ep.decode_error(payload)
            self.close()
            raise ep.RemoteError(code, text)
        if mtype != expected:
            self.close()
            raise ep.ProtocolError(f"expected {ep.MESSAGE_NAMES[expected]}, got message type {mtype}")
        return payload

    def reset(self, seed=None, options=None, mask=None):
        payload = self._request(ep.reset_msg(seed, options, mask), ep.RESET_RESULT)
        arrays, infos = ep.decode_reset_result(payload, self.spec)
        self.final_observations = [None] * self.num_envs
        self.starts = [True if mask is None else bool(m) for m in (mask or [True] * self.num_envs)]
        return ep.batched_value(self.spec.observation_space, arrays), infos

    def step(self, actions):
        """actions: one batched array per leaf (leading dim N), or a list of N per-env actions."""
        space = self.spec.action_space
        if isinstance(actions, (list, tuple)) and len(actions) == self.num_envs and not isinstance(space, ep.Dict):
            data = ep.step_msg(space, list(actions))
        elif isinstance(space, ep.Dict) and isinstance(actions, dict):
            data = ep.step_msg_from_arrays(space, _dict_leaves(space, actions))
        else:
            data = ep.step_msg_from_arrays(space, [actions])
        payload = self._request(data, ep.STEP_RESULT)
        arrays, rewards, flags, final_arrays, infos = ep.decode_step_result(payload, self.spec)
        obs = ep.batched_value(self.spec.observation_space, arrays)
        per_env = None
        finals = [None] * self.num_envs
        if final_arrays is not None:
            count = sum(1 for f in flags if f & ep.F_FINAL)
            final_items = iter(ep.split_value(self.spec.observation_space, final_arrays, count))
            for i, f in enumerate(flags):
                if f & ep.F_FINAL:
                    finals[i] = next(final_items)
        for i, f in enumerate(flags):
            if f & (ep.F_TERMINATED | ep.F_TRUNCATED) and finals[i] is None:
                if per_env is None:
                    per_env = ep.split_value(self.spec.observation_space, arrays, self.num_envs)
                finals[i] = per_env[i]
        self.final_observations = finals
        self.starts = [bool(f & ep.F_RESET) for f in flags]
        terminations = [bool(f & ep.F_TERMINATED) for f in flags]
        truncations = [bool(f & ep.F_TRUNCATED) for f in flags]
        if ep.np is not None:
            rewards = ep.np.array(rewards)
            terminations = ep.np.array(terminations)
            truncations = ep.np.array(truncations)
        return obs, rewards, terminations, truncations, infos

    def close(self):
        if not self.closed:
            self.closed = True
            try:
                self._conn.send(ep.frame(ep.CLOSE, []))
            except OSError:
                pass
            self._conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _dict_leaves(space, value):
    if isinstance(space, ep.Dict):
        out = []
        for k, v in space.spaces.items():
            out.extend(_dict_leaves(v, value[k]))
        return out
    return [value]


class RemoteEnv(_gym.Env if _gym is not None else object):
    """A single remote env (the server must have num_envs == 1), with Gymnasium's Env API."""

    def __init__(self, address, timeout=30.0, max_message=ep.DEFAULT_MAX_MESSAGE):
        super().__init__()
        self._vec = RemoteVectorEnv(address, timeout, max_message)
        if self._vec.num_envs != 1:
            n = self._vec.num_envs
            self._vec.close()
            raise ValueError(f"{address} serves {n} envs; use RemoteVectorEnv")
        spec = self._vec.spec
        gym_spaces = _gym is not None and ep.np is not None
        self.observation_space = ep.to_gymnasium(spec.observation_space) if gym_spaces else spec.observation_space
        self.action_space = ep.to_gymnasium(spec.action_space) if gym_spaces else spec.action_space
        self.metadata = dict(spec.metadata)

    def _first(self, value, space):
        if isinstance(space, ep.Dict):
            return {k: self._first(value[k], s) for k, s in space.spaces.items()}
        return value[0]

    def reset(self, seed=None, options=None):
        obs, infos = self._vec.reset(seed=seed, options=options)
        return self._first(obs, self._vec.spec.observation_space), infos[0]

    def step(self, action):
        obs, rewards, terms, truncs, infos = self._vec.step([action])
        return (self._first(obs, self._vec.spec.observation_space), float(rewards[0]), bool(terms[0]),
                bool(truncs[0]), infos[0])

    def close(self):
        self._vec.close()
