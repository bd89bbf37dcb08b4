"""Shitstorm detection: is the last hour's negative traffic of a workspace out of the ordinary?

Pure (no database): ``Series`` holds a workspace's interactions counted in five-minute buckets,
:func:`assess` judges the hour before a given bucket. The periodic job (``jobs.detect_storms``)
fills a Series from SQL for the last nine weeks; the bench and the tests replay weeks of traffic.

The model, so that an alert can explain itself:

* **Expected count.** The same hour of the week in each of the last K weeks (2 ≤ K ≤ 8; fewer
  than two weeks of history is the warm-up, which raises nothing), counting only items that are
  *not* part of a fresh post's wave — plus, for every post of the client that is at most six
  hours old, what posts of this workspace usually draw at that age (its "wave"), learnt from the
  posts of the same K weeks. So the daily comment wave after the client's posts is expected, at
  whatever time the client posts.
* **Count model.** Social traffic is bursty, so counts are negative-binomial, not Poisson: mean
  the expected count, overdispersion φ estimated from the workspace's own weeks (variance
  ``μ + φμ²``, pooled over the 168 hours of the week, shrunk towards a prior). The tail
  probability ``P(X ≥ observed)`` is exact (regularized incomplete beta).
* **Warning** when that probability is below ``P_WARNING`` *and* the count is at least
  ``max(10, 3 × expected)`` (a minimum-volume guard: small numbers never alarm).
* **Alarm** when a warning also (a) persisted: the previous, non-overlapping hour was a warning
  too; or (b) is at least ten times the expected count; or (c) the negative share is high (≥ 60 %
  and twice the usual share); or (d) crisis keywords are frequent (≥ 25 % of the hour's items).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

BUCKET_SECONDS = 300
WINDOW = 12  # buckets: one hour
WEEK = 7 * 24 * 12
HOURS_PER_WEEK = 168
MAX_WEEKS = 8
MIN_WEEKS = 2  # the warm-up
WAVE_HOURS = 6  # a post is "fresh" this long; its comments meanwhile are its wave
WAVE = WAVE_HOURS * 12

P_WARNING = 1e-5
MIN_COUNT = 10
MIN_RATIO = 3.0
ALARM_RATIO = 10.0
NEGATIVE_SHARE = 0.6
KEYWORD_SHARE = 0.25
MIN_KEYWORDS = 5
MIN_MEAN = 0.5  # an hour that never had negative traffic still "expects" half an item

PHI_PRIOR = 0.3  # overdispersion before the data speaks (coefficient of variation ≈ 0.55)
PHI_PRIOR_WEIGHT = 25.0
PHI_MIN, PHI_MAX = 0.05, 4.0


# --- the negative-binomial tail --------------------------------------------------------------

def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz's method)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def regularized_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b), the regularized incomplete beta function, for a, b > 0 and 0 ≤ x ≤ 1.

    Evaluated by the continued fraction on the side where it converges fast, so that a tiny
    result (a far tail) keeps its relative precision instead of vanishing in ``1 - (1 - ε)``.
    """
    if a <= 0 or b <= 0:
        raise ValueError("a and b must be positive")
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_continued_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_continued_fraction(b, a, 1.0 - x) / b


def negative_binomial_sf(observed: int, mean: float, size: float) -> float:
    """P(X ≥ observed) for X negative-binomial with this mean and size (dispersion r; variance μ + μ²/r).

    With success probability p = r / (r + μ): P(X ≤ k) = I_p(r, k + 1), so
    P(X ≥ x) = 1 − I_p(r, x) = I_{1−p}(x, r).
    """
    if observed <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    if size <= 0:
        raise ValueError("size must be positive")
    return regularized_beta(float(observed), float(size), mean / (mean + size))


# --- counts in buckets ----------------------------------------------------------------------

@dataclass
class Post:
    """A post of the client (a thread of comments) and its wave: counts per hour of its age."""

    start: int  # bucket of its first comment
    totals: list[int] = field(default_factory=lambda: [0] * WAVE_HOURS)
    negatives: list[int] = field(default_factory=lambda: [0] * WAVE_HOURS)


