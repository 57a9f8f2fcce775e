"""Loads a model written by `agent train ppo` (CleanRL ppo_atari_lstm layout) into CleanRL's Agent with PyTorch's
strict load_state_dict and plays the cue-memory env greedily with it, with cv2 preprocessing (RGB->gray, INTER_AREA).

    /usr/bin/python3 tools/reference/check_trained_cleanrl.py MODEL.safetensors [--delay 6] [--episodes 200] [--size 36]
"""
import argparse
import os
import sys

import cv2
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "envs"))
import safetensors_io  # noqa: E402
from twin import CleanRlAgent  # noqa: E402
from agentrnn_envs.samples.cue_memory import CueMemoryEnv  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--delay", type=int, default=6)
    ap.add_argument("--episodes", type=int, default=200)
    ap.add_argument("--size", type=int, default=36)
    a = ap.parse_args()
    loaded = safetensors_io.load(a.model)
    tensors = loaded[0] if isinstance(loaded, tuple) else loaded
    state = {k: torch.from_numpy(np.array(v)) for k, v in tensors.items()}
    flat = state["network.7.weight"].shape[1]
    agent = CleanRlAgent(n_actions=state["actor.weight"].shape[0], channels=state["network.0.weight"].shape[1], flat=flat,
                         features=state["network.7.weight"].shape[0], hidden=state["lstm.weight_hh_l0"].shape[1])
    agent.load_state_dict(state, strict=True)
    agent.eval()
    env = CueMemoryEnv(delay=a.delay)
    returns = []
    with torch.no_grad():
        for episode in range(a.episodes):
            obs, _ = env.reset(seed=1000 + episode)
            h = (torch.zeros(1, 1, agent.lstm.hidden_size), torch.zeros(1, 1, agent.lstm.hidden_size))
            done, total, first = False, 0.0, True
            while not done:
                gray = cv2.cvtColor(np.asarray(obs), cv2.COLOR_RGB2GRAY)
                small = cv2.resize(gray, (a.size, a.size), interpolation=cv2.INTER_AREA)
                x = torch.from_numpy(small).float().view(1, 1, a.size, a.size)
                hidden, h = agent.get_states(x, h, torch.tensor([1.0 if first else 0.0]))
                action = int(agent.actor(hidden).argmax(-1))
                obs, reward, terminated, truncated, _ = env.step(action)
                total += reward
                done = terminated or truncated
                first = False
            returns.append(total)
    print(f"{a.model}: loaded into CleanRL's Agent (strict), {a.episodes} greedy episodes of cue-memory delay {a.delay}: mean return {np.mean(returns):.4f}")


if __name__ == "__main__":
    main()
