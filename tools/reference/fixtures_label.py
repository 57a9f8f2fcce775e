"""Golden fixtures for `agent label` on default flags against PyTorch + cv2 (Agent.Tests/Host/Label/PyTorchParityTests).

Run from the repository root with Debian's python (torch 1.13, python3-opencv, the ffmpeg CLI):
    /usr/bin/python3 tools/reference/fixtures_label.py
Writes Agent.Tests/Fixtures/label/{cleanrl,sb3}.safetensors (fresh random models as a user's converted checkpoint,
F32) and {cleanrl,sb3}_expected.safetensors (probs (T, A) and values (T) for every frame). The video is not stored:
its BGR frames follow frame() below, which the test computes too, and FFV1 (bgr0) keeps them exactly, so the test
encodes a new file with the ffmpeg CLI and labels it. The reference is what PyTorch users run: cv2.VideoCapture,
cv2.cvtColor(BGR2GRAY), cv2.resize(84x84, INTER_AREA), the frame stack (the first frame fills it), x/255, the model
stepped frame by frame from zero LSTM states with an episode start on frame 0.
"""
import json
import os
import subprocess
import tempfile

import cv2
import numpy as np
import torch

import safetensors_io
import twin

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Agent.Tests", "Fixtures", "label")
WIDTH, HEIGHT, FRAMES, FPS = 131, 91, 20, 10

torch.manual_seed(20261202)
torch.set_num_threads(1)


def frame(i):
    """BGR frame i, (HEIGHT, WIDTH, 3) uint8: smooth ramps plus a hashed texture, moving with i."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.int64)
    b = (x * 3 + y * 5 + i * 7 + ((x * x + y * 3 + i * 11) % 23) * 5) & 255
    g = (x * 2 + y * 7 + i * 3 + ((y * y + x * 5 + i * 2) % 19) * 7) & 255
    r = (x * 5 + y * 2 + i * 5 + ((x * y + i * 17) % 31) * 3) & 255
    return np.stack([b, g, r], axis=-1).astype(np.uint8)


def video(path):
    raw = np.concatenate([frame(i)[None] for i in range(FRAMES)]).tobytes()
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{WIDTH}x{HEIGHT}",
                    "-r", str(FPS), "-i", "-", "-c:v", "ffv1", "-pix_fmt", "bgr0", path], input=raw, check=True)


def observations(path, stack):
    """cv2 decode + gray + INTER_AREA, stacked oldest first with the first frame filling the stack: (T, stack, 84, 84)."""
    capture = cv2.VideoCapture(path)
    frames = []
    while True:
        ok, bgr = capture.read()
        if not ok:
            break
        frames.append(cv2.resize(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), (84, 84), interpolation=cv2.INTER_AREA))
    assert len(frames) == FRAMES, len(frames)
    obs = []
    for t in range(len(frames)):
        obs.append(np.stack([frames[max(0, t - stack + 1 + k)] for k in range(stack)]))
    return torch.tensor(np.stack(obs)).float()


def randomize(module):
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "bias" in name:
                p.uniform_(-0.2, 0.2)


def save(name, module, probs, values):
    os.makedirs(OUT, exist_ok=True)
    tensors = {k: ("F32", v) for k, v in twin.unique_state_dict(module).items()}
    safetensors_io.save(os.path.join(OUT, name + ".safetensors"), tensors, None)
    safetensors_io.save(os.path.join(OUT, name + "_expected.safetensors"),
                        {"probs": ("F32", probs), "values": ("F32", values)},
                        {"fixture": json.dumps({"width": WIDTH, "height": HEIGHT, "frames": FRAMES, "fps": FPS})})


def cleanrl(path):
    hidden = 32
    agent = twin.CleanRlAgent(6, channels=1, flat=3136, features=16, hidden=hidden)
    randomize(agent)
    obs = observations(path, 1)
    starts = torch.zeros(FRAMES, 1)
    starts[0, 0] = 1.0
    state = (torch.zeros(1, 1, hidden), torch.zeros(1, 1, hidden))
    with torch.no_grad():
        logits, values, _ = agent.forward_sequence(obs[:, None], starts, state)
    save("cleanrl", agent, torch.softmax(logits[:, 0], -1), values[:, 0])


def sb3(path):
    hidden = 32
    policy = twin.RecurrentCnnLstmPolicy(5, channels=4, n_flatten=3136, features_dim=16, lstm_hidden_size=hidden)
    randomize(policy)
    obs = observations(path, 4)
    pi = (torch.zeros(1, 1, hidden), torch.zeros(1, 1, hidden))
    vf = (torch.zeros(1, 1, hidden), torch.zeros(1, 1, hidden))
    probs, values = [], []
    with torch.no_grad():
        for t in range(FRAMES):
            logits, value, pi, vf = policy(obs[t][None], pi, vf, torch.tensor([1.0 if t == 0 else 0.0]))
            probs.append(torch.softmax(logits[0], -1))
            values.append(value[0])
    save("sb3", policy, torch.stack(probs), torch.stack(values))


def main():
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "clip.mkv")
        video(path)
        cleanrl(path)
        sb3(path)


if __name__ == "__main__":
    main()
