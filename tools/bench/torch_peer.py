#!/usr/bin/env python3
"""PyTorch eager peer of `agent bench --model-only` for the GPU run: the same default model (NatureCNN 4x84x84 ->
LSTM 512->256 -> 6-action policy + value, random weights), the same batch, uint8 frames uploaded and scaled by
1/255 every step, per-stream LSTM state kept on the device. Prints one JSON line.
    torch_peer.py --device cuda --streams 1024 --steps 16
    torch_peer.py --device cuda --sequence 256 --streams 64     # LSTM sequence throughput (steps x streams / s)
"""
import argparse, json, time

import torch
import torch.nn as nn


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(4, 32, 8, stride=4), nn.ReLU(),
            nn.Conv2d(32, 64, 4, stride=2), nn.ReLU(),
            nn.Conv2d(64, 64, 3, stride=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(3136, 512), nn.ReLU())
        self.lstm = nn.LSTM(512, 256)
        self.actor = nn.Linear(256, 6)
        self.critic = nn.Linear(256, 1)

    def step(self, frames, h, c, starts):
        x = self.encoder(frames.float() / 255.0)
        keep = (1.0 - starts).view(1, -1, 1)
        out, (h, c) = self.lstm(x.unsqueeze(0), (h * keep, c * keep))
        out = out.squeeze(0)
        return torch.softmax(self.actor(out), dim=-1), self.critic(out), h, c


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--device", default="cuda")
    p.add_argument("--streams", type=int, default=1)
    p.add_argument("--steps", type=int, default=16)
    p.add_argument("--sequence", type=int, default=0)
    a = p.parse_args()
    device = torch.device(a.device)
    torch.manual_seed(0)
    model = Policy().to(device).eval()
    n = a.streams
    with torch.inference_mode():
        if a.sequence:
            x = torch.randn(a.sequence, n, 512, device=device)
            h = torch.zeros(1, n, 256, device=device)
            c = torch.zeros(1, n, 256, device=device)
            model.lstm(x, (h, c))
            sync(device)
            t0 = time.perf_counter()
            reps = 5
            for _ in range(reps):
                model.lstm(x, (h, c))
            sync(device)
            dt = (time.perf_counter() - t0) / reps
            print(json.dumps({"impl": "torch", "device": a.device, "torch": torch.__version__, "sequence": a.sequence,
                              "streams": n, "steps_per_s": a.sequence * n / dt, "fps": a.sequence * n / dt}))
            return
        frames_host = torch.randint(0, 256, (n, 4, 84, 84), dtype=torch.uint8)
        if device.type == "cuda":
            frames_host = frames_host.pin_memory()
        h = torch.zeros(1, n, 256, device=device)
        c = torch.zeros(1, n, 256, device=device)
        starts = torch.zeros(n, device=device)
        for _ in range(3):  # warm-up: cuDNN autotuning, allocator
            probs, value, h, c = model.step(frames_host.to(device, non_blocking=True), h, c, starts)
        sync(device)
        t0 = time.perf_counter()
        for _ in range(a.steps):
            probs, value, h, c = model.step(frames_host.to(device, non_blocking=True), h, c, starts)
            probs.cpu(), value.cpu()  # the outputs come back every step, as agent bench's do
        sync(device)
        dt = time.perf_counter() - t0
        print(json.dumps({"impl": "torch", "device": a.device, "torch": torch.__version__, "streams": n,
                          "steps": a.steps, "fps": n * a.steps / dt, "ms_per_step": 1000 * dt / a.steps}))


if __name__ == "__main__":
    main()
