"""A run as code: a readable PyTorch training script, and the same as a Jupyter notebook.

The script spells out what the engine does for this run: seed, data, model, loss, the optimizer
with its settings, the learning-rate schedule, batching and the training loop, in plain PyTorch.
Data and model come from this project's `core` package (the datasets and the architectures are
whole modules of their own), so the script runs from a Backprop Lab checkout and trains exactly
as configured: its first losses equal the engine's on the same seed.
"""

from __future__ import annotations

import json

import nbformat

from core.config import RunConfig
from core.serialize import to_dict

OPTIMIZER_LINES = {
    "sgd": "torch.optim.SGD(model.parameters(), lr={lr!r}, weight_decay={weight_decay!r})",
    "momentum": "torch.optim.SGD(model.parameters(), lr={lr!r}, momentum={momentum!r}, "
    "weight_decay={weight_decay!r})",
    "nesterov": "torch.optim.SGD(model.parameters(), lr={lr!r}, momentum={momentum!r}, "
    "nesterov=True, weight_decay={weight_decay!r})",
    "rmsprop": "torch.optim.RMSprop(model.parameters(), lr={lr!r}, alpha={beta2!r}, "
    "weight_decay={weight_decay!r})",
    "adagrad": "torch.optim.Adagrad(model.parameters(), lr={lr!r}, weight_decay={weight_decay!r})",
    "adam": "torch.optim.Adam(model.parameters(), lr={lr!r}, betas=({beta1!r}, {beta2!r}), "
    "weight_decay={weight_decay!r})",
    "adamw": "torch.optim.AdamW(model.parameters(), lr={lr!r}, betas=({beta1!r}, {beta2!r}), "
    "weight_decay={weight_decay!r})",
}


def _schedule(cfg: RunConfig) -> str:
    """The `lr_factor(step)` function of the configured schedule, as source."""
    o = cfg.optim
    if o.schedule == "step":
        body = f"    return {o.gamma!r} ** ((step // steps_per_epoch) // {o.step_every!r})"
    elif o.schedule in ("cosine", "warmup"):
        start = o.warmup_steps if o.schedule == "warmup" else 0
        warm = (
            f"    warm = min(1.0, (step + 1) / {o.warmup_steps!r})\n"
            if o.schedule == "warmup" and o.warmup_steps > 0
            else "    warm = 1.0\n"
        )
        body = (
            f"{warm}    span = max(1, total_steps - {start!r})\n"
            f"    progress = min(1.0, max(0.0, (step - {start!r}) / span))\n"
            "    return warm * 0.5 * (1.0 + math.cos(math.pi * progress))"
        )
    else:
        body = "    return 1.0  # constant learning rate"
    return f'def lr_factor(step: int) -> float:\n    """Multiplier on the base learning rate at optimizer step `step`."""\n{body}'


