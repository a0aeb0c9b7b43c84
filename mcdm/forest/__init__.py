"""The dark forest (seed 002, Ganguly, Khatri & Roy, arXiv:2301.03624): absorption lines that
dark-matter halos with a two-level composite DM imprint on the spectrum of a background quasar.

Modules: :mod:`~mcdm.forest.cosmology` (astropy background + colossus configuration),
:mod:`~mcdm.forest.halos` (mass function, NFW, dispersion, dN/dz), :mod:`~mcdm.forest.microphysics`
(two-level DM, level populations, cross section), :mod:`~mcdm.forest.line` (single-halo optical
depth by quadrature, equivalent-width-conserving deposition) and :mod:`~mcdm.forest.line_table`
(the cached (M, z, alpha) line table sightline samplers use). Importing this package imports
neither colossus nor numba kernels.
"""
