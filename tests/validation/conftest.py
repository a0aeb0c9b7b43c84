"""Shared independent references for the validation tests."""
import numpy as np
import pytest


@pytest.fixture(scope="session")
def lowest_apex_bin():
    """``f(site, start, hours) -> index`` of the bin centre at which the LSR apex (RA 318.0°,
    Dec +48.33°, digest 004 target 17), the DM wind's origin, is lowest in the sky at ``site``,
    computed with astropy's AltAz frame (not with mcdm's rotation matrices)."""
    from astropy.coordinates import AltAz, EarthLocation, SkyCoord
    from astropy.time import Time
    import astropy.units as u

    from mcdm.geometry import library

    def index(site_name: str, start: str, hours) -> int:
        site = library.load_site(site_name)
        times = Time(start, scale="utc") + np.asarray(hours) * u.h
        where = EarthLocation.from_geodetic(site.longitude_deg * u.deg, site.latitude_deg * u.deg, 0 * u.m)
        apex = SkyCoord(ra=318.0 * u.deg, dec=48.33 * u.deg, frame="icrs")
        return int(np.argmin(apex.transform_to(AltAz(obstime=times, location=where)).alt.deg))

    return index
