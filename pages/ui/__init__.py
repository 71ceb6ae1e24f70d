"""Shared Streamlit and plotly helpers for the pages.

figures/ holds pure `data -> plotly Figure` builders (no Streamlit), labs/ the three labs' controls
and charts, dashboard/ the live run view and its tabs; state, actions and config_panel sit here.
"""
