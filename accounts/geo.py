"""Distances between municipality centre points (approximate: "where people are")."""

from math import asin, cos, radians, sin, sqrt

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = radians(lat1), radians(lat2)
    dphi, dlmb = phi2 - phi1, radians(lon2 - lon1)
    a = sin(dphi / 2) ** 2 + cos(phi1) * cos(phi2) * sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * asin(sqrt(a))


def route_to_association(municipality):
    """The association covering `municipality`, or else the nearest one (by the centre points
    of the municipalities each covers). Returns (association or None, outside_area)."""
    from accounts.models import Association, Coverage

    covering = (
        Coverage.objects.filter(municipality=municipality).select_related("association").first()
    )
    if covering is not None:
        return covering.association, False
    best, best_km = None, float("inf")
    for coverage in Coverage.objects.filter(association__is_active=True).select_related(
        "municipality"
    ):
        other = coverage.municipality
        km = haversine_km(
            municipality.latitude, municipality.longitude, other.latitude, other.longitude
        )
        if km < best_km:
            best, best_km = coverage.association_id, km
    return (Association.objects.get(pk=best) if best else None), True
