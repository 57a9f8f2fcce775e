"""Gymnasium envs that play a remote environment over the AgentRnn env protocol (PROTOCOL.md).

    from agentrnn_envs import RemoteEnv, RemoteVectorEnv
    envs = RemoteVectorEnv("tcp://127.0.0.1:5555")   # every env the server runs for this connection
    env = RemoteEnv("tcp://127.0.0.1:5556")          # a server that runs exactly one env per connection

The server may be envs/serve.py or a C# game (AgentRnn.Host.Env.EnvServer). With gymnasium installed,
RemoteVectorEnv is a gymnasium.vector.VectorEnv and RemoteEnv a gymnasium.Env, both with gymnasium
spaces, so SB3, CleanRL and gymnasium's wrappers accept them. Without gymnasium they keep the same API,
with agentrnn_envs.spaces (which also sample and seed). Standard library only, numpy when present.
"""

import numbers
import socket

from . import protocol as ep
from .spaces import batch_space, np, to_gymnasium

try:
    import gymnasium as _gym
except ImportError:  # gymnasium is optional: the client must run on a bare python3
    _gym = None

_DONE = ep.F_TERMINATED | ep.F_TRUNCATED


def _autoreset_metadata(code):
    """metadata["autoreset_mode"] as gymnasium writes it: its AutoresetMode (gymnasium >= 1.1), else the name."""
    modes = getattr(_gym.vector, "AutoresetMode", None) if _gym is not None else None
    if modes is None:
        return ep.AUTORESET_NAMES[code]
    return {0: modes.NEXT_STEP, 1: modes.SAME_STEP, 2: modes.DISABLED}[code]


class _Session:
    """One connection to a server: the handshake, then RESET and STEP with per-env raw results."""

    def __init__(self, address, timeout, max_message):
        family, sockaddr = ep.parse_address(address)
        self.address = address
        self.timeout = timeout
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(sockaddr)
        except OSError as e:
            sock.close()
            raise ConnectionError(f"could not connect to {address}: {e}") from e
        self._conn = ep.Connection(sock, max_message)
        self.closed = False
        try:
            self._conn.send(ep.hello(max_message))
            mtype, payload = self._recv("SPEC", max_message)
            if mtype == ep.ERROR:
                raise ep.RemoteError(*ep.decode_error(payload))
            if mtype != ep.SPEC:
                raise ep.ProtocolError(f"expected SPEC from {address}, got message type {mtype}")
            self.spec = ep.decode_spec(payload, max_message)
        except BaseException:
            self.close()
            raise
        self._conn.max_message = self.spec.max_message

    def _recv(self, expected, limit=None):
        try:
            return self._conn.recv(limit)
        except socket.timeout:
            raise TimeoutError(f"{self.address} did not send {expected} within {self.timeout} s") from None
        except EOFError:
            raise ConnectionError(f"{self.address} closed the connection before sending {expected}") from None

    def request(self, data, expected):
        if self.closed:
            raise ConnectionError(f"the connection to {self.address} is closed")
        name = ep.MESSAGE_NAMES[expected]
        try:
            self._conn.send(data)
            mtype, payload = self._recv(name)
            if mtype == ep.ERROR:
                raise ep.RemoteError(*ep.decode_error(payload))
            if mtype != expected:
                raise ep.ProtocolError(f"expected {name} from {self.address}, got message type {mtype}")
        except BaseException:
            self.close()  # after an ERROR, a timeout or a bad message the connection is unusable
            raise
        return payload

    def reset(self, seed, options, mask):
        """RESET → (observation arrays, infos as a list of N dicts)."""
        payload = self.request(ep.reset_msg(seed, options, mask), ep.RESET_RESULT)
        return ep.decode_reset_result(payload, self.spec)

    def step(self, actions):
        """STEP → (observation arrays, rewards, flags, final observations by env (None where absent), infos)."""
        space, n = self.spec.action_space, self.spec.num_envs
        values = _leaf_values(space, actions)
        data = ep.step_msg_batched(space, values, n)
        _check_discrete(space, values)
        payload = self.request(data, ep.STEP_RESULT)
        arrays, rewards, flags, final_arrays, infos = ep.decode_step_result(payload, self.spec)
        finals = [None] * n
        if final_arrays is not None:
            count = sum(1 for f in flags if f & ep.F_FINAL)
            items = iter(ep.split_value(self.spec.observation_space, final_arrays, count))
            for i, f in enumerate(flags):
                if f & ep.F_FINAL:
                    finals[i] = next(items)
        return arrays, rewards, flags, finals, infos

    def close(self):
        if not self.closed:
            self.closed = True
            try:
                self._conn.send(ep.frame(ep.CLOSE, []))
            except OSError:
                pass
            self._conn.close()


