"""Browser tests: a real Streamlit server driven by Debian Chromium (marker `browser`)."""
