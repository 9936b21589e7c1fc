"""The three documents of a statement, all made from the one figures dict: the JSON (the
figures themselves, whose sha256 is the statement's checksum), a CSV of the same figures
side by side with the previous period, and the PDF."""

import datetime as dt
import hashlib
import io
import json

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from impact import charts
from impact.suppression import FEWER_THAN_5, WITHHELD
from mentoring.models import ClosureReason
from timebank.common.spreadsheets import SafeWriter
from timebank.spending.models import PartnerCategory
from timebank.volunteers.models import Gender

SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}
LABELS = {
    "new": "New volunteers (first time given)",
    "returning": "Returning volunteers",
    "started": "Started in the period",
    "continuing": "Continuing from before",
    "families": "Families",
    "individuals": "Individuals",
    "active": "Still being worked on",
    "achieved": "Achieved",
    "dropped": "Dropped",
    "not_stated": "Not stated",
    **{c.value: str(c.label) for c in ClosureReason},
    **{c.value: str(c.label) for c in PartnerCategory},
    **{c.value: str(c.label) for c in Gender},
    "training": "Training volunteers",
    "support": "Supporting volunteers",
    "rewards": "Rewards and partner costs",
    "other": "Other",
}


def figures_json(figures: dict) -> str:
    """The canonical text: keys sorted, two-space indent, UTF-8, one final newline."""
    return json.dumps(figures, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def checksum_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- CSV -----------------------------------------------------------------------------------


def _flatten(value, path: str, out: dict) -> None:
    if isinstance(value, dict):
        for key in sorted(value):
            _flatten(value[key], f"{path}.{key}" if path else key, out)
    elif isinstance(value, list) and all(isinstance(item, dict) and "key" in item for item in value):
        for item in value:
            for key in sorted(k for k in item if k != "key"):
                _flatten(item[key], f"{path}[{item['key']}].{key}", out)
    else:
        out[path] = value


def figures_csv(figures: dict) -> str:
    """One row per figure: its section, its name, this period's value, the previous period's."""
    current, previous = {}, {}
    _flatten(figures["current"], "", current)
    _flatten(figures["previous"], "", previous)
    buffer = io.StringIO()
    writer = SafeWriter(buffer, lineterminator="\n")
    programmes = ", ".join(p["name"] for p in figures["programmes"])
    writer.writerow(["# Timebank impact statement", programmes])
    writer.writerow(["# period", figures["period"]["start"], figures["period"]["end"]])
    writer.writerow(["# previous period", figures["previous_period"]["start"], figures["previous_period"]["end"]])
    writer.writerow(["section", "figure", "this_period", "previous_period"])
    # Rows follow this period's figures (sorted keys, breakdown rows in their order);
    # a row only the previous period has (an activity since stopped) comes after them.
    for path in [*current, *(p for p in previous if p not in current)]:
        section, _, name = path.partition(".")
        writer.writerow([section, name, _cell(current.get(path)), _cell(previous.get(path))])
    return buffer.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


# --- What the PDF shows ----------------------------------------------------------------


def hidden(value) -> bool:
    return value in (FEWER_THAN_5, WITHHELD)


def count(value) -> str:
    return value if isinstance(value, str) else f"{value:,}"


def hours(value) -> str:
    if isinstance(value, str):
        return value
    whole, rest = divmod(value, 60)
    return f"{whole:,} h {rest} min" if rest else f"{whole:,} h"


def credits(value) -> str:
    if isinstance(value, str):
        return value
    whole, rest = divmod(value, 60)
    return f"{whole:,} credits {rest} min" if rest else f"{whole:,} credits"


def amount(currency: str, value) -> str:
    if value is None:
        return "—"
    if isinstance(value, str) and hidden(value):
        return value
    return f"{SYMBOLS.get(currency, currency + ' ')}{float(value):,.2f}" if value != "" else "—"


def label(key: str) -> str:
    return LABELS.get(key, key)


def _side_by_side(rows: list[dict], previous: list[dict], field: str, show) -> list[dict]:
    before = {row["key"]: row for row in previous}
    return [
        {
            "label": label(row["key"]),
            "now": show(row[field]),
            "people": count(row["people"]) if "people" in row else "",
            "before": show(before[row["key"]][field]) if row["key"] in before else "—",
        }
        for row in rows
    ]


def _money_lines(now: dict, before: dict) -> list[dict]:
    return [
        {"currency": c, "now": amount(c, now.get(c)), "before": amount(c, before.get(c))}
        for c in sorted(set(now) | set(before))
    ]


def presentation(figures: dict) -> dict:
    """The figures as the PDF's template shows them: formatted text, side by side with the
    previous period, and the charts as inline SVG."""
    now, before = figures["current"], figures["previous"]
    # A programme without mentoring (in either period) gets no mentoring tiles and section.
    # A hidden figure ("fewer than 5") is not zero: it counts as mentoring.
    has_mentoring = any(side["mentorships"]["active"] != 0 or side["goals"]["set"] != 0 for side in (now, before))
    headline = [
        ("Volunteers who gave time", count(now["volunteers"]["active"]), count(before["volunteers"]["active"])),
        ("Time given", hours(now["hours"]["minutes"]), hours(before["hours"]["minutes"])),
        ("Credits issued", credits(now["credits"]["issued"]), credits(before["credits"]["issued"])),
    ]
    if has_mentoring:
        headline += [
            ("Mentorships", count(now["mentorships"]["active"]), count(before["mentorships"]["active"])),
            ("People and families supported", count(now["reach"]["supported"]), count(before["reach"]["supported"])),
            ("Goals achieved", count(_status(now, "achieved")), count(_status(before, "achieved"))),
        ]
    value_lines = _money_lines(now["value_of_time"], before["value_of_time"])
    credit_keys = [
        ("issued", "Issued for time given"),
        ("redeemed", "Spent at partner venues"),
        ("gifted", "Gifted to members or the community fund"),
        ("expired", "Expired"),
        ("outstanding_start", "Outstanding at the start"),
        ("outstanding_end", "Outstanding at the end"),
    ]
    credits_rows = [
        {"label": text, "now": credits(now["credits"][key]), "before": credits(before["credits"][key])}
        for key, text in credit_keys
    ]
    goal_bars = [(label(row["key"]), row["goals"], count(row["goals"])) for row in now["goals"]["by_status"]]
    return {
        "has_mentoring": has_mentoring,
        "headline": headline,
        "value_lines": value_lines,
        "volunteer_rows": _side_by_side(
            now["volunteers"]["breakdown"], before["volunteers"]["breakdown"], "people", count
        ),
        "activity_rows": _side_by_side(now["hours"]["by_activity"], before["hours"]["by_activity"], "minutes", hours),
        "month_rows": _month_rows(now["hours"]["by_month"], before["hours"]["by_month"]),
        "credits_rows": credits_rows,
        "category_rows": [
            {
                "label": label(row["key"]),
                "count": count(row["count"]),
                "people": count(row["people"]),
                "credits": credits(row["minutes"]),
                "cash": ", ".join(amount(c, v) for c, v in row["cash_value"].items())
                if isinstance(row["cash_value"], dict)
                else row["cash_value"],
            }
            for row in now["redemptions"]["by_category"]
        ],
        "redemption_cash": _money_lines(now["redemptions"]["cash_value"], before["redemptions"]["cash_value"]),
        "course_rows": _side_by_side(now["training"]["by_course"], before["training"]["by_course"], "completed", count),
        "reason_rows": _side_by_side(
            now["mentorships"]["closed_by_reason"], before["mentorships"]["closed_by_reason"], "people", count
        ),
        "mentorship_rows": _side_by_side(
            now["mentorships"]["breakdown"], before["mentorships"]["breakdown"], "people", count
        ),
        "reach_rows": _side_by_side(now["reach"]["breakdown"], before["reach"]["breakdown"], "people", count),
        "goal_rows": _side_by_side(now["goals"]["by_status"], before["goals"]["by_status"], "goals", count),
        "gender_rows": _side_by_side(
            now["demographics"]["volunteers_by_gender"], before["demographics"]["volunteers_by_gender"], "people", count
        )
        if "demographics" in now
        else None,
        "cost_rows": _cost_rows(now["costs"], before["costs"]),
        "cost_total": _money_lines(now["costs"]["total"], before["costs"]["total"]),
        "outcome_rows": [
            {
                "label": row["key"],
                "count": count(row["count"]),
                "unit": amount(row["currency"], row["unit_value"]),
                "gross": amount(row["currency"], row["gross"]),
                "deadweight": row["deadweight_percent"],
                "attribution": row["attribution_percent"],
                "net": amount(row["currency"], row["net"]),
                "source": row["source"],
                "basis": row["basis"],
            }
            for row in now["savings"]["outcomes"]
        ],
        "savings_gross": _money_lines(now["savings"]["gross"], before["savings"]["gross"]),
        "savings_net": _money_lines(now["savings"]["net"], before["savings"]["net"]),
        "ratios": [
            {
                "currency": c,
                "gross": _ratio(r["gross_ratio"]),
                "net": _ratio(r["net_ratio"]),
                "before_gross": _ratio(before["cost_benefit"].get(c, {}).get("gross_ratio")),
                "before_net": _ratio(before["cost_benefit"].get(c, {}).get("net_ratio")),
            }
            for c, r in now["cost_benefit"].items()
        ],
        "charts": {
            "hours": mark_safe(charts.hours_by_month(now["hours"]["by_month"], before["hours"]["by_month"])),  # noqa: S308 - drawn here from numbers, text escaped
            "credits": mark_safe(  # noqa: S308
                charts.horizontal_bars(
                    "credits",
                    "Credits flow in the period",
                    [
                        (text, now["credits"][key], credits(now["credits"][key]))
                        for key, text in credit_keys
                        if key != "outstanding_start"
                    ],
                    "In credits of one hour",
                )
            ),
            "goals": mark_safe(  # noqa: S308
                charts.horizontal_bars("goals", "Goals set in the period", goal_bars, "Number of goals")
            ),
        },
    }


def _status(period: dict, status: str):
    return next(row["goals"] for row in period["goals"]["by_status"] if row["key"] == status)


def _ratio(value) -> str:
    if value is None:
        return "not computed (no costs entered)"
    return value if hidden(value) else f"{value} : 1"


def _month_rows(rows, previous) -> list[dict]:
    return [
        {
            "label": row["key"],
            "now": hours(row["minutes"]),
            "people": count(row["people"]),
            "before_label": previous[i]["key"] if i < len(previous) else "",
            "before": hours(previous[i]["minutes"]) if i < len(previous) else "—",
        }
        for i, row in enumerate(rows)
    ]


def _cost_rows(now: dict, before: dict) -> list[dict]:
    earlier = {row["key"]: row["amount"] for row in before["by_category"]}
    return [
        {
            "label": label(row["key"]),
            "now": ", ".join(amount(c, v) for c, v in row["amount"].items()),
            "before": ", ".join(amount(c, v) for c, v in earlier.get(row["key"], {}).items()) or "—",
        }
        for row in now["by_category"]
    ]


def statement_html(figures: dict, *, checksum: str, built_on: dt.date) -> str:
    return render_to_string(
        "impact/statement_pdf.html",
        {"f": figures, "p": presentation(figures), "checksum": checksum, "built_on": built_on},
    )


def statement_pdf(figures: dict, *, checksum: str, built_on: dt.date) -> bytes:
    from weasyprint import HTML  # imported on use: loading it costs every other page

    html = statement_html(figures, checksum=checksum, built_on=built_on)
    return HTML(string=html).write_pdf(pdf_tags=True)
