"""Two years of history for the demo programmes, so a funder's impact statement for this
year (and the previous period beside it) is about enough people to be shown.

The statements hide every figure about fewer than 5 people, and in a breakdown they hide
one more row when the hidden ones together are still fewer than 5. So the history is laid
out for that rule, not only for size: each month, activity, venue category, closure
reason and goal status that has anyone in it this year has at least 5. In particular
(see impact.figures):

- credits redeemed are counted by the partner accounts credited, so 5 venues take
  credits, or the redeemed and issued figures are both hidden;
- a closure reason with 1 to 4 mentorships would hide `goals_met` with it, so the other
  reasons together come to 5;
- the month of `today` gets claims and sessions from at least 5 people, or none.

Everything is written through the services the product uses, dated in the past (the
services refuse the future); a goal is then dated to the first visit, as an import of the
history would date it. Spending and gifts cannot be dated: the services record them today,
so they all fall in this year. New people get no weekly availability: they are
ineligible for the matching demo's needs, whose rankings and batch stay as they were.
"""

import datetime as dt
import secrets

from django.utils import timezone

from mentoring.models import Goal
from mentoring.services import (
    goal_create,
    goal_review,
    mentorship_close,
    mentorship_start,
    person_consent_record,
    person_record_update,
    session_log,
    supported_person_create,
)
from timebank.accounts.models import Programme, Role, User
from timebank.accounts.services.programmes import account_create, membership_grant
from timebank.earning.models import Activity, ActivitySession
from timebank.earning.services.activities import activity_session_create
from timebank.earning.services.attendance import attendance_record
from timebank.earning.services.claims import claim_log, claims_approve_bulk
from timebank.spending.models import Offer, PartnerCategory
from timebank.spending.services.gifts import gift_to_fund, gift_to_member
from timebank.spending.services.partners import offer_create, partner_staff_add, partner_venue_create
from timebank.spending.services.redeem import redeem_at_till, voucher_confirm, voucher_issue
from timebank.training.models import Course
from timebank.training.selectors.qualifications import role_requirements
from timebank.training.services.records import background_check_add, training_record_add
from timebank.volunteers.models import Skill, VolunteerProfile
from timebank.volunteers.services.profiles import volunteer_register

# Dates are (years back from this year, month, day): (1, 3, 11) is 11 March last year.
Day = tuple[int, int, int]

# --- Tenants ---------------------------------------------------------------------------

# name, languages, skills, area, latitude, longitude, e-mail?, joined (years back, month)
TENANTS = [
    ("Ceri Lloyd", ["cy", "en"], ["Event help"], "Grangetown", 51.4672, -3.1822, True, (1, 1)),
    ("Delyth Parry", ["cy", "en"], ["Writing"], "Splott", 51.4835, -3.1570, False, (1, 1)),
    ("Emlyn Rees", ["en"], ["DIY", "Gardening"], "Ely", 51.4815, -3.2470, False, (1, 1)),
    ("Ffion Jenkins", ["cy", "en"], ["Writing", "Interview panels"], "Canton", 51.4808, -3.2030, True, (1, 1)),
    ("Gethin Powell", ["en"], ["Interview panels"], "Riverside", 51.4795, -3.1895, True, (1, 1)),
    ("Huw Bowen", ["en"], ["Event help", "Writing"], "Butetown", 51.4630, -3.1675, False, (1, 1)),
    ("Leah Sullivan", ["en"], ["Event help"], "Roath", 51.4925, -3.1630, True, (1, 4)),
    ("Mared Owen", ["cy", "en"], ["Interview panels"], "Cathays", 51.4945, -3.1785, True, (1, 5)),
    ("Nia Watkins", ["en"], ["Gardening"], "Tremorfa", 51.4765, -3.1440, False, (1, 6)),
    ("Priya Shah", ["hi", "en"], ["Interpreting", "Writing"], "Splott", 51.4825, -3.1555, True, (1, 7)),
    ("Tomasz Zielinski", ["pl", "en"], ["DIY", "Interpreting"], "Grangetown", 51.4660, -3.1845, True, (1, 8)),
    ("Yusuf Osman", ["so", "en"], ["Interpreting", "Event help"], "Butetown", 51.4615, -3.1690, False, (1, 9)),
]
# Courses that lapse are taken at the association's spring safeguarding session, or on joining after it.
SPRING_SESSION: Day = (1, 3, 4)
FOOD_HYGIENE: tuple[Day, str] = ((0, 6, 9), "Ceri Emlyn Nia")

