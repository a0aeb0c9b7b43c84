"""mcdm.geometry."""
