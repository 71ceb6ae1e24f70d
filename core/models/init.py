"""Weight initialisation schemes, applied after a model is built.

"zeros" and "constant" exist to show the symmetry problem: every unit of a layer starts with the
same weights, so it gets the same gradient and the units stay copies of each other for ever.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn as nn

# Normalisation layers keep their (1, 0) start and embeddings their lookup table: the schemes are
# about the weight matrices that mix features.
_SKIP = (nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm, nn.Embedding)


def _constant(weight: torch.Tensor) -> None:
    fan_in = weight[0].numel()
    nn.init.constant_(weight, 1.0 / math.sqrt(fan_in))


_SCHEMES: dict[str, Callable[[torch.Tensor], object]] = {
    "xavier": nn.init.xavier_uniform_,
    "he": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
    "zeros": nn.init.zeros_,
    "constant": _constant,
}


@torch.no_grad()
def init_weights(model: nn.Module, scheme: str = "default") -> nn.Module:
    """Re-initialise weight matrices of `model` in place with `scheme`; biases become zero.

    "default" keeps PyTorch's own initialisation and changes nothing.
    """
    if scheme == "default":
        return model
    if scheme not in _SCHEMES:
        raise ValueError(f"init scheme {scheme!r} is unknown; choose default or {sorted(_SCHEMES)}")
    for module in model.modules():
        if isinstance(module, _SKIP):
            continue
        for param in module.parameters(recurse=False):
            if param.dim() < 2:
                nn.init.zeros_(param)
            else:
                _SCHEMES[scheme](param)
    return model
