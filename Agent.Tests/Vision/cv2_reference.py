"""What PyTorch users feed their models, computed by Python's cv2 for Cv2ParityTests.

  video PATH OUT W H              cv2.VideoCapture(PATH): every frame's BGR (OUT.bgr), cv2.cvtColor BGR2GRAY (OUT.gray)
                                  and cv2.resize(gray, (W, H), INTER_AREA) (OUT.small); prints the frame count.
  frame RAW LAYOUT W H OUTW OUTH OUT
                                  one packed frame in LAYOUT (gray, rgb, rgba, bgr, bgra): cvtColor to gray then
                                  INTER_AREA (OUT.gray), and cvtColor to RGB then INTER_AREA, as planes (OUT.rgb).
"""
import sys

import cv2
import numpy as np

TO_GRAY = {"rgb": cv2.COLOR_RGB2GRAY, "rgba": cv2.COLOR_RGBA2GRAY, "bgr": cv2.COLOR_BGR2GRAY, "bgra": cv2.COLOR_BGRA2GRAY}
TO_RGB = {"rgba": cv2.COLOR_RGBA2RGB, "bgr": cv2.COLOR_BGR2RGB, "bgra": cv2.COLOR_BGRA2RGB}
CHANNELS = {"gray": 1, "rgb": 3, "rgba": 4, "bgr": 3, "bgra": 4}


def video(path, out, width, height):
    capture = cv2.VideoCapture(path)
    count = 0
    with open(out + ".bgr", "wb") as bgr, open(out + ".gray", "wb") as gray, open(out + ".small", "wb") as small:
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            g = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
            bgr.write(frame.tobytes())
            gray.write(g.tobytes())
            small.write(cv2.resize(g, (width, height), interpolation=cv2.INTER_AREA).tobytes())
            count += 1
    print(count)


def frame(raw, layout, width, height, out_width, out_height, out):
    pixels = np.fromfile(raw, np.uint8).reshape(height, width, CHANNELS[layout])
    gray = pixels[:, :, 0] if layout == "gray" else cv2.cvtColor(pixels, TO_GRAY[layout])
    with open(out + ".gray", "wb") as f:
        f.write(cv2.resize(gray, (out_width, out_height), interpolation=cv2.INTER_AREA).tobytes())
    if layout != "gray":
        rgb = pixels if layout == "rgb" else cv2.cvtColor(pixels, TO_RGB[layout])
        resized = cv2.resize(rgb, (out_width, out_height), interpolation=cv2.INTER_AREA)
        with open(out + ".rgb", "wb") as f:
            f.write(np.ascontiguousarray(resized.transpose(2, 0, 1)).tobytes())


if __name__ == "__main__":
    if sys.argv[1] == "video":
        video(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        frame(sys.argv[2], sys.argv[3], *map(int, sys.argv[4:8]), sys.argv[8])