class Series:
    """A workspace's interactions in five-minute buckets, with prefix sums for O(1) windows.

    Built from rows ``(bucket, negative, keyword, post_key, post_start_bucket, count)``: one row
    per group of interactions; ``post_key`` names the post of a comment (None for messages,
    reviews and mentions), ``post_start_bucket`` when that post's first comment came.
    """

    def __init__(self, rows: Iterable[tuple[int, bool, bool, object, int | None, int]], *,
                 first_seen: int | None, start: int | None = None, end: int | None = None) -> None:
        rows = list(rows)
        buckets = [r[0] for r in rows]
        self.start = start if start is not None else (min(buckets) if buckets else 0)
        self.end = end if end is not None else (max(buckets) + 1 if buckets else self.start)
        self.first_seen = first_seen
        size = max(0, self.end - self.start)
        total, negative, keyword = [0] * size, [0] * size, [0] * size
        fresh_total, fresh_negative = [0] * size, [0] * size
        self.posts: dict[object, Post] = {}
        for bucket, is_negative, has_keyword, post_key, post_start, count in rows:
            index = bucket - self.start
            if not 0 <= index < size or count <= 0:
                continue
            total[index] += count
            if is_negative:
                negative[index] += count
            if has_keyword:
                keyword[index] += count
            if post_key is not None and post_start is not None and 0 <= bucket - post_start < WAVE:
                fresh_total[index] += count
                post = self.posts.get(post_key)
                if post is None:
                    post = self.posts[post_key] = Post(post_start)
                hour = (bucket - post_start) // 12
                post.totals[hour] += count
                if is_negative:
                    fresh_negative[index] += count
                    post.negatives[hour] += count
        self._prefix = {name: _prefix(values) for name, values in (
            ("total", total), ("negative", negative), ("keyword", keyword), ("fresh_total", fresh_total),
            ("fresh_negative", fresh_negative))}
        self.post_starts = sorted((p.start, key) for key, p in self.posts.items())

    def window(self, name: str, end: int, length: int = WINDOW) -> int:
        """The sum of ``name`` over the ``length`` buckets before ``end``."""
        prefix = self._prefix[name]
        hi = min(max(end - self.start, 0), len(prefix) - 1)
        lo = min(max(end - length - self.start, 0), len(prefix) - 1)
        return prefix[hi] - prefix[lo]


def _prefix(values: list[int]) -> list[int]:
    sums = [0] * (len(values) + 1)
    running = 0
    for index, value in enumerate(values):
        running += value
        sums[index + 1] = running
    return sums


# --- the assessment -----------------------------------------------------------------------

@dataclass(frozen=True)
class Assessment:
    """The verdict on the hour before ``end`` (a bucket index), with the numbers that explain it."""

    end: int
    level: str  # "warming_up", "none", "warning", "alarm"
    negative: int = 0
    expected_negative: float = 0.0
    total: int = 0
    expected_total: float = 0.0
    keyword: int = 0
    p_value: float = 1.0
    phi: float = PHI_PRIOR
    weeks: int = 0
    fresh_posts: int = 0
    expected_from_posts: float = 0.0
    reasons: tuple[str, ...] = ()

    @property
    def ratio(self) -> float:
        return self.negative / self.expected_negative if self.expected_negative > 0 else 0.0

    @property
    def negative_share(self) -> float:
        return self.negative / self.total if self.total else 0.0

    def as_dict(self) -> dict:
        return {"end": self.end, "level": self.level, "negative": self.negative,
                "expected_negative": round(self.expected_negative, 2), "total": self.total,
                "expected_total": round(self.expected_total, 2), "keyword": self.keyword,
                "p_value": self.p_value, "phi": round(self.phi, 3), "weeks": self.weeks,
                "fresh_posts": self.fresh_posts, "expected_from_posts": round(self.expected_from_posts, 2),
                "ratio": round(self.ratio, 2), "reasons": list(self.reasons)}