def _leaf_values(space, actions):
    """Actions as one batched value per leaf of the action space (Value order).

    A Dict space takes a dict of batched values, or (as a list) one dict per env.
    """
    if not isinstance(space, ep.Dict):
        return [actions]
    if isinstance(actions, (list, tuple)):
        actions = {k: [a[k] for a in actions] for k in space.spaces}
    if not isinstance(actions, dict):
        raise ValueError(f"actions for the Dict action space {space} must be a dict, got {type(actions).__name__}")
    out = []
    for k, sub in space.spaces.items():
        if k not in actions:
            raise ValueError(f"actions lack the key {k!r} of the action space {space}")
        out.extend(_leaf_values(sub, actions[k]))
    return out


def _check_discrete(space, values):
    """Discrete and MultiDiscrete actions must be integers within their ranges (checked before sending,
    so that a wrong action raises here and the connection survives)."""
    for (path, leaf), value in zip(ep.leaf_paths(space), values):
        if isinstance(leaf, ep.Box):
            continue
        starts, counts = ([leaf.start], [leaf.n]) if isinstance(leaf, ep.Discrete) else (leaf.start, leaf.nvec)
        k = len(starts)
        for j, x in enumerate(ep.flat_any(value)):
            lo, hi = starts[j % k], starts[j % k] + counts[j % k] - 1
            if isinstance(x, float) and not x.is_integer() or not lo <= x <= hi:
                where = "".join(f"[{p!r}]" for p in path)
                raise ValueError(f"action{where} of env {j // k} is {x}, outside {lo}..{hi}")


_KINDS = (bool, int, float)


def _kind(value):
    """0 bool, 1 int, 2 float, 3 anything else: the order in which an info array widens."""
    for k, t in enumerate(_KINDS):
        if type(value) is t:
            return k
    return 3


def _info_array(kind, n):
    if np is not None:
        return np.zeros(n, dtype=_KINDS[kind]) if kind < 3 else np.full(n, None, dtype=object)
    return [(False, 0, 0.0, None)[kind]] * n


def _widen(array, kind):
    if np is not None:
        return array.astype(_KINDS[kind] if kind < 3 else object)
    return [v if kind == 3 else _KINDS[kind](v) for v in array]


def _array_kind(array):
    if np is not None:
        return {"b": 0, "i": 1, "f": 2}.get(array.dtype.kind, 3)
    return max((_kind(v) for v in array), default=0)


def add_info(infos, info, i, n):
    """Adds env i's info dict to vector infos, as gymnasium 1.x's VectorEnv._add_info does.

    Every key holds an array of n values (numpy when present, else a list) and has a mask `_key`
    saying which envs set it; nested dicts nest; "final_obs" is an object array. One difference: where
    envs disagree on a key's type (JSON writes 1.0 as 1), the array widens (bool < int < float < object)
    instead of truncating 0.5 into an int array.
    """
    for key, value in info.items():
        if key == "final_obs":
            array = infos[key] if key in infos else _info_array(3, n)
            array[i] = value
        elif isinstance(value, dict):
            array = add_info(infos.get(key, {}), value, i, n)
        else:
            kind = _kind(value)
            array = infos.get(key)
            if array is None:
                array = _info_array(kind, n)
            elif kind > _array_kind(array):
                array = _widen(array, kind)
            array[i] = value
        mask = infos["_" + key] if "_" + key in infos else _info_array(0, n)
        mask[i] = True
        infos[key], infos["_" + key] = array, mask
    return infos


def _vector(values, dtype):
    return np.array(values, dtype=dtype) if np is not None else list(values)


