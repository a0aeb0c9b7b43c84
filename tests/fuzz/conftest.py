"""Fuzz-test support: keep Hypothesis's failure report working under ``filterwarnings = error``.

When a property fails, Hypothesis's pytest plugin imports ``hypothesis.extra._patching`` (libcst)
while building the report; libcst's import of ``mypy_extensions`` raises a DeprecationWarning,
which the suite's ``filterwarnings = error`` turns into an INTERNALERROR that hides the failing
example. Importing it once here, with that warning ignored, leaves the cached module for the plugin.
"""
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import hypothesis.extra._patching  # noqa: F401
    except ImportError:  # libcst not installed: the plugin then skips the patch as well
        pass
