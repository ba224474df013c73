"""Small numbers: no hidden count can be worked out from what a table publishes.

The brute-force check plays the reader: it knows every shown cell, that "<5" is 1–4 and that
":" is 5 or more (hidden cells are never 0), and tries every table that fits. A hidden cell is
safe when at least two values fit. (For the ":" cells it tries values near the true one: if
any other table fits, one differing by 1 in some cells does, so that is enough to find one.)
"""

import itertools
import random

import pytest

from reports.publication import dependent_line
from reports.suppression import PRIMARY, SECONDARY, SHOWN, _exposed, augment, suppress


def possible_values(values, state, *, spread: int = 2):
    """Every value each hidden cell of the augmented grid takes in the tables that agree with
    what is published. None when there are too many tables to try."""
    rows, columns = len(values) - 1, len(values[0]) - 1
    hidden_cells = [(i, j) for i in range(rows) for j in range(columns) if state[i][j] != SHOWN]
    choices = [
        range(1, 5)
        if state[i][j] == PRIMARY
        else range(max(5, values[i][j] - spread), values[i][j] + spread + 1)
        for i, j in hidden_cells
    ]
    margins = [
        (i, j) for i in range(rows + 1) for j in range(columns + 1) if i == rows or j == columns
    ]
    seen = {
        (i, j): set() for i in range(rows + 1) for j in range(columns + 1) if state[i][j] != SHOWN
    }
    base = [row[:columns] for row in values[:rows]]
    for tried, combination in enumerate(itertools.product(*choices)):
        if tried > 300_000:
            return None
        grid = [row[:] for row in base]
        for (i, j), value in zip(hidden_cells, combination, strict=True):
            grid[i][j] = value
        table = augment(grid)
        fits = True
        for i, j in margins:
            value, cell_state = table[i][j], state[i][j]
            if (
                (cell_state == SHOWN and value != values[i][j])
                or (cell_state == PRIMARY and not 1 <= value <= 4)
                or (cell_state == SECONDARY and value < 5)
            ):
                fits = False
            if not fits:
                break
        if fits:
            for key, values_seen in seen.items():
                values_seen.add(table[key[0]][key[1]])
    return seen


def assert_safe(result) -> None:
    assert not result.withheld
    for i, row in enumerate(result.values):
        for j, value in enumerate(row):
            state = result.state[i][j]
            # Every count from 1 to 4 is hidden as "<5"; only counts of 5 or more as ":".
            assert (state == PRIMARY) == (1 <= value <= 4)
            assert state != SECONDARY or value >= 5
    possible = possible_values(result.values, result.state)
    assert possible is not None
    for cell, values in possible.items():
        assert len(values) >= 2, f"{cell} can be worked out: it must be {values}"


@pytest.mark.parametrize(
    "cells",
    [
        [[1, 7, 9]],  # one small count in a line: it would be the total minus the others
        [[1, 1, 9]],  # two 1s add up to 2: both would be 1
        [[4, 4, 9]],  # two 4s add up to 8: both would be 4
        [[1, 5]],  # "<5" and 5 with the total 6: only 1 + 5 fits
        [[3], [0], [12]],  # a list of counts with its total
        [[2, 0], [0, 9], [6, 5]],  # rows and columns
        [[0, 1, 1, 1], [5, 6, 0, 8], [6, 0, 7, 5]],  # a row of 1s whose total is 3
        [[3]],  # one count: its total is the same count
        [[0, 0], [0, 0]],  # nothing to hide
    ],
)
def test_hand_made_tables_hide_what_could_be_worked_out(cells):
    result = suppress(cells)
    assert_safe(result)
    for row, cell_row in zip(result.state, cells, strict=False):
        for state, value in zip(row, cell_row, strict=False):
            if 1 <= value <= 4:
                assert state == PRIMARY


def test_a_count_left_alone_in_its_line_is_protected_by_hiding_the_next_smallest():
    result = suppress([[1, 7, 9]])
    assert [result.cell(0, j) for j in range(4)] == [
        (1, PRIMARY),
        (7, SECONDARY),
        (9, SHOWN),
        (17, SHOWN),
    ]


def test_a_hidden_5_beside_a_small_count_is_not_enough_when_the_total_would_tell():
    # "<5" and ":" with the published total 6 fit only 1 + 5, so the total is hidden too.
    result = suppress([[1, 5]])
    assert_safe(result)
    assert result.cell(0, 2)[1] != SHOWN


@pytest.mark.parametrize("seed", range(40))
def test_no_suppressed_cell_can_be_recovered_from_the_row_and_column_totals(seed):
    rng = random.Random(seed)
    rows, columns = rng.randint(1, 3), rng.randint(1, 3)
    cells = [
        [rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 7, 9, 12]) for _ in range(columns)]
        for _ in range(rows)
    ]
    assert_safe(suppress(cells))


@pytest.mark.parametrize("seed", range(60))
def test_the_exposure_check_agrees_with_brute_force(seed):
    """The fast check (paths through the table) finds exactly the cells brute force finds,
    for tables with cells hidden at random."""
    rng = random.Random(1000 + seed)
    while True:
        rows, columns = rng.randint(1, 4), rng.randint(1, 3)
        cells = [
            [rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 7, 9, 12]) for _ in range(columns)]
            for _ in range(rows)
        ]
        values = augment(cells)
        state = [
            [
                PRIMARY if 1 <= v <= 4 else SECONDARY if v >= 5 and rng.random() < 0.3 else SHOWN
                for v in row
            ]
            for row in values
        ]
        if sum(s != SHOWN for row in state[:-1] for s in row[:-1]) <= 5:
            break
    possible = possible_values(values, state)
    assert sorted(_exposed(values, state)) == sorted(
        cell for cell, found in possible.items() if len(found) < 2
    )


def test_a_large_table_is_suppressed_quickly_and_safely_by_the_fast_check():
    rng = random.Random(7)
    cells = [
        [rng.choice([0, 0, 1, 1, 2, 3, 4, 5, 6, 8, 10, 15]) for _ in range(7)] for _ in range(400)
    ]
    result = suppress(cells)
    assert not result.withheld
    assert _exposed(result.values, result.state) == []


def test_a_list_whose_total_is_published_elsewhere_keeps_its_total():
    states, withheld = dependent_line([12, 5, 2], (19, SHOWN))
    assert (states, withheld) == ([SECONDARY, SHOWN, PRIMARY], False)


def test_a_list_whose_total_is_hidden_elsewhere_is_hidden_whole():
    states, withheld = dependent_line([3, 0, 9], (12, SECONDARY))
    assert withheld and states == [SECONDARY] * 3


def test_a_list_that_cannot_be_protected_without_its_published_total_is_withheld():
    # 4 + 4 = 8 published: both would have to be 4.
    states, withheld = dependent_line([4, 4], (8, SHOWN))
    assert withheld and states == [SECONDARY, SECONDARY]
