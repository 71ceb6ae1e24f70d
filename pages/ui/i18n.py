"""The visitor's language: chosen in the sidebar or by `?lang=zh`, kept in this session, in the
address and in a cookie, and handed to `core.i18n` as its language source."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core import i18n
from core.i18n import LANGUAGES, PSEUDO, SOURCE_LANGUAGE
from pages.ui.state import set_cookie

LANG = "i18n.lang"
PICKER = "i18n.picker"
QUERY = "lang"
COOKIE = "bpl_lang"


# Outside a script run (server threads relaying runs) nobody reads: messages made there are
# English. AppTest re-reads widgets' format_func outside the run; its tests set this to match.
OUTSIDE_SCRIPT_LANGUAGE = SOURCE_LANGUAGE


def _session_language() -> str:
    """The language of the session whose script is running."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return OUTSIDE_SCRIPT_LANGUAGE
    return st.session_state.get(LANG, SOURCE_LANGUAGE)


i18n.set_language_source(_session_language)


WRITTEN = "i18n.cookie"  # the language this session last wrote into the cookie


def _valid(lang: object, pseudo: bool = False) -> str | None:
    """`lang` if it is a language a visitor may pick (the test pseudo-language only when set
    in session state by a test, never from a link or a cookie)."""
    ok = isinstance(lang, str) and (lang in LANGUAGES or (pseudo and lang == PSEUDO))
    return lang if ok else None


def enter() -> str:
    """Called by app.py first on every run: settle this session's language and return it.

    A `lang` in the address wins (a shared link in Chinese), then this session's choice, then the
    browser's cookie, then English.
    """
    cookie = st.context.cookies.get(COOKIE, "") if st.context.cookies else ""
    lang = (
        _valid(st.query_params.get(QUERY))
        or _valid(st.session_state.get(LANG), pseudo=True)
        or _valid(cookie)
        or SOURCE_LANGUAGE
    )
    st.session_state[LANG] = lang
    _mirror(lang)
    return lang


def _mirror(lang: str) -> None:
    """Keep the address saying the language (English, the default, is left out)."""
    if lang == SOURCE_LANGUAGE:
        if QUERY in st.query_params:
            del st.query_params[QUERY]
    elif st.query_params.get(QUERY) != lang:
        st.query_params[QUERY] = lang


def _picked() -> None:
    lang = _valid(st.session_state.get(PICKER)) or SOURCE_LANGUAGE
    st.session_state[LANG] = lang
    _mirror(lang)


def picker() -> None:
    """The sidebar's language switch (its label is in both languages, so anyone can find it)."""
    lang = st.session_state.get(LANG, SOURCE_LANGUAGE)
    if st.session_state.get(PICKER) != lang and lang in LANGUAGES:
        st.session_state[PICKER] = lang
    st.radio(
        "Language · 语言",
        list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        key=PICKER,
        on_change=_picked,
        horizontal=True,
    )
    if lang in LANGUAGES and st.session_state.get(WRITTEN, _cookie_language()) != lang:
        st.session_state[WRITTEN] = lang
        set_cookie(COOKIE, lang)


def _cookie_language() -> str:
    value = st.context.cookies.get(COOKIE, "") if st.context.cookies else ""
    return value if isinstance(value, str) else ""
