"""mcdm.config."""
