"""mcdm.source."""
