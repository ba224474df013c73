"""The public register of counties and municipalities (1 January 2024), from accounts/data/.

The loader takes the model classes as arguments so that a data migration can pass its
historical models and the `load_reference_data` command the current ones.
"""

import csv
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def _rows(filename: str) -> list[dict[str, str]]:
    with (DATA_DIR / filename).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_reference_data(county_model, municipality_model) -> tuple[int, int]:
    """Create or update every county and municipality, looked up by number. Idempotent."""
    counties = {}
    for row in _rows("norway_counties_2024.csv"):
        county, _created = county_model.objects.update_or_create(
            number=row["number"], defaults={"name": row["name"]}
        )
        counties[county.number] = county
    municipality_rows = _rows("norway_municipalities_2024.csv")
    existing = {m.number: m for m in municipality_model.objects.all()}
    to_create, to_update = [], []
    for row in municipality_rows:
        values = {
            "name": row["name"],
            "county": counties[row["county_number"]],
            "latitude": float(row["latitude"]),
            "longitude": float(row["longitude"]),
        }
        current = existing.get(row["number"])
        if current is None:
            to_create.append(municipality_model(number=row["number"], **values))
        else:
            for field, value in values.items():
                setattr(current, field, value)
            to_update.append(current)
    municipality_model.objects.bulk_create(to_create)
    municipality_model.objects.bulk_update(to_update, ["name", "county", "latitude", "longitude"])
    return len(counties), len(municipality_rows)
