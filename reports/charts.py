"""Charts as SVG markup, rendered on the server.

The same string goes into an HTML page and into a WeasyPrint PDF, so the charts use no
JavaScript, no outside URLs, no CSS classes and no style attributes (the page's
Content-Security-Policy and the PDF renderer both accept plain presentation attributes).
Each chart is `role="img"` with an `aria-label` that says the numbers in words, and a
`<title>` for a tooltip; the pages add a data table next to the indicator charts.

Colours meet WCAG 2.1 non-text contrast (3:1 against white) and are told apart by the
text alternative, never by colour alone.
"""

from __future__ import annotations

import itertools
import math
from decimal import Decimal
from html import escape

from django.utils.translation import gettext as _

from actions.models import Status
from ivp.formats import number

INK = "#1a1a1a"
BASELINE_COLOUR = "#595959"
TARGET_COLOUR = "#2b7a3d"
LINE_COLOUR = "#1e5eb0"
REGION_COLOUR = "#8a4b08"  # 6.4:1 on white: the region's average beside the line


def _attr(value) -> str:
    return escape(str(value), quote=True)


def _rounded(value) -> str:
    # Worked-out values (a relative target, the axis ticks) to two decimals at most;
    # measured values are printed as measured, as the tables next to the chart print them.
    return number(value, max_decimals=2)


def status_bar_svg(counts: dict[str, int], *, title: str, width: int = 320) -> str:
    """A horizontal stacked bar of actions per status, with the numbers as its label.

    `counts` maps Status values to numbers; statuses missing from it count as zero.
    """
    order = Status.in_order()
    total = sum(int(counts.get(s, 0) or 0) for s in order)
    parts = [f"{int(counts.get(s, 0) or 0)} {s.label}" for s in order if counts.get(s)]
    if total:
        label = _("%(title)s: %(total)s actions, of which %(parts)s") % {
            "title": title,
            "total": total,
            "parts": ", ".join(parts),
        }
    else:
        label = _("%(title)s: no actions") % {"title": title}
    # Numbers of 14 units: at least 12px on the pages, where CSS never draws the bar
    # narrower than 18rem (reports/static/reports/css/dashboard.css).
    height = 24
    out = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="ivp-chart ivp-status-bar" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'aria-label="{_attr(label)}">'
        ),
        f"<title>{escape(label)}</title>",
        (
            f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff" '
            f'stroke="{INK}" stroke-width="1"/>'
        ),
    ]
    x = 0.0
    for status in order:
        n = int(counts.get(status, 0) or 0)
        if not n:
            continue
        w = width * n / total
        out.append(
            f'<rect x="{x:.2f}" y="0" width="{w:.2f}" height="{height}" '
            f'fill="{status.colour}"><title>{escape(status.label)}: {n}'
            "</title></rect>"
        )
        # Separate touching segments with a white line so they do not depend on hue.
        if x > 0:
            out.append(
                f'<line x1="{x:.2f}" y1="0" x2="{x:.2f}" y2="{height}" stroke="#ffffff" '
                'stroke-width="2"/>'
            )
        if w >= 10 + 8 * len(str(n)):
            out.append(
                f'<text x="{x + w / 2:.2f}" y="17" font-size="14" font-weight="700" '
                'font-family="sans-serif" text-anchor="middle" fill="#ffffff" '
                f'aria-hidden="true">{n}</text>'
            )
        x += w
    out.append("</svg>")
    return "".join(out)


# --- indicators ------------------------------------------------------------------------
# The chart draws what the indicator says about itself (policies/indicators.py): its
# points, its targets as values and whether it is on track. It decides nothing.


def _target_label(target) -> str:
    return _("target %(year)s: %(value)s") % {
        "year": target.year,
        "value": _rounded(target.value),
    }


def indicator_text(indicator, *, until_year: int | None = None, region=None) -> str:
    """The chart's text alternative: every number the chart shows, in a sentence.
    `region`: the indicator's RegionComparison (policies/comparison.py), if any."""
    assessment = indicator.assessment(until_year)
    points = indicator.points(until_year)
    unit = f" {indicator.unit}" if indicator.unit else ""
    sentences = [
        f"{indicator.name} ({indicator.get_direction_display()}).",
    ]
    if indicator.baseline_value is not None:
        # Built from parts: the catalogue tool cannot clear a fuzzy python-format entry.
        sentences.append(
            "{} {}{}{}.".format(
                _("Baseline"),
                number(indicator.baseline_value),
                unit,
                f" ({indicator.baseline_year})" if indicator.baseline_year else "",
            )
        )
    lines = indicator.target_lines(until_year)
    if lines:
        sentences.append(
            _("Targets: %(targets)s.")
            % {"targets": "; ".join(_target_label(t) for t in lines)}
        )
    if points:
        sentences.append(
            _("Measurements: %(values)s.")
            % {
                "values": "; ".join(
                    "{} {}{}".format(
                        p.label,
                        number(p.value),
                        " ({})".format(_("provisional")) if p.provisional else "",
                    )
                    for p in points
                )
            }
        )
    else:
        sentences.append(_("No measurements yet."))
    if region is not None:
        figures = region.figures_until(until_year)
        if figures:
            sentences.append(
                "{}: {}.".format(
                    region.label(until_year).capitalize(),
                    "; ".join(
                        f"{f.period_label} {number(f.average, max_decimals=1)}"
                        for f in figures
                    ),
                )
            )
        elif points:
            sentences.append(region.summary(indicator, until_year))
    sentences.append(f"{assessment.label.capitalize()}: {assessment.reason}")
    return " ".join(sentences)


