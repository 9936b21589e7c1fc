"""Bad input on every endpoint that takes input: a 422 problem naming the field, and nothing written.

Requests come from the programme's coordinator, who may do all of these
things with good input, so each refusal is about the input alone.
"""

import datetime as dt
import json

import pytest
from django.utils import timezone

from tests.api_support import assert_problem, call, fill, volunteer_records
from tests.assertions import database_state, unchanged
from timebank.volunteers.services.profiles import consent_withdraw

TOMORROW = "{tomorrow}"


@pytest.fixture
def world(coordinator, volunteer, mentor, catalogue, other_volunteer):
    records = volunteer_records(coordinator, volunteer, catalogue)
    return {
        "volunteer_id": volunteer.id,
        "consent_id": records["consent"].id,
        "first_aid": catalogue["first_aid"].id,
        "dbs": catalogue["dbs"].id,
        "tomorrow": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
    }


@pytest.fixture
def staff(client_for, coordinator):
    return client_for(coordinator)


COURSES = "/programmes/tenants/courses"
CHECK_TYPES = "/programmes/tenants/check-types"
REGISTER = "/volunteers"
VOLUNTEER = "/volunteers/{volunteer_id}"
STATUS = "/volunteers/{volunteer_id}/status"
CONSENTS = "/volunteers/{volunteer_id}/consents"
WITHDRAW = "/consents/{consent_id}/withdraw"
TRAINING = "/volunteers/{volunteer_id}/training"
CHECKS = "/volunteers/{volunteer_id}/checks"

NEWCOMER = {"programme": "tenants", "full_name": "Nina New", "consent_to_record": True}
SLOT = {"weekday": 1, "starts_at": "09:00", "ends_at": "12:00"}

