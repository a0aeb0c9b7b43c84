"""Statistics on top of tallies and catalogs: on/off tests (seed 004 Eq. 43), binned Poisson
likelihood tests with Asimov significances, harmonic modulation fits, periodograms, recasts."""