FOCUS_GROUPS: list[tuple[Day, str, str]] = [
    ((1, 3, 11), "the tenants' newsletter", "Ceri Delyth Ffion Huw Gethin"),
    ((1, 6, 17), "the green spaces on the estate", "Emlyn Leah Mared Nia Ceri Gethin"),
    ((1, 10, 14), "the lettings policy", "Delyth Priya Tomasz Yusuf Ffion Mared"),
    ((0, 2, 10), "anti-social behaviour", "Huw Leah Nia Priya Tomasz Emlyn"),
    ((0, 5, 12), "rent and service charges", "Ceri Delyth Gethin Mared Yusuf"),
    ((0, 9, 15), "the new repairs app", "Ffion Leah Nia Priya Tomasz Huw"),
]
PANELS: list[tuple[Day, str, str]] = [
    ((1, 4, 15), "Ceri Delyth", "Neighbourhood officer interviews"),
    ((1, 7, 8), "Emlyn", "Caretaker interviews"),
    ((1, 10, 21), "Ffion Leah", "Tenant liaison officer interviews"),
    ((1, 11, 25), "Gethin", "Repairs manager interviews"),
    ((0, 2, 24), "Gethin Mared", "Housing officer interviews"),
    ((0, 4, 28), "Huw", "Apprentice interviews"),
    ((0, 6, 23), "Nia Priya", "Community development worker interviews"),
    ((0, 9, 22), "Tomasz", "Caretaker interviews"),
    ((0, 10, 20), "Yusuf Ceri", "Income officer interviews"),
]
ARTICLES: list[tuple[Day, str, str]] = [
    ((1, 3, 20), "Delyth", "The history of the estate"),
    ((1, 5, 14), "Ffion", "Welsh classes at the library"),
    ((1, 7, 23), "Huw", "Butetown's summer fair"),
    ((1, 9, 17), "Leah", "Saving energy at home"),
    ((1, 11, 12), "Mared", "Meet the tenants' panel"),
    ((0, 1, 21), "Nia", "Tremorfa's new allotments"),
    ((0, 3, 18), "Delyth", "Who to call about repairs"),
    ((0, 5, 20), "Priya", "Advice sessions in five languages"),
    ((0, 7, 15), "Yusuf", "The youth football club"),
    ((0, 9, 9), "Ffion", "A year of Welsh classes"),
    ((0, 10, 14), "Tomasz", "Fixing a dripping tap"),
]
EVENTS: list[tuple[Day, int, str, str]] = [
    ((1, 4, 12), 180, "Spring clean of the shared garden", "Ceri Emlyn Ffion Gethin Huw Leah"),
    ((1, 7, 19), 240, "Summer fair: stalls and clearing away", "Ceri Delyth Emlyn Gethin Leah Mared Nia Priya"),
    ((1, 12, 6), 180, "Christmas fair at the community centre", "Delyth Ffion Huw Mared Nia Priya Tomasz Yusuf"),
    ((0, 4, 11), 180, "Spring clean of the shared garden", "Emlyn Gethin Leah Nia Tomasz Yusuf"),
    ((0, 7, 18), 240, "Summer fair: stalls and clearing away", "Ceri Delyth Ffion Huw Mared Priya Tomasz Yusuf"),
    ((0, 10, 17), 180, "Planting bulbs along the river path", "Ceri Emlyn Gethin Leah Nia Priya"),
]
# The collection the day before `today`, so this month has claims from 5 people or more.
RECENT_EVENT = (120, "Winter coat collection at the community centre", "Ceri Gethin Leah Mared Nia Yusuf")

