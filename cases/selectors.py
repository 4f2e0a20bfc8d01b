"""Reads of cases, scoped to what the user may see. Views and API classes start from here."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Expression,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Concat

from core.api.oauth import granted_scopes
from core.roles import Role, has_role, is_staff_member

from .choices import PartnerKind, Relationship
from .models import (
    Case,
    CaseEvent,
    CaseTally,
    Individual,
    PartnerOrganisation,
    PartnerProfile,
    TravelDocument,
)


def name_key(text: str) -> str:
    """Fold a typed name the way the database folds stored ones (lower case, no accents)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


def case_visible_to(user) -> QuerySet[Case]:
    """Every case `user` may see.

    Mission staff see every case of the mission. A partner system sees the cases in its
    organisation's data scope (`partner_scope`), or none.
    """
    if user is None or not user.is_authenticated:
        return Case.objects.none()
    if sees_every_case(user):
        return Case.objects.all()
    if has_role(user, Role.PARTNER_SYSTEM):
        scope = partner_case_scope(user)
        return Case.objects.all() if scope is None else Case.objects.filter(scope)
    return Case.objects.none()


def sees_every_case(user) -> bool:
    return user.is_authenticated and (user.is_superuser or is_staff_member(user))


# The country of no case: the one country of a partner whose organisation is inactive, so every
# read filtered on it is empty and every write limited to it is refused.
NO_COUNTRY = 0


class PartnerScope:
    """What a partner system's account may see and write, worked out in one place
    (`partner_scope`) for every app's selectors and services.

    - `active`: False when its organisation is deactivated: it sees nothing, writes nothing and
      is given no token (partners.oauth);
    - `cases`: the filter on Case (None: every case);
    - `country_id`: the one destination country it is limited to, or None (not limited to one;
      `NO_COUNTRY` when inactive);
    - `organisation_id`: its organisation (None: an account with none).
    The organisation's countries are read once, and only when asked for.
    """

    def __init__(self, *, organisation: PartnerOrganisation | None, country_id: int | None):
        self._organisation = organisation
        self._country_id = country_id
        self.organisation_id = organisation.pk if organisation is not None else None
        self.active = organisation is None or organisation.is_active

    @cached_property
    def cases(self) -> Q | None:
        if self._organisation is not None:
            return organisation_case_scope(self._organisation)
        if self._country_id is not None:
            return Q(destination_country_id=self._country_id)
        return None

    @cached_property
    def country_id(self) -> int | None:
        if self._organisation is not None:
            return organisation_country_id(self._organisation)
        return self._country_id


_UNSET = object()


def partner_scope(user) -> PartnerScope:
    """THE organisation scope of a partner system's account (see PartnerScope).

    - UNHCR sees every case (it refers them and reads their status);
    - a receiving country's mission sees only the cases bound for its country (and their
      bookings and notices);
    - the resettlement support centre sees the cases of the destinations it processes (every
      case when none is named);
    - an inactive organisation sees nothing;
    - an account with no organisation keeps its single country (PartnerProfile.country), or
      every case when it has none.
    Worked out once per request (kept on the user object), in one query.
    """
    cached = getattr(user, "_resettle_partner_scope", _UNSET)
    if cached is not _UNSET:
        return cached
    scope = _partner_scope(user)
    user._resettle_partner_scope = scope
    return scope


def _partner_scope(user) -> PartnerScope:
    profile = None
    if user is not None and user.is_authenticated:
        profile = (
            PartnerProfile.objects.select_related("partner_organisation")
            .filter(user_id=user.pk)
            .first()
        )
    if profile is None:
        return PartnerScope(organisation=None, country_id=None)
    return PartnerScope(organisation=profile.partner_organisation, country_id=profile.country_id)


def partner_is_active(user) -> bool:
    """False for an account of a deactivated partner organisation (it may do nothing)."""
    return partner_scope(user).active


def partner_case_scope(user) -> Q | None:
    """The cases a partner system's account may see, as a filter on Case (None: every case)."""
    return partner_scope(user).cases


def organisation_case_scope(organisation: PartnerOrganisation) -> Q | None:
    """The data scope of a partner organisation as a filter on Case (None: every case)."""
    if not organisation.is_active:
        return Q(pk__in=[])
    if organisation.kind == PartnerKind.UNHCR:
        return None
    countries = [c.pk for c in organisation.countries.all()]
    if organisation.kind == PartnerKind.SUPPORT_CENTRE and not countries:
        return None
    return Q(destination_country_id__in=countries)


