"""Converts a PyTorch state_dict file (.pt / .pth, or an SB3 .zip) to safetensors that `agent` loads.

    /usr/bin/python3 tools/reference/convert_state_dict.py MODEL.pt OUT.safetensors [--dtype F32|F16|BF16]

torch.load unpickles the file, which can run code: convert only your own, trusted checkpoints. (Where the
installed torch supports it, weights_only=True is used, which refuses arbitrary objects.) The output is plain
data and never runs anything.

Accepted inputs:
- a state_dict (name -> tensor), e.g. torch.save(agent.state_dict(), "agent.pt") in CleanRL ppo_atari_lstm;
- a dict holding one under "state_dict" or "model_state_dict";
- a whole nn.Module (its state_dict() is taken);
- an SB3 / SB3-contrib model .zip (RecurrentPPO.save): its policy.pth is read.
Tensor names are kept as they are; `agent inspect OUT.safetensors` then recognises the layout (CleanRL,
SB3 RecurrentPPO) from them. Aliases that share storage (SB3's pi_/vf_features_extractor copies of
features_extractor) are written once; non-floating tensors (optimizer step counters) are dropped.
"""
import argparse
import io
import os
import sys
import zipfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402  (F32 / F16 / BF16)


def load(path):
    source = path
    # torch.save itself writes a zip (with data.pkl); an SB3 model zip holds policy.pth instead.
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            if "policy.pth" in z.namelist():
                source = io.BytesIO(z.read("policy.pth"))
    try:
        obj = torch.load(source, map_location="cpu", weights_only=True)
    except TypeError:  # torch without weights_only
        obj = torch.load(source, map_location="cpu")
    if isinstance(obj, torch.nn.Module):
        obj = obj.state_dict()
    if isinstance(obj, dict):
        for key in ("state_dict", "model_state_dict"):
            if key in obj and isinstance(obj[key], dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not any(torch.is_tensor(v) for v in obj.values()):
        raise SystemExit(f"error: {path}: holds no state_dict (a mapping of names to tensors)")
    return obj


def convert(state, dtype):
    tensors, seen, skipped = {}, {}, []
    for name, t in state.items():
        if not torch.is_tensor(t) or not t.is_floating_point():
            skipped.append(name)
            continue
        key = (t.data_ptr(), tuple(t.shape), t.dtype)
        if t.numel() > 0 and key in seen:
            continue
        seen[key] = name
        tensors[name] = (dtype, t.detach().to(torch.float32).contiguous())
    return tensors, skipped


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", help=".pt / .pth state_dict, or an SB3 .zip")
    parser.add_argument("out", help="output .safetensors")
    parser.add_argument("--dtype", choices=["F32", "F16", "BF16"], default="F32", help="storage dtype (default F32)")
    args = parser.parse_args()
    tensors, skipped = convert(load(args.model), args.dtype)
    safetensors_io.save(args.out, tensors, {"format": "pt", "converted_from": os.path.basename(args.model)})
    for name in skipped:
        print(f"skipped non-float entry {name}", file=sys.stderr)
    print(f"wrote {len(tensors)} tensors to {args.out}; check it with: agent inspect {args.out}")


if __name__ == "__main__":
    main()