# Venues without staff on the demo till get theirs; one new venue makes 5 that take credits.
VENUE_STAFF = [
    ("Sherman Theatre", "sherman-box-office", "Owain Harries"),
    ("Cardiff Story Museum", "museum-desk", "Lowri Pugh"),
]
CAFE = ("Tremorfa Community Café", "cafe-till", "Dai Prosser")
# offer title -> who spends on it (twice when named twice)
SPENDING = {
    "Swim session": "Ceri Ceri Emlyn Gethin Leah Nia Nia Tomasz",
    "Cinema ticket": "Delyth Ffion Huw Mared Priya",
    "Theatre ticket": "Ffion Yusuf Huw",
    "Family workshop": "Emlyn Leah Priya Yusuf Tomasz",
    "Soup and a sandwich": "Ceri Delyth Gethin Mared Nia Huw Delyth",
}
TILL_OFFERS = {"Swim session", "Soup and a sandwich"}  # the rest are vouchers confirmed at the venue

# --- Family mentors ----------------------------------------------------------------------

# name, languages, skills, area, latitude, longitude
MENTORS = [
    ("Gisela Brandl", ["de"], ["Money and debt", "Paperwork"], "Lechhausen", 48.3950, 10.9350),
    ("Hakan Öztürk", ["tr", "de"], ["Housing", "Employment"], "Firnhaberau", 48.4080, 10.9150),
    ("Ingrid Moser", ["de", "en"], ["Parenting", "Health"], "Göggingen", 48.3400, 10.8650),
    ("Jonas Reiter", ["de"], ["Employment", "Paperwork"], "Universitätsviertel", 48.3330, 10.8950),
    ("Katarina Horvat", ["hr", "de"], ["Language", "Social network"], "Hochzoll", 48.3600, 10.9400),
    ("Lukas Brenner", ["de", "en"], ["Housing", "Money and debt"], "Bärenkeller", 48.3950, 10.8500),
    ("Miriam Haddad", ["ar", "de"], ["Parenting", "Language"], "Inningen", 48.3150, 10.8650),
]
# Their training course and Führungszeugnis, before their first families.
MENTOR_TRAINING: Day = (1, 2, 23)
MENTOR_CHECK: Day = (1, 2, 16)