def axis_ticks(low: float, high: float, *, integers: bool, count: int = 5) -> list:
    """Round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) that cover
    low..high; whole steps only when `integers` (a count has no 16.336,1)."""
    raw = max((high - low) / (count - 1), 1e-9)
    magnitude = 10 ** math.floor(math.log10(raw))
    steps = (1, 2, 5, 10) if integers else (1, 2, 2.5, 5, 10)
    step = next(m * magnitude for m in steps if m * magnitude >= raw * 0.999)
    if integers:
        step = max(1, round(step))
    first = math.floor(low / step + 1e-9) * step
    last = math.ceil(high / step - 1e-9) * step
    n = round((last - first) / step)
    return [Decimal(str(round(first + i * step, 10))) for i in range(n + 1)]


def _spread(ys: list[float], *, gap: float, top: float, bottom: float) -> list[float]:
    """Label positions near `ys` (sorted ascending) at least `gap` apart, within bounds."""
    placed = []
    for y in ys:
        placed.append(max(y, placed[-1] + gap) if placed else max(y, top))
    for i in range(len(placed) - 1, -1, -1):
        limit = bottom if i == len(placed) - 1 else placed[i + 1] - gap
        placed[i] = min(placed[i], limit)
    return placed


def indicator_chart_svg(
    indicator,
    *,
    until_year: int | None = None,
    region=None,
    width: int = 640,
    height: int = 280,
) -> str:
    """A line chart of an indicator's measurements with baseline and target lines.

    `until_year`: draw (and judge) what was known then, as Indicator.assessment does.
    Provisional values are drawn as open circles on a dashed segment and marked "v".
    The reference lines are named in a column right of the plot, never over the line.
    The pages draw it at the column's width (viewBox); the PDF at its own size.
    Expects `measurements` and `targets` prefetched when drawing many indicators.
    `region` (policies/comparison.py): the average of the other municipalities of the
    safety region, drawn as diamonds on a dotted line and named right of the plot.
    """
    points = indicator.points(until_year)
    targets = indicator.target_lines(until_year)
    averages = [f.point for f in region.figures_until(until_year)] if region else []
    label = indicator_text(indicator, until_year=until_year, region=region)
    left, right, top, bottom = 72, 156, 16, 36
    if averages:
        bottom += 22  # a legend line under the years: a region's name is too long
    plot_w, plot_h = width - left - right, height - top - bottom

    values = [p.value for p in points + averages] + [t.value for t in targets]
    if indicator.baseline_value is not None:
        values.append(Decimal(indicator.baseline_value))
    years = [p.order for p in points] + [t.year + 0.5 for t in targets]
    if indicator.baseline_year:
        years.append(indicator.baseline_year + 0.5)

    out = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="ivp-chart ivp-indicator-chart" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'aria-label="{_attr(label)}">'
        ),
        f"<title>{escape(indicator.name)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    if not values:
        out.append(
            f'<text x="{width / 2}" y="{height / 2}" font-size="14" font-family="sans-serif" '
            f'text-anchor="middle" fill="{INK}" aria-hidden="true">'
            f"{escape(_('No measurements yet.'))}</text></svg>"
        )
        return "".join(out)

    low, high = float(min(values)), float(max(values))
    if low == high:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.1
    low = 0.0 if low >= 0 and low - pad < 0 else low - pad
    high += pad
    ticks = axis_ticks(
        low, high, integers=all(Decimal(v) == int(Decimal(v)) for v in values)
    )
    low, high = float(ticks[0]), float(ticks[-1])
    first, last = (min(years) - 0.5, max(years) + 0.5) if years else (0, 1)
    if last - first < 1:
        last = first + 1

    def sx(order: float) -> float:
        return left + (order - first) / (last - first) * plot_w

    def sy(value) -> float:
        return top + plot_h - (float(value) - low) / (high - low) * plot_h

    font = 'font-family="sans-serif" font-size="13"'
    # Axes and the value ticks.
    out.append(
        f'<g aria-hidden="true"><line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" '
        f'stroke="{INK}"/><line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
        f'y2="{top + plot_h}" stroke="{INK}"/>'
    )
    for v in ticks:
        y = sy(v)
        out.append(
            f'<line x1="{left - 4}" y1="{y:.1f}" x2="{left}" y2="{y:.1f}" stroke="{INK}"/>'
            f'<text x="{left - 7}" y="{y + 4:.1f}" {font} text-anchor="end" fill="{INK}">'
            f"{escape(_rounded(v))}</text>"
        )
    year_range = range(int(first + 0.5), int(last - 0.5) + 1)
    step = max(1, len(year_range) // 6 + (1 if len(year_range) % 6 else 0))
    for year in list(year_range)[::step]:
        x = sx(year + 0.5)
        out.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 20}" {font} text-anchor="middle" '
            f'fill="{INK}">{year}</text>'
        )
    out.append("</g>")

    # Baseline and targets: horizontal reference lines, named right of the plot.
    references = []
    if indicator.baseline_value is not None:
        references.append(
            (sy(indicator.baseline_value), BASELINE_COLOUR, "2 3", _("baseline"))
        )
    for t in targets:
        references.append((sy(t.value), TARGET_COLOUR, "8 4", _target_label(t)))
    references.sort(key=lambda reference: reference[0])
    label_ys = _spread(
        [y + 4 for y, *_rest in references], gap=16, top=top + 4, bottom=top + plot_h
    )
    for (y, colour, dash, text), label_y in zip(references, label_ys, strict=True):
        out.append(
            f'<g aria-hidden="true"><line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" '
            f'y2="{y:.1f}" stroke="{colour}" stroke-width="1.5" stroke-dasharray="{dash}"/>'
            f'<text x="{left + plot_w + 6}" y="{label_y:.1f}" {font} fill="{colour}">'
            f"{escape(text)}</text></g>"
        )

    # The region's average: a dotted line through diamonds, one per period compared.
    if averages:
        out.append('<g aria-hidden="true">')
        for a, b in itertools.pairwise(averages):
            out.append(
                f'<line x1="{sx(a.order):.1f}" y1="{sy(a.value):.1f}" '
                f'x2="{sx(b.order):.1f}" y2="{sy(b.value):.1f}" stroke="{REGION_COLOUR}" '
                f'stroke-width="2" stroke-dasharray="2 4"/>'
            )
        for p, f in zip(averages, region.figures_until(until_year), strict=True):
            x, y = sx(p.order), sy(p.value)
            tip = (
                f"{p.label}: {number(p.value, max_decimals=1)} ({region.label_for(f)})"
            )
            out.append(
                f'<path d="M{x:.1f} {y - 6:.1f} L{x + 6:.1f} {y:.1f} L{x:.1f} {y + 6:.1f} '
                f'L{x - 6:.1f} {y:.1f} Z" fill="{REGION_COLOUR}">'
                f"<title>{escape(tip)}</title></path>"
            )
        x, y = left, top + plot_h + 42
        out.append(
            f'<path d="M{x:.1f} {y - 10:.1f} L{x + 5:.1f} {y - 5:.1f} L{x:.1f} {y:.1f} '
            f'L{x - 5:.1f} {y - 5:.1f} Z" fill="{REGION_COLOUR}"/>'
            f'<text x="{x + 10}" y="{y:.1f}" {font} fill="{REGION_COLOUR}">'
            f"{escape(region.label(until_year))}</text>"
        )
        out.append("</g>")

    # The measurements: solid between final values, dashed towards a provisional one.
    out.append('<g aria-hidden="true">')
    for a, b in itertools.pairwise(points):
        dash = ' stroke-dasharray="4 3"' if a.provisional or b.provisional else ""
        out.append(
            f'<line x1="{sx(a.order):.1f}" y1="{sy(a.value):.1f}" x2="{sx(b.order):.1f}" '
            f'y2="{sy(b.value):.1f}" stroke="{LINE_COLOUR}" stroke-width="2.5"{dash}/>'
        )
    for p in points:
        x, y = sx(p.order), sy(p.value)
        fill = "#ffffff" if p.provisional else LINE_COLOUR
        tip = "{}: {}{}".format(
            p.label,
            number(p.value),
            " ({})".format(_("provisional")) if p.provisional else "",
        )
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{fill}" stroke="{LINE_COLOUR}" '
            f'stroke-width="2"><title>{escape(tip)}</title></circle>'
        )
        if p.provisional:
            out.append(
                f'<text x="{x + 7:.1f}" y="{y - 7:.1f}" {font} fill="{INK}">'
                f"{escape(_('provisional'))}</text>"
            )
    out.append("</g></svg>")
    return "".join(out)