def organisation_sees_case(organisation: PartnerOrganisation, case: Case) -> bool:
    """Whether `case` is in the organisation's data scope (checked in Python, no query beyond
    the organisation's countries)."""
    if not organisation.is_active:
        return False
    if organisation.kind == PartnerKind.UNHCR:
        return True
    countries = {c.pk for c in organisation.countries.all()}
    if organisation.kind == PartnerKind.SUPPORT_CENTRE and not countries:
        return True
    return case.destination_country_id in countries


def partner_country_id(user) -> int | None:
    """The one destination country a partner system is limited to, if any: its mission's
    country, or the single country set on its account (set in the admin); `NO_COUNTRY` for an
    inactive organisation (see `partner_scope`)."""
    return partner_scope(user).country_id


def organisation_country_id(organisation: PartnerOrganisation) -> int | None:
    """The one destination country an organisation is limited to: a mission's, when it has
    exactly one country; `NO_COUNTRY` when the organisation is inactive (it sees no case);
    otherwise None (no one country: not a mission, or several)."""
    if not organisation.is_active:
        return NO_COUNTRY
    if organisation.kind != PartnerKind.MISSION:
        return None
    countries = [c.pk for c in organisation.countries.all()]
    return countries[0] if len(countries) == 1 else None


# What a list row shows of a case's references. They come by id in small queries rather than
# joined: planning the 7-table join cost 9 ms per page on an idle server and 20-40 ms on a busy
# one, and a joined row builds its own copy of each reference (bench_case_list, 250,000 cases).
CASE_REFERENCES = (
    "location",
    "destination_country",
    "programme",
    "movement_type",
    "submission_category",
    "caseworker",
)


def case_list(*, user, search: str = "") -> QuerySet[Case]:
    """Cases for a list: the visible ones, with what a row shows loaded in a fixed number of
    queries (one for the page, one per kind of reference, one for all their members)."""
    qs = case_visible_to(user).prefetch_related(
        *CASE_REFERENCES,
        Prefetch(
            "members",
            queryset=Individual.objects.select_related("nationality").order_by(
                "case_id", "date_of_birth", "id"
            ),
        ),
    )
    if search:
        qs = qs.filter(case_search_q(search))
    return qs


def case_rows(*, user) -> QuerySet[Case]:
    """Cases for the browser's lists: the visible ones with only what a row shows. The camp,
    destination and caseworker come in one query each; the principal applicant's name
    (`principal_name`) and the number of members (`persons`) are computed by the database for
    the rows of the page only, rather than loading every member (bench_case_list)."""
    members = Individual.objects.filter(case=OuterRef("pk")).order_by()
    principal_name = Concat("given_name", Value(" "), "family_name", output_field=CharField())
    return (
        case_visible_to(user)
        .prefetch_related("location", "destination_country", "caseworker")
        .annotate(
            principal_name=Subquery(
                members.filter(relationship=Relationship.PRINCIPAL_APPLICANT)
                .annotate(name=principal_name)
                .values("name")[:1]
            ),
            persons=Coalesce(
                Subquery(members.values("case").annotate(n=Count("pk")).values("n")), 0
            ),
        )
    )


# How a search finds its cases (bench_case_list, 250,000 cases, about a million people). A term
# that few people match is served from the name and number indexes: their few cases are collected
# (a rare prefix, ~20 ms for the whole page). A term that many match ("mu": 171,000 people,
# 95,000 cases) is served by walking the cases in the list's order and probing each one's members,
# stopping at the page's last row: collecting and counting every match took about a second.
# The choice is made by the number of index entries the term matches, at most this many: around
# it both ways cost the same (a 12,000-person term: 50-65 ms either way on a busy machine).
SEARCH_COMMON_MATCHES = 15_000
# How many matching cases a common term's list counts at most ("more than 1,000").
SEARCH_COUNT_CAP = 1_000


