"""Golden fixtures for Agent.Host models: random weights in each layout, inputs, and the twin's outputs.

Run from the repository root with Debian's python (torch 1.13):
    /usr/bin/python3 tools/reference/fixtures_models.py
Writes Agent.Tests/Fixtures/models/NAME.safetensors (the model, exactly as a user's converted checkpoint) and
NAME_io.safetensors (inputs and expected outputs). Sizes are reduced where the layout allows (feature width,
hidden size, input size all come from shapes) to keep the folder under 1 MB; the CleanRL model keeps the full
84x84 input so the default preprocessing is inferred from linear's 3136-wide input. Weights are stored as BF16
(CleanRL), F16 (SB3) and F32 (ours), and the twin computes with the rounded weights.

io tensors: frames (T, B, C, H, W) as F16 (integers 0..255 are exact) or obs (T, B, N) as F32; episode_starts
(T, B); h0/c0 [critic_h0/critic_c0] (layers, B, hidden) initial states; expected logits (T, B, width),
probs (T, B, width) (softmax per sub-space), values (T, B), mean/std for Gaussian heads, and the final states
hT/cT [critic_hT/critic_cT].
"""
import json
import os

import torch

import safetensors_io
import twin

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Agent.Tests", "Fixtures", "models")

torch.manual_seed(20240611)
torch.set_num_threads(1)


def randomize(module, dtype):
    """Default PyTorch init, then non-zero biases everywhere (CleanRL zeroes LSTM biases), rounded to dtype."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "bias" in name:
                p.uniform_(-0.2, 0.2)
    twin.round_parameters(module, dtype)


def episode_starts(t, b):
    s = torch.zeros(t, b)
    s[0, 0] = 1.0
    s[t // 2, b - 1] = 1.0
    return s


def blocks_softmax(logits, sizes):
    return torch.cat([torch.softmax(part, dim=-1) for part in torch.split(logits, sizes, dim=-1)], dim=-1)


def save_model(name, module, dtype, metadata=None):
    tensors = {k: (dtype, v) for k, v in twin.unique_state_dict(module).items()}
    safetensors_io.save(os.path.join(OUT, name + ".safetensors"), tensors, metadata)


def save_io(name, io, meta):
    tensors = {k: (("F16" if k == "frames" else "F32"), v) for k, v in io.items()}
    safetensors_io.save(os.path.join(OUT, name + "_io.safetensors"), tensors, {"fixture": json.dumps(meta)})


def cleanrl():
    t, b, actions, hidden = 3, 2, 6, 32
    agent = twin.CleanRlAgent(actions, channels=1, flat=3136, features=16, hidden=hidden)
    randomize(agent, "BF16")
    frames = torch.randint(0, 256, (t, b, 1, 84, 84)).float()
    starts = episode_starts(t, b)
    h0, c0 = torch.randn(1, b, hidden) * 0.5, torch.randn(1, b, hidden) * 0.5
    with torch.no_grad():
        logits, values, (ht, ct) = agent.forward_sequence(frames, starts, (h0, c0))
    save_model("cleanrl", agent, "BF16")
    save_io("cleanrl", dict(frames=frames, episode_starts=starts, h0=h0, c0=c0, logits=logits,
                            probs=torch.softmax(logits, -1), values=values, hT=ht, cT=ct),
            {"layout": "cleanrl", "steps": t, "batch": b})


def sb3():
    t, b, actions, hidden = 4, 3, 5, 32
    policy = twin.RecurrentCnnLstmPolicy(actions, channels=4, n_flatten=64, features_dim=64, lstm_hidden_size=hidden)
    randomize(policy, "F16")
    frames = torch.randint(0, 256, (t, b, 4, 36, 36)).float()
    starts = episode_starts(t, b)
    pi = (torch.randn(1, b, hidden) * 0.5, torch.randn(1, b, hidden) * 0.5)
    vf = (torch.randn(1, b, hidden) * 0.5, torch.randn(1, b, hidden) * 0.5)
    io = dict(frames=frames, episode_starts=starts, h0=pi[0], c0=pi[1], critic_h0=vf[0], critic_c0=vf[1])
    logits, values = [], []
    with torch.no_grad():
        for step in range(t):
            lg, v, pi, vf = policy(frames[step], pi, vf, starts[step])
            logits.append(lg)
            values.append(v)
    logits = torch.stack(logits)
    io.update(logits=logits, probs=torch.softmax(logits, -1), values=torch.stack(values),
              hT=pi[0], cT=pi[1], critic_hT=vf[0], critic_cT=vf[1])
    save_model("sb3", policy, "F16")
    save_io("sb3", io, {"layout": "sb3", "steps": t, "batch": b})


def ours(name, config, t, b):
    policy = twin.OursPolicy(config)
    randomize(policy, "F32")
    mem, act = config["memory"], config["action"]
    obs = torch.randn(t, b, config["encoder"]["inputs"])
    starts = episode_starts(t, b)
    cell = mem["cell"]
    shape = (mem["layers"], b, mem["hidden"])
    state = tuple(torch.randn(*shape) * 0.5 for _ in range(2 if cell == "lstm" else 1))
    critic = tuple(torch.randn(*shape) * 0.5 for _ in range(2 if cell == "lstm" else 1)) if mem["critic_memory"] else ()
    io = dict(obs=obs, episode_starts=starts, h0=state[0])
    if cell == "lstm":
        io["c0"] = state[1]
    if critic:
        io["critic_h0"] = critic[0]
        if cell == "lstm":
            io["critic_c0"] = critic[1]
    logits, values = [], []
    with torch.no_grad():
        for step in range(t):
            lg, v, state, critic = policy.step(obs[step], starts[step], state, critic)
            logits.append(lg)
            values.append(v)
    logits = torch.stack(logits)
    io.update(logits=logits, values=torch.stack(values), hT=state[0])
    if cell == "lstm":
        io["cT"] = state[1]
    if critic:
        io["critic_hT"] = critic[0]
        if cell == "lstm":
            io["critic_cT"] = critic[1]
    if act["kind"] == "box":
        io["std"] = torch.exp(policy.actor.log_std.detach())
    else:
        io["probs"] = blocks_softmax(logits, act["sizes"])
    save_model(name, policy, "F32", {"agent.config": json.dumps(config)})
    save_io(name, io, {"layout": "ours", "steps": t, "batch": b})


def main():
    os.makedirs(OUT, exist_ok=True)
    cleanrl()
    sb3()
    ours("ours_mlp_gru_gaussian", {
        "format": 1,
        "encoder": {"kind": "mlp", "inputs": 8, "layers": [32, 32], "activation": "tanh"},
        "memory": {"cell": "gru", "hidden": 16, "layers": 2, "critic_memory": False},
        "action": {"kind": "box", "sizes": [3]},
    }, t=4, b=3)
    ours("ours_mlp_lstm_multidiscrete", {
        "format": 1,
        "encoder": {"kind": "mlp", "inputs": 6, "layers": [16], "activation": "relu"},
        "memory": {"cell": "lstm", "hidden": 16, "layers": 1, "critic_memory": True},
        "action": {"kind": "multi_discrete", "sizes": [3, 2, 4]},
    }, t=4, b=2)
    ours("ours_mlp_rnn_discrete", {
        "format": 1,
        "encoder": {"kind": "mlp", "inputs": 5, "layers": [8, 8], "activation": "tanh"},
        "memory": {"cell": "rnn", "hidden": 12, "layers": 1, "critic_memory": True},
        "action": {"kind": "discrete", "sizes": [4]},
    }, t=3, b=2)
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, to {OUT}")


if __name__ == "__main__":
    main()