def _reset_targets(mask, n):
    """The envs a reset_mask selects (gymnasium's options["reset_mask"]: n booleans, at least one true)."""
    flags = [bool(m) for m in ep.flat_any(mask)]
    if len(flags) != n:
        raise ValueError(f"options['reset_mask'] has {len(flags)} entries, expected num_envs={n}")
    if not any(flags):
        raise ValueError("options['reset_mask'] selects no env; at least one must be true")
    return [i for i in range(n) if flags[i]]


def _seed_groups(seed, targets, n):
    """RESET requests that give each target env its seed: [(base seed or None, envs)].

    The protocol seeds env i with base + i, so an int seed (gymnasium's seed, seed + 1, ...) is one
    request, and a list of n seeds is one request per distinct seed[i] - i (masked to those envs).
    """
    if seed is None or isinstance(seed, numbers.Integral):
        return [(None if seed is None else int(seed), list(targets))]
    seeds = list(seed)
    if len(seeds) != n:
        raise ValueError(f"a list of seeds must have num_envs={n} entries, got {len(seeds)}")
    groups = {}
    for i in targets:
        base = None if seeds[i] is None else int(seeds[i]) - i
        groups.setdefault(base, []).append(i)
    return list(groups.items())


class RemoteVectorEnv(_gym.vector.VectorEnv if _gym is not None else object):
    """All N envs of one connection, stepped together, as a gymnasium 1.x vector env.

    reset(*, seed=None, options=None) -> (observations, infos)
    step(actions) -> (observations, rewards, terminations, truncations, infos)

    Observations are batched (leading axis N; a dict of batches for Dict spaces); rewards,
    terminations and truncations are arrays of N (lists without numpy); infos is a dict of arrays with
    `_key` masks. Autoreset is the server's (metadata["autoreset_mode"]; serve.py's default and
    gymnasium's is next-step: the step after an episode ends returns the reset observation, reward 0).
    In same-step mode infos carry "final_obs" and "final_info"; in disabled mode, finished envs must be
    reset with options={"reset_mask": mask} before they are stepped again.

    Besides gymnasium's attributes: `final_observations` holds, after each step, the last observation of
    every env whose episode ended in that step (None for the others) in any autoreset mode, and `starts`
    marks the envs whose observation begins an episode (what a recurrent policy resets its state on).
    """

    metadata = {}
    render_mode = None
    spec = None
    closed = False

    def __init__(self, address, timeout=30.0, max_message=ep.DEFAULT_MAX_MESSAGE):
        self._session = _Session(address, timeout, max_message)
        remote = self._session.spec
        self.address = address
        self.remote_spec = remote
        self.num_envs = remote.num_envs
        self.autoreset_mode = ep.AUTORESET_NAMES[remote.autoreset]
        if _gym is not None:
            self.single_observation_space = to_gymnasium(remote.observation_space)
            self.single_action_space = to_gymnasium(remote.action_space)
            batch = _gym.vector.utils.batch_space
        else:
            self.single_observation_space = remote.observation_space
            self.single_action_space = remote.action_space
            batch = batch_space
        self.observation_space = batch(self.single_observation_space, self.num_envs)
        self.action_space = batch(self.single_action_space, self.num_envs)
        self.metadata = dict(remote.metadata, autoreset_mode=_autoreset_metadata(remote.autoreset))
        self.final_observations = [None] * self.num_envs
        self.starts = [True] * self.num_envs
        self._done = [False] * self.num_envs

    def reset(self, *, seed=None, options=None):
        """Resets every env, or those options["reset_mask"] selects. seed: None, an int (env i gets
        seed + i) or a list of num_envs seeds (None entries reset unseeded); other options go to the envs."""
        n = self.num_envs
        options = dict(options or {})
        mask = options.pop("reset_mask", None)
        targets = list(range(n)) if mask is None else _reset_targets(mask, n)
        per_env = [None] * n
        arrays = None
        for k, (base, envs) in enumerate(_seed_groups(seed, targets, n)):
            # Without a mask the first request resets every env (later ones reset their envs again, with
            # their own seeds): a masked RESET needs every other env to have an observation already.
            whole = mask is None and k == 0
            chosen = set(range(n) if whole else envs)
            arrays, infos = self._session.reset(base, options or None,
                                                None if len(chosen) == n else [i in chosen for i in range(n)])
            for i in chosen:
                per_env[i] = infos[i]
        infos = {}
        for i in targets:
            add_info(infos, per_env[i], i, n)
            self._done[i] = False
        self.starts = [i in set(targets) for i in range(n)]
        self.final_observations = [None] * n
        return ep.batched_value(self.remote_spec.observation_space, arrays), infos

    def step(self, actions):
        """actions: a batch from action_space (leading axis N; a dict of batches for Dict spaces)."""
        n = self.num_envs
        if self.autoreset_mode == "disabled" and any(self._done):
            raise ValueError(f"env {self._done.index(True)} has finished its episode and autoreset is disabled: "
                             f"reset it with reset(options={{'reset_mask': mask}}) before stepping")
        arrays, rewards, flags, finals, raw_infos = self._session.step(actions)
        space = self.remote_spec.observation_space
        per_env = None
        infos = {}
        for i, f in enumerate(flags):
            info = raw_infos[i]
            if f & ep.F_FINAL:
                info = dict(info)
                add_info(infos, {"final_obs": finals[i], "final_info": info.pop("final_info", {})}, i, n)
            elif f & _DONE:
                per_env = per_env or ep.split_value(space, arrays, n)
                finals[i] = per_env[i]
            add_info(infos, info, i, n)
        self.final_observations = finals
        self.starts = [bool(f & ep.F_RESET) for f in flags]
        self._done = [bool(f & _DONE) for f in flags]
        return (ep.batched_value(space, arrays), _vector(rewards, "float64"),
                _vector([bool(f & ep.F_TERMINATED) for f in flags], "bool"),
                _vector([bool(f & ep.F_TRUNCATED) for f in flags], "bool"), infos)

    def close(self, **kwargs):
        """Sends CLOSE and closes the connection; the server closes this connection's envs."""
        if not self.closed:
            self._session.close()
            self.closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        return f"RemoteVectorEnv({self.address}, num_envs={self.num_envs})"


