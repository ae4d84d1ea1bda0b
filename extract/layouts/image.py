"""A scanned page's pixels → an upright black-and-white page, its ruling lines, and the ink
inside a box.

Scans arrive slightly turned, speckled and grey; Tesseract reads a straight, clean,
black-on-white page far better, and without the table's lines (it reads a rule beside a digit
as 1, | or 一). Everything here is numpy on a page's pixels, no OpenCV or SciPy (neither is a
dependency). Sizes are in pixels: the caller scales them to the resolution (`formats.scan`).

- `otsu`, `sauvola`, `drop_specks`: ink from paper, and noise specks off the ink;
- `skew_angle`: the angle whose projection profile of the ink is sharpest (text lines and rules
  are horizontal only when the page is straight);
- `find_rules`: long thin runs of ink, horizontal and vertical, that meet one another;
- `ink_box`: where the text of a cell is.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Box = tuple[int, int, int, int]  # x0, top, x1, bottom in pixels; x1 and bottom exclusive


@dataclass(frozen=True)
class RuleShape:
    """What a ruling line looks like, in pixels at the page's resolution."""
    length: int        # at least this long: a Chinese character's stroke is shorter
    gap: int           # breaks this short (noise) and drift this small (a residual tilt) bridged
    thickness: int     # at most this thick: a thicker run is a blot or a bar
    drawn: float       # share of its length in ink


def otsu(gray: np.ndarray) -> int:
    """The grey level that best splits the page into ink and paper (Otsu 1979): ink is below."""
    hist = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    w0 = np.cumsum(hist)
    m0 = np.cumsum(hist * np.arange(256))
    w1 = total - w0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (m0[-1] * w0 / total - m0) ** 2 / (w0 * w1 / total)
    between[~np.isfinite(between)] = 0
    return int(np.argmax(between)) + 1


