#!/usr/bin/env python3
"""Plays (and optionally learns) a remote env with agentrnn_envs.RemoteEnv; prints one JSON line.

    python3 envs/tests/client_smoke.py --address tcp://127.0.0.1:5555 --episodes 40 [--learn] [--seed 0]

Without --learn the policy is uniformly random. With --learn it is an epsilon-greedy tabular learner keyed
on the episode's first observation and the action's step index: enough to solve CueMemory, whose
payoff depends on a cue shown only at the start. The JSON reports each episode's summed reward and length.
"""

import argparse
import hashlib
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from agentrnn_envs import RemoteEnv  # noqa: E402


def key_of(obs):
    raw = obs.tobytes() if hasattr(obs, "tobytes") else repr(obs).encode()
    return hashlib.sha1(raw).hexdigest()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--address", required=True)
    p.add_argument("--episodes", type=int, default=10)
    p.add_argument("--learn", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--epsilon", type=float, default=0.1)
    a = p.parse_args()
    rng = random.Random(a.seed)
    env = RemoteEnv(a.address, timeout=30)
    n_actions = env.action_space.n
    q = {}
    episodes = []
    obs, _ = env.reset(seed=a.seed)
    for _ in range(a.episodes):
        cue = key_of(obs)
        total, length, t, taken = 0.0, 0, 0, []
        while True:
            values = q.setdefault((cue, t), [0.0] * n_actions)
            explore = not a.learn or rng.random() < a.epsilon
            action = rng.randrange(n_actions) if explore else max(range(n_actions), key=lambda k: values[k])
            taken.append((t, action))
            obs, reward, terminated, truncated, _ = env.step(action)
            total += reward
            length += 1
            t += 1
            if terminated or truncated:
                break
        if a.learn:
            for step, action in taken:
                values = q[(cue, step)]
                values[action] += 0.5 * (total - values[action])
        episodes.append({"return": total, "length": length, "terminated": bool(terminated), "truncated": bool(truncated)})
        obs, _ = env.reset()
    env.close()
    print(json.dumps({"episodes": episodes}))


if __name__ == "__main__":
    main()
