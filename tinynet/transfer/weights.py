"""Weights from elsewhere: a state_dict as plain arrays in a ``.npz`` archive or a
``.safetensors`` file, the two formats that hold tensors without pickle (nothing in the file
runs). A PyTorch model's weights reach tinynet this way, and back::

    # in PyTorch
    np.savez("w.npz", **{k: v.numpy() for k, v in torch_model.state_dict().items()})
    safetensors.torch.save_file(torch_model.state_dict(), "w.safetensors")
    # in tinynet, a model of the same architecture (the state_dict names match PyTorch's)
    load_weights(model, "w.safetensors")
    save_weights(model, "back.npz")  # torch_model.load_state_dict({k: torch.from_numpy(v) ...})

The format follows the file's suffix. ``load_weights`` checks every name, shape and dtype before
it writes anything: a mismatch raises one error naming them all and leaves the model unchanged.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from tinynet.transfer import safetensors

FORMATS = (".npz", ".safetensors")


def _format(path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path}: unknown weights format {suffix or '(no suffix)'!r}; tinynet "
                         f"reads and writes {', '.join(FORMATS)}")
    return suffix


def load_state_dict_file(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The arrays of a ``.npz`` (``np.savez`` of a state_dict's arrays; pickled objects are
    refused) or ``.safetensors`` file, by name."""
    if _format(path) == ".safetensors":
        return safetensors.load_file(path)
    with open(path, "rb") as file:
        if file.read(4) != b"PK\x03\x04":
            raise ValueError(f"{path} is not an .npz archive (a zip file)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except ValueError as error:  # an object array needs pickle
        raise ValueError(f"{path}: holds something other than plain arrays ({error})") from None
    except (zipfile.BadZipFile, OSError) as error:
        raise ValueError(f"{path} is not an .npz archive ({error})") from None


def save_state_dict_file(state_dict, path: str | os.PathLike) -> Path:
    """Write ``state_dict`` (names to Tensors or arrays) as ``.npz`` or ``.safetensors``, each
    value as a NumPy array of its own dtype. Returns the path."""
    arrays = {}
    for name, value in state_dict.items():
        array = value.detach().numpy() if hasattr(value, "detach") else np.asarray(value)
        arrays[str(name)] = np.asarray(array, order="C")  # 0-d stays 0-d
    if _format(path) == ".safetensors":
        safetensors.save_file(arrays, path, metadata={"format": "np"})
    else:
        with open(path, "wb") as file:  # the exact name (np.savez would add .npz to a bare stem)
            np.savez(file, **arrays)
    return Path(path)


def load_weights(model, path: str | os.PathLike, strict: bool = True):
    """Load the weights in ``path`` (``.npz`` or ``.safetensors``) into ``model`` with
    ``model.load_state_dict(..., strict)``: names, shapes and dtypes are all checked first, and
    a RuntimeError naming every mismatch leaves the model unchanged. Arrays are cast to the
    model's dtypes (a float32 checkpoint into a float64 model). Returns the missing and
    unexpected keys, as ``load_state_dict`` does."""
    return model.load_state_dict(load_state_dict_file(path), strict=strict)


def save_weights(model, path: str | os.PathLike) -> Path:
    """Write ``model.state_dict()`` to ``path`` (``.npz`` or ``.safetensors``)."""
    return save_state_dict_file(model.state_dict(), path)
