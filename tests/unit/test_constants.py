"""Constants: CODATA via astropy, and the seed-004 code's rounded values as a named convention."""
import pytest

from mcdm import constants as c
from mcdm.errors import ConfigError


def test_codata_values_against_pdg_numbers():
    # CODATA 2022 (astropy default): hbar c = 197.3269804 MeV fm, m_p = 938.27208943 MeV, u = 931.49410372 MeV, alpha = 1/137.035999
    assert c.HBARC_GEV_CM == pytest.approx(197.3269804e-3 * 1e-13, rel=1e-9)
    assert c.HBARC_GEV_KM == pytest.approx(197.3269804e-3 * 1e-18, rel=1e-9)
    assert c.M_PROTON_GEV == pytest.approx(0.93827208943, rel=1e-9)
    assert 1.0 / c.ALPHA == pytest.approx(137.035999, rel=1e-8)
    assert c.C_KM_S == 299792.458
    assert c.AMU_GEV == pytest.approx(0.93149410372, rel=1e-9)


def test_seed004_code_convention_is_the_digest_list():
    # digest 004 §4 [code]: e^2 = 4 pi / 137, m_n = 0.9395656 GeV, m_N = 0.93149 A GeV, c = 3e5 km/s,
    # hbar c = 1.97e-19 km GeV
    conv = c.convention("seed004_code")
    assert (conv.alpha, conv.m_nucleon, conv.amu, conv.c, conv.hbarc) == (1 / 137, 0.9395656, 0.93149, 3.0e5, 1.97e-19)
    assert c.convention("codata").alpha == c.ALPHA


def test_unknown_convention_lists_choices():
    with pytest.raises(ConfigError, match="codata"):
        c.convention("cgs")
