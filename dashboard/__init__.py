"""Operations dashboard for a Disdukcapil e-KTP recording office.

The package is the library under the Streamlit pages: it is importable and testable
without a running server. See README.md for the map of modules.
"""

__version__ = "0.1.0"
