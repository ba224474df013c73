"""Date arithmetic the standard library lacks."""

import calendar
from datetime import date, datetime


def add_months(moment: date | datetime, months: int) -> date | datetime:
    """`moment` moved by whole calendar months; the 31st becomes the month's last day."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)
