"""The statement's charts, drawn as SVG by hand: bars in black, grey and hatching, so they
read the same printed in black and white, each with a title and a description for screen
readers. Hidden figures (fewer than 5 people) are drawn as an outlined empty bar marked
"<5", never as a zero."""

from xml.sax.saxutils import escape

from impact.suppression import FEWER_THAN_5

WIDTH = 640
FONT = 'font-family="DejaVu Sans, sans-serif"'
PATTERNS = """<defs>
<pattern id="{id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
<rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="2"/></pattern>
<pattern id="{id}-dots" width="5" height="5" patternUnits="userSpaceOnUse">
<rect width="5" height="5" fill="#fff"/><circle cx="2.5" cy="2.5" r="1.1" fill="#000"/></pattern>
</defs>"""
FILLS = ("#222", "url(#{id}-hatch)", "#999", "url(#{id}-dots)")


def _svg(chart_id: str, height: int, title: str, description: str, body: list[str]) -> str:
    """Each chart's ids (its title, description and patterns) start with `chart_id`: they
    share one HTML document."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" class="chart">'
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(description)}</desc>'
        f"{PATTERNS.format(id=chart_id)}{''.join(body).replace('#{id}-', f'#{chart_id}-')}</svg>"
    )


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


def hours_by_month(rows: list[dict], previous: list[dict]) -> str:
    """Columns of hours per month, this period solid; `previous` (the same number of months
    before) as hatched columns beside them."""
    height, top, bottom, left = 240, 20, 40, 48
    values = [_number(r["minutes"]) for r in rows] + [_number(r["minutes"]) for r in previous]
    peak = max([v for v in values if v is not None] + [60.0]) / 60
    scale = (height - top - bottom) / peak
    slot = (WIDTH - left - 10) / max(len(rows), 1)
    body = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{WIDTH - 10}" y2="{height - bottom}" stroke="#000"/>',
        f'<text x="4" y="{top + 4}" font-size="10" {FONT}>{peak:.0f} h</text>',
        f'<text x="4" y="{height - bottom}" font-size="10" {FONT}>0 h</text>',
    ]
    described = []
    for index, row in enumerate(rows):
        x = left + index * slot
        before = previous[index] if index < len(previous) else None
        for offset, (cell, fill) in enumerate(((row, FILLS[0]), (before, FILLS[1]))):
            if cell is None:
                continue
            width = slot * 0.38
            bx = x + slot * 0.08 + offset * width
            value = _number(cell["minutes"])
            if value is None:
                body.append(
                    f'<rect x="{bx:.1f}" y="{height - bottom - 14}" width="{width:.1f}" height="14" fill="none" '
                    f'stroke="#000" stroke-dasharray="2 2"/>'
                    f'<text x="{bx + width / 2:.1f}" y="{height - bottom - 18}" font-size="8" text-anchor="middle" '
                    f"{FONT}>&lt;5</text>"
                )
            else:
                bar = value / 60 * scale
                body.append(
                    f'<rect x="{bx:.1f}" y="{height - bottom - bar:.1f}" width="{width:.1f}" height="{bar:.1f}" '
                    f'fill="{fill}" stroke="#000" stroke-width="0.6"/>'
                )
        label = row["key"][2:] if len(row["key"]) == 7 else row["key"]
        body.append(
            f'<text x="{x + slot / 2:.1f}" y="{height - bottom + 14}" font-size="9" text-anchor="middle" '
            f"{FONT}>{escape(label)}</text>"
        )
        shown = row["minutes"] if isinstance(row["minutes"], str) else f"{row['minutes'] / 60:.1f} h"
        described.append(f"{row['key']}: {shown}")
    body.append(_legend(height - 12, [("This period", FILLS[0]), ("Previous period", FILLS[1])]))
    return _svg("hours", height, "Hours given by month", "; ".join(described), body)


def horizontal_bars(chart_id: str, title: str, bars: list[tuple[str, object, str]], unit: str) -> str:
    """One bar per (label, value, shown text); a hidden value shows its marker instead of a bar."""
    row_height, left, height = 30, 250, 30 * len(bars) + 20
    peak = max([_number(v) or 0 for _, v, _ in bars] + [1])
    scale = (WIDTH - left - 130) / peak
    body, described = [], []
    for index, (label, value, shown) in enumerate(bars):
        y = 10 + index * row_height
        body.append(f'<text x="0" y="{y + 15}" font-size="11" {FONT}>{escape(label)}</text>')
        number = _number(value)
        if number is None:
            body.append(
                f'<rect x="{left}" y="{y + 3}" width="40" height="16" fill="none" stroke="#000" '
                'stroke-dasharray="2 2"/>'
            )
        else:
            body.append(
                f'<rect x="{left}" y="{y + 3}" width="{max(number * scale, 1):.1f}" height="16" '
                f'fill="{FILLS[index % len(FILLS)]}" stroke="#000" stroke-width="0.6"/>'
            )
        end = left + (max((number or 0) * scale, 40 if number is None else 1)) + 6
        body.append(f'<text x="{end:.1f}" y="{y + 15}" font-size="11" {FONT}>{escape(shown)}</text>')
        described.append(f"{label}: {shown}")
    return _svg(chart_id, height, title, f"{unit}. " + "; ".join(described), body)


def _legend(y: int, items: list[tuple[str, str]]) -> str:
    parts, x = [], 48
    for label, fill in items:
        parts.append(
            f'<rect x="{x}" y="{y - 9}" width="12" height="10" fill="{fill}" stroke="#000" stroke-width="0.6"/>'
            f'<text x="{x + 16}" y="{y}" font-size="10" {FONT}>{escape(label)}</text>'
        )
        x += 130
    return "".join(parts)


def is_hidden(value) -> bool:
    return isinstance(value, str) and value in (FEWER_THAN_5, "not shown")
