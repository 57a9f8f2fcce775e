"""Golden fixture for `agent label --frame-skip 4 --crop --start` against PyTorch + cv2 (PyTorchParityTests).

Run from the repository root with Debian's python (torch, python3-opencv, the ffmpeg CLI), after fixtures_label.py:
    /usr/bin/python3 tools/reference/fixtures_label_skip.py
Reads Agent.Tests/Fixtures/label/cleanrl.safetensors (the CleanRL model fixtures_label.py made) and writes
cleanrl_skip4_expected.safetensors: probs (T, A), values (T) and frames (T) for every labelled row. The video is
fixtures_label.py's frame(i) for FRAMES frames, FFV1 (bgr0), which the test encodes anew. The reference is what a
CleanRL Atari agent saw in training, SB3's wrappers as CleanRL uses them: MaxAndSkipEnv(skip=4) takes the
element-wise max of the last two raw (colour) frames of every group of 4, WarpFrame makes it gray (cv2.cvtColor) and
84x84 (cv2.resize INTER_AREA); here with a crop before the gray conversion and labelling from frame START.
"""
import json
import os
import tempfile

import cv2
import numpy as np
import torch

import fixtures_label as base
import safetensors_io
import twin

FRAMES, SKIP, START = 40, 4, 3
CROP = (5, 7, 120, 80)  # x, y, w, h


def video(path):
    raw = np.concatenate([base.frame(i)[None] for i in range(FRAMES)]).tobytes()
    import subprocess
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{base.WIDTH}x{base.HEIGHT}",
                    "-r", str(base.FPS), "-i", "-", "-c:v", "ffv1", "-pix_fmt", "bgr0", path], input=raw, check=True)


def observations(path):
    capture = cv2.VideoCapture(path)
    raw = []
    while True:
        ok, bgr = capture.read()
        if not ok:
            break
        raw.append(bgr)
    assert len(raw) == FRAMES, len(raw)
    x, y, w, h = CROP
    obs, frames = [], []
    for first in range(START, FRAMES - SKIP + 1, SKIP):
        last = first + SKIP - 1
        pooled = np.maximum(raw[last - 1], raw[last])
        gray = cv2.cvtColor(pooled[y:y + h, x:x + w], cv2.COLOR_BGR2GRAY)
        obs.append(cv2.resize(gray, (84, 84), interpolation=cv2.INTER_AREA)[None])
        frames.append(last)
    return torch.tensor(np.stack(obs)).float(), frames


def main():
    tensors, _ = safetensors_io.load(os.path.join(base.OUT, "cleanrl.safetensors"))
    agent = twin.CleanRlAgent(6, channels=1, flat=3136, features=16, hidden=32)
    agent.load_state_dict({k: torch.tensor(np.array(v)) for k, v in tensors.items()})
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "clip.mkv")
        video(path)
        obs, frames = observations(path)
    steps = obs.shape[0]
    starts = torch.zeros(steps, 1)
    starts[0, 0] = 1.0
    state = (torch.zeros(1, 1, 32), torch.zeros(1, 1, 32))
    with torch.no_grad():
        logits, values, _ = agent.forward_sequence(obs[:, None], starts, state)
    safetensors_io.save(os.path.join(base.OUT, "cleanrl_skip4_expected.safetensors"),
                        {"probs": ("F32", torch.softmax(logits[:, 0], -1)), "values": ("F32", values[:, 0]),
                         "frames": ("F32", torch.tensor(frames, dtype=torch.float32))},
                        {"fixture": json.dumps({"width": base.WIDTH, "height": base.HEIGHT, "frames": FRAMES, "fps": base.FPS,
                                                "skip": SKIP, "start": START, "crop": list(CROP)})})


if __name__ == "__main__":
    main()
