"""The medical protocol of every destination programme the mission starts with.

The figures are plausible defaults drawn from the destinations' published instructions to panel
physicians (e.g. US CDC Technical Instructions: IGRA from 2, chest X-ray from 15, syphilis and
gonorrhoea tests from 15, no HIV test; the overseas exam is valid 6 months for refugees;
Canada's immigration medical exam is valid 12 months, chest X-ray from 11, HIV and syphilis
from 15, urinalysis from 5). The clinic lead confirms them in the admin before use.

Loading is idempotent and never overwrites: a programme that already has a protocol keeps it,
with whatever an administrator changed; only missing protocols are created.
"""

from django.apps import apps as global_apps
from django.db import transaction

from cases.reference_data import PROGRAMMES

from .choices import CHEST_XRAY, Finding, LabTest, TravelCondition

# Every pre-embarkation check happens within 72 hours of the flight unless said otherwise.
DEFAULT_WINDOW_DAYS = 3

# The European quota programmes' default: IOM health assessment, 6 months' validity.
DEFAULT_PROTOCOL = {
    "clearance_validity_days": 180,
    "pre_embarkation_window_days": DEFAULT_WINDOW_DAYS,
    "requirements": {
        CHEST_XRAY: 15,
        LabTest.IGRA: 2,
        LabTest.SYPHILIS: 15,
        LabTest.HIV: 15,
        LabTest.HEPATITIS_B: 15,
    },
    "notes": "Default IOM health assessment for a resettlement quota; confirm with the country.",
}

PROTOCOLS = {
    "USRAP": {
        # CDC: the overseas medical exam is valid 6 months for refugees (immigrants too; a
        # Class B TB finding shortens it, which the clinician records as a shorter outcome).
        "clearance_validity_days": 180,
        "pre_embarkation_window_days": 3,
        "requirements": {
            LabTest.IGRA: 2,
            CHEST_XRAY: 15,
            LabTest.SYPHILIS: 15,
            LabTest.GONORRHOEA: 15,
        },
        "notes": "CDC Technical Instructions for panel physicians; HIV not tested since 2010.",
    },
    "CA-GAR": {
        "clearance_validity_days": 365,
        "pre_embarkation_window_days": 3,
        "requirements": {
            LabTest.URINALYSIS: 5,
            CHEST_XRAY: 11,
            LabTest.SYPHILIS: 15,
            LabTest.HIV: 15,
        },
        "notes": "IRCC immigration medical examination (IME), valid 12 months.",
    },
    "AU-HUM": {
        "clearance_validity_days": 365,
        "pre_embarkation_window_days": 3,
        "requirements": {
            LabTest.IGRA: 2,
            CHEST_XRAY: 11,
            LabTest.HIV: 15,
            LabTest.HEPATITIS_B: 15,
            LabTest.SYPHILIS: 15,
        },
        "notes": "Department of Home Affairs health examination and departure health check.",
    },
    "NZ-RQP": {
        "clearance_validity_days": 365,
        "pre_embarkation_window_days": 3,
        "requirements": {
            LabTest.IGRA: 2,
            CHEST_XRAY: 11,
            LabTest.HIV: 15,
            LabTest.HEPATITIS_B: 15,
            LabTest.SYPHILIS: 15,
        },
        "notes": "Immigration New Zealand refugee quota medical.",
    },
    "UK-UKRS": {
        "clearance_validity_days": 180,
        "pre_embarkation_window_days": 3,
        "requirements": {
            CHEST_XRAY: 11,
            LabTest.HIV: 15,
            LabTest.HEPATITIS_B: 15,
            LabTest.SYPHILIS: 15,
        },
        "notes": "UK TB screening certificate valid 6 months.",
    },
}
PROTOCOLS["CA-PSR"] = PROTOCOLS["CA-GAR"]