# mentor, kind, reference, languages, topics, start, end (None: still running), closure reason
MENTORSHIPS: list[tuple[str, str, str, str, str, Day, Day | None, str]] = [
    ("Gisela", "family", "Family A.", "de", "debt housing", (1, 3, 2), (1, 8, 30), "goals_met"),
    ("Hakan", "individual", "Mr B.", "tr de", "employment paperwork", (1, 3, 5), (1, 9, 13), "goals_met"),
    ("Ingrid", "individual", "Ms C.", "de", "health social_network", (1, 3, 9), (1, 7, 26), "goals_met"),
    ("Jonas", "family", "Family D.", "de ru", "paperwork employment", (1, 3, 16), (1, 9, 27), "goals_met"),
    ("Katarina", "individual", "Mr E.", "hr de", "language paperwork", (1, 3, 23), (1, 10, 18), "goals_met"),
    ("Lukas", "family", "Family F.", "de", "housing debt", (1, 5, 4), (1, 11, 16), "goals_met"),
    ("Miriam", "family", "Family G.", "ar de", "parenting language", (1, 6, 8), (1, 12, 7), "goals_met"),
    # Started last year, ended this year.
    ("Ingrid", "family", "Family H.", "de", "parenting health", (1, 8, 3), (0, 2, 1), "goals_met"),
    ("Gisela", "family", "Family J.", "de tr", "debt paperwork", (1, 9, 7), (0, 3, 8), "goals_met"),
    ("Hakan", "individual", "Ms D.", "tr", "housing employment", (1, 9, 28), (0, 3, 29), "referred"),
    ("Jonas", "family", "Family L.", "de", "employment debt", (1, 10, 12), (0, 4, 19), "goals_met"),
    ("Katarina", "individual", "Mr G.", "hr de", "paperwork language", (1, 11, 9), (0, 5, 10), "goals_met"),
    ("Lukas", "family", "Family M.", "de pl", "housing debt", (1, 12, 7), (0, 6, 7), "moved_away"),
    # Started this year.
    ("Ayşe", "family", "Family O.", "tr de", "housing paperwork", (0, 1, 11), (0, 7, 12), "goals_met"),
    ("Miriam", "family", "Family P.", "ar", "parenting language", (0, 1, 18), (0, 6, 28), "goals_met"),
    ("Chiara", "individual", "Ms H.", "it de", "employment language", (0, 1, 25), (0, 7, 26), "disengaged"),
    ("Elif", "family", "Family R.", "ku de", "parenting housing", (0, 2, 8), (0, 8, 9), "goals_met"),
    ("Dariusz", "family", "Family T.", "pl", "paperwork debt", (0, 2, 15), (0, 7, 19), "goals_met"),
    ("Ingrid", "individual", "Mr L.", "de", "health social_network", (0, 3, 1), (0, 9, 6), "goals_met"),
    ("Gisela", "family", "Family U.", "de", "debt housing", (0, 4, 5), (0, 10, 4), "goals_met"),
    ("Hakan", "family", "Family W.", "tr de", "housing parenting", (0, 5, 3), (0, 9, 27), "moved_away"),
    ("Jonas", "family", "Family B.", "de", "employment paperwork", (0, 5, 24), (0, 11, 22), "goals_met"),
    ("Katarina", "individual", "Ms M.", "hr de", "language social_network", (0, 6, 14), None, ""),
    ("Lukas", "family", "Family C.", "de", "housing debt", (0, 7, 5), None, ""),
    ("Miriam", "family", "Family E.", "ar de", "parenting health", (0, 7, 19), (0, 11, 8), "referred"),
    ("Ayşe", "family", "Family V.", "tr", "debt paperwork", (0, 8, 9), None, ""),
    ("Chiara", "individual", "Mr R.", "it", "employment paperwork", (0, 8, 30), None, ""),
    ("Elif", "family", "Family Z.", "ku tr", "parenting language", (0, 9, 13), None, ""),
]
SESSION_EVERY = dt.timedelta(days=21)
REVIEW_EVERY = dt.timedelta(weeks=8)
# Never 90 minutes: the browser test finds its own session by that length.
SESSION_MINUTES = (120, 60, 105, 75, 150, 120, 45)
SESSION_MODES = ("home_visit", "home_visit", "remote", "accompanying", "home_visit", "office")
HOUSEHOLDS = [
    [("Mother", 1987), ("Father", 1984), ("Daughter", 2013), ("Son", 2017)],
    [("Mother", 1992), ("Son", 2016), ("Daughter", 2020)],
    [("Father", 1979), ("Mother", 1981), ("Son", 2008), ("Son", 2011), ("Grandmother", 1954)],
    [("Mother", 1995), ("Daughter", 2019)],
    [("Mother", 1983), ("Father", 1980), ("Daughter", 2010)],
]
RISKS = {"housing": "risk_of_eviction", "debt": "rent_arrears", "health": "health", "social_network": "isolation"}
OUTCOMES = {
    "goals_met": "The goals agreed at the start were met; the family knows where to turn next time.",
    "moved_away": "Moved out of Augsburg; the new town's advice service has the referral.",
    "referred": "Referred to the debt counselling service (Schuldnerberatung), which takes it from here.",
    "disengaged": "Stopped answering after the summer; the door stays open.",
}
# topic -> goal domain, description, the five levels from -2 to +2 (separated by " / ")
GOALS = {
    "housing": (
        "housing",
        "Keep the home: rent paid in full every month",
        "Eviction notice / Rent months behind / Rent paid two months / Rent paid, arrears falling / Arrears cleared",
    ),
    "debt": (
        "money",
        "A household budget, with the debts in one repayment plan",
        "Bills unopened / Debts listed / Repayment plan agreed / Plan kept three months / Plan kept, savings started",
    ),
    "paperwork": (
        "paperwork",
        "Letters from offices answered within a week",
        "Letters unopened / Opened, not answered / Answered with help / Answered alone most weeks / Answered and filed",
    ),
    "employment": (
        "employment",
        "Steady work or a training place",
        "No contact with Jobcenter / Registered / Applying every week / Interviews or a trial day / Contract signed",
    ),
    "health": (
        "health",
        "Regular care from a family doctor",
        "No doctor / A doctor found / Appointments kept with help / Appointments kept alone / Check-ups booked alone",
    ),
    "parenting": (
        "family",
        "The children at Kita or school every day",
        "Often missing / Missing most weeks / Missing now and then / There every day / There every day, homework done",
    ),
    "language": (
        "language",
        "Manage a phone call with an office in German",
        "Avoids calls / Calls with someone translating / Short calls with help / Most calls alone / Any call alone",
    ),
    "social_network": (
        "social_network",
        "Someone to call outside the household",
        "No one / A neighbour to greet / A group visited once / A weekly group / Friends to call on",
    ),
}


