"""HEALPix sky maps of dark-matter-induced emission (digest 001 §3 map mode, §8 C9-C10).

:mod:`~mcdm.sky.profiles` -- DM (NFW, Einasto, Burkert) and gas (ExponentialDisk, GasMap, test
spheres) density models [kpc, GeV/cm^3, cm^-3]; :mod:`~mcdm.sky.los` -- adaptive line-of-sight
integrals, morphology maps, J-factors, FITS/PNG output; :mod:`~mcdm.sky.roi` -- the COMPTEL box,
the 6 deg disc, solid angles and the morphology ratio <M>_box/<M>_6deg; :mod:`~mcdm.sky.photons` --
photon event sampling and the GADF event list; :mod:`~mcdm.sky.spectral_data` -- user COMPTEL points
and background models.
"""
from mcdm.sky.los import (S_MAX_KPC, emissivity_unit, j_factor, j_factor_disc, los_integral,
                          mollview_png, morphology_map, read_healpix_fits, roi_outlines, write_healpix_fits)
from mcdm.sky.profiles import (R_SUN_KPC, RHO_LOCAL_GEV_CM3, NFW, Burkert, ConstantSphere,
                               Einasto, ExponentialDisk, GasMap, SphericalPowerLaw)
from mcdm.sky.roi import (box_solid_angle, comptel_box, disc, disc_solid_angle, lon_lat_box,
                          morphology_ratio, roi_mean, roi_solid_angle)

__all__ = ["S_MAX_KPC", "emissivity_unit", "j_factor", "j_factor_disc", "los_integral",
           "mollview_png", "roi_outlines", "morphology_map", "read_healpix_fits", "write_healpix_fits",
           "R_SUN_KPC", "RHO_LOCAL_GEV_CM3", "NFW", "Burkert", "ConstantSphere", "Einasto",
           "ExponentialDisk", "GasMap", "SphericalPowerLaw", "box_solid_angle", "comptel_box",
           "disc", "disc_solid_angle", "lon_lat_box", "morphology_ratio", "roi_mean",
           "roi_solid_angle"]