# What a result means for travel, the same for every programme unless an administrator changes
# it: (treatment before travel, conditions it implies). CDC and IOM panel physicians treat
# active TB and syphilis/gonorrhoea before departure; TB classes B0-B2 travel with a follow-up
# at the destination; a positive sputum is active TB.
FINDING_RULES = {
    Finding.TB_CLASS_A: (True, [TravelCondition.FOLLOW_UP]),
    Finding.TB_CLASS_B0: (False, [TravelCondition.FOLLOW_UP]),
    Finding.TB_CLASS_B1: (False, [TravelCondition.FOLLOW_UP]),
    Finding.TB_CLASS_B2: (False, [TravelCondition.FOLLOW_UP]),
    Finding.SPUTUM_POSITIVE: (True, [TravelCondition.FOLLOW_UP]),
    Finding.SYPHILIS_POSITIVE: (True, []),
    Finding.GONORRHOEA_POSITIVE: (True, []),
    Finding.HIV_POSITIVE: (False, [TravelCondition.FOLLOW_UP]),
    Finding.HEPATITIS_B_POSITIVE: (False, [TravelCondition.FOLLOW_UP]),
}

# The group whose members hold medical.sign_clearance: the physicians among the clinicians.
PHYSICIAN_GROUP = "physician"


def protocol_defaults(programme_code: str) -> dict:
    return PROTOCOLS.get(programme_code, DEFAULT_PROTOCOL)


def load_medical_protocols(apps=None) -> int:
    """Create the protocol of every programme that has none; return how many were created.

    `apps` is a migration's app registry (historical models) or None for the running project.
    """
    apps = apps or global_apps
    Programme = apps.get_model("cases", "Programme")
    MedicalProtocol = apps.get_model("medical", "MedicalProtocol")
    ProtocolRequirement = apps.get_model("medical", "ProtocolRequirement")
    known_codes = [code for code, _iso, _name in PROGRAMMES]
    created_count = 0
    with transaction.atomic():
        for programme in Programme.objects.filter(code__in=known_codes).order_by("code"):
            values = protocol_defaults(programme.code)
            protocol, created = MedicalProtocol.objects.get_or_create(
                programme=programme,
                defaults={
                    "clearance_validity_days": values["clearance_validity_days"],
                    "pre_embarkation_window_days": values["pre_embarkation_window_days"],
                    "notes": values["notes"],
                },
            )
            if not created:
                continue
            created_count += 1
            ProtocolRequirement.objects.bulk_create(
                ProtocolRequirement(protocol=protocol, part=str(part), from_age=age)
                for part, age in values["requirements"].items()
            )
        # An older migration's registry knows no rules yet (a later migration loads them).
        try:
            apps.get_model("medical", "ProtocolFindingRule")
        except LookupError:
            pass
        else:
            load_finding_rules(apps)
    if apps is global_apps:
        physician_group_ensure()
    return created_count


def load_finding_rules(apps=None) -> int:
    """Give every protocol the default rule of each result it has no rule for; never overwrite
    a rule an administrator changed. Return how many rules were created."""
    apps = apps or global_apps
    MedicalProtocol = apps.get_model("medical", "MedicalProtocol")
    ProtocolFindingRule = apps.get_model("medical", "ProtocolFindingRule")
    present = set(ProtocolFindingRule.objects.values_list("protocol_id", "finding"))
    new_rules = [
        ProtocolFindingRule(
            protocol_id=protocol_id,
            finding=str(finding),
            treatment_before_travel=treat,
            conditions=[str(c) for c in conditions],
        )
        for protocol_id in MedicalProtocol.objects.order_by("pk").values_list("pk", flat=True)
        for finding, (treat, conditions) in FINDING_RULES.items()
        if (protocol_id, str(finding)) not in present
    ]
    ProtocolFindingRule.objects.bulk_create(new_rules)
    return len(new_rules)


def physician_group_ensure():
    """The "physician" group, holding medical.sign_clearance: an administrator adds the clinic's
    physicians to it (or grants the permission to one user)."""
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name=PHYSICIAN_GROUP)
    permission = Permission.objects.filter(
        content_type__app_label="medical", codename="sign_clearance"
    ).first()
    if permission is not None:
        group.permissions.add(permission)
    return group
