"""Pre-train, then fine-tune: start a run from another run's trained weights.

`FinetuneConfig` says where the weights come from (`run:<id>` of a stored run; the CLI may also
name a `.pt` file), which top-level layers stay frozen, and whether the output head is replaced
(new classes, or a new task on the same inputs). `apply_finetune` loads the weights into a freshly
built model before training; every mismatch is a ValueError that says what to change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn as nn

from core.i18n import N_, _

RUN_REF = "run:"
HEAD = "head"  # every architecture names its output layer `head` (core.models.layers.make_head)


@dataclass(frozen=True)
class FinetuneConfig:
    """Start from trained weights (empty `init_from`: train from scratch)."""

    init_from: str = field(
        default="",
        metadata={
            "label": N_("Init from"),
            "help": N_("Start from this run's trained weights (run:<id>); empty: from scratch."),
        },
    )
    freeze: tuple[str, ...] = field(
        default=(),
        metadata={
            "max_len": 16,
            "label": N_("Freeze"),
            "help": N_("Layers kept as pre-trained (not trained further)."),
        },
    )
    new_head: bool = field(
        default=False,
        metadata={
            "label": N_("New head"),
            "help": N_("Replace the output layer with a fresh one (new classes or task)."),
        },
    )

    @property
    def source_run(self) -> str:
        """The run id in `init_from` ("" if none or a file)."""
        return self.init_from[len(RUN_REF) :] if self.init_from.startswith(RUN_REF) else ""


def checkpoint_file(cfg: FinetuneConfig) -> str:
    """The weights file `init_from` names, once the registry has resolved `run:<id>` to it."""
    if cfg.init_from.startswith(RUN_REF):
        raise ValueError(
            f"{cfg.init_from} must be started through a run registry (it finds the file)"
        )
    return cfg.init_from


def layer_names(model: nn.Module) -> list[str]:
    """Top-level layers that hold parameters: what `freeze` may name."""
    return [name for name, m in model.named_children() if any(True for _param in m.parameters())]


def apply_finetune(model: nn.Module, cfg: FinetuneConfig, checkpoint: str) -> None:
    """Load `checkpoint`'s weights into `model` (its head too unless `new_head`), then freeze."""
    try:
        state = torch.load(checkpoint, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, ValueError) as err:
        raise ValueError(
            _("could not read the pre-trained weights ({error})").format(error=err)
        ) from None
    own = model.state_dict()
    if cfg.new_head:
        state = {k: v for k, v in state.items() if not k.startswith(HEAD + ".")}
    missing = [k for k in own if k not in state and not (cfg.new_head and k.startswith(HEAD + "."))]
    if missing or any(k not in own for k in state):
        raise ValueError(
            _(
                "the pre-trained run has a different architecture (layers {layers} do not "
                "match); use the same model settings as the run you start from"
            ).format(layers=sorted(set(missing) | (set(state) - set(own)))[:4])
        )
    wrong = [k for k, v in state.items() if v.shape != own[k].shape]
    if wrong:
        there, here = tuple(state[wrong[0]].shape), tuple(own[wrong[0]].shape)
        if all(k.startswith(HEAD + ".") for k in wrong):
            raise ValueError(
                _(
                    "the output layer has a different shape in the pre-trained run (tick 'new "
                    "head' for a different number of classes): {there} there, {here} here"
                ).format(there=there, here=here)
            )
        raise ValueError(
            _(
                "{layer} has a different shape in the pre-trained run: {there} there, {here} here"
            ).format(layer=wrong[0], there=there, here=here)
        )
    model.load_state_dict(state, strict=not cfg.new_head)
    names = layer_names(model)
    unknown = [f for f in cfg.freeze if f not in names]
    if unknown:
        raise ValueError(
            _("no layer {layer} to freeze; the layers are {layers}").format(
                layer=repr(unknown[0]), layers=names
            )
        )
    if cfg.new_head and HEAD in cfg.freeze:
        raise ValueError(_("a new head must be trained: do not freeze 'head' when replacing it"))
    for name, module in model.named_children():
        if name in cfg.freeze:
            module.requires_grad_(False)
