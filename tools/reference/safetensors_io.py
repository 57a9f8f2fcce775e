"""Minimal safetensors writer/reader for the reference twin (standard library + numpy; no pickle).

Format: 8-byte little-endian header length N, N bytes of JSON header
{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}},
then the raw little-endian tensor bytes.
"""
import json
import os
import struct

import numpy as np

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32, "U8": np.uint8}
_NAMES = {np.dtype(v).str: k for k, v in _DTYPES.items()}


def _encode(name, dtype, arr):
    """Little-endian bytes of arr stored as dtype; F16/BF16 round to nearest even, as torch does."""
    if dtype == "F32":
        return arr.astype("<f4").tobytes()
    if dtype == "F16":
        return arr.astype(np.float32).astype("<f2").tobytes()
    if dtype == "BF16":
        bits = np.ascontiguousarray(arr, dtype=np.float32).view(np.uint32).astype(np.uint64)
        rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
        return rounded.astype("<u2").tobytes()
    if dtype in _DTYPES:
        return arr.astype(np.dtype(_DTYPES[dtype]).newbyteorder("<")).tobytes()
    raise ValueError(f"unsupported dtype {dtype} for {name}")


def save(path, tensors, metadata=None):
    """tensors: dict name -> array, torch tensor, or (dtype, array|tensor) with dtype "F32", "F16", "BF16",
    "I64", "I32" or "U8" (a bare float64 array is stored as F32). Written atomically."""
    header = {}
    blobs = []
    offset = 0
    for name, value in tensors.items():
        dtype, arr = value if isinstance(value, tuple) else (None, value)
        if hasattr(arr, "detach"):
            arr = arr.detach().cpu().contiguous().float().numpy() if dtype in ("F16", "BF16") else arr.detach().cpu().contiguous().numpy()
        arr = np.ascontiguousarray(arr)
        if dtype is None:
            dtype = "F32" if arr.dtype == np.float64 else _NAMES.get(arr.dtype.newbyteorder("<").str)
            if dtype is None:
                raise ValueError(f"unsupported dtype {arr.dtype} for {name}")
        data = _encode(name, dtype, arr)
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * ((8 - len(raw) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def load(path):
    """Returns (dict name -> numpy array, metadata dict)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        out[name] = np.frombuffer(data[b:e], dtype=np.dtype(_DTYPES[info["dtype"]]).newbyteorder("<")).reshape(info["shape"])
    return out, meta
