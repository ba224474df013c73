"""Settings of the page benchmark (bench/pages.py): the project's own settings, as production
reads them from the environment (bench/pages.py sets DEBUG=false and the secrets), plus one
page that only the benchmark has: the trivial view of bench/urls.py."""

from ressursvenner.settings import *  # noqa: F403
from ressursvenner.settings import BASE_DIR, TEMPLATES

ROOT_URLCONF = "bench.urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]
# collectstatic's manifest for the benchmark's runs, apart from a deployment's.
STATIC_ROOT = BASE_DIR / "var" / "bench-static"