# (method, path, body, the field the error names)
BAD_INPUT = {
    # Course catalogue
    "course without a name": ("post", COURSES, {}, "name"),
    "course with a blank name": ("post", COURSES, {"name": "   "}, "name"),
    "course with a long name": ("post", COURSES, {"name": "x" * 201}, "name"),
    "course name of the wrong type": ("post", COURSES, {"name": 12}, "name"),
    "course validity not a number": (
        "post",
        COURSES,
        {"name": "Food hygiene", "validity_months": "twelve"},
        "validity_months",
    ),
    "course validity zero": ("post", COURSES, {"name": "Food hygiene", "validity_months": 0}, "validity_months"),
    "course validity over 20 years": (
        "post",
        COURSES,
        {"name": "Food hygiene", "validity_months": 241},
        "validity_months",
    ),
    "course already in the catalogue": ("post", COURSES, {"name": "first AID"}, "name"),
    # Kinds of background check
    "check type without a name": ("post", CHECK_TYPES, {"validity_months": 12}, "name"),
    "check type already listed": ("post", CHECK_TYPES, {"name": "Enhanced DBS"}, "name"),
    "check type flag not a boolean": (
        "post",
        CHECK_TYPES,
        {"name": "Basic", "covers_children": "perhaps"},
        "covers_children",
    ),
    "check type validity negative": ("post", CHECK_TYPES, {"name": "Basic", "validity_months": -1}, "validity_months"),
    # Registering a volunteer
    "register without consent": ("post", REGISTER, {**NEWCOMER, "consent_to_record": None}, "consent_to_record"),
    "register with consent refused": ("post", REGISTER, {**NEWCOMER, "consent_to_record": False}, "consent_to_record"),
    "register without a name": ("post", REGISTER, {"programme": "tenants", "consent_to_record": True}, "full_name"),
    "register with a blank name": ("post", REGISTER, {**NEWCOMER, "full_name": " "}, "full_name"),
    "register with a number for a name": ("post", REGISTER, {**NEWCOMER, "full_name": 42}, "full_name"),
    "register with a bad e-mail": ("post", REGISTER, {**NEWCOMER, "email": "nina-at-example"}, "email"),
    "register with a taken e-mail": ("post", REGISTER, {**NEWCOMER, "email": "VERA@example.org"}, "email"),
    "register with an unknown language": ("post", REGISTER, {**NEWCOMER, "languages": ["en", "xx"]}, "languages"),
    "register with an unknown preferred language": (
        "post",
        REGISTER,
        {**NEWCOMER, "preferred_language": "klingon"},
        "preferred_language",
    ),
    "register with a weekday out of range": (
        "post",
        REGISTER,
        {**NEWCOMER, "availability": [{**SLOT, "weekday": 7}]},
        "availability.0.weekday",
    ),
    "register with a slot ending before it starts": (
        "post",
        REGISTER,
        {**NEWCOMER, "availability": [{**SLOT, "starts_at": "13:00"}]},
        "availability",
    ),
    "register with overlapping slots": (
        "post",
        REGISTER,
        {**NEWCOMER, "availability": [SLOT, {**SLOT, "starts_at": "11:00", "ends_at": "14:00"}]},
        "availability",
    ),
    "register with a time that is not a time": (
        "post",
        REGISTER,
        {**NEWCOMER, "availability": [{**SLOT, "starts_at": "nine"}]},
        "availability.0.starts_at",
    ),
    "register with an unknown skill": ("post", REGISTER, {**NEWCOMER, "skills": [999999]}, "skills"),
    "register as a coordinator": ("post", REGISTER, {**NEWCOMER, "role": "coordinator"}, "role"),
    "register with an unknown status": ("post", REGISTER, {**NEWCOMER, "status": "retired"}, "status"),
    "register in an unknown programme": ("post", REGISTER, {**NEWCOMER, "programme": "nowhere"}, "programme"),
    "register in a programme not held": ("post", REGISTER, {**NEWCOMER, "programme": "family-mentors"}, "programme"),
    "register at latitude 95": ("post", REGISTER, {**NEWCOMER, "latitude": 95, "longitude": 0}, "latitude"),
    "register with latitude only": ("post", REGISTER, {**NEWCOMER, "latitude": 51.5}, "latitude"),
    "register travelling too far": ("post", REGISTER, {**NEWCOMER, "travel_km": 600}, "travel_km"),
    "register with a phone of letters": ("post", REGISTER, {**NEWCOMER, "phone": "call me maybe"}, "phone"),
    "register with a taken username": ("post", REGISTER, {**NEWCOMER, "username": "volunteer"}, "username"),
    "register with an empty tag": ("post", REGISTER, {**NEWCOMER, "skill_tags": ["cooking", " "]}, "skill_tags"),
    # Changing a profile
    "update name to null": ("patch", VOLUNTEER, {"full_name": None}, "full_name"),
    "update name to blank": ("patch", VOLUNTEER, {"full_name": ""}, "full_name"),
    "update languages to null": ("patch", VOLUNTEER, {"languages": None}, "languages"),
    "update e-mail to a taken one": ("patch", VOLUNTEER, {"email": "mehmet@example.org"}, "email"),
    "update e-mail to a bad one": ("patch", VOLUNTEER, {"email": "vera@"}, "email"),
    "update to an unknown language": ("patch", VOLUNTEER, {"languages": ["tlh"]}, "languages"),
    "update preferred language unknown": ("patch", VOLUNTEER, {"preferred_language": "zz"}, "preferred_language"),
    "update travel too far": ("patch", VOLUNTEER, {"travel_km": 501}, "travel_km"),
    "update latitude off the globe": ("patch", VOLUNTEER, {"latitude": 100}, "latitude"),
    "update only one coordinate away": ("patch", VOLUNTEER, {"longitude": None}, "latitude"),
    "update a slot backwards": (
        "patch",
        VOLUNTEER,
        {"availability": [{"weekday": 1, "starts_at": "10:00", "ends_at": "09:00"}]},
        "availability",
    ),
    "update skills unknown": ("patch", VOLUNTEER, {"skills": [999999]}, "skills"),
    "update phone of letters": ("patch", VOLUNTEER, {"phone": "abc"}, "phone"),
    "update flag not a boolean": ("patch", VOLUNTEER, {"willing_children": "perhaps"}, "willing_children"),
    "update interests as a string": ("patch", VOLUNTEER, {"interests": "gardening"}, "interests"),
    # Membership status
    "status unknown": ("post", STATUS, {"programme": "tenants", "status": "retired"}, "status"),
    "status missing": ("post", STATUS, {"programme": "tenants"}, "status"),
    "status dated in the future": ("post", STATUS, {"programme": "tenants", "status": "paused", "on": TOMORROW}, "on"),
    "status dated in words": ("post", STATUS, {"programme": "tenants", "status": "paused", "on": "yesterday"}, "on"),
    "status in a programme not held": ("post", STATUS, {"programme": "family-mentors", "status": "left"}, "programme"),
    "status for a staff role": (
        "post",
        STATUS,
        {"programme": "tenants", "role": "coordinator", "status": "left"},
        "role",
    ),
    # Consents
    "consent for an unknown purpose": ("post", CONSENTS, {"purpose": "marketing"}, "purpose"),
    "consent without a purpose": ("post", CONSENTS, {}, "purpose"),
    "consent with a long note": ("post", CONSENTS, {"purpose": "photos", "note": "x" * 301}, "note"),
    "withdraw with a long reason": ("post", WITHDRAW, {"reason": "x" * 301}, "reason"),
    "withdraw with a number for a reason": ("post", WITHDRAW, {"reason": 5}, "reason"),
    # Training
    "training completed tomorrow": (
        "post",
        TRAINING,
        {"course": "{first_aid}", "completed_on": TOMORROW},
        "completed_on",
    ),
    "training on the 40th of the 13th month": (
        "post",
        TRAINING,
        {"course": "{first_aid}", "completed_on": "2024-13-40"},
        "completed_on",
    ),
    "training in 1900": ("post", TRAINING, {"course": "{first_aid}", "completed_on": "1900-01-01"}, "completed_on"),
    "training without a course": ("post", TRAINING, {"completed_on": "2024-01-01"}, "course"),
    "training of an unknown course": ("post", TRAINING, {"course": 999999, "completed_on": "2024-01-01"}, "course"),
    "training course by name": ("post", TRAINING, {"course": "first aid", "completed_on": "2024-01-01"}, "course"),
    "training with a long note": (
        "post",
        TRAINING,
        {"course": "{first_aid}", "completed_on": "2024-01-01", "note": "x" * 301},
        "note",
    ),
    "training verify not a boolean": (
        "post",
        TRAINING,
        {"course": "{first_aid}", "completed_on": "2024-01-01", "verify": "perhaps"},
        "verify",
    ),
    # Background checks
    "check issued tomorrow": ("post", CHECKS, {"check_type": "{dbs}", "issued_on": TOMORROW}, "issued_on"),
    "check without an issue date": ("post", CHECKS, {"check_type": "{dbs}"}, "issued_on"),
    "check expiring before issue": (
        "post",
        CHECKS,
        {"check_type": "{dbs}", "issued_on": "2024-05-01", "expires_on": "2024-04-30"},
        "expires_on",
    ),
    "check of an unknown kind": ("post", CHECKS, {"check_type": 999999, "issued_on": "2024-05-01"}, "check_type"),
    "check with a long reference": (
        "post",
        CHECKS,
        {"check_type": "{dbs}", "issued_on": "2024-05-01", "reference": "9" * 101},
        "reference",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_is_refused_naming_the_field(staff, world, case):
    method, path, body, field = BAD_INPUT[case]
    before = database_state()

    response = call(staff, method, fill(path, world), fill(body, world))

    assert_problem(response, 422, field)
    assert database_state() == before


WRITES_WITH_A_BODY = [
    ("post", COURSES),
    ("post", CHECK_TYPES),
    ("post", REGISTER),
    ("patch", VOLUNTEER),
    ("post", STATUS),
    ("post", CONSENTS),
    ("post", WITHDRAW),
    ("post", TRAINING),
    ("post", CHECKS),
]


@pytest.mark.parametrize(("method", "path"), WRITES_WITH_A_BODY)
@pytest.mark.parametrize("raw", ['{"name": "unfinished', "{'single': 'quotes'}", "\x00\xff"])
def test_malformed_json_is_refused(staff, world, method, path, raw):
    before = database_state()

    response = call(staff, method, fill(path, world), raw=raw)

    problem = assert_problem(response, 422, "body")
    assert "JSON" in problem["errors"][0]["message"]
    assert database_state() == before


@pytest.mark.parametrize(("method", "path"), [w for w in WRITES_WITH_A_BODY if w[1] != WITHDRAW])
@pytest.mark.parametrize("raw", ["[1, 2, 3]", '"a string"', "42", ""])
def test_a_body_that_is_not_an_object_is_refused(staff, world, method, path, raw):
    before = database_state()

    response = call(staff, method, fill(path, world), raw=raw)

    assert_problem(response, 422)
    assert database_state() == before


def test_withdrawing_a_withdrawn_consent_is_refused(staff, coordinator, world):
    from timebank.volunteers.models import Consent

    consent_withdraw(actor=coordinator, consent=Consent.objects.get(pk=world["consent_id"]))
    before = database_state()

    response = call(staff, "post", f"/consents/{world['consent_id']}/withdraw")

    assert_problem(response, 422, "consent")
    assert database_state() == before


def test_training_in_a_programme_the_volunteer_does_not_give_time_to_is_refused(
    client_for, admin, coordinator, other_programme, world
):
    """The coordinator runs both programmes, so the course is visible, but Vera gives time to one only."""
    from timebank.accounts.services.programmes import membership_grant
    from timebank.training.services.records import course_create

    membership_grant(actor=admin, user=coordinator, programme=other_programme, role="coordinator")
    theirs = course_create(actor=coordinator, programme=other_programme, name="Mentoring basics")
    staff = client_for(coordinator)
    before = database_state()

    response = call(
        staff,
        "post",
        f"/volunteers/{world['volunteer_id']}/training",
        {"course": theirs.id, "completed_on": "2024-01-01"},
    )

    assert_problem(response, 422, "course")
    assert database_state() == before


BAD_QUERIES = {
    "limit zero": ("/volunteers", {"limit": 0}, "limit"),
    "limit too large": ("/volunteers", {"limit": 501}, "limit"),
    "offset negative": ("/volunteers", {"offset": -1}, "offset"),
    "limit in words": ("/volunteers", {"limit": "ten"}, "limit"),
    "status unknown": ("/volunteers", {"status": "retired"}, "status"),
    "language unknown": ("/volunteers", {"language": "xx"}, "language"),
    "qualification unknown": ("/volunteers", {"qualification": "soon"}, "qualification"),
    "date not a date": ("/volunteers", {"qualification": "expired", "on": "2024-02-30"}, "on"),
    "programme not held": ("/volunteers", {"programme": "family-mentors"}, "programme"),
    "skill not a number": ("/volunteers", {"skill": "gardening"}, "skill"),
    "courses page limit zero": ("/programmes/tenants/courses", {"limit": 0}, "limit"),
    "qualification programme without role": (
        "/volunteers/{volunteer_id}/qualifications",
        {"programme": "tenants"},
        "role",
    ),
    "qualification role without programme": (
        "/volunteers/{volunteer_id}/qualifications",
        {"role": "volunteer"},
        "programme",
    ),
    "qualification role unknown": (
        "/volunteers/{volunteer_id}/qualifications",
        {"programme": "tenants", "role": "boss"},
        "role",
    ),
    "qualification programme unknown": (
        "/volunteers/{volunteer_id}/qualifications",
        {"programme": "nowhere", "role": "volunteer"},
        "programme",
    ),
    "qualification date not a date": ("/volunteers/{volunteer_id}/qualifications", {"on": "next week"}, "on"),
}


@pytest.mark.parametrize("case", BAD_QUERIES)
def test_bad_query_is_refused_naming_the_parameter(staff, world, case):
    path, query, field = BAD_QUERIES[case]

    response = call(staff, "get", fill(path, world), query)

    assert_problem(response, 422, field)


def test_every_error_of_one_request_is_listed(staff, world):
    before = database_state()

    response = call(
        staff,
        "post",
        "/volunteers",
        {**NEWCOMER, "email": "vera@example.org", "languages": ["xx"], "phone": "call me", "consent_to_record": False},
    )

    problem = assert_problem(response, 422, "email", "languages", "phone", "consent_to_record")
    assert len(problem["errors"]) >= 4
    assert database_state() == before


@pytest.mark.parametrize("method", ["post", "patch", "put", "delete"])
@pytest.mark.parametrize("signed_in_by", ["token", "session"])
def test_a_write_to_an_address_with_nothing_answers_404_problem_and_changes_nothing(coordinator, method, signed_in_by):
    """Not Django's CSRF page (403 text/html): the API's own 404, whoever asks and however."""
    from django.test import Client

    from tests.assertions import unchanged
    from timebank.accounts.services.tokens import api_token_create

    client = Client(enforce_csrf_checks=True)
    headers = {}
    if signed_in_by == "token":
        _, secret = api_token_create(actor=coordinator, name="script")
        headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    else:
        client.force_login(coordinator)
    with unchanged():
        response = getattr(client, method)("/api/v1/no-such-thing/42", "{}", content_type="application/json", **headers)

    assert_problem(response, 404)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (COURSES, {"name": "Safe\u0000guarding", "validity_months": 12}, "name"),
        (REGISTER, {"programme": "tenants", "full_name": "Nia\u0000", "consent_to_record": True}, "full_name"),
        ("/claims", {"activity": 1, "minutes": 60, "note": "\u0000"}, "note"),
        (COURSES, {"name": "Ok", "nested": {"deep": ["fine", "bad\u0000"]}}, "nested.deep.1"),
    ],
)
def test_a_nul_character_anywhere_in_a_body_is_refused_naming_the_field(staff, world, path, body, field):
    """PostgreSQL cannot store a NUL character (it answered 500); no field is let through with one."""
    with unchanged():
        response = call(staff, "post", path, body)

    assert_problem(response, 422, field)


