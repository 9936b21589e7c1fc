import datetime as dt

from timebank.core.selectors.qualifications import QualificationState, role_qualification
from timebank.core.services.training import training_record_add


def test_volunteer_qualified_once_training_recorded(volunteer, coordinator, catalogue, programme, today):
    report = role_qualification(volunteer=volunteer, programme=programme, role="volunteer", on=today)
    assert [i.state for i in report.items] == [QualificationState.MISSING, QualificationState.MISSING]
    training_record_add(
        actor=coordinator, volunteer=volunteer, course=catalogue["induction"], completed_on=today, verify=True
    )
    training_record_add(
        actor=coordinator,
        volunteer=volunteer,
        course=catalogue["first_aid"],
        completed_on=today - dt.timedelta(days=400),
        verify=True,
    )
    report = role_qualification(volunteer=volunteer, programme=programme, role="volunteer", on=today)
    assert report.qualified