def script_cells(cfg: RunConfig, title: str) -> list[tuple[str, str]]:
    """(kind, source) cells, kind "markdown" or "code"; the script joins them, the notebook keeps
    them apart."""
    o, t = cfg.optim, cfg.train
    config_json = json.dumps(to_dict(cfg), indent=2)
    optimizer = OPTIMIZER_LINES[o.name].format(
        lr=o.lr, momentum=o.momentum, beta1=o.beta1, beta2=o.beta2, weight_decay=o.weight_decay
    )
    l1 = f"\n        loss = loss + {o.l1!r} * sum(p.abs().sum() for p in weighted)" if o.l1 else ""
    clip = (
        f"\n        torch.nn.utils.clip_grad_norm_(model.parameters(), {o.grad_clip!r})"
        if o.grad_clip
        else ""
    )
    return [
        (
            "markdown",
            f"# {title}\n\nExported from Backprop Lab: this trains the run exactly as configured "
            "(same seed, data, model, optimizer and schedule). Run it from a Backprop Lab "
            "checkout, where the `core` package provides the datasets and architectures.",
        ),
        (
            "code",
            "import json\nimport math\n\nimport torch\n\n"
            "from core.config import RunConfig\nfrom core.data import load_dataset\n"
            "from core.models import build_model\nfrom core.tasks import make_task\n\n"
            f"CONFIG = json.loads('''\n{config_json}\n''')\n"
            "cfg = RunConfig.from_dict(CONFIG)\ntorch.set_num_threads(1)",
        ),
        ("markdown", "## Data, model and loss, all seeded from the config's seed"),
        (
            "code",
            f"data = load_dataset(cfg.data, seed={cfg.seed!r})\n"
            f"model = build_model(cfg.model, data.spec, seed={cfg.seed!r})\n"
            f"task = make_task(data.spec, {t.loss!r})  # {t.loss or 'the default loss'} "
            "for this kind of data\n"
            "x_train, y_train = data.x_train, data.y_train\n"
            "print(model)\n"
            'print(f"{data.n_train} training and {data.n_val} validation examples")',
        ),
        ("markdown", f"## Optimizer ({o.name}) and learning-rate schedule ({o.schedule})"),
        (
            "code",
            f"optimizer = {optimizer}\n"
            f"batch_size = min({t.batch_size!r}, data.n_train)\n"
            "steps_per_epoch = max(1, data.n_train // batch_size)\n"
            f"total_steps = steps_per_epoch * {t.epochs!r}"
            + (f"\ntotal_steps = min(total_steps, {t.max_steps!r})" if t.max_steps else "")
            + "\nweighted = [p for n, p in model.named_parameters() if p.dim() > 1]  # for L1\n\n\n"
            + _schedule(cfg),
        ),
        ("markdown", "## Training: shuffle each epoch, one optimizer step per batch"),
        (
            "code",
            "@torch.no_grad()\n"
            "def evaluate(x, y):\n"
            '    """Mean loss and metric over (x, y), in eval mode, 1024 examples at a time."""\n'
            "    model.eval()\n"
            "    loss_sum = score_sum = count = 0.0\n"
            "    for i in range(0, x.shape[0], 1024):\n"
            "        out, target = model(x[i : i + 1024]), y[i : i + 1024]\n"
            "        score, n = task.metric_sums(out, target)\n"
            "        loss_sum += task.loss(out, target).item() * float(n)\n"
            "        score_sum, count = score_sum + float(score), count + float(n)\n"
            "    model.train()\n"
            "    return loss_sum / max(count, 1.0), score_sum / max(count, 1.0)\n\n\n"
            f"generator = torch.Generator().manual_seed({cfg.seed!r})  # the batch order\n"
            "losses, step = [], 0\n"
            "model.train()\n"
            f"for epoch in range({t.epochs!r}):\n"
            "    perm = torch.randperm(x_train.shape[0], generator=generator)\n"
            "    for i in range(steps_per_epoch):\n"
            "        idx = perm[i * batch_size : (i + 1) * batch_size]\n"
            f"        for group in optimizer.param_groups:\n"
            f"            group['lr'] = {o.lr!r} * lr_factor(step)\n"
            "        loss = task.loss(model(x_train[idx]), y_train[idx])\n"
            "        losses.append(loss.item())"
            f"{l1}\n"
            "        optimizer.zero_grad(set_to_none=True)\n"
            "        loss.backward()"
            f"{clip}\n"
            "        optimizer.step()\n"
            "        step += 1\n"
            "        if step >= total_steps:\n"
            "            break\n"
            "    val_loss, val_metric = evaluate(data.x_val, data.y_val)\n"
            f'    print(f"epoch {{epoch + 1}}: train loss {{losses[-1]:.4f}}, '
            f'validation loss {{val_loss:.4f}}, {{task.metric_name}} {{val_metric:.4f}}")\n'
            "    if step >= total_steps:\n"
            "        break",
        ),
    ]


def export_script(cfg: RunConfig, title: str = "A Backprop Lab run") -> str:
    """The run as one Python file."""
    parts = []
    for kind, source in script_cells(cfg, title):
        if kind == "markdown":
            parts.append("\n".join("# " + line if line else "#" for line in source.splitlines()))
        else:
            parts.append(source)
    docstring = f'"""{title}: exported from Backprop Lab; `python this_file.py` retrains it."""\n\n'
    return docstring + "\n\n\n".join(parts) + "\n"


def export_notebook(cfg: RunConfig, title: str = "A Backprop Lab run") -> str:
    """The run as a Jupyter notebook (JSON), one cell per step of the script."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(src) if kind == "markdown" else nbformat.v4.new_code_cell(src)
        for kind, src in script_cells(cfg, title)
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.validate(nb)
    return nbformat.writes(nb)
