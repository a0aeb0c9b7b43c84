"""mcdm.analysis."""
