"""mcdm.forest.cosmology: astropy background, colossus configured from it, nothing on disk."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from mcdm.errors import ConfigError
from mcdm.forest.cosmology import ForestCosmology


def test_planck18_default_and_matter_density_includes_massive_neutrinos():
    """Default is astropy Planck18 (sigma8 0.8102, ns 0.9665 from its meta); Om0_matter = 0.3111,
    colossus' own 'planck18' value (Om0 0.30966 + 0.06 eV neutrinos)."""
    c = ForestCosmology()
    assert c.name == "Planck18"
    assert (c.sigma8, c.ns) == (0.8102, 0.9665)
    assert c.Om0_matter == pytest.approx(0.3111, abs=1e-4)
    assert c.T_cmb(3.0) == pytest.approx(4 * 2.7255)
    # rho_crit today = 2.775e2 h^2 M_sun/kpc^3 (x 1e9 per Mpc^3)
    assert c.rho_crit(0.0) == pytest.approx(277.5 * c.h**2, rel=1e-3)
    assert c.rho_mean_matter(1.0) == pytest.approx(8 * c.Om0_matter * c.rho_crit(0.0))


def test_colossus_context_uses_this_cosmology_and_restores_the_previous():
    """Inside the context colossus' H(z) equals astropy's to 3e-4 (massless vs massive neutrinos),
    and the current colossus cosmology is restored afterwards."""
    from colossus.cosmology import cosmology as cc

    before = cc.current_cosmo
    c = ForestCosmology.from_name("Planck18")
    with c.colossus() as col:
        assert cc.getCurrent() is col
        z = np.linspace(0.0, 8.0, 17)
        np.testing.assert_allclose(col.Hz(z), c.H(z), rtol=3e-4)
        assert col.Om0 == pytest.approx(c.Om0_matter)
    assert cc.current_cosmo is before


def test_other_realizations_and_errors():
    """WMAP9 (massless neutrinos) keeps Om0; unknown names and missing sigma8 are ConfigErrors."""
    w9 = ForestCosmology.from_name("WMAP9")
    assert w9.Om0_matter == pytest.approx(float(w9.astropy.Om0))
    with pytest.raises(ConfigError, match="unknown cosmology"):
        ForestCosmology.from_name("Planck99")
    from astropy.cosmology import FlatLambdaCDM

    with pytest.raises(ConfigError, match="sigma8"):
        ForestCosmology(astropy=FlatLambdaCDM(H0=70, Om0=0.3, Ob0=0.05))
    assert ForestCosmology(astropy=FlatLambdaCDM(H0=70, Om0=0.3, Ob0=0.05), sigma8=0.8, ns=0.96).h == 0.7


def test_no_colossus_files_written(tmp_path):
    """A mass-function + concentration evaluation writes nothing under $HOME (no ~/.colossus)."""
    code = ("from mcdm.forest.halos import HaloModel\n"
            "h = HaloModel()\n"
            "print(h.dN_dz(3.0, 1e8))\n")
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    import os

    env.update({k: v for k, v in os.environ.items() if k.startswith(("PYTHON", "NUMBA"))})
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert float(proc.stdout.split()[-1]) > 0
    assert list(tmp_path.iterdir()) == []
