"""The PyTorch peer for AgentRnn's benchmarks: the bench's default model stepping frame by frame on the CPU.

Model (CleanRL ppo_atari_lstm): NatureCNN 4x84x84 -> 512, LSTM 512 -> 256 with persistent state,
actor 256 -> 6 (an action sampled each step), critic 256 -> 1. Inference mode, all cores by default.

    /usr/bin/python3 tools/reference/bench_peer.py --batch 1 --frames 500 [--threads T] [--encoder-only]

Prints one JSON line: {"fps": frames per second (batch x steps / s), "batch": B, "frames": steps, ...}.
--encoder-only times the NatureCNN alone (uint8 frames / 255 -> 512 features), the twin of the encoders' benchmarks.
"""
import argparse
import json
import os
import time

import torch
import torch.nn as nn


class Model(nn.Module):
    def __init__(self, actions=6):
        super().__init__()
        self.network = nn.Sequential(
            nn.Conv2d(4, 32, 8, stride=4), nn.ReLU(),
            nn.Conv2d(32, 64, 4, stride=2), nn.ReLU(),
            nn.Conv2d(64, 64, 3, stride=1), nn.ReLU(),
            nn.Flatten(),
            nn.Linear(64 * 7 * 7, 512), nn.ReLU(),
        )
        self.lstm = nn.LSTM(512, 256)
        self.actor = nn.Linear(256, actions)
        self.critic = nn.Linear(256, 1)

    def encode(self, frames):
        return self.network(frames / 255.0)

    def step(self, frames, state, done):
        hidden = self.encode(frames)
        # CleanRL resets the state of streams whose episode just started: state * (1 - done).
        h, c = state
        keep = (1.0 - done).view(1, -1, 1)
        out, (h, c) = self.lstm(hidden.unsqueeze(0), (h * keep, c * keep))
        out = out.squeeze(0)
        logits = self.actor(out)
        action = torch.distributions.Categorical(logits=logits).sample()
        return action, self.critic(out), (h, c)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--frames", type=int, default=500, help="steps to time (each step is one frame per stream)")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--encoder-only", action="store_true")
    args = ap.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    model = Model().eval()
    b = args.batch
    # A few distinct frames cycled through, so frame generation is not timed.
    pool = torch.randint(0, 256, (8, b, 4, 84, 84), dtype=torch.uint8)
    done = torch.zeros(b)
    state = (torch.zeros(1, b, 256), torch.zeros(1, b, 256))

    with torch.inference_mode():
        def run(steps, state):
            for i in range(steps):
                frames = pool[i % len(pool)].float()
                if args.encoder_only:
                    model.encode(frames)
                else:
                    _, _, state = model.step(frames, state, done)
            return state

        state = run(args.warmup, state)
        start, cpu = time.perf_counter(), time.process_time()
        run(args.frames, state)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu

    print(json.dumps({
        "fps": b * args.frames / seconds,
        "batch": b,
        "frames": args.frames,
        "threads": args.threads,
        "encoder_only": args.encoder_only,
        "seconds": seconds,
        "cpu_s": cpu,  # busy time of all threads: on a shared machine, how much of it the peer got
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
