"""mcdm: Monte Carlo event simulation for dark-matter phenomenology.

Data flows one way: source -> geometry -> physics -> transport -> tally -> analysis.
Importing the package is cheap: subpackages load their heavy dependencies when used.
"""
from mcdm._version import __version__
from mcdm.errors import ConfigError, DataLibraryError, GeometryError, McdmError, UnitError

__all__ = ["__version__", "McdmError", "ConfigError", "UnitError", "GeometryError", "DataLibraryError"]
