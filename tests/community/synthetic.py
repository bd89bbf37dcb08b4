"""Synthetic social traffic for the detector's tests: daily rhythm, bursty days, the client's posts at
varying times each followed by a wave of comments, and storms on top."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from agency.community.detection import BUCKET_SECONDS, WEEK, Series

DAY = 24 * 12


@dataclass
class Traffic:
    start: int  # first bucket (a Monday 00:00 UTC)
    weeks: int
    rows: list[tuple[int, bool, bool, object, int | None, int]] = field(default_factory=list)

    @property
    def end(self) -> int:
        return self.start + self.weeks * WEEK

    def series(self, extra=()) -> Series:
        return Series([*self.rows, *extra], first_seen=self.start, start=self.start, end=self.end)


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p < limit:
            return k
        k += 1


def normal_weeks(weeks: int = 10, *, seed: int = 7, per_hour: float = 6.0, negative_share: float = 0.2,
                 wave_size: float = 25.0, post_hours: tuple[int, int] = (8, 20)) -> Traffic:
    """``weeks`` of ordinary traffic: a daily rhythm, days busier or quieter than others (gamma noise),
    and one post of the client a day at a varying hour, followed by a decaying wave of comments."""
    rng = random.Random(seed)
    start = (1_767_571_200 // BUCKET_SECONDS)  # Monday 2026-01-05 00:00 UTC
    traffic = Traffic(start, weeks)
    for day in range(weeks * 7):
        day_factor = rng.gammavariate(8, 1 / 8)  # bursty: a day runs ±35 % around its usual volume
        weekend = 0.7 if day % 7 >= 5 else 1.0
        for bucket in range(DAY):
            hour = bucket / 12
            rhythm = 0.15 + 1.7 * math.sin(math.pi * max(0.0, hour - 6) / 17) ** 2 if 6 <= hour <= 23 else 0.15
            mean = per_hour / 12 * rhythm * day_factor * weekend
            b = start + day * DAY + bucket
            for _ in range(_poisson(rng, mean)):
                traffic.rows.append((b, rng.random() < negative_share, rng.random() < 0.01, None, None, 1))
        post_start = start + day * DAY + rng.randint(post_hours[0] * 12, post_hours[1] * 12)
        size = wave_size * rng.gammavariate(4, 1 / 4) * weekend
        for minute in range(0, 6 * 60, 5):  # a wave: most comments in the first two hours
            mean = size * (math.exp(-minute / 60) - math.exp(-(minute + 5) / 60))
            for _ in range(_poisson(rng, mean)):
                traffic.rows.append((post_start + minute // 5, rng.random() < negative_share * 0.8, False,
                                     f"post-{day}", post_start, 1))
    return traffic


def storm(traffic: Traffic, *, at: int, negatives: int, minutes: int = 60, keyword_share: float = 0.0,
          seed: int = 1) -> list[tuple[int, bool, bool, object, int | None, int]]:
    """``negatives`` negative comments spread over ``minutes`` from bucket ``at``."""
    rng = random.Random(seed)
    buckets = max(1, minutes // 5)
    return [(at + rng.randrange(buckets), True, rng.random() < keyword_share, None, None, 1) for _ in range(negatives)]
