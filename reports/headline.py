"""The headline figure for the national admin's start page."""

from reports.charts import headline_sentences
from reports.publication import national_outcomes
from reports.tables import Cell


def national_headline() -> list[str]:
    """This year so far, all associations: how many women whose match ended did not move back
    to the abuser; small numbers suppressed as on the statistics page."""
    outcomes = national_outcomes()
    return headline_sentences(
        no=Cell(*outcomes["outcome_no"]),
        yes=Cell(*outcomes["outcome_yes"]),
        unknown=Cell(*outcomes["outcome_unknown"]),
        ended=Cell(*outcomes["ended"]),
        this_year=True,
    )