def build_impact_history(*, today: dt.date, people: dict) -> None:
    """Add the history of both demo programmes, up to the day before `today` (or before the
    real date, when `today` lies ahead of it)."""
    day = min(today, timezone.localdate())
    if people.get("tenants") is not None:
        _tenants_history(day, people)
    if people.get("families") is not None:
        _mentoring_history(day, people)


def _date(day: dt.date, when: Day) -> dt.date:
    years_back, month, day_of_month = when
    return dt.date(day.year - years_back, month, day_of_month)


def _second_thursday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(3 - first.weekday()) % 7 + 7)


def _qualify(*, actor, volunteer, programme: Programme, role: str, completed_on, lapsing_on=None, issued_on=None):
    """Records for every course and check the role requires, verified by the coordinator."""
    for requirement in role_requirements(programme, role):
        if requirement.course is not None:
            lapses = requirement.course.validity_months is not None
            training_record_add(
                actor=actor,
                volunteer=volunteer,
                course=requirement.course,
                completed_on=(lapsing_on or completed_on) if lapses else completed_on,
                verify=True,
            )
        else:
            background_check_add(
                actor=actor,
                volunteer=volunteer,
                check_type=requirement.check_type,
                issued_on=issued_on or completed_on,
                reference=f"REF-{volunteer.membership_number}",
                verify=True,
            )


def _register(*, actor, programme, role, row, city, email):
    name, languages, skill_names, place, latitude, longitude = row[:6]
    return volunteer_register(
        actor=actor,
        programme=programme,
        full_name=name,
        email=email,
        role=role,
        status="active",
        consent_to_record=True,
        languages=languages,
        skills=list(Skill.objects.filter(programme=programme, name__in=skill_names).values_list("pk", flat=True)),
        place_name=f"{place}, {city}",
        latitude=str(latitude),
        longitude=str(longitude),
        travel_km=3,
        willing_home_visits=role == Role.MENTOR,
        willing_children=role == Role.MENTOR,
    )


def _email(name: str) -> str:
    ascii_name = name.split()[0].lower().translate(str.maketrans("öüäşı", "ouasi"))
    return f"{ascii_name}@example.org"


# --- Tenants ---------------------------------------------------------------------------