class IsOneOf(Expression):
    """`column = ANY(ARRAY(subquery))`: the subquery runs once and each of its values is looked
    up in the column's index. `column IN (subquery)` let PostgreSQL hash-join a scan of every
    case instead (bench_case_list: a search matching 6,000 people 65 -> 23 ms for its page)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, column, subquery):
        super().__init__()
        self.column, self.subquery = column, subquery

    def get_source_expressions(self):
        return [self.column, self.subquery]

    def set_source_expressions(self, exprs):
        self.column, self.subquery = exprs

    def as_sql(self, compiler, connection):
        column_sql, column_params = compiler.compile(self.column)
        subquery_sql, subquery_params = compiler.compile(self.subquery)
        return f"{column_sql} = ANY(ARRAY{subquery_sql})", (*column_params, *subquery_params)


@dataclass(frozen=True, slots=True)
class CaseSearch:
    """A typed term, and how cases matching it are found: `q` filters cases; `common` says the
    term matches so many records that its matches are walked, not collected (and counted only up
    to SEARCH_COUNT_CAP). Both ways select exactly the same cases."""

    term: str
    common: bool
    q: Q


def case_search(term: str, *, common: bool | None = None) -> CaseSearch:
    """Match a typed term against person names (prefix of given or family name, accents and case
    ignored), UNHCR case or individual numbers and internal case numbers (prefix). `common`
    forces the way the matches are found (the API counts every match, so it collects them);
    left out, it is decided by counting the term's matches in the indexes, up to
    SEARCH_COMMON_MATCHES."""
    term = term.strip()
    if not term:
        return CaseSearch(term="", common=False, q=Q())
    key, upper = name_key(term), term.upper()
    people = (
        Q(family_name_key__startswith=key)
        | Q(given_name_key__startswith=key)
        | Q(unhcr_individual_number__startswith=upper)
    )
    numbers = Q(unhcr_case_number__startswith=upper) | Q(case_number__startswith=upper)
    if common is None:
        common = _search_matches_at_least(key, upper, SEARCH_COMMON_MATCHES)
    if common:
        # One probe per case, as a scalar subquery: PostgreSQL would turn an EXISTS into a
        # hashed semi-join that collects every match first.
        member_matches = Subquery(
            Individual.objects.filter(people, case=OuterRef("pk"))
            .order_by()  # the model's ordering would fetch each member's row to sort
            .values(hit=Value(True))[:1],
            output_field=BooleanField(),
        )
        return CaseSearch(term=term, common=True, q=numbers | Q(member_matches))
    # A UNION of index-backed prefix scans: an OR across tables made PostgreSQL scan every case
    # (bench_case_list: rare prefix 149 ms -> 33 ms at 250,000 cases). No ordering in the arms:
    # the models' default one would fetch each matching row to sort it (no index-only scan).
    arms = [
        Individual.objects.filter(family_name_key__startswith=key).values("case_id"),
        Individual.objects.filter(given_name_key__startswith=key).values("case_id"),
        Individual.objects.filter(unhcr_individual_number__startswith=upper).values("case_id"),
        Case.objects.filter(unhcr_case_number__startswith=upper).values("id"),
        Case.objects.filter(case_number__startswith=upper).values("id"),
    ]
    arms = [arm.order_by() for arm in arms]
    ids = arms[0].union(*arms[1:])
    return CaseSearch(term=term, common=False, q=Q(IsOneOf(F("pk"), Subquery(ids))))


def case_search_q(term: str, *, common: bool | None = None) -> Q:
    """The cases matching a typed term (see case_search)."""
    return case_search(term, common=common).q


def _search_matches_at_least(key: str, upper: str, enough: int) -> bool:
    """Whether the index entries matching the term number at least `enough` (one query of
    LIMIT-ed index scans, so a common term costs no more than a rare one)."""
    arms = [
        Individual.objects.filter(family_name_key__startswith=key),
        Individual.objects.filter(given_name_key__startswith=key),
        Individual.objects.filter(unhcr_individual_number__startswith=upper),
        Case.objects.filter(unhcr_case_number__startswith=upper),
        Case.objects.filter(case_number__startswith=upper),
    ]
    # A constant per entry: the scans read only their index (no heap fetch per entry).
    firsts = [
        arm.order_by().annotate(entry=Value(1)).values_list("entry", flat=True)[:enough]
        for arm in arms
    ]
    return firsts[0].union(*firsts[1:], all=True).count() >= enough


def case_search_count(matching: QuerySet[Case]) -> tuple[int, bool]:
    """How many cases `matching` holds, counted up to SEARCH_COUNT_CAP, and whether there are
    more: "more than 1,000" is all the list of a common term says (the walk stops there)."""
    found = matching.order_by().values_list("pk", flat=True)[: SEARCH_COUNT_CAP + 1].count()
    return min(found, SEARCH_COUNT_CAP), found > SEARCH_COUNT_CAP


def case_longest_waiting(*, user, statuses, per_status: int = 5) -> list[Case]:
    """The `per_status` cases longest in each of `statuses`, as list rows (case_rows).

    One short index scan per status (`case_waiting_idx`) picks their ids, then one query reads
    those rows: ranking every open case with a window function read all of them, and computing
    the rows' principal applicants before ranking cost 400 ms at 250,000 cases."""
    visible = case_visible_to(user)
    firsts = [
        visible.filter(status=str(status))
        .order_by("status_changed_at", "id")
        .values_list("pk", flat=True)[:per_status]
        for status in statuses
    ]
    if not firsts:
        return []
    ids = list(firsts[0].union(*firsts[1:], all=True))
    return list(
        case_rows(user=user).filter(pk__in=ids).order_by("status", "status_changed_at", "id")
    )


