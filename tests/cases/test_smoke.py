from cases.models import Case
from tests.factories import CaseFactory


def test_a_case_gets_an_internal_number_from_the_database(db):
    case = CaseFactory()
    case.refresh_from_db()
    assert case.case_number.startswith("RW-")
    assert Case.objects.count() == 1
    assert case.principal is not None
