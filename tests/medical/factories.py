"""Factories for the clinic's records (kept beside the medical tests)."""

import datetime

import factory
from django.utils import timezone

from medical.choices import AssessmentGroup, CheckResult, LabResultValue, LabTest, Outcome, Vaccine
from medical.models import HealthAssessment, LabResult, PreEmbarkationCheck, Vaccination
from tests.factories import IndividualFactory


class HealthAssessmentFactory(factory.django.DjangoModelFactory):
    """An appointment for today at 09:00 (office time), no outcome."""

    class Meta:
        model = HealthAssessment
        skip_postgeneration_save = True

    individual = factory.SubFactory(IndividualFactory)
    programme = factory.LazyAttribute(lambda a: a.individual.case.programme)
    group = AssessmentGroup.REFUGEE
    scheduled_for = factory.LazyFunction(
        lambda: timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    )


class ExaminedAssessmentFactory(HealthAssessmentFactory):
    """Every part a protocol may ask for is recorded five days ago (the examination, the chest
    X-ray and its TB class, a result for every laboratory test): ready for a clearance."""

    assessed_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=5))
    physical_examination = "Unremarkable."
    chest_xray_on = factory.LazyAttribute(lambda a: a.assessed_on)
    chest_xray_findings = "Clear lung fields."
    tb_classification = "none"

    @factory.post_generation
    def lab_results(self, create, extracted, **kwargs):
        if create:
            for test in LabTest:
                LabResult.objects.create(
                    assessment=self,
                    test=test,
                    result=LabResultValue.NEGATIVE,
                    tested_on=self.assessed_on,
                )


class ClearedAssessmentFactory(HealthAssessmentFactory):
    """Cleared ten days ago, valid for 180 days from then (the USRAP protocol)."""

    assessed_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=12))
    outcome = Outcome.CLEARED
    outcome_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=10))
    valid_until = factory.LazyAttribute(lambda a: a.outcome_on + datetime.timedelta(days=180))
    medical_history = "Treated for malaria in 2019; hypertension."
    tb_classification = "B2"


class LabResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LabResult

    assessment = factory.SubFactory(HealthAssessmentFactory)
    test = LabTest.SYPHILIS
    result = LabResultValue.POSITIVE
    tested_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=11))


class VaccinationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vaccination

    individual = factory.SubFactory(IndividualFactory)
    vaccine = Vaccine.MMR
    dose = 1
    given_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=5))
    lot_number = factory.Sequence(lambda n: f"LOT{n:05d}")


class PreEmbarkationCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PreEmbarkationCheck

    individual = factory.SubFactory(IndividualFactory)
    programme = factory.LazyAttribute(lambda c: c.individual.case.programme)
    checked_on = factory.LazyFunction(timezone.localdate)
    planned_departure = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=2)
    )
    result = CheckResult.FIT
