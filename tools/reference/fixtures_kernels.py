"""Golden fixtures for Agent.Core kernels and Agent.Vision encoders, from PyTorch (the reference twin).

Run from the repository root with Debian's python (torch 1.13):
    /usr/bin/python3 tools/reference/fixtures_kernels.py
Writes Agent.Tests/Fixtures/kernels/*.safetensors (float32; frames as U8).

Small layers (conv2d, linear) store their random weights. The encoders' weights are too large to
commit (NatureCNN's linear alone is 6.4 MB), so they come from a counter-based generator that the
C# tests reproduce bit for bit (FixtureWeights.cs): only the frames and the expected features are
stored, plus a few weights and per-tensor sums so a generator mismatch fails on its own.
"""
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import safetensors_io

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Agent.Tests", "Fixtures", "kernels")

torch.manual_seed(1234)
np.random.seed(1234)
torch.set_num_threads(1)


# ---------------------------------------------------------------- counter-based weights
def fnv1a(name):
    h = 0x811C9DC5
    for b in name.encode("utf-8"):
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def mix(seed, index):
    """lowbias32 over (seed, index) in uint32 arithmetic; index is a numpy uint64 array."""
    m = 0xFFFFFFFF
    x = (index * 0x9E3779B1 + ((seed * 0x85EBCA77) & m)) & m
    x ^= x >> 16
    x = (x * 0x7FEB352D) & m
    x ^= x >> 15
    x = (x * 0x846CA68B) & m
    x ^= x >> 16
    return x


def fixture_tensor(name, shape, fan_in):
    """Uniform in (-1/sqrt(fan_in), 1/sqrt(fan_in)) as PyTorch's default init, computed exactly as the C# twin."""
    count = int(np.prod(shape))
    x = mix(fnv1a(name), np.arange(count, dtype=np.uint64))
    u = (x >> 8).astype(np.float64) / 16777216.0 * 2.0 - 1.0
    bound = 1.0 / math.sqrt(fan_in)
    return torch.from_numpy((u * bound).astype(np.float32).reshape(shape))


def fill(module, name_map):
    """Sets every parameter from fixture_tensor under its C# name (name_map(torch name)); fan-in from its layer's weight."""
    params = dict(module.named_parameters())
    names = {}
    for tname, p in params.items():
        name = name_map(tname)
        fan_in = int(np.prod(params[tname.rsplit(".", 1)[0] + ".weight"].shape[1:]))
        with torch.no_grad():
            p.copy_(fixture_tensor(name, tuple(p.shape), fan_in))
        names[name] = p.detach().clone()
    return names


def checks(weights):
    """Each tensor's shape, first values and float64 sum: the C# twin regenerates it and checks it by name."""
    out = {}
    for name, t in weights.items():
        flat = t.reshape(-1)
        out["shape." + name] = torch.tensor(list(t.shape), dtype=torch.float32)
        out["check." + name + ".head"] = flat[:4].clone()
        out["check." + name + ".sum"] = torch.tensor([float(flat.double().sum())], dtype=torch.float32)
    return out


def frames(batch, c, h, w):
    return torch.randint(0, 256, (batch, c, h, w), dtype=torch.uint8)


