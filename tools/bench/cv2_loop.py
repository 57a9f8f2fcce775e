"""The Python peer for `agent label`'s default path: what a PyTorch user's preprocessing costs with no model.

    /usr/bin/python3 tools/bench/cv2_loop.py VIDEO

cv2.VideoCapture.read, cv2.cvtColor(BGR2GRAY), cv2.resize(84x84, INTER_AREA) for every frame; prints the frame count.
"""
import sys

import cv2

capture = cv2.VideoCapture(sys.argv[1])
frames = 0
while True:
    ok, frame = capture.read()
    if not ok:
        break
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    small = cv2.resize(gray, (84, 84), interpolation=cv2.INTER_AREA)
    frames += 1
print(frames)
