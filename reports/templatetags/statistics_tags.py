"""The rows of the statistics tables, written in Python: the national page has hundreds of
cells, each with words beside a hidden number, and a loop in the template
language took most of the page's time. The HTML is what reports/table.html wrote before."""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reports.suppression import PRIMARY, SECONDARY
from reports.tables import MISSING, Table

register = template.Library()

# What a hidden number ("<5", ":") means, in words beside the mark (everyone reads them; the
# mark itself is left out for screen readers), and what a screen reader says for "–".
EXPLAINED = {
    PRIMARY: lambda hidden_below: (
        _("fewer than %(n)s – hidden to protect the people it is about") % {"n": hidden_below}
    ),
    SECONDARY: lambda hidden_below: _("hidden so that a small number cannot be worked out"),
}
SPOKEN = {
    MISSING: lambda hidden_below: _("not available"),
}


@register.simple_tag
def figure_rows(table: Table, hidden_below: int) -> SafeString:
    """Each row on one line: its label (a link when it has one), and each cell with its
    column's name for the stacked layout on a phone."""
    escape = conditional_escape
    spoken = {state: escape(words(hidden_below)) for state, words in SPOKEN.items()}
    explained = {state: escape(words(hidden_below)) for state, words in EXPLAINED.items()}
    columns = [escape(column) for column in table.columns[1:]]
    lines = []
    for row in table.rows:
        label: str = escape(row.label)
        if row.href:
            label = f'<a href="{escape(row.href)}">{label}</a>'
        heading = (
            "fw-normal" + (" fw-semibold" if row.total else "") + (" ps-4" if row.indent else "")
        )
        cells = []
        for column, cell in zip(columns, row.cells, strict=True):
            text: str = escape(cell.text())
            if cell.state in explained:
                text = (
                    f'<span aria-hidden="true">{text}</span>'
                    f'<small class="hidden-why">{explained[cell.state]}</small>'
                )
            elif cell.state in spoken:
                text = (
                    f'<span aria-hidden="true">{text}</span>'
                    f'<span class="visually-hidden">{spoken[cell.state]}</span>'
                )
            cells.append(f'<td data-label="{column}">{text}</td>')
        divider = ' class="table-group-divider fw-semibold"' if row.total else ""
        lines.append(
            f'<tr{divider}><th scope="row" class="{heading}">{label}</th>{"".join(cells)}</tr>'
            "\n      "
        )
    return mark_safe("".join(lines))  # noqa: S308 - every value above is escaped
