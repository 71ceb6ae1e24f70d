"""Backprop Lab's deep-learning engine: models, datasets, the training loop, runs and their store.

UI-free by design: nothing here imports streamlit or plotly (see STYLE.md).
"""
