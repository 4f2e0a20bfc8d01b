"""The documented constants of the clinic: groups, outcomes, conditions, tests, classes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AssessmentGroup(models.TextChoices):
    """Whom the destination examines under which rules (the yearly figures count both)."""

    IMMIGRANT = "immigrant", _("Immigrant")
    REFUGEE = "refugee", _("Refugee")


class Outcome(models.TextChoices):
    CLEARED = "cleared", _("Cleared")
    CLEARED_WITH_CONDITIONS = "cleared_with_conditions", _("Cleared with conditions")
    DEFERRED = "deferred", _("Deferred")
    NOT_CLEARED = "not_cleared", _("Not cleared")


# Outcomes that let a person travel (until the clearance's validity ends).
CLEARING_OUTCOMES = frozenset({Outcome.CLEARED, Outcome.CLEARED_WITH_CONDITIONS})


class TravelCondition(models.TextChoices):
    """What a cleared traveller needs on the journey: travel facts, shown to every staff role."""

    MEDICAL_ESCORT = "medical_escort", _("Medical escort")
    WHEELCHAIR = "wheelchair", _("Wheelchair")
    OXYGEN = "oxygen", _("Oxygen during flight")
    FOLLOW_UP = "follow_up", _("Follow-up after arrival")


class LabTest(models.TextChoices):
    """Laboratory tests recorded as result rows."""

    IGRA = "igra", _("Tuberculosis blood test (IGRA)")
    TST = "tst", _("Tuberculin skin test")
    SPUTUM = "sputum", _("Sputum smear and culture")
    SYPHILIS = "syphilis", _("Syphilis test")
    GONORRHOEA = "gonorrhoea", _("Gonorrhoea test")
    HIV = "hiv", _("HIV test")
    HEPATITIS_B = "hepatitis_b", _("Hepatitis B test")
    URINALYSIS = "urinalysis", _("Urinalysis")


CHEST_XRAY = "chest_xray"

# Parts of an assessment a protocol may require from an age on (see ProtocolRequirement): the
# chest X-ray and every laboratory test.
ASSESSMENT_PART_CHOICES = [(CHEST_XRAY, _("Chest X-ray")), *LabTest.choices]


class LabResultValue(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")
    INDETERMINATE = "indeterminate", _("Indeterminate")
    NOT_DONE = "not_done", _("Not done")


class TBClass(models.TextChoices):
    """US CDC tuberculosis classification of the chest X-ray and TB work-up."""

    NO_CLASS = "none", _("No TB classification")
    CLASS_A = "A", _("Class A (active TB, infectious)")
    CLASS_B0 = "B0", _("Class B0 (TB treated under direct observation)")
    CLASS_B1 = "B1", _("Class B1 (pulmonary TB, not infectious)")
    CLASS_B2 = "B2", _("Class B2 (latent TB infection)")
    CLASS_B3 = "B3", _("Class B3 (contact of a TB case)")


class Finding(models.TextChoices):
    """A result that a protocol may hold to need treatment before travel or to imply travel
    conditions: a TB class of the chest X-ray work-up, or a positive laboratory test."""

    TB_CLASS_A = "tb_A", _("Tuberculosis class A (active TB, infectious)")
    TB_CLASS_B0 = "tb_B0", _("Tuberculosis class B0 (treated under direct observation)")
    TB_CLASS_B1 = "tb_B1", _("Tuberculosis class B1 (pulmonary TB, not infectious)")
    TB_CLASS_B2 = "tb_B2", _("Tuberculosis class B2 (latent TB infection)")
    TB_CLASS_B3 = "tb_B3", _("Tuberculosis class B3 (contact of a TB case)")
    IGRA_POSITIVE = "igra_positive", _("Positive tuberculosis blood test (IGRA)")
    TST_POSITIVE = "tst_positive", _("Positive tuberculin skin test")
    SPUTUM_POSITIVE = "sputum_positive", _("Positive sputum smear or culture")
    SYPHILIS_POSITIVE = "syphilis_positive", _("Positive syphilis test")
    GONORRHOEA_POSITIVE = "gonorrhoea_positive", _("Positive gonorrhoea test")
    HIV_POSITIVE = "hiv_positive", _("Positive HIV test")
    HEPATITIS_B_POSITIVE = "hepatitis_b_positive", _("Positive hepatitis B test")
    URINALYSIS_POSITIVE = "urinalysis_positive", _("Abnormal urinalysis")


def tb_finding(tb_class: str) -> str | None:
    """The finding a TB classification stands for (None for no class)."""
    key = f"tb_{tb_class}"
    return key if key in Finding.values else None


def lab_finding(test: str) -> str:
    """The finding a positive result of `test` stands for."""
    return f"{test}_positive"


# Whatever a protocol says, active infectious tuberculosis stops travel until it is treated
# (the panel physicians' rule every destination shares).
ALWAYS_TREATED_BEFORE_TRAVEL = frozenset({Finding.TB_CLASS_A})


class Vaccine(models.TextChoices):
    MMR = "mmr", _("Measles, mumps, rubella (MMR)")
    MR = "mr", _("Measles, rubella (MR)")
    OPV = "opv", _("Polio, oral (bOPV)")
    IPV = "ipv", _("Polio, inactivated (IPV)")
    DTP = "dtp", _("Diphtheria, tetanus, pertussis (DTaP/DTP)")
    TD = "td", _("Tetanus, diphtheria (Td)")
    HIB = "hib", _("Haemophilus influenzae type b (Hib)")
    HEPATITIS_B = "hepb", _("Hepatitis B")
    VARICELLA = "varicella", _("Varicella")
    PNEUMOCOCCAL = "pcv", _("Pneumococcal conjugate (PCV)")
    ROTAVIRUS = "rotavirus", _("Rotavirus")
    INFLUENZA = "influenza", _("Influenza")
    COVID_19 = "covid19", _("COVID-19")
    YELLOW_FEVER = "yellow_fever", _("Yellow fever")


class CheckResult(models.TextChoices):
    FIT = "fit", _("Fit to travel")
    FIT_WITH_ESCORT = "fit_with_escort", _("Fit to travel with a medical escort")
    UNFIT = "unfit", _("Unfit to travel")


class AccessChannel(models.TextChoices):
    PAGE = "page", _("Clinic page")
    API = "api", _("API")


class RecordKind(models.TextChoices):
    ASSESSMENT = "assessment", _("Health assessment")
    VACCINATION = "vaccination", _("Vaccination")
    PRE_EMBARKATION_CHECK = "pre_embarkation_check", _("Pre-embarkation check")


# The permission (medical.sign_clearance) of a physician: only its holders record an outcome.
SIGN_CLEARANCE_PERMISSION = "medical.sign_clearance"