def test_a_nul_character_in_the_query_is_refused_naming_the_parameter(staff, world):
    response = call(staff, "get", "/volunteers", {"search": "Vera\u0000"})

    assert_problem(response, 422, "search")


@pytest.mark.parametrize("offset", [2**31, 2**63, 99999999999999999999, -1])
def test_an_offset_past_any_list_is_refused_on_every_list(staff, world, offset):
    for path in ("/volunteers", "/programmes", "/claims", "/offers"):
        assert_problem(call(staff, "get", path, {"offset": offset}), 422, "offset")


def test_a_body_nested_deeper_than_any_operation_reads_is_refused_plainly(staff, world):
    for depth in (40, 100_000):
        raw = '{"name": ' + "[" * depth + "]" * depth + "}"
        problem = assert_problem(call(staff, "post", COURSES, raw=raw), 422, "body")
        assert "recursion" not in json.dumps(problem).lower()
        assert "nests too deeply" in json.dumps(problem)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/claims/bulk-approve", {"claims": [99999999999999999999]}, "claims.0"),
        ("/claims/bulk-approve", {"claims": [2**63]}, "claims.0"),
        ("/claims", {"activity": -(2**63) - 1, "minutes": 60}, "activity"),
    ],
)
def test_a_number_beyond_64_bits_in_a_body_is_refused_before_any_lookup(staff, world, path, body, field):
    """It failed with a 500 before the permission check ran ("bigint out of range" on PostgreSQL)."""
    with unchanged():
        response = call(staff, "post", path, body)

    assert_problem(response, 422, field)


def test_a_number_beyond_64_bits_in_a_filter_is_refused(staff, world):
    response = call(staff, "get", "/programmes/tenants/sessions", {"activity": "99999999999999999999"})

    assert_problem(response, 422, "activity")


def test_a_body_over_the_size_limit_answers_413(staff, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    with unchanged():
        response = call(staff, "post", COURSES, {"name": "x" * 2000})

    assert_problem(response, 413, "body")
