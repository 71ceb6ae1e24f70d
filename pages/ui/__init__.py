"""Shared Streamlit and plotly helpers for the pages; figure builders are pure `data -> Figure`."""