def _tenants_history(day: dt.date, people: dict) -> None:
    programme, coordinator, admin = people["tenants"], people["coordinator"], people["admin"]
    tenant, joined = {}, {}
    for row in TENANTS:
        name, has_email, (years_back, month) = row[0], row[6], row[7]
        volunteer = _register(
            actor=coordinator,
            programme=programme,
            role=Role.VOLUNTEER,
            row=row,
            city="Cardiff",
            email=_email(name) if has_email else "",
        )
        first_name = name.split()[0]
        tenant[first_name] = volunteer
        joined[first_name] = dt.date(day.year - years_back, month, 2)
        _qualify(
            actor=coordinator,
            volunteer=volunteer,
            programme=programme,
            role=Role.VOLUNTEER,
            completed_on=joined[first_name],
            lapsing_on=max(joined[first_name], _date(day, SPRING_SESSION)),
        )
    when, names = FOOD_HYGIENE
    if _date(day, when) < day:
        hygiene = Course.objects.get(programme=programme, name="Food hygiene level 2")
        for name in names.split():
            training_record_add(
                actor=coordinator, volunteer=tenant[name], course=hygiene, completed_on=_date(day, when), verify=True
            )

    activity = {a.name: a for a in Activity.objects.filter(programme=programme)}
    _meetings(day, coordinator, activity["Tenants' meeting"], tenant, joined)
    for when, topic, names in FOCUS_GROUPS:
        if _date(day, when) < day:
            session = activity_session_create(
                actor=coordinator,
                activity=activity["Focus group"],
                date=_date(day, when),
                duration_minutes=90,
                title=f"Focus group: {topic}",
            )
            attendance_record(actor=coordinator, session=session, volunteers=[tenant[n] for n in names.split()])

    claims = []

    def log(name, activity_name, date, minutes, note):
        volunteer = tenant[name]
        # Those with an e-mail address log their own hours; the coordinator logs for the others.
        actor = volunteer.user if volunteer.user.email else coordinator
        claims.append(
            claim_log(
                actor=actor,
                volunteer=volunteer,
                activity=activity[activity_name],
                date=date,
                minutes=minutes,
                note=note,
            )
        )

    for when, names, note in PANELS:
        for name in names.split():
            if _date(day, when) < day:
                log(name, "Interview panel", _date(day, when), 180, note)
    for when, name, title in ARTICLES:
        if _date(day, when) < day:
            log(name, "Newsletter article", _date(day, when), 150, f"Article: {title}")
    event_days = set()
    for when, minutes, note, names in EVENTS:
        if _date(day, when) < day:
            event_days.add(_date(day, when))
            for name in names.split():
                log(name, "Event help", _date(day, when), minutes, note)
    yesterday = day - dt.timedelta(days=1)
    if yesterday.month == day.month and yesterday not in event_days:
        minutes, note, names = RECENT_EVENT
        for name in names.split():
            log(name, "Event help", yesterday, minutes, note)
    claims_approve_bulk(actor=coordinator, claims=claims)

    _spending(programme, coordinator, admin, tenant)


