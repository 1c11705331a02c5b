"""The page's contour lines (``contourLevels`` in ``web/downhill-figure.js``: marching
squares over all the levels in one pass, the segments joined into polylines) against
contourpy, which draws matplotlib's contours and so the notebook's pictures: the same
crossing points, to the last digit, and the same lines (open ones cut by the border,
closed ones, the two of a saddle)."""

import json
import subprocess
from pathlib import Path

import contourpy
import numpy as np
import pytest

from course_utils.widgets import page

from .test_page_numerics import NODE, pytestmark  # noqa: F401  (skip without Node)

DRIVER = Path(__file__).with_name("node_contours.js")


def page_lines(xs, ys, Z, levels):
    Z = [[None if np.isnan(v) else float(v) for v in row] for row in np.asarray(Z)]
    job = json.dumps({"Z": Z, "xs": xs.tolist(), "ys": ys.tolist(), "levels": levels})
    out = subprocess.run([NODE, str(DRIVER), str(page.WEB)], input=job, capture_output=True,
                         text=True, check=True, timeout=120)  # fmt: skip
    drawn = json.loads(out.stdout)
    # all the levels in one pass draw, level by level, the very lines of a pass per level
    assert drawn["levels"] == drawn["single"]
    return [[np.array(line, dtype=float).T for line in lines] for lines in drawn["levels"]]


def canonical(line):
    """A polyline as a comparable tuple: closed ones from their smallest point, either way."""
    pts = [tuple(p) for p in np.round(line, 12)]
    if pts[0] == pts[-1]:  # closed: any start, any direction
        ring = pts[:-1]
        k = ring.index(min(ring))
        forward = ring[k:] + ring[:k]
        backward = forward[:1] + forward[1:][::-1]
        return ("closed", min(tuple(forward), tuple(backward)))
    return ("open", min(tuple(pts), tuple(pts[::-1])))


SURFACES = {
    # a bent valley: closed rings at low levels, lines cut by the border above
    "valley": lambda X, Y: (1 - X) ** 2 + 5 * (Y - X**2) ** 2 - 0.3 * X * Y,
    # a saddle: at its own level the cells around the centre are ambiguous
    "saddle": lambda X, Y: X * Y + 0.05 * X,
    # several wells: more than one ring at a level
    "wells": lambda X, Y: np.sin(2 * X) * np.cos(2 * Y) + 0.1 * X,
}


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_the_page_draws_the_contours_matplotlib_draws(name):
    xs, ys = np.linspace(-2, 2, 41), np.linspace(-1.5, 2.5, 37)
    X, Y = np.meshgrid(xs, ys)
    Z = SURFACES[name](X, Y)
    levels = [float(v) for v in np.quantile(Z, [0.05, 0.3, 0.5, 0.8])] + [0.013]
    gen = contourpy.contour_generator(X, Y, Z, name="serial", line_type="Separate")
    drawn = 0
    for level, lines in zip(levels, page_lines(xs, ys, Z, levels), strict=True):
        expected = sorted(canonical(line) for line in gen.lines(level))
        assert sorted(canonical(line) for line in lines) == expected, f"{name} at {level}"
        drawn += len(expected)
    assert drawn >= len(levels)  # every level crosses the grid


def test_a_level_outside_the_values_draws_nothing_and_nan_cells_are_left_out():
    xs = ys = np.linspace(0, 1, 5)  # a grid step of 0.25
    X, Y = np.meshgrid(xs, ys)
    Z = X + Y  # linear: the interpolated crossings lie exactly on the line x + y = level
    (none, (line,)) = page_lines(xs, ys, Z, [5.0, 1.1])
    assert none == []
    x, y = line.T  # one polyline from the right border to the top one
    assert np.abs(x + y - 1.1).max() <= 2e-16
    assert np.allclose(sorted([x[0], x[-1]]), [0.1, 1.0], rtol=0, atol=1e-15)
    Z[2, 2] = np.nan  # the value at (0.5, 0.5): the four cells around it are left out
    (pieces,) = page_lines(xs, ys, Z, [1.1])
    assert len(pieces) == 2  # the line is cut where it crosses those cells
    for x, y in (piece.T for piece in pieces):
        assert np.abs(x + y - 1.1).max() <= 2e-16
        assert not np.any((0.25 < x) & (x < 0.75) & (0.25 < y) & (y < 0.75))
