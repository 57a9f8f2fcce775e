"""Writes a CleanRL ppo_atari_lstm `Agent` with random weights as a PyTorch state_dict, the file CleanRL's
`torch.save(agent.state_dict(), "agent.pt")` writes, so the README's convert-and-label snippets run without a
checkpoint of your own. The weights are untrained: its labels mean nothing.

    /usr/bin/python3 tools/reference/example_checkpoint.py OUT.pt [--actions 4] [--seed 0]

Refuses to replace an existing file.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from twin import CleanRlAgent  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--actions", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    if a.actions < 1 or a.actions > 1024:
        ap.error(f"--actions must be 1..1024, not {a.actions}")
    if os.path.lexists(a.out):
        print(f"error: {a.out} exists; not replacing it", file=sys.stderr)
        return 1
    torch.manual_seed(a.seed)
    torch.save(CleanRlAgent(a.actions).state_dict(), a.out)
    print(f"wrote {a.out}: CleanRL ppo_atari_lstm Agent, 1x84x84 gray, LSTM 128, {a.actions} actions, random (seed {a.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
