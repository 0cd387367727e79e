"""The time-varying reproduction number by Cori et al. (2013), as R's EpiEstim `estimate_R`
computes it with a known serial interval (methods "parametric_si" and "non_parametric_si").

Day numbers are EpiEstim's: 1-based, day 1 the first row of the incidence. What EpiEstim does,
and so what this module does:

- Cases of day 1 are all imported (nobody local can have infected them): a single count
  column becomes `local` with day 1 set to 0 and `imported` equal to the count on day 1 and 0
  after; `local[1] > 0` in a local/imported series is moved to `imported[1]`.
- The serial interval `w` starts at day 0 with `w[0] = 0`. Parametric: EpiEstim's `discr_si`
  on days 0..T-1 (a gamma offset by one day, not renormalised); non-parametric: the given
  distribution, which must have w[0] = 0 and sum to 1 (within 0.01). Either is padded with
  zeros to T+1 days.
- Total infectiousness Lambda_t = sum_{s=1}^{t-1} w_s (local + imported)_{t-s}.
- Windows: t_start = 2..T-window+1, t_end = t_start+window-1. Prior gamma(shape a = (mean /
  sd)^2, scale b = sd^2 / mean), mean 5 and sd 5 by default. Posterior shape a + sum of LOCAL
  cases in the window, scale 1 / (1/b + sum of Lambda over the window).
- No estimate for a window whose end is not after the serial interval's mean (sum s w_s):
  EpiEstim drops those rows, and so does `estimate_r`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

QUANTILES = (0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975)


@dataclass(frozen=True)
class RtEstimate:
    """One window's posterior: day numbers are 1-based as EpiEstim's."""

    t_start: int
    t_end: int
    mean: float
    std: float
    quantiles: tuple[float, ...]  # at QUANTILES
    cases: int  # local cases in the window (estimates from fewer than 12 are unreliable)

    @property
    def median(self) -> float:
        return self.quantiles[3]

    @property
    def lower(self) -> float:  # the 95% credible interval
        return self.quantiles[0]

    @property
    def upper(self) -> float:
        return self.quantiles[-1]


def discr_si(k: Sequence[int] | np.ndarray, mean: float, sd: float) -> np.ndarray:
    """EpiEstim's discretised serial interval: the probability of k days between onsets for a
    gamma distribution of mean `mean` and sd `sd` shifted by one day (mean > 1, sd >= 0)."""
    if sd < 0:
        raise ValueError("the serial interval's sd must be >= 0")
    if mean <= 1:
        raise ValueError("the serial interval's mean must be > 1 (EpiEstim shifts it by one day)")
    k = np.asarray(k, dtype=float)
    if (k < 0).any():
        raise ValueError("serial interval days must be >= 0")
    a = ((mean - 1) / sd) ** 2
    b = sd ** 2 / (mean - 1)

    def cdf(x, shape):
        return stats.gamma.cdf(x, shape, scale=b)

    res = k * cdf(k, a) + (k - 2) * cdf(k - 2, a) - 2 * (k - 1) * cdf(k - 1, a)
    res = res + a * b * (2 * cdf(k - 1, a + 1) - cdf(k - 2, a + 1) - cdf(k, a + 1))
    return np.maximum(res, 0.0)


def check_si_distr(si: Sequence[float]) -> np.ndarray:
    """A non-parametric serial interval from day 0, refused as EpiEstim refuses it."""
    w = np.asarray(si, dtype=float)
    if w.ndim != 1 or len(w) < 2:
        raise ValueError("the serial interval needs at least two days (day 0 and day 1)")
    if w[0] != 0:
        raise ValueError("the serial interval must give day 0 a probability of 0")
    if (w < 0).any() or not np.isfinite(w).all():
        bad = int(np.flatnonzero((w < 0) | ~np.isfinite(w))[0])
        raise ValueError(f"the serial interval's day {bad} is not a probability >= 0")
    if abs(w.sum() - 1) > 0.01:
        raise ValueError(f"the serial interval must sum to 1 (it sums to {w.sum():.4f})")
    return w


def split_incidence(cases: Sequence[int] | None = None, *, local: Sequence[int] | None = None,
                    imported: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(local, imported) as EpiEstim's process_I makes them: day 1's cases are imported."""
    if cases is not None:
        total = np.asarray(cases, dtype=float)
        loc, imp = total.copy(), np.zeros_like(total)
    else:
        if local is None:
            raise ValueError("give either cases or local (and imported) counts")
        loc = np.asarray(local, dtype=float).copy()
        imp = (np.zeros_like(loc) if imported is None
               else np.asarray(imported, dtype=float).copy())
        if len(imp) != len(loc):
            raise ValueError("local and imported counts must cover the same days")
    loc = np.nan_to_num(loc)
    imp = np.nan_to_num(imp)
    if (loc < 0).any() or (imp < 0).any():
        raise ValueError("case counts must be >= 0")
    if len(loc):
        imp[0] += loc[0]
        loc[0] = 0
    return loc, imp


