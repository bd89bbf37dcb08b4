"""The shitstorm model: the negative-binomial tail against brute-force sums, and the detector on
synthetic weeks — no alarm on normal weeks with the client's posts at varying times, warnings and
alarms for storms of three, five and ten times the usual."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from agency.community import detection
from agency.community.detection import negative_binomial_sf, regularized_beta
from tests.community.synthetic import DAY, normal_weeks, storm


def _pmf(k: int, mean: float, size: float) -> float:
    p = size / (size + mean)
    return math.exp(math.lgamma(k + size) - math.lgamma(size) - math.lgamma(k + 1) + size * math.log(p)
                    + k * math.log1p(-p))


def _tail_by_summation(x: int, mean: float, size: float) -> float:
    # Sum the upper tail itself (no 1 − cdf cancellation) far past where the terms matter.
    return math.fsum(_pmf(k, mean, size) for k in range(x, x + 20_000))


@pytest.mark.parametrize(("observed", "mean", "size"), [
    (15, 5, 4), (25, 5, 4), (15, 5, 10), (60, 20, 4), (87, 9, 3.3), (10, 0.5, 2), (150, 100, 50), (7, 3, 1),
    (1, 0.2, 0.7), (300, 40, 12.5), (40, 16.5, 11.3), (2, 2, 2), (500, 450, 200), (12, 9, 0.8),
])
def test_tail_matches_brute_force_summation(observed, mean, size):
    expected = _tail_by_summation(observed, mean, size)
    assert negative_binomial_sf(observed, mean, size) == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_tail_known_values():
    # Size 1 is the geometric distribution: P(X ≥ x) = (1 − p)^x exactly.
    for x in (1, 5, 30):
        assert negative_binomial_sf(x, 3.0, 1.0) == pytest.approx((3 / 4) ** x, rel=1e-12)
    # A huge size is Poisson: P(X ≥ 10 | λ = 2), computed exactly with fractions.
    poisson = 1 - sum(Fraction(2) ** k / math.factorial(k) for k in range(10)) * Fraction(math.exp(-2))
    assert negative_binomial_sf(10, 2.0, 1e7) == pytest.approx(float(poisson), rel=1e-4)
    assert negative_binomial_sf(0, 5, 2) == 1.0 and negative_binomial_sf(3, 0, 2) == 0.0
    assert 0 < negative_binomial_sf(1000, 5, 4) < 1e-100  # far tails keep their precision


def test_regularized_beta_identities():
    assert regularized_beta(3.5, 3.5, 0.5) == pytest.approx(0.5, abs=1e-14)
    assert regularized_beta(1, 1, 0.3) == pytest.approx(0.3, abs=1e-14)
    assert regularized_beta(4, 1, 0.6) == pytest.approx(0.6 ** 4, rel=1e-12)
    for a, b, x in ((2.5, 7.0, 0.2), (30, 2, 0.95), (0.5, 0.5, 0.1)):
        assert regularized_beta(a, b, x) == pytest.approx(1 - regularized_beta(b, a, 1 - x), abs=1e-13)
    with pytest.raises(ValueError):
        regularized_beta(0, 1, 0.5)


@pytest.fixture(scope="module")
def busy():
    """A busy account: about 20 items an hour by day, and a big wave after each of the client's posts."""
    return normal_weeks(10, seed=7, per_hour=20, wave_size=400)


@pytest.mark.parametrize("seed", [7, 11, 23])
def test_no_alarm_on_eight_normal_weeks(seed):
    traffic = normal_weeks(10, seed=seed, per_hour=20, wave_size=400)
    results = detection.replay(traffic.series(), traffic.start + 2 * detection.WEEK, traffic.end)
    assert len(results) == 8 * 7 * 24 * 4
    assert [a for a in results if a.level != "none"] == []


def test_the_waves_after_posts_are_what_keeps_it_quiet(busy):
    """Not vacuous: the same traffic without knowing which comments answer a fresh post raises alarms."""
    rows = [(bucket, neg, kw, None, None, n) for bucket, neg, kw, _post, _start, n in busy.rows]
    blind = detection.Series(rows, first_seen=busy.start, start=busy.start, end=busy.end)
    results = detection.replay(blind, busy.start + 2 * detection.WEEK, busy.end)
    assert sum(1 for a in results if a.level != "none") > 0


def test_warm_up_raises_nothing(busy):
    series = busy.series(storm(busy, at=busy.start + 10 * DAY, negatives=1000))
    assessment = detection.assess(series, busy.start + 10 * DAY + 12)
    assert assessment.level == "warming_up" and assessment.weeks == 1


def _storm_at(busy):
    return busy.start + 9 * detection.WEEK + DAY + 14 * 12  # a Tuesday, 14:00


@pytest.mark.parametrize(("factor", "hours", "level", "reason"), [
    (3, 1, "warning", None), (3, 2, "alarm", "persisted"), (5, 1, "alarm", None), (10, 1, "alarm", "ratio"),
])
def test_synthetic_storms(busy, factor, hours, level, reason):
    at = _storm_at(busy)
    usual = detection.assess(busy.series(), at + 12).expected_negative
    extra = storm(busy, at=at, negatives=round(factor * usual) * hours, minutes=60 * hours)
    assessment = detection.assess(busy.series(extra), at + 12 * hours)
    assert assessment.level == level, assessment
    assert assessment.negative >= detection.MIN_COUNT and assessment.p_value < detection.P_WARNING
    if reason:
        assert reason in assessment.reasons
    assert assessment.ratio >= factor * 0.9


def test_small_numbers_never_alarm(busy):
    """The minimum-volume guard: nine negative comments at night are not a shitstorm, however unusual."""
    at = busy.start + 9 * detection.WEEK + 2 * DAY + 3 * 12  # Wednesday, 03:00
    assessment = detection.assess(busy.series(storm(busy, at=at, negatives=9)), at + 12)
    assert assessment.level == "none" and assessment.p_value < 1e-3


def test_crisis_keywords_turn_a_warning_into_an_alarm(busy):
    at = _storm_at(busy)
    usual = detection.assess(busy.series(), at + 12).expected_negative
    plain = detection.assess(busy.series(storm(busy, at=at, negatives=round(3 * usual))), at + 12)
    worded = detection.assess(busy.series(storm(busy, at=at, negatives=round(3 * usual), keyword_share=0.8)), at + 12)
    assert plain.level == "warning"
    assert worded.level == "alarm" and "keywords" in worded.reasons


def test_windows_and_buckets():
    rows = [(100, True, False, None, None, 2), (105, False, True, None, None, 3), (111, True, False, "p", 100, 1)]
    series = detection.Series(rows, first_seen=0, start=90, end=130)
    assert series.window("total", 112) == 6 and series.window("negative", 112) == 3
    assert series.window("keyword", 105) == 0 and series.window("keyword", 106) == 3
    assert series.window("fresh_total", 112) == 1 and series.window("total", 80) == 0
    assert detection.bucket_of(600) == 2
