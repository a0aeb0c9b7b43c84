"""Transport of dark matter through the Earth, rock and atmosphere (continuous slowing-down and
discrete-scatter Monte Carlo)."""
