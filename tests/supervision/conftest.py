from tests.matching.conftest import (  # noqa: F401 (fixtures)
    coordinator,
    make_match,
    make_referral,
    make_volunteer,
)
