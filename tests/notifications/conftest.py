from tests.matching.conftest import make_match, make_referral, make_volunteer  # noqa: F401  (shared fixtures)