def sauvola(gray: np.ndarray, window: int, k: float, block: int = 4) -> np.ndarray:
    """Ink by a threshold that follows the page (Sauvola 2000): darker than the neighbourhood's
    mean by a share of it that shrinks where the neighbourhood has contrast. A faint stroke of a
    150 dpi scan (the 一 of 三安全一稳定, grey where Otsu's one threshold for the page takes it
    for paper) is ink next to white paper; a shaded cell's grey is not, having no contrast.
    The mean and deviation are taken over blocks of `block` pixels, which keeps it fast and small."""
    h, w = gray.shape
    hb, wb = -(-h // block), -(-w // block)
    padded = np.pad(gray, ((0, hb * block - h), (0, wb * block - w)), mode="edge").reshape(hb, block, wb, block)
    s1 = padded.sum(axis=(1, 3), dtype=np.int64).astype(np.float64)
    s2 = np.square(padded, dtype=np.uint16).sum(axis=(1, 3), dtype=np.int64).astype(np.float64)
    n = max(1, window // block) | 1
    count = _box(np.ones_like(s1), n) * block ** 2
    mean = _box(s1, n) / count
    deviation = np.sqrt(np.maximum(_box(s2, n) / count - mean * mean, 0.0))
    threshold = mean * (1 + k * (deviation / 128 - 1))
    # compared block by block: no full-size threshold image
    return (padded < threshold[:, None, :, None]).reshape(hb * block, wb * block)[:h, :w]


def _box(a: np.ndarray, n: int) -> np.ndarray:
    """Sums over the n×n neighbourhood of every element (edges: what lies inside)."""
    r = n // 2
    cs = np.pad(a, ((r + 1, r), (r + 1, r))).cumsum(0).cumsum(1)
    h, w = a.shape
    return cs[n:n + h, n:n + w] - cs[:h, n:n + w] - cs[n:n + h, :w] + cs[:h, :w]


def drop_specks(mask: np.ndarray, least: int, reach: int) -> np.ndarray:
    """The ink without noise: pieces of fewer than `least` pixels are dropped unless they lie
    within about `reach` pixels of a larger piece (a decimal point, the dot of 、 beside their
    characters). Tesseract reads a lone speck as a character (。, 四, 和) and a speck beside a
    digit as part of it."""
    ys, xs, xe = _all_runs(mask)
    if not len(ys):
        return mask
    label = _label_runs(ys, xs, xe, mask.shape[1])
    area = np.bincount(label, weights=xe - xs)
    small = area[label] < least
    if not small.any():
        return mask
    # where the large pieces are, in blocks of `reach` pixels: each of their runs marks the
    # blocks of its ends and middle (a long run's other blocks are a rule's, no text to keep)
    b = max(1, reach)
    h, w = mask.shape
    grid = np.zeros((-(-h // b), -(-w // b)), dtype=bool)
    big = ~small
    for x in (xs[big], xe[big] - 1, (xs[big] + xe[big] - 1) // 2):
        grid[ys[big] // b, x // b] = True
    near = _bridge(_bridge(grid, 1, 0), 1, 1)  # those blocks and their neighbours
    yi, xi = ys[small] // b, xs[small] // b
    touching = near[yi, xi] | near[yi, (xe[small] - 1) // b]
    keep = np.zeros(len(area), dtype=bool)
    np.logical_or.at(keep, label[small], touching)
    gone = np.flatnonzero(small & ~keep[label])
    out = mask.copy()
    lengths = xe[gone] - xs[gone]
    rows = np.repeat(ys[gone], lengths)
    cols = np.repeat(xs[gone] - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))
    out[rows, cols] = False
    return out


def pieces(mask: np.ndarray) -> list[tuple[int, int, int, int, int]]:
    """The connected pieces of ink (8-connected) as (x0, top, x1, bottom, pixels)."""
    ys, xs, xe = _all_runs(mask)
    if not len(ys):
        return []
    label = _label_runs(ys, xs, xe, mask.shape[1])
    roots, label = np.unique(label, return_inverse=True)
    n = len(roots)
    x0, top = np.full(n, mask.shape[1]), np.full(n, mask.shape[0])
    x1, bottom = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    np.minimum.at(x0, label, xs)
    np.maximum.at(x1, label, xe)
    np.minimum.at(top, label, ys)
    np.maximum.at(bottom, label, ys + 1)
    area = np.bincount(label, weights=xe - xs).astype(np.int64)
    return list(zip(x0.tolist(), top.tolist(), x1.tolist(), bottom.tolist(), area.tolist(), strict=True))


def _all_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every row's runs of ink: rows, starts, ends (exclusive), sorted by row then start."""
    h, w = mask.shape
    padded = np.zeros((h, w + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    d = np.diff(padded, axis=1)
    ys, xs = np.nonzero(d == 1)
    _, xe = np.nonzero(d == -1)
    return ys.astype(np.int64), xs.astype(np.int64), xe.astype(np.int64)


def _label_runs(ys: np.ndarray, xs: np.ndarray, xe: np.ndarray, width: int) -> np.ndarray:
    """A label per run, the same for runs of one piece: each run is joined to the runs of the
    row above that it touches (diagonals included), and labels spread along the joins until
    they settle (taking the least, with pointer jumping: a few rounds for a character)."""
    n = len(ys)
    stride = width + 2
    start_key = ys * stride + xs
    end_key = ys * stride + xe
    above = (ys - 1) * stride
    # the runs of the row above touching run i form a contiguous range of the sorted runs
    lo = np.searchsorted(end_key, above + xs, side="left")
    hi = np.searchsorted(start_key, above + xe, side="right")
    count = np.maximum(hi - lo, 0)
    src = np.repeat(np.arange(n), count)
    dst = np.repeat(lo, count) + (np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count))
    label = np.arange(n)
    while True:
        joined = np.minimum(label[src], label[dst])
        new = label.copy()
        np.minimum.at(new, src, joined)
        np.minimum.at(new, dst, joined)
        new = new[new[new]]
        if np.array_equal(new, label):
            return label
        label = new


def skew_angle(mask: np.ndarray, max_degrees: float, step: float) -> float:
    """Degrees the page's content is turned, counter-clockwise positive as Pillow's `rotate`
    counts (so `rotate(-angle)` straightens it). The ink's horizontal projection is sharpest
    (text lines and rules each in few rows) when the angle is undone; searched in `step`s, then
    ten times finer around the best. A sample of the ink pixels is enough and keeps it fast."""
    ys, xs = np.nonzero(mask)
    if len(xs) < 100:
        return 0.0
    if len(xs) > 300_000:
        pick = np.random.default_rng(0).choice(len(xs), 300_000, replace=False)
        ys, xs = ys[pick], xs[pick]
    xs = xs.astype(np.float64) - mask.shape[1] / 2
    ys = ys.astype(np.float64)

    def sharpness(angle: float) -> float:
        rows = np.round(ys + xs * np.tan(np.radians(angle))).astype(np.int64)
        hist = np.bincount(rows - rows.min()).astype(np.float64)
        return float(np.sum(np.diff(hist) ** 2))

    def best(angles: np.ndarray) -> float:
        return float(angles[int(np.argmax([sharpness(a) for a in angles]))])

    coarse = best(np.arange(-max_degrees, max_degrees + step / 2, step))
    return best(np.arange(coarse - step, coarse + step + step / 20, step / 10))


def sideways(mask: np.ndarray, rule: int) -> bool:
    """Whether the page's lines run up or down it: the projection of its text (its ink but for
    runs of `rule` pixels or more, a table's rules) onto a row is less sharp than onto a column,
    each scaled to its length. Text lines make the projection across them sharp."""
    text = mask & ~_long_runs(mask, rule) & ~_long_runs(mask.T, rule).T
    if text.sum() < 100:
        return False

    def sharpness(axis: int) -> float:
        hist = text.sum(axis=axis).astype(np.float64)
        return float(np.sum(np.diff(hist) ** 2)) * len(hist)

    return sharpness(1) < sharpness(0)


def _runs(line: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of True in a 1-D boolean array, end exclusive."""
    padded = np.concatenate(([False], line, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _long_runs(mask: np.ndarray, length: int) -> np.ndarray:
    """Pixels lying in a horizontal run of at least `length` ink pixels: an opening with a
    1×length line, by running sums."""
    h, w = mask.shape
    if w < length:
        return np.zeros_like(mask)
    cs = np.zeros((h, w + 1), dtype=np.int32)
    np.cumsum(mask, axis=1, out=cs[:, 1:])
    full = (cs[:, length:] - cs[:, :-length]) == length  # the window starting at j is all ink
    del cs
    starts = np.zeros((h, full.shape[1] + 1), dtype=np.int32)
    np.cumsum(full, axis=1, out=starts[:, 1:])
    # pixel j lies in a full window when one starts in [j-length+1, j]
    idx = np.arange(w)
    hi = np.minimum(idx, full.shape[1] - 1) + 1
    lo = np.maximum(idx - length + 1, 0)
    return (starts[:, hi] - starts[:, lo]) > 0


def _bridge(mask: np.ndarray, gap: int, axis: int) -> np.ndarray:
    """The mask grown by `gap` pixels both ways along `axis`."""
    out = mask.copy()
    n = mask.shape[axis]
    for d in range(1, min(gap, n - 1) + 1):
        if axis == 0:
            out[d:] |= mask[:-d]
            out[:-d] |= mask[d:]
        else:
            out[:, d:] |= mask[:, :-d]
            out[:, :-d] |= mask[:, d:]
    return out


def shrink(mask: np.ndarray, factor: int) -> np.ndarray:
    """The mask at 1/factor of its resolution, a pixel inked when any of its block is."""
    h, w = mask.shape
    hb, wb = -(-h // factor), -(-w // factor)
    grid = np.zeros((hb * factor, wb * factor), dtype=bool)
    grid[:h, :w] = mask
    return np.asarray(grid.reshape(hb, factor, wb, factor).any(axis=(1, 3)))


def find_rules(mask: np.ndarray, shape: RuleShape) -> list[Box]:
    """The ruling lines of an upright page's ink, horizontal ones then vertical ones, each as
    the band of pixels it covers.

    A candidate is a long thin run of ink, bridged over breaks and a pixel or two of drift.
    Bold or large text makes such runs too (a title's 一, a row of bold strokes), but a rule
    ends at other rules or crosses them, a cell border meeting one at each end, and a run
    through text does not: candidates meeting fewer than two of the other direction are
    dropped, until every one left meets two. (Paper beside a rule tells nothing in a tight
    table, where text crowds its rules on both sides.)"""
    gap = shape.gap
    horizontal = _long_runs(_bridge(_bridge(mask, gap, 0), gap, 1), shape.length) & mask
    vertical = _long_runs(_bridge(_bridge(mask, gap, 1), gap, 0).T, shape.length).T & mask
    h = [b for b in _bands(horizontal, gap) if _ruled(mask, b, shape)]
    v = [(t, x0, b, x1) for x0, t, x1, b in _bands(vertical.T, gap) if _ruled(mask.T, (x0, t, x1, b), shape)]
    reach = 2 * gap + 1
    while True:
        meets = [[j for j, (vx0, vt_, vx1, vb) in enumerate(v)
                  if x0 - reach <= (vx0 + vx1) / 2 <= x1 + reach and vt_ - reach <= (t + b) / 2 <= vb + reach]
                 for x0, t, x1, b in h]
        h_ok = [len(m) >= 2 for m in meets]
        v_count = [0] * len(v)
        for i, m in enumerate(meets):
            if h_ok[i]:
                for j in m:
                    v_count[j] += 1
        v_ok = [n >= 2 for n in v_count]
        if all(h_ok) and all(v_ok):
            return h + v
        h = [b for b, ok in zip(h, h_ok, strict=True) if ok]
        v = [b for b, ok in zip(v, v_ok, strict=True) if ok]


def _bands(rule_mask: np.ndarray, gap: int) -> list[Box]:
    """Horizontal runs of a mask of rule pixels: bands of adjacent rows, and each band's runs
    along x (breaks up to `gap` closed)."""
    rows = np.flatnonzero(rule_mask.any(axis=1))
    out: list[Box] = []
    for band in np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1) if len(rows) else []:
        top, bottom = int(band[0]), int(band[-1]) + 1
        cols = np.asarray(rule_mask[top:bottom].any(axis=0))
        for x0, x1 in _runs(_bridge(cols[None, :], gap, 1)[0]):
            out.append((x0, top, x1, bottom))
    return out


def _ruled(mask: np.ndarray, band: Box, shape: RuleShape) -> bool:
    """Is this horizontal band thin, with ink all along it?"""
    x0, top, x1, bottom = band
    drawn = mask[max(top - 1, 0): bottom + 1, x0:x1].any(axis=0).mean()
    return bottom - top <= shape.thickness and drawn >= shape.drawn


def erase(mask: np.ndarray, bands: list[Box], pad: int) -> np.ndarray:
    """The ink with these bands (and `pad` pixels around them: the rule's grey fringe) cleared."""
    out = mask.copy()
    h, w = mask.shape
    for x0, top, x1, bottom in bands:
        out[max(top - pad, 0): min(bottom + pad, h), max(x0 - pad, 0): min(x1 + pad, w)] = False
    return out


def ink_box(mask: np.ndarray, box: Box, least: int, join: tuple[int, int]) -> Box | None:
    """The box around the text inside `box`, None when there is none. The text is the largest
    piece of ink and the pieces of `least` pixels or more within `join` (x, y) pixels of it,
    and of them in turn: a speck farther off is left out (a decimal point between two digits
    is in). Words of a line stand wider apart than its lines do."""
    x0, top, x1, bottom = box
    if x1 <= x0 or bottom <= top or not mask[top:bottom, x0:x1].any():
        return None
    found = [p for p in pieces(mask[top:bottom, x0:x1]) if p[4] >= least]
    if not found:
        return None
    found.sort(key=lambda p: -p[4])
    bx0, bt, bx1, bb = found[0][:4]
    rest = found[1:]
    grown = True
    while grown:
        grown = False
        for p in list(rest):
            if p[0] - join[0] <= bx1 and bx0 <= p[2] + join[0] and p[1] - join[1] <= bb and bt <= p[3] + join[1]:
                bx0, bt, bx1, bb = min(bx0, p[0]), min(bt, p[1]), max(bx1, p[2]), max(bb, p[3])
                rest.remove(p)
                grown = True
    return x0 + bx0, top + bt, x0 + bx1, top + bb