def case_status_counts(qs: QuerySet[Case]) -> dict[str, int]:
    """How many cases of `qs` are in each status (one GROUP BY)."""
    return dict(qs.order_by().values_list("status").annotate(n=Count("id")))


# What CaseTally counts by, as the case list's filters name them.
TALLIED_FILTERS = frozenset(
    {"location", "destination_country", "programme", "caseworker", "urgency"}
)


def case_status_counts_for(*, user, filters: dict, matching: QuerySet[Case]) -> dict[str, int]:
    """How many of the cases `user` may see are in each status among those matching: from the
    tally when `filters` (equality on TALLIED_FILTERS) say all there is to say and the user sees
    every case; else one GROUP BY over `matching`, the visible cases with every filter applied
    (a search, for one: the tally knows nothing of names)."""
    if sees_every_case(user) and filters.keys() <= TALLIED_FILTERS:
        return case_status_tally(**filters)
    return case_status_counts(matching)


def case_status_tally(**filters) -> dict[str, int]:
    """How many cases are in each status among those equal to `filters` on TALLIED_FILTERS
    (e.g. location=camp, caseworker=user), from the tally the database keeps: one small query
    however many cases match. For a user who sees every case (see case_visible_to)."""
    unknown = set(filters) - TALLIED_FILTERS
    if unknown:
        raise ValueError(f"Not tallied: {', '.join(sorted(unknown))}")
    rows = (
        CaseTally.objects.filter(**filters)
        .order_by()
        .values_list("status")
        .annotate(n=Sum("cases"))
    )
    return {status: n for status, n in rows if n}


def case_detail(*, user, pk: int) -> Case:
    """One case the user may see, with its members and documents; Case.DoesNotExist otherwise."""
    return (
        case_visible_to(user)
        .select_related(
            "location",
            "destination_country",
            "programme",
            "caseworker",
            "movement_type",
            "submission_category",
        )
        .prefetch_related(
            Prefetch(
                "members",
                queryset=Individual.objects.select_related("nationality").prefetch_related(
                    Prefetch(
                        "documents",
                        queryset=TravelDocument.objects.select_related("issuing_country"),
                    )
                ),
            )
        )
        .get(pk=pk)
    )


def case_timeline(case: Case) -> QuerySet[CaseEvent]:
    """The case's timeline, newest first."""
    return case.events.select_related("actor").order_by("-at", "-id")


def possible_duplicates(
    *, given_name: str, family_name: str, date_of_birth, unhcr_individual_number: str = ""
) -> QuerySet[Individual]:
    """People already recorded with the same name and birth date, or the same UNHCR number."""
    q = Q(
        family_name_key=name_key(family_name),
        given_name_key=name_key(given_name),
        date_of_birth=date_of_birth,
    )
    if unhcr_individual_number:
        q |= Q(unhcr_individual_number=unhcr_individual_number.strip())
    return Individual.objects.filter(q).select_related("case")


@dataclass(frozen=True)
class PartnerScopeSummary:
    """What a partner system's account may see, in words for its landing page."""

    organisation: str
    kind: str  # PartnerKind label, or "" for an account with no organisation
    active: bool
    countries: list[str]  # destination countries the scope is limited to; empty: every one
    every_case: bool
    visible_cases: int
    scopes: list[tuple[str, str]]  # (scope, what it allows)


def partner_scope_summary(user) -> PartnerScopeSummary:
    """The data scope of `user`'s partner organisation (the same rule as `case_visible_to`),
    the number of cases it covers today and the API permissions granted to the account."""
    profile = getattr(user, "partner_profile", None)
    organisation = profile.partner_organisation if profile else None
    if organisation is not None:
        name, kind, active = (
            organisation.name,
            organisation.get_kind_display(),
            organisation.is_active,
        )
        countries = [c.name for c in organisation.countries.all()]
    else:
        name = profile.organisation if profile else user.get_full_name() or user.username
        kind, active = "", True
        countries = [profile.country.name] if profile and profile.country_id else []
    scope = partner_case_scope(user)
    described = settings.OAUTH2_PROVIDER["SCOPES"]
    return PartnerScopeSummary(
        organisation=name,
        kind=str(kind),
        active=active,
        countries=countries,
        every_case=scope is None,
        visible_cases=case_visible_to(user).count(),
        scopes=[(s, str(described.get(s, s))) for s in granted_scopes(user)],
    )
