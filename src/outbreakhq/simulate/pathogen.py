"""Pathogen presets: the natural history of infection, read from a TOML file next to this module.

The engine runs in whole days, so the continuous distributions of the literature are turned into
daily probability mass functions here, once, and every other module reads those.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import stats

PATHOGEN_DIR = Path(__file__).resolve().parent / "pathogens"


class PathogenError(ValueError):
    """A preset that is missing, malformed or inconsistent; the message names the key."""


def _gamma(mean: float, sd: float) -> stats.rv_continuous:
    shape = (mean / sd) ** 2
    return stats.gamma(a=shape, scale=mean / shape)


def daily_pmf(dist: stats.rv_continuous, *, max_days: int) -> np.ndarray:
    """P(interval = k days) for k = 0..max_days, k being the continuous value rounded to a day.

    Day 0 is folded into day 1: in a daily engine an infection cannot pass on the same day it
    happened, and the mass below half a day is small (under 1 % for the BA.5 preset).
    """
    edges = np.arange(max_days + 1) + 0.5
    cdf = dist.cdf(edges)
    pmf = np.diff(np.concatenate([[0.0], cdf]))
    pmf[1] += pmf[0]
    pmf[0] = 0.0
    return pmf / pmf.sum()


@dataclass(frozen=True)
class Pathogen:
    name: str
    title: str
    gi_mean: float
    gi_sd: float
    incubation_mean: float
    incubation_sd: float
    asymptomatic_share: float
    asymptomatic_relative_infectiousness: float
    pcr_positive_from_day: int
    pcr_positive_until_day: int
    pcr_sensitivity: float
    severity_age_from: tuple[int, ...]
    severity_moderate: tuple[float, ...]
    severity_severe: tuple[float, ...]
    severity_critical: tuple[float, ...]
    gi_max_days: int = 14

    @property
    def generation_pmf(self) -> np.ndarray:
        """Daily generation-interval weights w[k], k = 0..max (w[0] = 0); they sum to 1."""
        return daily_pmf(_gamma(self.gi_mean, self.gi_sd), max_days=self.gi_max_days)

    @property
    def generation_mean_days(self) -> float:
        """Mean of the discretised generation interval: what the engine realises."""
        pmf = self.generation_pmf
        return float(np.dot(np.arange(pmf.size), pmf))

    def draw_incubation_days(self, rng: np.random.Generator, *, size: int) -> np.ndarray:
        """Whole days from infection to onset, at least 1 (rounded continuous draws)."""
        sigma2 = np.log1p((self.incubation_sd / self.incubation_mean) ** 2)
        mu = np.log(self.incubation_mean) - sigma2 / 2
        days = np.rint(rng.lognormal(mu, np.sqrt(sigma2), size=size))
        return np.clip(days, 1, 21).astype(np.int16)

    def draw_severity(self, rng: np.random.Generator, *, ages: np.ndarray) -> np.ndarray:
        """Severity codes 0 mild, 1 moderate, 2 severe, 3 critical, by age band."""
        band = np.searchsorted(np.asarray(self.severity_age_from), ages, side="right") - 1
        critical = np.asarray(self.severity_critical)[band]
        severe = critical + np.asarray(self.severity_severe)[band]
        moderate = severe + np.asarray(self.severity_moderate)[band]
        u = rng.random(ages.size)
        return (u < moderate).astype(np.int8) + (u < severe) + (u < critical)


def available() -> list[str]:
    return sorted(p.stem for p in PATHOGEN_DIR.glob("*.toml"))


def load(name: str = "omicron-ba5") -> Pathogen:
    """Read preset `name` from src/outbreakhq/simulate/pathogens/<name>.toml."""
    path = PATHOGEN_DIR / f"{name}.toml"
    if not path.is_file():
        raise PathogenError(f"unknown pathogen {name!r}; available: {', '.join(available())}")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    try:
        gi, inc, inf, sev = (data[k] for k in ("generation_interval", "incubation", "infection",
                                               "severity"))
        pathogen = Pathogen(
            name=data["meta"]["name"], title=data["meta"]["title"],
            gi_mean=float(gi["mean"]), gi_sd=float(gi["sd"]), gi_max_days=int(gi["max_days"]),
            incubation_mean=float(inc["mean"]), incubation_sd=float(inc["sd"]),
            asymptomatic_share=float(inf["asymptomatic_share"]),
            asymptomatic_relative_infectiousness=float(
                inf["asymptomatic_relative_infectiousness"]),
            pcr_positive_from_day=int(inf["pcr_positive_from_day"]),
            pcr_positive_until_day=int(inf["pcr_positive_until_day"]),
            pcr_sensitivity=float(inf["pcr_sensitivity"]),
            severity_age_from=tuple(sev["age_from"]), severity_moderate=tuple(sev["moderate"]),
            severity_severe=tuple(sev["severe"]), severity_critical=tuple(sev["critical"]),
        )
    except KeyError as exc:
        raise PathogenError(f"{name}: missing key {exc.args[0]!r}") from None
    if gi.get("distribution") != "gamma" or inc.get("distribution") != "lognormal":
        raise PathogenError(f"{name}: the engine draws a gamma generation interval and a "
                            "lognormal incubation period; set distribution accordingly")
    bands = {len(pathogen.severity_age_from), len(pathogen.severity_moderate),
             len(pathogen.severity_severe), len(pathogen.severity_critical)}
    if len(bands) != 1:
        raise PathogenError(f"{name}: severity lists must have one value per age band")
    return pathogen