def overall_infectivity(total: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Lambda_t (index t-1 for EpiEstim's day t): sum_{s>=1} w_s total_{t-s}; day 1 is NaN."""
    n = len(total)
    w = np.concatenate([w, np.zeros(max(0, n + 1 - len(w)))])
    lam = np.convolve(total, w[: n + 1])[:n]  # lam[i] = sum_s w[s] total[i-s]; w[0] = 0
    out = lam.astype(float)
    if n:
        out[0] = np.nan
    return out


def windows(n_days: int, window: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """EpiEstim's default sliding windows over `n_days` days (1-based day numbers)."""
    if window < 1:
        raise ValueError("the window must be at least 1 day")
    t_start = np.arange(2, n_days - window + 2)
    return t_start, t_start + window - 1


def estimate_r(cases: Sequence[int] | None = None, *, local: Sequence[int] | None = None,
               imported: Sequence[int] | None = None, si_mean: float | None = None,
               si_sd: float | None = None, si_distr: Sequence[float] | None = None,
               window: int = 7, prior_mean: float = 5.0, prior_sd: float = 5.0,
               quantiles: bool = True) -> list[RtEstimate]:
    """R over sliding windows of consecutive days: `cases` (one count a day) or `local` and
    `imported`; the serial interval by `si_mean` and `si_sd` (parametric) or `si_distr` (from
    day 0). Windows EpiEstim leaves out (end not after the mean serial interval) are absent.
    `quantiles=False` skips the quantiles (NaN), the costly part, for bulk tile figures."""
    loc, imp = split_incidence(cases, local=local, imported=imported)
    n = len(loc)
    if prior_mean <= 0 or prior_sd <= 0:
        raise ValueError("the prior's mean and sd must be > 0")
    if si_distr is not None:
        w = check_si_distr(si_distr)
    else:
        if si_mean is None or si_sd is None:
            raise ValueError("give the serial interval's mean and sd, or its distribution")
        w = discr_si(np.arange(n), si_mean, si_sd)
    if len(w) < n + 1:
        w = np.concatenate([w, np.zeros(n + 1 - len(w))])
    mean_si = float((w * np.arange(len(w))).sum())
    t_start, t_end = windows(n, window)
    if not len(t_start):
        return []
    a_prior = (prior_mean / prior_sd) ** 2
    b_prior = prior_sd ** 2 / prior_mean
    lam = overall_infectivity(loc + imp, w)
    lam_c = np.concatenate([[0.0], np.cumsum(np.nan_to_num(lam))])
    loc_c = np.concatenate([[0.0], np.cumsum(loc)])
    keep = t_end > mean_si
    t_start, t_end = t_start[keep], t_end[keep]
    sum_local = loc_c[t_end] - loc_c[t_start - 1]
    sum_lam = lam_c[t_end] - lam_c[t_start - 1]
    shape = a_prior + sum_local
    scale = 1.0 / (1.0 / b_prior + sum_lam)
    mean = shape * scale
    std = np.sqrt(shape) * scale
    if quantiles:
        qs = np.array([stats.gamma.ppf(q, shape, scale=scale) for q in QUANTILES]).T
    else:
        qs = np.full((len(shape), len(QUANTILES)), np.nan)
    return [RtEstimate(int(s), int(e), float(m), float(d), tuple(float(x) for x in q), int(c))
            for s, e, m, d, q, c in zip(t_start, t_end, mean, std, qs, sum_local, strict=True)]


UNRELIABLE_BELOW = 12  # local cases in the window: the dashboards mark fewer as unreliable
