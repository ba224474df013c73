"""How the pairs are doing, as statistics show it (issue 19, item 2): aggregates only.

For the follow-up conversations held in the period, per question and respondent (the woman,
the volunteer): the number of answers (a score, not «did not answer») and their mean. The rule
of docs/statistics.md: a count from 1 to SMALL_MAX is shown as "<5"; a mean, like a median, only
when it rests on more than SMALL_MAX answers. One grouped query, computed in the database.
Shown as the table `relationship` (reports.tables.relationship) on the statistics page, in its
CSV files, its workbook and the annual report.
"""

from django.db.models import Aggregate, Avg, Count, Q

from matching.models import RELATIONSHIP_QUESTIONS, RelationshipAnswer, Respondent
from reports.periods import Period
from reports.suppression import SMALL_MAX


def relationship_figures(period: Period, association_ids: list[int] | None = None) -> list[dict]:
    """One row per question and respondent, in the order of RELATIONSHIP_QUESTIONS:
    {"question", "respondent", "answers" (the count, or None when hidden), "hidden" (1 to
    SMALL_MAX answers), "mean" (to one decimal; None when hidden or none)}.
    `association_ids` None: all associations."""
    scope = Q(
        follow_up__done_on__gte=period.start,
        follow_up__done_on__lte=period.end,
    )
    if association_ids is not None:
        scope &= Q(follow_up__match__referral__association_id__in=association_ids)
    aggregates: dict[str, Aggregate] = {}
    for name, *_texts in RELATIONSHIP_QUESTIONS:
        aggregates[f"{name}_n"] = Count(name)
        aggregates[f"{name}_mean"] = Avg(name)
    grouped = {
        row["respondent"]: row
        for row in RelationshipAnswer.objects.filter(scope)
        .order_by()
        .values("respondent")
        .annotate(**aggregates)
    }
    rows = []
    for name, _to_woman, _to_volunteer, label in RELATIONSHIP_QUESTIONS:
        for respondent, respondent_label in Respondent.choices:
            found = grouped.get(respondent, {})
            n = found.get(f"{name}_n", 0)
            mean = found.get(f"{name}_mean")
            hidden = 1 <= n <= SMALL_MAX
            rows.append(
                {
                    "question": label,
                    "respondent": respondent_label,
                    "answers": None if hidden else n,
                    "hidden": hidden,
                    "mean": None if hidden or mean is None else round(float(mean), 1),
                }
            )
    return rows