# ---------------------------------------------------------------- models (CleanRL naming)
class NatureCNN(nn.Module):
    def __init__(self, c, h, w, out):
        super().__init__()
        self.conv1 = nn.Conv2d(c, 32, 8, stride=4)
        self.conv2 = nn.Conv2d(32, 64, 4, stride=2)
        self.conv3 = nn.Conv2d(64, 64, 3, stride=1)
        with torch.no_grad():
            n = self.convs(torch.zeros(1, c, h, w)).numel()
        self.linear = nn.Linear(n, out)

    def convs(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        return F.relu(self.conv3(x))

    def forward(self, x):
        return F.relu(self.linear(torch.flatten(self.convs(x), 1)))


class ResidualBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv0 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return x + self.conv1(F.relu(self.conv0(F.relu(x))))


class ConvSequence(nn.Module):
    def __init__(self, c, out):
        super().__init__()
        self.conv = nn.Conv2d(c, out, 3, padding=1)
        self.res_block0 = ResidualBlock(out)
        self.res_block1 = ResidualBlock(out)

    def forward(self, x):
        x = F.max_pool2d(self.conv(x), kernel_size=3, stride=2, padding=1)
        return self.res_block1(self.res_block0(x))


class ImpalaCNN(nn.Module):
    def __init__(self, c, h, w, out, depths=(16, 32, 32)):
        super().__init__()
        seqs = []
        for d in depths:
            seqs.append(ConvSequence(c, d))
            c, h, w = d, (h + 1) // 2, (w + 1) // 2
        self.seqs = nn.ModuleList(seqs)
        self.linear = nn.Linear(c * h * w, out)

    def forward(self, x):
        for s in self.seqs:
            x = s(x)
        return F.relu(self.linear(F.relu(torch.flatten(x, 1))))


def impala_name(tname):
    # seqs.0.conv.weight -> 0.conv.weight
    return tname[len("seqs."):] if tname.startswith("seqs.") else tname


# ---------------------------------------------------------------- fixtures
def conv_cases():
    cases = [
        # name, batch, in, out, kh, kw, stride, padding, h, w
        ("k3s1p1", 2, 3, 5, 3, 3, 1, 1, 7, 9),
        ("k5x3s2p2", 1, 4, 6, 5, 3, 2, 2, 11, 10),
        ("k1s1p0", 2, 2, 3, 1, 1, 1, 0, 5, 5),
        ("k8s4p0", 1, 4, 8, 8, 8, 4, 0, 21, 23),
        ("k4s3p1", 1, 5, 7, 4, 4, 3, 1, 13, 12),
        ("k3s1p1c16", 2, 16, 16, 3, 3, 1, 1, 9, 7),
        ("k4s2p0c33", 1, 33, 19, 4, 4, 2, 0, 10, 9),
    ]
    tensors = {}
    for name, b, cin, cout, kh, kw, s, p, h, w in cases:
        conv = nn.Conv2d(cin, cout, (kh, kw), stride=s, padding=p)
        x = torch.randn(b, cin, h, w)
        y = conv(x)
        tensors[f"{name}.x"] = x
        tensors[f"{name}.weight"] = conv.weight
        tensors[f"{name}.bias"] = conv.bias
        tensors[f"{name}.y"] = y
        tensors[f"{name}.geometry"] = torch.tensor([b, cin, cout, kh, kw, s, p, h, w], dtype=torch.float32)
    safetensors_io.save(os.path.join(OUT, "conv2d.safetensors"), tensors, {"cases": ",".join(c[0] for c in cases)})


def linear_cases():
    cases = [("b3_37to19", 3, 37, 19), ("b1_64to8", 1, 64, 8), ("b5_200to33", 5, 200, 33)]
    tensors = {}
    for name, b, i, o in cases:
        lin = nn.Linear(i, o)
        x = torch.randn(b, i)
        tensors[f"{name}.x"] = x
        tensors[f"{name}.weight"] = lin.weight
        tensors[f"{name}.bias"] = lin.bias
        tensors[f"{name}.y"] = lin(x)
        tensors[f"{name}.geometry"] = torch.tensor([b, i, o], dtype=torch.float32)
    safetensors_io.save(os.path.join(OUT, "linear.safetensors"), tensors, {"cases": ",".join(c[0] for c in cases)})


def maxpool_cases():
    cases = [
        # name, batch, channels, kernel, stride, padding, h, w
        ("k3s2p1", 2, 3, 3, 2, 1, 9, 8),
        ("k2s2p0", 1, 2, 2, 2, 0, 7, 7),
        ("k3s1p1", 1, 2, 3, 1, 1, 5, 6),
        ("k3s2p1even", 1, 4, 3, 2, 1, 64, 64),
    ]
    tensors = {}
    for name, b, c, k, s, p, h, w in cases:
        # Mostly negative inputs: a zero padding would win the max where -inf padding must not.
        x = torch.randn(b, c, h, w) - 2.0
        tensors[f"{name}.x"] = x
        tensors[f"{name}.y"] = F.max_pool2d(x, kernel_size=k, stride=s, padding=p)
        tensors[f"{name}.geometry"] = torch.tensor([b, c, k, s, p, h, w], dtype=torch.float32)
    safetensors_io.save(os.path.join(OUT, "maxpool2d.safetensors"), tensors, {"cases": ",".join(c[0] for c in cases)})


def encoder_case(file, model, name_map, batch, c, h, w, meta):
    weights = fill(model, name_map)
    x = frames(batch, c, h, w)
    with torch.no_grad():
        y = model(x.float() / 255.0)
    tensors = {"frames": x, "features": y}
    tensors.update(checks(weights))
    meta = dict(meta, batch=batch, channels=c, height=h, width=w, names=",".join(weights.keys()))
    safetensors_io.save(os.path.join(OUT, file), tensors, meta)


def main():
    os.makedirs(OUT, exist_ok=True)
    conv_cases()
    linear_cases()
    maxpool_cases()
    encoder_case("nature_cnn_4x84x84.safetensors", NatureCNN(4, 84, 84, 512), lambda n: n, 2, 4, 84, 84, {"model": "NatureCNN"})
    encoder_case("nature_cnn_1x44x52.safetensors", NatureCNN(1, 44, 52, 64), lambda n: n, 1, 1, 44, 52, {"model": "NatureCNN"})
    encoder_case("impala_cnn_3x64x64.safetensors", ImpalaCNN(3, 64, 64, 256), impala_name, 2, 3, 64, 64, {"model": "IMPALA"})
    encoder_case("impala_cnn_2x13x11.safetensors", ImpalaCNN(2, 13, 11, 40), impala_name, 1, 2, 13, 11, {"model": "IMPALA"})
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {OUT} ({total} bytes)")


if __name__ == "__main__":
    main()
