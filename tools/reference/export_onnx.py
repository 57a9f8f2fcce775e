"""Exports a model in our layout (a safetensors file `PolicyModel.Save` wrote) to ONNX for the ONNX Runtime peer.

    /usr/bin/python3 tools/reference/export_onnx.py MODEL.safetensors OUT.onnx

The graph is one frame-by-frame step of the policy, with the recurrent state as inputs and outputs:
    frames (B, C, H, W) uint8, h (layers, B, hidden), c (layers, B, hidden)
    -> probs (B, actions) = softmax(actor logits), value (B, 1), h_out, c_out
The frames are scaled by the config's preprocess scale (1/255 by default) inside the graph, as `agent` does.
Opset 14, the batch axis dynamic. Only Discrete actors with an LSTM actor core and no critic core are
exported: the bench's model family (tools/bench/ab_ort.sh).
"""
import json
import sys

import numpy as np
import torch
import torch.nn as nn

import safetensors_io
from twin import OursPolicy


class Step(nn.Module):
    def __init__(self, policy, scale):
        super().__init__()
        self.policy = policy
        self.scale = scale

    def forward(self, frames, h, c):
        x = frames.float() * self.scale
        features = self.policy.encoder(x)
        out, (h_out, c_out) = self.policy.memory(features.unsqueeze(0), (h, c))
        latent = out[0]
        probs = torch.softmax(self.policy.actor(latent), dim=-1)
        return probs, self.policy.critic(latent), h_out, c_out


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: export_onnx.py MODEL.safetensors OUT.onnx")
    tensors, meta = safetensors_io.load(sys.argv[1])
    config = json.loads(meta["agent.config"])
    mem, act = config["memory"], config["action"]
    if mem["cell"] != "lstm" or mem["critic_memory"] or act["kind"] != "discrete" or config["encoder"]["kind"] != "nature_cnn":
        sys.exit(f"export_onnx.py: {sys.argv[1]}: only NatureCNN + LSTM (no critic core) + Discrete models are exported")
    policy = OursPolicy(config).eval()
    policy.load_state_dict({k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in tensors.items()}, strict=True)
    scale = float(config.get("preprocess", {}).get("scale", 1.0 / 255.0))
    enc = config["encoder"]
    batch = 2
    frames = torch.randint(0, 256, (batch, enc["channels"], enc["height"], enc["width"]), dtype=torch.uint8)
    h = torch.zeros(mem["layers"], batch, mem["hidden"])
    c = torch.zeros(mem["layers"], batch, mem["hidden"])
    step = Step(policy, scale).eval()
    with torch.no_grad():
        torch.onnx.export(
            step, (frames, h, c), sys.argv[2], opset_version=14,
            input_names=["frames", "h", "c"], output_names=["probs", "value", "h_out", "c_out"],
            dynamic_axes={"frames": {0: "batch"}, "h": {1: "batch"}, "c": {1: "batch"},
                          "probs": {0: "batch"}, "value": {0: "batch"}, "h_out": {1: "batch"}, "c_out": {1: "batch"}})
    print(f"wrote {sys.argv[2]}: {config['encoder']['kind']} {enc['channels']}x{enc['height']}x{enc['width']}, "
          f"lstm {mem['hidden']} x {mem['layers']}, {sum(act['sizes'])} actions")


if __name__ == "__main__":
    main()