class RemoteEnv(_gym.Env if _gym is not None else object):
    """One remote env with gymnasium's Env API; the server must run exactly one env per connection.

    A server with more envs (serve.py --num-envs 16) is refused with a ValueError that says to use
    RemoteVectorEnv: stepping one env of many would silently step the others too. Call reset() after an
    episode ends; the observation step() returns at the end is the episode's last in every autoreset mode.
    """

    metadata = {"render_modes": []}
    render_mode = None
    spec = None

    def __init__(self, address, timeout=30.0, max_message=ep.DEFAULT_MAX_MESSAGE):
        self._session = _Session(address, timeout, max_message)
        remote = self._session.spec
        if remote.num_envs != 1:
            self._session.close()
            raise ValueError(f"{address} runs {remote.num_envs} envs per connection and RemoteEnv plays exactly one: "
                             f"use RemoteVectorEnv, or serve with --num-envs 1")
        self.address = address
        self.remote_spec = remote
        self.autoreset_mode = ep.AUTORESET_NAMES[remote.autoreset]
        gym_spaces = _gym is not None
        self.observation_space = to_gymnasium(remote.observation_space) if gym_spaces else remote.observation_space
        self.action_space = to_gymnasium(remote.action_space) if gym_spaces else remote.action_space
        self.metadata = dict({"render_modes": []}, **remote.metadata)

    def reset(self, *, seed=None, options=None):
        arrays, infos = self._session.reset(seed, options, None)
        return ep.split_value(self.remote_spec.observation_space, arrays, 1)[0], infos[0]

    def step(self, action):
        arrays, rewards, flags, finals, infos = self._session.step([action])
        info = infos[0]
        if flags[0] & ep.F_FINAL:  # same-step mode: the server has already begun the next episode
            obs, info = finals[0], info.get("final_info", {})
        else:
            obs = ep.split_value(self.remote_spec.observation_space, arrays, 1)[0]
        return obs, float(rewards[0]), bool(flags[0] & ep.F_TERMINATED), bool(flags[0] & ep.F_TRUNCATED), info

    def close(self):
        self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        return f"RemoteEnv({self.address})"