def available_weeks(series: Series, end: int) -> int:
    if series.first_seen is None:
        return 0
    return max(0, min(MAX_WEEKS, (end - series.first_seen) // WEEK))


def dispersion(series: Series, end: int, weeks: int) -> float:
    """φ of the workspace's negative counts per hour, pooled over the hours of the week.

    Method of moments per hour of the week (the same hour in ``weeks`` weeks), pooled as
    Σ(s² − m)⁺ / Σm², shrunk towards ``PHI_PRIOR`` so that a quiet workspace keeps a sane value.
    """
    if weeks < 2:
        return PHI_PRIOR
    excess = squares = 0.0
    for hour in range(HOURS_PER_WEEK):
        values = [_rest(series, "negative", end - hour * WINDOW - k * WEEK) for k in range(1, weeks + 1)]
        mean = sum(values) / weeks
        variance = sum((v - mean) ** 2 for v in values) / (weeks - 1)
        excess += max(0.0, variance - mean)
        squares += mean * mean
    phi = (excess + PHI_PRIOR * PHI_PRIOR_WEIGHT) / (squares + PHI_PRIOR_WEIGHT)
    return min(PHI_MAX, max(PHI_MIN, phi))


def _rest(series: Series, name: str, end: int) -> int:
    """Items in the hour before ``end`` that were not part of a fresh post's wave."""
    return series.window(name, end) - series.window(f"fresh_{name}", end)


def _wave_profile(series: Series, end: int, weeks: int) -> tuple[list[float], list[float]]:
    """What a post draws per hour of its age (totals, negatives), from posts whose wave is over."""
    first = end - weeks * WEEK
    last = end - WINDOW - WAVE  # waves still running would look smaller than they are
    totals, negatives, count = [0.0] * WAVE_HOURS, [0.0] * WAVE_HOURS, 0
    for start, key in series.post_starts:
        if start < first:
            continue
        if start >= last:
            break
        post = series.posts[key]
        count += 1
        for hour in range(WAVE_HOURS):
            totals[hour] += post.totals[hour]
            negatives[hour] += post.negatives[hour]
    if count:
        totals = [t / count for t in totals]
        negatives = [n / count for n in negatives]
    return totals, negatives


def _expected_from_posts(series: Series, end: int, profile: tuple[list[float], list[float]]
                         ) -> tuple[int, float, float]:
    """(fresh posts, expected total, expected negatives) from the waves running in the hour before ``end``."""
    totals, negatives = profile
    posts = expected_total = expected_negative = 0.0
    window_start = end - WINDOW
    for start, _key in series.post_starts:
        if start >= end:
            break
        if start + WAVE <= window_start:
            continue
        posts += 1
        for bucket in range(max(window_start, start), min(end, start + WAVE)):
            hour = (bucket - start) // 12
            expected_total += totals[hour] / 12
            expected_negative += negatives[hour] / 12
    return int(posts), expected_total, expected_negative


def _judge(series: Series, end: int, weeks: int, phi: float) -> Assessment:
    negative = series.window("negative", end)
    total = series.window("total", end)
    keyword = series.window("keyword", end)
    rest_negative = sum(_rest(series, "negative", end - k * WEEK) for k in range(1, weeks + 1)) / weeks
    rest_total = sum(_rest(series, "total", end - k * WEEK) for k in range(1, weeks + 1)) / weeks
    posts, from_posts_total, from_posts_negative = _expected_from_posts(series, end,
                                                                        _wave_profile(series, end, weeks))
    expected_negative = max(MIN_MEAN, rest_negative + from_posts_negative)
    expected_total = max(MIN_MEAN, rest_total + from_posts_total)
    p_value = negative_binomial_sf(negative, expected_negative, 1.0 / phi)
    warning = p_value < P_WARNING and negative >= max(MIN_COUNT, MIN_RATIO * expected_negative)
    return Assessment(end=end, level="warning" if warning else "none", negative=negative,
                      expected_negative=expected_negative, total=total, expected_total=expected_total,
                      keyword=keyword, p_value=p_value, phi=phi, weeks=weeks, fresh_posts=posts,
                      expected_from_posts=from_posts_negative)


def assess(series: Series, end: int, *, phi: float | None = None) -> Assessment:
    """The verdict on the hour before bucket ``end`` (see the module docstring for the rules)."""
    weeks = available_weeks(series, end)
    if weeks < MIN_WEEKS:
        return Assessment(end=end, level="warming_up", weeks=weeks)
    phi = dispersion(series, end, weeks) if phi is None else phi
    current = _judge(series, end, weeks, phi)
    if current.level != "warning":
        return current
    reasons = []
    previous = _judge(series, end - WINDOW, weeks, phi)
    if previous.level == "warning":
        reasons.append("persisted")
    if current.ratio >= ALARM_RATIO:
        reasons.append("ratio")
    usual_share = min(1.0, current.expected_negative / current.expected_total)
    if current.total >= MIN_COUNT and current.negative_share >= max(NEGATIVE_SHARE, 2 * usual_share):
        reasons.append("negative_share")
    if current.keyword >= MIN_KEYWORDS and current.keyword >= KEYWORD_SHARE * current.total:
        reasons.append("keywords")
    level = "alarm" if reasons else "warning"
    return Assessment(**{**current.__dict__, "level": level, "reasons": tuple(reasons)})


def bucket_of(timestamp: float) -> int:
    """The bucket holding unix time ``timestamp``."""
    return int(timestamp // BUCKET_SECONDS)


def replay(series: Series, first: int, last: int, step: int = 3) -> list[Assessment]:
    """Assess every ``step``-th bucket from ``first`` to ``last`` (benchmarks and tests replaying weeks).

    The overdispersion moves slowly, so it is estimated once per day of the replay.
    """
    results = []
    phi_day, phi = None, PHI_PRIOR
    for end in range(first, last, step):
        day = end // (24 * 12)
        if day != phi_day:
            phi_day, phi = day, dispersion(series, end, available_weeks(series, end))
        results.append(assess(series, end, phi=phi))
    return results
