"""Golden fixtures for Agent.Memory: nn.LSTM / nn.GRU / nn.RNN (tanh) with PyTorch's own weights and semantics.

Run with Debian's python (torch 1.13):  /usr/bin/python3 tools/reference/fixtures_memory.py
Writes Agent.Tests/Fixtures/memory/*.safetensors (seeded, deterministic).

Layouts (PyTorch's): parameters under their nn.LSTM/GRU/RNN state_dict names (weight_ih_l{k}, ...);
x is (T, B, I); episode_starts is (T, B); h0/c0/h_n/c_n are (L, B, H); output is (T, B, H).
Resets follow SB3's RecurrentPPO: before each step, state <- state * (1 - episode_start).
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Agent.Tests", "Fixtures", "memory")

MODULES = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}


def make(kind, input_size, hidden, layers):
    module = MODULES[kind](input_size, hidden, num_layers=layers)
    return module.eval()


def step(module, kind, x_t, h, c):
    """One frame through the module: x_t is (B, I); h, c are (L, B, H)."""
    if kind == "lstm":
        y, (h, c) = module(x_t.unsqueeze(0), (h, c))
    else:
        y, h = module(x_t.unsqueeze(0), h)
    return y[0], h, c


def run_sb3(module, kind, x, starts, h, c):
    """SB3-style sequence: mask the state with (1 - start) before every step; returns output (T, B, H), h_n, c_n."""
    outputs = []
    for t in range(x.shape[0]):
        keep = (1.0 - starts[t]).view(1, -1, 1)
        h = h * keep
        c = c * keep
        y, h, c = step(module, kind, x[t], h, c)
        outputs.append(y)
    return torch.stack(outputs), h, c


def sequence_fixture(name, kind, layers, input_size=7, hidden=5, batch=3, steps=6):
    module = make(kind, input_size, hidden, layers)
    x = torch.randn(steps, batch, input_size)
    h0 = torch.randn(layers, batch, hidden) * 0.5
    c0 = torch.randn(layers, batch, hidden) * 0.5 if kind == "lstm" else torch.zeros(layers, batch, hidden)
    starts = torch.zeros(steps, batch)
    # Stream 0 restarts at t=2, stream 1 at t=0 and t=4, stream 2 never: covers first-step and mid-sequence resets.
    starts[2, 0] = 1.0
    starts[0, 1] = 1.0
    starts[4, 1] = 1.0
    with torch.inference_mode():
        out, h_n, c_n = run_sb3(module, kind, x, starts, h0, c0)
        # Without resets, stepping must equal PyTorch's own full-sequence call (checks the twin itself).
        plain, _, _ = run_sb3(module, kind, x, torch.zeros(steps, batch), h0, c0)
        full = module(x, (h0, c0))[0] if kind == "lstm" else module(x, h0)[0]
        assert torch.allclose(plain, full, atol=1e-6), f"{name}: stepping differs from the full-sequence call"
    tensors = {k: v for k, v in module.state_dict().items()}
    tensors.update({"x": x, "episode_starts": starts, "h0": h0, "output": out, "h_n": h_n})
    if kind == "lstm":
        tensors.update({"c0": c0, "c_n": c_n})
    meta = {"kind": kind, "input_size": input_size, "hidden_size": hidden, "layers": layers,
            "steps": steps, "batch": batch, "torch": torch.__version__}
    safetensors_io.save(os.path.join(OUT, name + ".safetensors"), tensors, meta)


def store_fixture(name="store_lstm_l2", input_size=4, hidden=3, layers=2, streams=5, ticks=8):
    """Streams come and go: at each tick a subset (in a shuffled order) is stepped together in one batch.

    Expected outputs come from stepping every stream on its own (batch 1) with its own state, so a correct
    gather/step/scatter through the store must reproduce them. A stream flagged in `remove` is dropped after
    that tick; if it appears again it starts from a zero state.
    """
    module = make("lstm", input_size, hidden, layers)
    gen = torch.Generator().manual_seed(7)
    active = (torch.rand(ticks, streams, generator=gen) < 0.7).float()
    active[0, :] = 1.0
    order = torch.stack([torch.randperm(streams, generator=gen) for _ in range(ticks)]).float()
    starts = ((torch.rand(ticks, streams, generator=gen) < 0.2).float()) * active
    remove = torch.zeros(ticks, streams)
    remove[3, 1] = 1.0
    remove[5, 4] = 1.0
    active[3, 1] = 1.0
    active[5, 4] = 1.0
    active[6, 1] = 1.0
    x = torch.randn(ticks, streams, input_size, generator=gen)
    expected = torch.zeros(ticks, streams, hidden)
    states = {}
    with torch.inference_mode():
        for t in range(ticks):
            for s in range(streams):
                if active[t, s] == 0:
                    continue
                h, c = states.get(s, (torch.zeros(layers, 1, hidden), torch.zeros(layers, 1, hidden)))
                keep = 1.0 - starts[t, s]
                y, h, c = step(module, "lstm", x[t, s].unsqueeze(0), h * keep, c * keep)
                expected[t, s] = y[0]
                states[s] = (h, c)
                if remove[t, s] == 1:
                    del states[s]
    tensors = {k: v for k, v in module.state_dict().items()}
    tensors.update({"active": active, "order": order, "episode_starts": starts, "remove": remove,
                    "x": x, "output": expected})
    meta = {"kind": "lstm", "input_size": input_size, "hidden_size": hidden, "layers": layers,
            "ticks": ticks, "streams": streams, "torch": torch.__version__}
    safetensors_io.save(os.path.join(OUT, name + ".safetensors"), tensors, meta)


def generate_fixture(name="lstm_generate", input_size=4, hidden=6, layers=1, batch=2, steps=5):
    """One-to-many: x_{t+1} = readout(h_t) with readout a Linear(H -> I) followed by tanh."""
    module = make("lstm", input_size, hidden, layers)
    readout = torch.nn.Linear(hidden, input_size)
    x0 = torch.randn(batch, input_size)
    h = torch.zeros(layers, batch, hidden)
    c = torch.zeros(layers, batch, hidden)
    outputs = []
    with torch.inference_mode():
        x_t = x0
        for _ in range(steps):
            y, h, c = step(module, "lstm", x_t, h, c)
            outputs.append(y)
            x_t = torch.tanh(readout(y))
    tensors = {k: v for k, v in module.state_dict().items()}
    tensors.update({"readout.weight": readout.weight, "readout.bias": readout.bias, "x0": x0,
                    "output": torch.stack(outputs), "h_n": h, "c_n": c})
    meta = {"kind": "lstm", "input_size": input_size, "hidden_size": hidden, "layers": layers,
            "steps": steps, "batch": batch, "torch": torch.__version__}
    safetensors_io.save(os.path.join(OUT, name + ".safetensors"), tensors, meta)


GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def splitmix_uniform(seed, count, bound):
    """Counter-based splitmix64 → float32 in [-bound, bound): value = ((z >> 40) - 2^23) / 2^23 · bound.

    Every operation is exact in float32 (24-bit integers, power-of-two divisor, bound a power of two),
    so the C# test regenerates bit-identical weights without storing megabytes of them.
    """
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + (np.arange(count, dtype=np.uint64) + np.uint64(1)) * GOLDEN
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(40)).astype(np.int64) - (1 << 23)
    return (u.astype(np.float32) / np.float32(1 << 23)) * np.float32(bound)


def bench_step_fixture(name="lstm_512x256_step", input_size=512, hidden=256, batch=2):
    """The bench model's shape, one step. Weights are regenerated from splitmix64 seeds (see metadata)."""
    bound = 1.0 / 16.0  # PyTorch's 1/sqrt(hidden) for hidden 256, exactly representable
    module = make("lstm", input_size, hidden, 1)
    seeds = {"weight_ih_l0": 1, "weight_hh_l0": 2, "bias_ih_l0": 3, "bias_hh_l0": 4}
    params = dict(module.named_parameters())
    with torch.no_grad():
        for pname, seed in seeds.items():
            p = params[pname]
            p.copy_(torch.from_numpy(splitmix_uniform(seed, p.numel(), bound).reshape(tuple(p.shape))))
    x = torch.randn(batch, input_size)
    h0 = torch.randn(1, batch, hidden) * 0.5
    c0 = torch.randn(1, batch, hidden) * 0.5
    with torch.inference_mode():
        y, h_n, c_n = step(module, "lstm", x, h0, c0)
    tensors = {"x": x, "h0": h0, "c0": c0, "output": y, "h_n": h_n, "c_n": c_n}
    # A few generated values per tensor so a generator mismatch is reported as such, not as a wrong output.
    for pname in seeds:
        tensors[pname + ".head"] = params[pname].detach().reshape(-1)[:8]
    meta = {"kind": "lstm", "input_size": input_size, "hidden_size": hidden, "layers": 1, "batch": batch,
            "weights": "splitmix64", "bound": "0.0625", "torch": torch.__version__}
    meta.update({"seed." + k: v for k, v in seeds.items()})
    safetensors_io.save(os.path.join(OUT, name + ".safetensors"), tensors, meta)


def main():
    torch.manual_seed(20240603)
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    for kind in ("lstm", "gru", "rnn"):
        for layers in (1, 2):
            sequence_fixture(f"{kind}_l{layers}", kind, layers)
    store_fixture()
    generate_fixture()
    bench_step_fixture()
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} fixtures to {OUT}: {total} bytes")


if __name__ == "__main__":
    main()
