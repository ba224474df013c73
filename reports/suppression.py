"""Small numbers: which counts a table may publish, and which it must hide.

The rule (docs/statistics.md): in national views and in every export that leaves an
association, a count from 1 to 4 is shown as "<5" (primary suppression), and every further
figure that would let a reader work such a count out from the row and column totals is hidden
as well, shown as ":" (secondary suppression). Zeros are shown: they reveal no one.

A table is a grid of counts with its row totals, column totals and grand total (the
"augmented" grid; a list of figures with one total is a grid of one column). What a reader
knows of a hidden cell: "<5" is 1–4; ":" is a count that is not 1–4 and not 0 (only cells of 5
or more are ever hidden as secondary), so 5 or more. A hidden cell is *exposed* when those
ranges and the published figures leave it one possible value.

Checking exposure exactly. Two tables that agree on every published figure differ by integer
changes to the hidden cells that keep every row and column sum; such a change splits into
cycles that alternate between rows and columns, and if any other table is possible, one that
changes a cycle of cells by exactly 1 is too (each step stays between the two tables, and the
ranges are intervals). So a hidden cell is safe exactly when it lies on such a cycle on which
every cell can move by 1 within its range. Flipping the sign of the total row and column turns
the totals into ordinary cells of a table whose lines all sum to zero, and the cycles become
paths in a directed graph: cell (i, j) can go up (i → j) or down (j → i). Tables here have many
rows (associations, months) and few columns, so paths are followed between columns, through
the other rows; every cell's check costs a few bit operations. The tests check the result
against brute force.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SMALL_MAX = 4  # counts from 1 to this are hidden
PRIMARY = "primary"
SECONDARY = "secondary"
SHOWN = "shown"
INFINITE = float("inf")


@dataclass
class Suppressed:
    """A table after suppression: the augmented grid of values and the state of each cell.

    values[i][j] for i < rows, j < columns are the cells; values[i][columns] the row totals;
    values[rows][j] the column totals; values[rows][columns] the grand total. When `withheld`,
    nothing of the table may be published but the totals that were fixed (published elsewhere).
    """

    values: list[list[int]]
    state: list[list[str]]
    withheld: bool = False
    rows: int = 0
    columns: int = 0
    fixed: frozenset = field(default_factory=frozenset)

    def is_hidden(self, i: int, j: int) -> bool:
        return (self.withheld and (i, j) not in self.fixed) or self.state[i][j] != SHOWN

    def cell(self, i: int, j: int) -> tuple[int, str]:
        """(value, state) of one cell of the augmented grid; a withheld table hides all."""
        if self.withheld and (i, j) not in self.fixed:
            return self.values[i][j], self.state[i][j] if self.state[i][j] != SHOWN else SECONDARY
        return self.values[i][j], self.state[i][j]


def augment(cells: list[list[int]]) -> list[list[int]]:
    """The grid with a total column and a total row added."""
    columns = len(cells[0]) if cells else 0
    grid = [[*row, sum(row)] for row in cells]
    grid.append([sum(row[j] for row in grid) for j in range(columns + 1)])
    return grid


def suppress(
    cells: list[list[int]],
    *,
    fixed: frozenset | set = frozenset(),
    hidden: frozenset | set = frozenset(),
) -> Suppressed:
    """Suppress the table `cells` (rows of counts; the totals are added here).

    `fixed` lists (row, column) positions of the augmented grid that are published elsewhere
    and so cannot be hidden (a total shared with another table); use rows/columns = len(...)
    for the totals. `hidden`: positions hidden elsewhere (a shared total hidden there), hidden
    here from the start so that this table cannot give them away. If the table cannot be
    protected without hiding a fixed cell, it is withheld altogether.
    """
    values = augment(cells)
    rows, columns = len(cells), len(values[0]) - 1
    fixed = frozenset(fixed)
    state = [[PRIMARY if 1 <= v <= SMALL_MAX else SHOWN for v in row] for row in values]
    for i, j in hidden:
        if state[i][j] == SHOWN:
            state[i][j] = SECONDARY
    result = Suppressed(values, state, rows=rows, columns=columns, fixed=fixed)
    if any(state[i][j] == PRIMARY for i, j in fixed):
        result.withheld = True
        return result
    previous: set[tuple[int, int]] = set()
    while exposed := _exposed(values, state):
        added: set[tuple[int, int]] = set()
        helped: set[int] = set()
        along_rows = rows >= columns
        for i, j in exposed:
            if (i, j) in previous:
                # Still exposed after a round: close a rectangle of cells that can move
                # together (the cheapest), which makes this cell safe for certain.
                added.update(_rectangle(values, state, fixed, i, j) or ())
                continue
            # Otherwise hide one more count in its line (one per line a round).
            line = i if along_rows else j
            if line not in helped and (choice := _candidate(values, state, fixed, i, j)):
                added.add(choice)
                helped.add(line)
        if not added:  # nothing left that may be hidden, and still exposed
            result.withheld = True
            return result
        for i, j in added:
            state[i][j] = SECONDARY
        previous = set(exposed)
    return result


def _moves(value: int, state: str, flipped: bool) -> tuple[bool, bool]:
    """Whether a cell can go up and down by one within what a reader knows of it (a shown
    count counts as hidden as secondary), in the sign-flipped table where `flipped`."""
    low, high = (1, SMALL_MAX) if state == PRIMARY else (SMALL_MAX + 1, INFINITE)
    rise, fall = value + 1 <= high, value - 1 >= low
    return (fall, rise) if flipped else (rise, fall)


def _rectangle(values, state, fixed, i: int, j: int) -> list[tuple[int, int]] | None:
    """The shown cells to hide so that (i, j), another cell of its row, another of its
    column and the cell where those cross can all move by one together; the choice that
    hides the least (fewest, then smallest counts). None if no such rectangle exists."""
    rows, columns = len(values) - 1, len(values[0]) - 1

    def usable(a: int, b: int, direction: int):
        """Cost of moving (a, b) by `direction` (+1/-1, sign-flipped table), or None."""
        v, st = values[a][b], state[a][b]
        if st == SHOWN and (v < SMALL_MAX + 1 or (a, b) in fixed):
            return None
        rise, fall = _moves(v, st, (a == rows) != (b == columns))
        if not (rise if direction > 0 else fall):
            return None
        return (0, 0) if st != SHOWN else (1, v)

    best = None
    rise, fall = _moves(values[i][j], state[i][j], (i == rows) != (j == columns))
    for direction in [d for d, ok in ((1, rise), (-1, fall)) if ok]:
        for m in range(columns + 1):
            if m == j or (row_cost := usable(i, m, -direction)) is None:
                continue
            for k in range(rows + 1):
                if k == i or (column_cost := usable(k, j, -direction)) is None:
                    continue
                if (corner_cost := usable(k, m, direction)) is None:
                    continue
                cost = tuple(map(sum, zip(row_cost, column_cost, corner_cost, strict=True)))
                if best is None or cost < best[0]:
                    best = (cost, [(i, m), (k, j), (k, m)])
    if best is None:
        return None
    return [(a, b) for a, b in best[1] if state[a][b] == SHOWN]


def _candidate(values, state, fixed, i: int, j: int) -> tuple[int, int] | None:
    """The cell to hide next for an exposed cell at (i, j): the smallest count shown in its
    shorter line (its row when the table has more rows than columns), cells before totals
    when equal, 5 last; else in its other line; else anywhere in the table."""
    rows, columns = len(values) - 1, len(values[0]) - 1

    def smallest(positions):
        found = [
            # A hidden 5 can only be larger, which often protects nothing: 6 and up first.
            (values[a][b] == SMALL_MAX + 1, values[a][b], a == rows or b == columns, a, b)
            for a, b in positions
            if values[a][b] and state[a][b] == SHOWN and (a, b) not in fixed
        ]
        return min(found)[3:] if found else None

    row = [(i, b) for b in range(columns + 1)]
    column = [(a, j) for a in range(rows + 1)]
    short, long = (row, column) if rows >= columns else (column, row)
    everything = ((a, b) for a in range(rows + 1) for b in range(columns + 1))
    return smallest(short) or smallest(long) or smallest(everything)


def _exposed(values: list[list[int]], state: list[list[str]]) -> list[tuple[int, int]]:
    """Hidden cells of the augmented grid whose value the published figures determine: those
    that lie on no cycle along which every cell can move by one (see the module's text)."""
    n_rows, n_columns = len(values), len(values[0])
    if n_columns > n_rows:  # follow paths over the shorter side
        transposed = _exposed(_transposed(values), _transposed(state))
        return sorted((j, i) for i, j in transposed)
    hidden, up, down = _hidden_moves(values, state)
    if not hidden:
        return []
    hops = _hops(up, down)
    everywhere = _reach(n_columns, hops, ())
    reach_without: dict[int, list[int]] = {}
    exposed = []
    for i, j in hidden:
        if i not in reach_without:
            reach_without[i] = _reach_avoiding_row(n_columns, hops, up[i], down[i], everywhere)
        if not _on_cycle(j, up[i], down[i], reach_without[i]):
            exposed.append((i, j))
    return exposed


def _transposed(grid: list[list]) -> list[list]:
    return [list(column) for column in zip(*grid, strict=True)]


def _hidden_moves(
    values: list[list[int]], state: list[list[str]]
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """The hidden cells, row by row, and for each row which of its hidden cells can rise by
    one (bit j of up[i]) and which can fall by one (bit j of down[i]), in the sign-flipped
    table."""
    n_rows, n_columns = len(values), len(values[0])
    total_row, total_column = n_rows - 1, n_columns - 1
    up = [0] * n_rows
    down = [0] * n_rows
    hidden: list[tuple[int, int]] = []
    for i in range(n_rows):
        for j in range(n_columns):
            if state[i][j] == SHOWN:
                continue
            hidden.append((i, j))
            # A total's sign is flipped.
            can_rise, can_fall = _moves(
                values[i][j], state[i][j], (i == total_row) != (j == total_column)
            )
            if can_rise:
                up[i] |= 1 << j
            if can_fall:
                down[i] |= 1 << j
    return hidden, up, down


def _hops(up: list[int], down: list[int]) -> dict[tuple[int, int], int]:
    """Column a leads to column b through row k when (k, a) can fall and (k, b) can rise: for
    each such pair of columns, through how many rows."""
    hops: dict[tuple[int, int], int] = {}
    for k in range(len(up)):
        if down[k] and up[k]:
            for a in _bits(down[k]):
                for b in _bits(up[k]):
                    if a != b:
                        hops[a, b] = hops.get((a, b), 0) + 1
    return hops


def _reach_avoiding_row(
    n_columns: int, hops: dict[tuple[int, int], int], up_row: int, down_row: int, everywhere
) -> list[int]:
    """What each column reaches by paths that do not pass through this row (whose moves are
    `up_row` and `down_row`): the hops only it provides are left out. `everywhere` (the reach
    with every hop) when it provides none of its own."""
    own = [(a, b) for a in _bits(down_row) for b in _bits(up_row) if a != b and hops[a, b] == 1]
    return _reach(n_columns, hops, own) if own else everywhere


def _on_cycle(j: int, up_row: int, down_row: int, reach: list[int]) -> bool:
    """Whether cell j of a row can move by one on a cycle through the other rows: it rises and
    a path leads from its column to another cell of its row that can fall, or it falls and a
    path leads from another cell of its row that can rise back to its column."""
    others_down = down_row & ~(1 << j)
    others_up = up_row & ~(1 << j)
    if up_row >> j & 1 and others_down & reach[j]:
        return True
    return bool(down_row >> j & 1 and any(reach[m] >> j & 1 for m in _bits(others_up)))


def _bits(mask: int):
    index = 0
    while mask:
        if mask & 1:
            yield index
        mask >>= 1
        index += 1


def _reach(n: int, hops: dict[tuple[int, int], int], without) -> list[int]:
    """For each column, the columns reachable in one or more hops (leaving out `without`)."""
    removed = set(without)
    step = [0] * n
    for (a, b), count in hops.items():
        if count > ((a, b) in removed):
            step[a] |= 1 << b
    reach = []
    for start in range(n):
        seen, frontier = 0, step[start]
        while frontier:
            seen |= frontier
            nxt = 0
            for node in _bits(frontier):
                nxt |= step[node]
            frontier = nxt & ~seen
        reach.append(seen)
    return reach
