"""The headline figure for the national admin's start page."""

from reports import snapshots
from reports.charts import headline_sentences
from reports.periods import preset
from reports.publication import national_outcomes
from reports.tables import Cell


def national_headline() -> list[str]:
    """This year so far, all associations: how many women whose match ended did not move back
    to the abuser; small numbers suppressed as on the statistics page.

    From the national statistics of this year as last computed, when they are fresh (the
    same cells as that page shows, one query); otherwise counted now (two queries)."""
    name = "this_year"
    outcomes = snapshots.national_outcomes(preset(name), snapshots.preset_query(name))
    if outcomes is not None:
        no, yes, unknown, ended = (row.cells[0] for row in outcomes.rows)
    else:
        counted = national_outcomes()
        no, yes, unknown, ended = (
            Cell(*counted[key]) for key in ("outcome_no", "outcome_yes", "outcome_unknown", "ended")
        )
    return headline_sentences(no=no, yes=yes, unknown=unknown, ended=ended, this_year=True)
