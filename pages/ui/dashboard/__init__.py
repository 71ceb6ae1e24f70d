"""The live run view (`live`), its tabs (`tabs`, `insight_tabs`) and the Runs page's table."""