def _meetings(day, coordinator, meeting, tenant, joined) -> None:
    """The monthly tenants' meeting, last year and this, with its register; months that have
    a meeting already (the core's demo makes the last two and the next) are left alone."""
    taken = {(d.year, d.month) for d in ActivitySession.objects.filter(activity=meeting).values_list("date", flat=True)}
    names = list(tenant)
    for index, (year, month) in enumerate((day.year - 1 + m // 12, m % 12 + 1) for m in range(24)):
        date = _second_thursday(year, month)
        if date >= day or (year, month) in taken:
            continue
        members = [n for n in names if joined[n] <= date]
        # About one in six sends apologies, a different one each month.
        attendees = [n for position, n in enumerate(members) if (index + position) % 6 != 0]
        session = activity_session_create(
            actor=coordinator,
            activity=meeting,
            date=date,
            duration_minutes=120,
            title=f"Tenants' meeting, {date:%B %Y}",
        )
        attendance_record(actor=coordinator, session=session, volunteers=[tenant[n] for n in attendees])


def _spending(programme, coordinator, admin, tenant) -> None:
    """Credits spent today at five venues in four categories, and three gifts."""
    partner = User.objects.get(username="partner")
    offers = {offer.title: offer for offer in Offer.objects.filter(venue__programme=programme).select_related("venue")}
    staff = {}
    for venue_name, username, full_name in VENUE_STAFF:
        venue = next(offer.venue for offer in offers.values() if offer.venue.name == venue_name)
        staff[venue.pk] = _venue_staff(admin, coordinator, programme, venue, username, full_name)
    name, username, full_name = CAFE
    cafe = partner_venue_create(
        actor=coordinator,
        programme=programme,
        name=name,
        category=PartnerCategory.FOOD,
        address="Community centre, Tremorfa, Cardiff",
        contact_email="timecredits@tremorfa-cafe.example.org",
    )
    offers["Soup and a sandwich"] = offer_create(
        actor=coordinator,
        venue=cafe,
        title="Soup and a sandwich",
        price_minutes=60,
        cash_value="4.50",
        restrictions="Weekday lunchtimes",
        monthly_limit_per_person=4,
        starts_on=timezone.localdate() - dt.timedelta(days=60),
    )
    staff[cafe.pk] = _venue_staff(admin, coordinator, programme, cafe, username, full_name)

    for title, names in SPENDING.items():
        offer = offers[title]
        till = staff.get(offer.venue_id, partner)
        for name in names.split():
            volunteer = tenant[name]
            if title in TILL_OFFERS:
                redeem_at_till(
                    actor=till, venue=offer.venue, membership_number=volunteer.membership_number, offer=offer
                )
            else:
                voucher = voucher_issue(actor=volunteer.user, volunteer=volunteer, offer=offer)
                voucher_confirm(actor=till, code=voucher.code, venue=offer.venue)

    gift_to_member(
        actor=tenant["Mared"].user,
        giver=tenant["Mared"],
        programme=programme,
        membership_number=tenant["Yusuf"].membership_number,
        minutes=60,
        message="For the theatre. Mared",
    )
    gift_to_member(
        actor=tenant["Gethin"].user,
        giver=tenant["Gethin"],
        programme=programme,
        membership_number=tenant["Huw"].membership_number,
        minutes=120,
        message="Thanks for the help with the fence",
    )
    gift_to_fund(
        actor=tenant["Nia"].user, giver=tenant["Nia"], programme=programme, minutes=120, message="For the fund"
    )


def _venue_staff(admin, coordinator, programme, venue, username, full_name) -> User:
    # Their logins are not part of the demo: a password nobody knows.
    user = account_create(actor=admin, username=username, password=secrets.token_urlsafe(24), full_name=full_name)
    membership_grant(actor=admin, user=user, programme=programme, role=Role.PARTNER)
    partner_staff_add(actor=coordinator, venue=venue, user=user)
    return user


# --- Family mentors ----------------------------------------------------------------------


def _mentoring_history(day: dt.date, people: dict) -> None:
    programme, coordinator = people["families"], people["mentoring_coordinator"]
    members = VolunteerProfile.objects.filter(user__memberships__programme=programme)
    mentor = {volunteer.full_name.split()[0]: volunteer for volunteer in members}
    for row in MENTORS:
        volunteer = _register(
            actor=coordinator, programme=programme, role=Role.MENTOR, row=row, city="Augsburg", email=_email(row[0])
        )
        _qualify(
            actor=coordinator,
            volunteer=volunteer,
            programme=programme,
            role=Role.MENTOR,
            completed_on=_date(day, MENTOR_TRAINING),
            issued_on=_date(day, MENTOR_CHECK),
        )
        mentor[row[0].split()[0]] = volunteer

    claims = []
    families = 0
    for index, (name, kind, reference, language_codes, topic_codes, start, end, reason) in enumerate(MENTORSHIPS):
        languages, topics = language_codes.split(), topic_codes.split()
        starts_on = _date(day, start)
        if starts_on >= day:
            continue
        ends_on = _date(day, end) if end is not None and _date(day, end) < day else None
        person = supported_person_create(
            actor=coordinator,
            programme=programme,
            kind=kind,
            reference=reference,
            languages=languages,
            topics=topics,
            place_name=f"{mentor[name].place_name.split(',')[0]}, Augsburg",
            referral_source="Wohnungsnotfallhilfe (housing emergency service)" if "housing" in topics else "Jobcenter",
            referred_on=starts_on - dt.timedelta(days=21),
        )
        household = None
        if kind == "family":
            household = [{"label": label, "birth_year": year} for label, year in HOUSEHOLDS[families % len(HOUSEHOLDS)]]
            families += 1
        person_record_update(
            actor=coordinator,
            person=person,
            risk_flags=sorted({RISKS[t] for t in topics if t in RISKS}),
            household=household,
        )
        person_consent_record(
            actor=coordinator, person=person, agreed_to="Mentoring, and keeping this record for it", given_on=starts_on
        )
        mentorship = mentorship_start(actor=coordinator, person=person, mentor=mentor[name], starts_on=starts_on)
        last = ends_on or day - dt.timedelta(days=1)
        for number, date in enumerate(_session_dates(starts_on, last, ongoing=ends_on is None)):
            claims.append(
                session_log(
                    actor=mentor[name].user,
                    mentorship=mentorship,
                    date=date,
                    minutes=SESSION_MINUTES[(index + number) % len(SESSION_MINUTES)],
                    mode=SESSION_MODES[(index + number) % len(SESSION_MODES)],
                    idempotency_key=f"history-{mentorship.pk}-{number}",
                ).claim
            )
        _goals(mentorship, mentor[name].user, topics, index, starts_on, ends_on, reason, day)
        if ends_on is not None:
            mentorship_close(
                actor=coordinator,
                mentorship=mentorship,
                reason=reason,
                outcome_notes=OUTCOMES[reason],
                ended_on=ends_on,
            )
    claims_approve_bulk(actor=coordinator, claims=claims)


def _session_dates(start: dt.date, last: dt.date, *, ongoing: bool) -> list[dt.date]:
    """Every three weeks from the first visit to the last; a running mentorship's fall so its
    latest is on `last` (yesterday), an ended one's on the day it ended."""
    if ongoing:
        dates, date = [], last
        while date > start:
            dates.append(date)
            date -= SESSION_EVERY
        return [start, *reversed(dates)]
    dates, date = [], start
    while date < last:
        dates.append(date)
        date += SESSION_EVERY
    return [*dates, last]


def _goals(mentorship, mentor_user, topics, index, starts_on, ends_on, reason, day) -> None:
    """Two goals from the person's first topics, reviewed every eight weeks and at the end.
    Met: both achieved (the second left open now and then); ended otherwise: one dropped,
    the other where it got to; still running: moving up, and every other one has dropped its
    second goal when the family's situation changed (so this year's dropped goals are 5)."""
    if ends_on is None:
        finals = [(1, ""), (None, "dropped") if index % 2 == 0 else (0, "")]
    elif reason == "goals_met":
        finals = [(1, "achieved"), (0, "achieved" if index % 3 else "")]
    else:
        finals = [(0, ""), (None, "dropped")]
    reviews = []
    date = starts_on + REVIEW_EVERY
    while date < (ends_on or day):
        reviews.append(date)
        date += REVIEW_EVERY
    if ends_on is not None:
        reviews.append(ends_on)
    for number, (topic, (final, status)) in enumerate(zip(topics[:2], finals, strict=False)):
        domain, description, levels = GOALS[topic]
        baseline = -1 - number
        goal = goal_create(
            actor=mentor_user,
            mentorship=mentorship,
            domain=domain,
            description=description,
            levels={str(level): text for level, text in zip((-2, -1, 0, 1, 2), levels.split(" / "), strict=True)},
            baseline_level=baseline,
        )
        # Agreed at the first visit: the record says so, as an import of the history would.
        agreed = timezone.make_aware(dt.datetime.combine(starts_on, dt.time(12)))
        Goal.objects.filter(pk=goal.pk).update(created_at=agreed)
        for step, reviewed_on in enumerate(reviews, start=1):
            # Even steps from the baseline to where the goal ends up; a dropped goal stays put.
            target = baseline if final is None else final
            level = baseline + round((target - baseline) * step / len(reviews))
            goal_review(
                actor=mentor_user,
                goal=goal,
                level=level,
                reviewed_on=reviewed_on,
                status=status if step == len(reviews) else "",
            )
