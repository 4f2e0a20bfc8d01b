"""factory-boy factories for every app's tests. Reference data comes from the loaded tables."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from cases.choices import DocumentType, InterviewKind, Relationship, Sex
from cases.models import (
    Case,
    Country,
    Individual,
    Interview,
    Location,
    MovementType,
    Programme,
    SubmissionCategory,
    TravelDocument,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or ():
            group, _ = Group.objects.get_or_create(name=str(role))
            self.groups.add(group)


def user_with_role(role, **kwargs):
    return UserFactory(roles=[role], **kwargs)


def _country(iso):
    return Country.objects.get(iso_code=iso)


class CaseFactory(factory.django.DjangoModelFactory):
    """A case in status 'referred' with a principal applicant (add members with `members=n`)."""

    class Meta:
        model = Case
        skip_postgeneration_save = True

    unhcr_case_number = factory.Sequence(lambda n: f"RWA-24-{n:06d}")
    location = factory.LazyFunction(lambda: Location.objects.get(name="Mahama"))
    destination_country = factory.LazyFunction(lambda: _country("USA"))
    programme = factory.LazyAttribute(
        lambda c: Programme.objects.filter(country=c.destination_country).first()
    )
    movement_type = factory.LazyFunction(
        lambda: MovementType.objects.get(code="refugee_resettlement")
    )
    submission_category = factory.LazyFunction(lambda: SubmissionCategory.objects.get(code="LPN"))
    referral_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=90))

    @factory.post_generation
    def principal(self, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        IndividualFactory(case=self, relationship=Relationship.PRINCIPAL_APPLICANT, **kwargs)

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        for _ in range(extracted or 0):
            IndividualFactory(case=self, relationship=Relationship.CHILD, **kwargs)


class IndividualFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Individual

    case = factory.SubFactory(CaseFactory, principal=False)
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    sex = factory.Iterator([Sex.FEMALE, Sex.MALE])
    date_of_birth = factory.Faker("date_between", start_date="-60y", end_date="-1y")
    nationality = factory.LazyFunction(lambda: _country("COD"))
    relationship = Relationship.CHILD
    unhcr_individual_number = factory.Sequence(lambda n: f"RWA-I-{n:07d}")
    languages = factory.LazyFunction(lambda: ["Kinyarwanda", "Swahili"])


class TravelDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TravelDocument

    individual = factory.SubFactory(IndividualFactory)
    document_type = DocumentType.REFUGEE_TRAVEL_DOCUMENT
    number = factory.Sequence(lambda n: f"TD{n:07d}")
    issuing_country = factory.LazyFunction(lambda: _country("RWA"))
    issued_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=700))


class InterviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interview

    case = factory.SubFactory(CaseFactory)
    kind = InterviewKind.PRE_SCREENING
    scheduled_for = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=3))
    venue = "Mahama field office"
