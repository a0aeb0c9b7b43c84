"""mcdm.tally."""
