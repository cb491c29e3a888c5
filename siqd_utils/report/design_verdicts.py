"""Sentences of the design chapter (09): coverage, prediction sets and the D window of a colour.

Each function turns numbers the chapter computed into the words they support; none decides
anything the numbers do not. The threshold:

* a coverage is *on target* when it lies within :data:`COVERAGE_POINTS` percentage points
  of the nominal level (about two binomial standard deviations for 274 dots at 90 %).
"""

from __future__ import annotations

import math

__all__ = ["COVERAGE_POINTS", "coverage_sentence", "facet_effect", "facet_sentence", "sets_sentence", "window_sentence"]

#: Largest gap between empirical and nominal coverage, in percentage points, read as on target.
COVERAGE_POINTS = 3.0


def coverage_sentence(level: float, coverage: float, n: int, mean_width: float) -> dict:
    """The held-out coverage of the intervals at ``level`` beside the nominal level.

    Returns
    -------
    dict
        ``verdict`` ("on target", "over-covers" or "under-covers") and ``sentence``.
    """
    gap = 100 * (coverage - level)
    verdict = "on target" if abs(gap) <= COVERAGE_POINTS else ("over-covers" if gap > 0 else "under-covers")
    sd = 100 * math.sqrt(level * (1 - level) / n)
    sentence = (f"At {level:.0%} confidence the intervals held the true wavelength of {coverage:.1%} of the {n} "
                f"held-out dots ({gap:+.1f} points from nominal; a binomial sd is {sd:.1f} points), with a mean "
                f"width of {mean_width:.1f} nm: {verdict} (criterion: within {COVERAGE_POINTS:g} points).")
    return {"verdict": verdict, "sentence": sentence}


def sets_sentence(level: float, bands: dict, structure: dict[str, dict]) -> str:
    """How many colours the band sets hold beside the structure label sets' (``summary`` dicts by title)."""
    others = "; ".join(f"{title}: coverage {s['coverage']:.1%}, {s['mean_size']:.2f} of {s['n_classes']} classes, "
                       f"{s['single_share']:.0%} single" for title, s in structure.items())
    return (f"At {level:.0%} confidence the band classifier's sets held the true band of {bands['coverage']:.1%} of "
            f"the dots with on average {bands['mean_size']:.2f} of the {bands['n_classes']} bands; "
            f"{bands['single_share']:.0%} of the sets name a single band. On equal terms, {others}.")


def facet_effect(with_facets: float | None, without_facets: float | None) -> float | None:
    """Relative change of the tolerance (%) when the facets are known; None if either is missing or zero."""
    if with_facets is None or without_facets is None or not without_facets or \
            any(isinstance(v, float) and math.isnan(v) for v in (with_facets, without_facets)):
        return None
    return 100 * (with_facets - without_facets) / without_facets


def window_sentence(band: str, level: float, share: float, window: dict | None, without: dict | None,
                    band_width: float, median_width: float) -> str:
    """The D range for one colour, its tolerance, and what knowing the facets changes.

    ``window`` and ``without`` are :meth:`Window.to_dict` of the intervals with and without
    the facet features (None: no range reaches ``share``).
    """
    if window is None:
        reason = ("the intervals are about as wide as the band" if median_width >= 0.8 * band_width else
                  "too few dots' intervals fall inside it in any range of D")
        return (f"No range of D makes {share:.0%} of the dots emit {band} with {level:.0%} confidence: the band is "
                f"{band_width:.0f} nm wide and the median interval {median_width:.1f} nm, so {reason}.")
    text = (f"To emit {band} with {level:.0%} confidence, D must lie in [{window['lo']:.2f}, {window['hi']:.2f}] nm, "
            f"a tolerance of ±{window['tolerance']:.2f} nm about {window['centre']:.2f} nm "
            f"({window['n_inside']} of its {window['n_dots']} dots emit inside)")
    if without is None:
        return text + "; without the facet features no range reaches the share."
    change = facet_effect(window["tolerance"], without["tolerance"])
    if change is None:
        return text + f"; without the facet features: ±{without['tolerance']:.2f} nm."
    word = "widens" if change > 0 else "narrows" if change < 0 else "leaves"
    return text + (f"; knowing the facets {word} the tolerance by {abs(change):.0f} % "
                   f"(±{without['tolerance']:.2f} nm without them)." if change else
                   "; knowing the facets leaves the tolerance unchanged.")


def facet_sentence(level: float, facet_effect: dict[str, float | None], single_band_share: dict[str, float]) -> str:
    """What knowing the facets changes for a synthesis, over every band (the design chapter's bearing on
    conclusion 5).

    ``facet_effect``: band -> relative change (%) of the D tolerance when the facets are known (None:
    a window is missing with or without them); ``single_band_share``: "with facets" / "without facets"
    -> share of dots whose interval at ``level`` lies inside one band.
    """
    narrows = {b: v for b, v in facet_effect.items() if v is not None and v < 0}
    widens = {b: v for b, v in facet_effect.items() if v is not None and v > 0}
    same = [b for b, v in facet_effect.items() if v == 0]
    none = [b for b, v in facet_effect.items() if v is None]

    def listed(changes: dict[str, float]) -> str:
        return ", ".join(f"{b} ({abs(v):.0f} %)" for b, v in changes.items())

    parts = []
    if narrows:
        parts.append(f"narrows {{it}} for {listed(narrows)}")
    if widens:
        parts.append(f"widens {{it}} for {listed(widens)}")
    if same:
        parts.append(f"leaves {{it}} unchanged for {', '.join(same)}")
    said = "; ".join(parts).replace("{it}", "the tolerance on D", 1).replace("{it}", "it")
    text = (f"With the facet features, {single_band_share['with facets']:.0%} of the dots' {level:.0%} intervals lie "
            f"inside a single band ({single_band_share['without facets']:.0%} without them); knowing the facets "
            + (said if parts else "changes no band's tolerance on D"))
    if none:
        text += f"; {', '.join(none)}: no D window with or without them to compare"
    return text + "."
