"""Gradient fixtures for Agent.Host/Training: PyTorch autograd on the training network's pieces.

Run with Debian's python (torch 1.13):  /usr/bin/python3 tools/reference/fixtures_grad.py
Writes Agent.Tests/Fixtures/grad/*.safetensors (seeded, deterministic, small).

Each network fixture holds our layout's parameters (float64 reference computed, stored F32), a time-major
sequence of T steps x B streams (row t*B + b), episode starts (state <- state * (1 - start) before the step, as
CleanRL and SB3), the initial state per stream ([layer k: h, then c for an LSTM] for k = 0..L-1), actions, and the
gradients "grad.<name>" of the loss
    L = sum_i w_logp[i] * logp_i + w_ent * sum_i entropy_i + sum_i w_value[i] * value_i
where logp/entropy come from the head (categorical, multi-discrete: summed over entries, or diagonal Gaussian with
a state-independent log_std). Image inputs are uint8 frames scaled by 1/255 (NatureCNN: conv 8/4, 4/2, 3/1, ReLU,
linear, ReLU). adam.safetensors holds three clipped Adam steps (eps 1e-5, max_norm 0.5) as torch takes them.
"""
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Agent.Tests", "Fixtures", "grad")
CELLS = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}


def build(cfg, gen):
    """Parameters in our layout's names, float64, PyTorch-default-like uniform init."""
    params = {}

    def layer(name, fan_in, *shape):
        bound = 1.0 / math.sqrt(fan_in)
        params[name + ".weight"] = (torch.rand(*shape, generator=gen, dtype=torch.float64) * 2 - 1) * bound
        params[name + ".bias"] = (torch.rand(shape[0], generator=gen, dtype=torch.float64) * 2 - 1) * bound

    if cfg["encoder"] == "nature_cnn":
        c = cfg["channels"]
        layer("encoder.conv1", c * 64, 32, c, 8, 8)
        layer("encoder.conv2", 32 * 16, 64, 32, 4, 4)
        layer("encoder.conv3", 64 * 9, 64, 64, 3, 3)
        s = cfg["height"]
        s = ((s - 8) // 4 + 1 - 4) // 2 + 1 - 2
        flat = 64 * s * s
        layer("encoder.linear", flat, cfg["feature_size"], flat)
        features = cfg["feature_size"]
    else:
        inputs = cfg["channels"]
        for i, w in enumerate(cfg["mlp_layers"]):
            layer(f"encoder.fc{i}", inputs, w, inputs)
            inputs = w
        features = inputs
    h = cfg["hidden_size"]
    gates = {"lstm": 4, "gru": 3, "rnn": 1}[cfg["cell"]] * h
    for k in range(cfg["layers"]):
        inp = features if k == 0 else h
        bound = 1.0 / math.sqrt(h)
        for name, shape in (("weight_ih", (gates, inp)), ("weight_hh", (gates, h)), ("bias_ih", (gates,)), ("bias_hh", (gates,))):
            params[f"memory.{name}_l{k}"] = (torch.rand(*shape, generator=gen, dtype=torch.float64) * 2 - 1) * bound
    width = sum(cfg["action"]["sizes"])
    layer("actor", h, width, h)
    if cfg["action"]["kind"] == "box":
        params["actor.log_std"] = torch.rand(width, generator=gen, dtype=torch.float64) * 0.6 - 0.3
    layer("critic", h, 1, h)
    for p in params.values():
        p.requires_grad_(True)
    return params


def forward(cfg, p, obs, starts, state0):
    T, B = starts.shape
    n = T * B
    act = torch.tanh if cfg.get("mlp_activation", "tanh") == "tanh" else torch.relu
    if cfg["encoder"] == "nature_cnn":
        x = obs.to(torch.float64) / 255.0
        x = torch.relu(torch.nn.functional.conv2d(x, p["encoder.conv1.weight"], p["encoder.conv1.bias"], stride=4))
        x = torch.relu(torch.nn.functional.conv2d(x, p["encoder.conv2.weight"], p["encoder.conv2.bias"], stride=2))
        x = torch.relu(torch.nn.functional.conv2d(x, p["encoder.conv3.weight"], p["encoder.conv3.bias"], stride=1))
        x = torch.relu(torch.nn.functional.linear(x.flatten(1), p["encoder.linear.weight"], p["encoder.linear.bias"]))
    else:
        x = obs
        for i in range(len(cfg["mlp_layers"])):
            x = act(torch.nn.functional.linear(x, p[f"encoder.fc{i}.weight"], p[f"encoder.fc{i}.bias"]))
    cell, h_size, layers = cfg["cell"], cfg["hidden_size"], cfg["layers"]
    per = 2 * h_size if cell == "lstm" else h_size
    module = CELLS[cell](x.shape[1], h_size, num_layers=layers).double()
    # Functional call of the module with our parameters (so autograd reaches them).
    weights = {}
    for k in range(layers):
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            weights[f"{name}_l{k}"] = p[f"memory.{name}_l{k}"]
    for name in list(weights):
        delattr(module, name)
        setattr(module, name, weights[name])
    module._flat_weights = [weights[n] for n in module._flat_weights_names]
    h = torch.stack([state0[:, k * per:k * per + h_size] for k in range(layers)])
    c = torch.stack([state0[:, k * per + h_size:(k + 1) * per] for k in range(layers)]) if cell == "lstm" else None
    xs = x.view(T, B, -1)
    outs = []
    for t in range(T):
        keep = (1.0 - starts[t]).view(1, -1, 1)
        h = h * keep
        if cell == "lstm":
            c = c * keep
            y, (h, c) = module(xs[t].unsqueeze(0), (h, c))
        else:
            y, h = module(xs[t].unsqueeze(0), h)
        outs.append(y[0])
    hid = torch.cat(outs)
    logits = torch.nn.functional.linear(hid, p["actor.weight"], p["actor.bias"])
    values = torch.nn.functional.linear(hid, p["critic.weight"], p["critic.bias"])[:, 0]
    return logits, values


def head(cfg, p, logits, actions):
    kind, sizes = cfg["action"]["kind"], cfg["action"]["sizes"]
    if kind == "box":
        dist = torch.distributions.Normal(logits, p["actor.log_std"].exp().expand_as(logits))
        return dist.log_prob(actions).sum(1), dist.entropy().sum(1)
    logp, ent, off = 0, 0, 0
    for s, size in enumerate(sizes):
        dist = torch.distributions.Categorical(logits=logits[:, off:off + size])
        logp = logp + dist.log_prob(actions[:, s].long())
        ent = ent + dist.entropy()
        off += size
    return logp, ent


def network_fixture(name, cfg, T=5, B=2, seed=0):
    gen = torch.Generator().manual_seed(seed)
    p = build(cfg, gen)
    n = T * B
    if cfg["encoder"] == "nature_cnn":
        obs = torch.randint(0, 256, (n, cfg["channels"], cfg["height"], cfg["width"]), generator=gen, dtype=torch.uint8)
    else:
        obs = torch.randn(n, cfg["channels"], generator=gen, dtype=torch.float64)
    starts = torch.zeros(T, B, dtype=torch.float64)
    starts[0, 0] = 1.0          # stream 0 starts fresh; stream 1 continues from its random state
    starts[3, 1] = 1.0          # a reset in the middle stops the gradient there
    per = (2 if cfg["cell"] == "lstm" else 1) * cfg["hidden_size"]
    state0 = (torch.rand(B, per * cfg["layers"], generator=gen, dtype=torch.float64) * 2 - 1) * 0.8
    kind, sizes = cfg["action"]["kind"], cfg["action"]["sizes"]
    if kind == "box":
        actions = torch.randn(n, sizes[0], generator=gen, dtype=torch.float64)
    else:
        actions = torch.stack([torch.randint(0, s, (n,), generator=gen) for s in sizes], 1).to(torch.float64)
    w_logp = torch.randn(n, generator=gen, dtype=torch.float64)
    w_ent = torch.tensor([0.37], dtype=torch.float64)
    w_value = torch.randn(n, generator=gen, dtype=torch.float64)
    logits, values = forward(cfg, p, obs, starts, state0)
    logp, ent = head(cfg, p, logits, actions)
    loss = (w_logp * logp).sum() + w_ent[0] * ent.sum() + (w_value * values).sum()
    loss.backward()
    tensors = {k: v.detach() for k, v in p.items()}
    tensors.update({f"grad.{k}": v.grad for k, v in p.items()})
    tensors.update({"obs": obs, "starts": starts, "state0": state0, "actions": actions,
                    "w_logp": w_logp, "w_ent": w_ent, "w_value": w_value, "logits": logits.detach(),
                    "values": values.detach(), "logp": logp.detach(), "entropy": ent.detach(),
                    "loss": loss.detach().view(1)})
    # Everything F32 (the uint8 frames' values 0..255 are exact), so the C# reader needs no integer dtypes.
    tensors = {k: v.to(torch.float32) for k, v in tensors.items()}
    meta = {"config": json.dumps(cfg), "steps": T, "batch": B, "torch": torch.__version__}
    safetensors_io.save(os.path.join(OUT, name + ".safetensors"), tensors, meta)


def adam_fixture():
    gen = torch.Generator().manual_seed(3)
    a = torch.randn(4, 3, generator=gen).requires_grad_(True)
    b = torch.randn(5, generator=gen).requires_grad_(True)
    opt = torch.optim.Adam([a, b], lr=2.5e-4 * 40, eps=1e-5)
    tensors = {"a0": a.detach().clone(), "b0": b.detach().clone()}
    for step in range(3):
        ga = torch.randn(4, 3, generator=gen) * (step + 1)
        gb = torch.randn(5, generator=gen) * 0.1
        tensors[f"ga{step}"] = ga.clone()
        tensors[f"gb{step}"] = gb.clone()
        opt.zero_grad()
        a.grad, b.grad = ga.clone(), gb.clone()
        norm = torch.nn.utils.clip_grad_norm_([a, b], 0.5)
        tensors[f"norm{step}"] = norm.detach().view(1)
        opt.step()
        tensors[f"a{step + 1}"] = a.detach().clone()
        tensors[f"b{step + 1}"] = b.detach().clone()
    safetensors_io.save(os.path.join(OUT, "adam.safetensors"), tensors,
                        {"lr": "0.01", "eps": "1e-05", "max_norm": "0.5", "torch": torch.__version__})


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_grad_enabled(True)
    network_fixture("cnn_lstm_discrete", {"encoder": "nature_cnn", "channels": 2, "height": 36, "width": 36,
                                          "feature_size": 24, "cell": "lstm", "hidden_size": 12, "layers": 1,
                                          "action": {"kind": "discrete", "sizes": [3]}}, seed=1)
    network_fixture("mlp_gru_multidiscrete", {"encoder": "mlp", "channels": 6, "mlp_layers": [8, 8], "mlp_activation": "tanh",
                                              "cell": "gru", "hidden_size": 7, "layers": 2,
                                              "action": {"kind": "multi_discrete", "sizes": [3, 2]}}, seed=2)
    network_fixture("mlp_rnn_box", {"encoder": "mlp", "channels": 5, "mlp_layers": [8], "mlp_activation": "relu",
                                    "cell": "rnn", "hidden_size": 6, "layers": 1,
                                    "action": {"kind": "box", "sizes": [2]}}, seed=3)
    network_fixture("mlp_lstm_l2_discrete", {"encoder": "mlp", "channels": 4, "mlp_layers": [], "mlp_activation": "tanh",
                                             "cell": "lstm", "hidden_size": 5, "layers": 2,
                                             "action": {"kind": "discrete", "sizes": [4]}}, seed=4)
    adam_fixture()
    for f in sorted(os.listdir(OUT)):
        print(f, os.path.getsize(os.path.join(OUT, f)))


if __name__ == "__main__":
    main()
