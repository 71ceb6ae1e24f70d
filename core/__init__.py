"""Backprop Lab's deep-learning engine: models, datasets, the training loop, runs and their store.

UI-free by design: nothing here imports streamlit or plotly (see STYLE.md).
"""

import os

# OpenMP threads that wait for work sleep instead of spinning: a spinning thread steals a core from
# the other runs and the web server on a shared machine (see core.threads). libgomp reads this
# when torch loads, so it is set before any module of this package imports torch.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
