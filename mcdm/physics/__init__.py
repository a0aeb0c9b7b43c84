"""mcdm.physics."""
