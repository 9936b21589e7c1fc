"""Demo inputs for the impact statements: costs, outcome values and a narrative for each
demo programme, so the funder's statements have something to weigh the time against."""

import datetime as dt

from impact.demo_history import build_impact_history
from impact.models import OutcomeBasis
from impact.services import cost_add, narrative_save, outcome_record, outcome_value_add


def build_impact_demo(*, today: dt.date, people: dict) -> None:
    build_impact_history(today=today, people=people)
    year_start = dt.date(today.year, 1, 1)
    tenants, families = people["tenants"], people["families"]
    admin = people["coordinator"]
    if tenants is not None:
        cost_add(
            actor=admin,
            programme=tenants,
            category="support",
            description="Coordinator time (part)",
            incurred_on=year_start,
            amount="2400.00",
        )
        cost_add(
            actor=admin,
            programme=tenants,
            category="rewards",
            description="Partner venue tickets",
            incurred_on=year_start,
            amount="600.00",
        )
        outcome = outcome_value_add(
            actor=admin,
            programme=tenants,
            name="Tenant panel place filled by a volunteer",
            basis=OutcomeBasis.RECORDED,
            unit_value="150.00",
            deadweight_percent=20,
            attribution_percent=10,
            source="Taff Housing: cost of a paid focus-group place (illustrative demo figure)",
        )
        outcome_record(actor=admin, outcome=outcome, occurred_on=today, count=6)
        narrative_save(
            actor=admin,
            programme=tenants,
            start=year_start,
            end=dt.date(today.year, 12, 31),
            narrative=(
                "Tenants gave their time at the community kitchen and in the garden, sat on interview "
                "panels and helped to run the summer fair. Credits were spent at the cinema and the pool."
            ),
            case_study=(
                "A tenant who had not left the flat much since retiring started at the community kitchen, "
                "now leads the Thursday shift and has taken her grandchildren swimming on her credits."
            ),
        )
    admin = people["mentoring_coordinator"]
    if families is not None:
        cost_add(
            actor=admin,
            programme=families,
            category="training",
            description="Mentor training course",
            incurred_on=year_start,
            amount="1800.00",
        )
        outcome_value_add(
            actor=admin,
            programme=families,
            name="Goal achieved with a family",
            basis=OutcomeBasis.GOALS_ACHIEVED,
            unit_value="900.00",
            deadweight_percent=25,
            attribution_percent=20,
            source="Augsburg evaluation: EUR 174,000 saved for EUR 48,000 spent (illustrative per-goal share)",
        )
        outcome_value_add(
            actor=admin,
            programme=families,
            name="Eviction avoided",
            basis=OutcomeBasis.MENTORSHIPS_GOALS_MET,
            unit_value="8000.00",
            deadweight_percent=30,
            attribution_percent=25,
            source="City housing office: cost of an emergency rehousing (illustrative)",
        )
        narrative_save(
            actor=admin,
            programme=families,
            start=year_start,
            end=dt.date(today.year, 12, 31),
            narrative=(
                "Trained volunteer mentors worked with families at risk of losing their home, for a limited "
                "period, on goals agreed with each family."
            ),
            case_study=(
                "A family behind with the rent agreed two goals with their mentor: paying the arrears and "
                "sorting their letters. At the second review both were ahead of what was expected."
            ),
        )
