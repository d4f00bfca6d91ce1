import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorField
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy as _

from casework import normalise
from casework.codes import (
    AdminLevel,
    ConsentPurpose,
    DocumentType,
    OrganisationKind,
    PopulationType,
    Relationship,
    Role,
    Sex,
    SiteKind,
)


class Organisation(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name


class Location(models.Model):
    """An administrative area with its OCHA P-code (PE24 Tumbes, PE2403 Zarumilla, ...)."""

    pcode = models.CharField(_("P-code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=200)
    admin_level = models.PositiveSmallIntegerField(_("administrative level"), choices=AdminLevel.choices)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")

    class Meta:
        ordering = ["pcode"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self):
        return f"{self.name} ({self.pcode})"

    @property
    def admin1(self):
        """The department this location lies in (itself for a department)."""
        location = self
        while location.admin_level > AdminLevel.DEPARTMENT and location.parent_id:
            location = location.parent
        return location if location.admin_level == AdminLevel.DEPARTMENT else None


class Site(models.Model):
    """A place where people are registered and served; shared by the organisations working there."""

    code = models.CharField(
        _("code"), max_length=8, unique=True,
        help_text=_("Short upper-case code; it starts every registration number of the site (TUM-2026-000123)."),
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=SiteKind.choices)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="sites", verbose_name=_("location"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[A-Z0-9]{2,8}$"), name="site_code_upper_alnum"),
        ]

    def __str__(self):
        return self.name


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="users", null=True, verbose_name=_("organisation")
    )
    sites = models.ManyToManyField(Site, blank=True, related_name="users", verbose_name=_("sites"))

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_organisation_wide(self):
        return self.role in {Role.SUPERVISOR, Role.ADMIN, Role.ME_OFFICER}


class ApiToken(models.Model):
    """An API token that expires and that an admin can revoke; only its hash is stored."""

    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text=_("First characters of the token, to recognise it."))
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")


class RegistrationCounter(models.Model):
    """The last registration number given at a site in a year.

    Incremented inside the registering transaction: a rollback gives the number back, so the
    sequence has no gaps, and the row lock makes concurrent registrations wait their turn.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "year"], name="one_counter_per_site_year")]


def search_vector_field():
    """The words of `search_text` as a stored tsvector ('simple': no stemming, names stay names)."""
    return models.GeneratedField(
        expression=SearchVector("search_text", config="simple"),
        output_field=SearchVectorField(),
        db_persist=True,
    )


def search_query(text):
    """Every word must start a word of the text searched; a document number may also be typed with
    its dots and dashes ('V-12.345.678'). None when there is nothing to search for."""
    words = normalise.search_text(text).split()
    if not words:
        return None
    alternatives = [" & ".join(f"{word}:*" for word in words)]
    document = normalise.document_number(text).lower()
    if document and len(words) > 1 and document.isalnum():
        alternatives.append(f"{document}:*")
    return SearchQuery(" | ".join(f"({alternative})" for alternative in alternatives), config="simple",
                       search_type="raw")


class HouseholdQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The ownership rule: a household belongs to the organisation that registered it and to its site."""
        if not user.is_authenticated or not user.is_active or user.organisation_id is None:
            return self.none()
        if user.role in {Role.SUPERVISOR, Role.ADMIN}:
            return self.filter(organisation_id=user.organisation_id)
        if user.role in {Role.FIELD_OFFICER, Role.CASEWORKER}:
            return self.filter(organisation_id=user.organisation_id, site__in=user.sites.all())
        # Partner agencies and M&E officers never list the registry.
        return self.none()

    def search(self, text):
        """Members' name words (accents and case ignored, prefixes match), a document number or the
        registration number, answered by one index on the household."""
        query = search_query(text)
        return self if query is None else self.filter(search_vector=query)

    def with_list_details(self):
        return self.select_related("site", "organisation").annotate(member_count=models.Count("members"))


class Household(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    registration_number = models.CharField(_("registration number"), max_length=32, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="households", verbose_name=_("organisation")
    )
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="households", verbose_name=_("site"))
    population_type = models.CharField(_("population type"), max_length=32, choices=PopulationType.choices)
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now, db_index=True)
    registered_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="registered_households", verbose_name=_("registered by")
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    intended_destination = models.CharField(_("intended destination"), max_length=200, blank=True)
    consent_given = models.BooleanField(_("consent given"), default=False)
    # The registration number and every member's search words: one index answers the registry search.
    search_text = models.TextField(default="", editable=False)
    search_vector = search_vector_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        ordering = ["-registered_at"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        indexes = [
            models.Index(fields=["organisation", "site", "-registered_at"], name="household_scope_idx"),
            models.Index(fields=["organisation", "-registered_at"], name="household_org_idx"),
            GinIndex(fields=["search_vector"], name="household_search_idx"),
            # Intersected with the search index before any row is read (site + population filters).
            models.Index(fields=["site", "population_type"], name="household_site_population_idx"),
            models.Index(fields=["phone"], name="household_phone_idx", condition=~Q(phone="")),
        ]

    def __str__(self):
        return self.registration_number

    def refresh_search_text(self, members):
        self.search_text = " ".join(
            [normalise.search_text(self.registration_number)] + [member.search_text for member in members]
        )

    @property
    def head(self):
        return next((m for m in self.members.all() if m.relationship_to_head == Relationship.HEAD), None)


class IndividualQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(household__in=Household.objects.visible_to(user))

    def search(self, text):
        return self.filter(Individual.search_condition(text))


class Individual(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="members", verbose_name=_("household")
    )
    relationship_to_head = models.CharField(_("relationship to head"), max_length=32, choices=Relationship.choices)
    given_name = models.CharField(_("given names"), max_length=120)
    family_name = models.CharField(_("family names"), max_length=120)
    sex = models.CharField(_("sex"), max_length=16, choices=Sex.choices)
    date_of_birth = models.DateField(_("date of birth"))
    date_of_birth_estimated = models.BooleanField(_("date of birth estimated"), default=False)
    nationality = models.CharField(_("nationality"), max_length=3)
    document_type = models.CharField(_("document type"), max_length=32, choices=DocumentType.choices)
    document_number = models.CharField(_("document number"), max_length=40, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    specific_needs = ArrayField(
        models.CharField(max_length=8), default=list, blank=True, verbose_name=_("specific needs")
    )
    # Accent-free, lower-case names (and document number) that the registry search matches.
    search_text = models.TextField(default="", editable=False)
    search_vector = search_vector_field()
    # Blocking keys of duplicate detection (casework.dedupe), recomputed with the search words.
    match_keys = ArrayField(models.CharField(max_length=64), default=list, db_default=[], editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    version = models.PositiveIntegerField(default=1)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)

    objects = IndividualQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name = _("individual")
        verbose_name_plural = _("individuals")
        constraints = [
            models.UniqueConstraint(
                fields=["document_type", "nationality", "document_number"],
                condition=~Q(document_number=""),
                name="one_person_per_document",
            ),
            models.UniqueConstraint(
                fields=["household"], condition=Q(relationship_to_head="head"), name="one_head_per_household"
            ),
            models.CheckConstraint(
                condition=Q(document_type="none") | ~Q(document_number=""),
                name="document_number_unless_none",
            ),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="individual_search_idx"),
            models.Index(fields=["document_number"], name="individual_document_idx"),
            GinIndex(fields=["specific_needs"], name="individual_needs_idx"),
            GinIndex(fields=["match_keys"], name="individual_match_keys_idx"),
            models.Index(fields=["phone"], name="individual_phone_idx", condition=~Q(phone="")),
        ]

    def __str__(self):
        return f"{self.given_name} {self.family_name}"

    def refresh_search_text(self):
        """Recompute what searches and duplicate checks look up; called on every write of the person."""
        from casework import dedupe

        self.search_text = normalise.search_text(self.given_name, self.family_name, self.document_number)
        self.match_keys = sorted(dedupe.blocking_keys(dedupe.Person.from_individual(self)))

    @staticmethod
    def search_condition(text):
        query = search_query(text)
        return Q() if query is None else Q(search_vector=query)


class ConsentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(withdrawn_at__isnull=True)

    def visible_to(self, user):
        visible = Household.objects.visible_to(user)
        return self.filter(Q(household__in=visible) | Q(individual__household__in=visible))


class Consent(models.Model):
    """Consent given by or for a household or one person, for named purposes; withdrawal kept beside it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, null=True, blank=True, related_name="consents"
    )
    individual = models.ForeignKey(
        Individual, on_delete=models.CASCADE, null=True, blank=True, related_name="consents"
    )
    purposes = ArrayField(models.CharField(max_length=32, choices=ConsentPurpose.choices), verbose_name=_("purposes"))
    given_by = models.CharField(_("given by"), max_length=240, help_text=_("Name of the person who gave consent."))
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = ConsentQuerySet.as_manager()

    def purpose_labels(self):
        return [ConsentPurpose(purpose).label for purpose in self.purposes]

    class Meta:
        ordering = ["-given_at"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.CheckConstraint(
                condition=Q(household__isnull=False) | Q(individual__isnull=False), name="consent_has_subject"
            ),
        ]


class AuditEventQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Supervisors and admins browse what the people of their organisation did."""
        if not user.is_authenticated or user.role not in {Role.SUPERVISOR, Role.ADMIN}:
            return self.none()
        return self.filter(actor__organisation_id=user.organisation_id)

    def about(self, instance):
        return self.filter(object_type=instance._meta.label_lower, object_id=str(instance.pk))


class AuditEvent(models.Model):
    """Who did or saw what, when and from where. Rows are only ever inserted."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")
        VIEW = "view", _("Viewed")
        EXPORT = "export", _("Exported")
        ANONYMISE = "anonymise", _("Anonymised")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    action = models.CharField(max_length=16, choices=Action.choices)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_idx")]

    def change_lines(self):
        """The changes as 'field: before → after' lines, for people browsing the trail."""
        changes = self.changes or {}
        if all(isinstance(value, dict) and set(value) <= {"before", "after"} for value in changes.values()):
            return [f"{name}: {value.get('before')} → {value.get('after')}" for name, value in changes.items()]
        snapshot = changes.get("after") or changes.get("before")
        if isinstance(snapshot, dict):
            return [f"{name}: {value}" for name, value in snapshot.items()]
        return [f"{name}: {value}" for name, value in changes.items()]

# =================================================================================================
# Cases: a caseworker follows a household or one person, a supervisor reviews (DESIGN "Details pinned").
# Kept in one section so that the registry classes above and the case classes below change apart.
# =================================================================================================

class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    APPROVED = "approved", _("Approved (active)")
    CLOSED = "closed", _("Closed")


class CasePriority(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


# Sorting by urgency needs an order the database knows; the text values sort alphabetically.
PRIORITY_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}


class CaseCounter(models.Model):
    """The last case number given by an organisation in a year (see RegistrationCounter: no gaps)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "year"], name="one_case_counter_per_org_year")]


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Supervisors see every case of their organisation; caseworkers the cases assigned to them and
        those they opened for households they still see; field officers those they opened."""
        if not user.is_authenticated or not user.is_active or user.organisation_id is None:
            return self.none()
        own = self.filter(organisation_id=user.organisation_id)
        if user.role == Role.SUPERVISOR:
            return own
        opened = Q(opened_by=user, household__in=Household.objects.visible_to(user))
        if user.role == Role.CASEWORKER:
            return own.filter(Q(assigned_to=user) | opened)
        if user.role == Role.FIELD_OFFICER:
            return own.filter(opened)
        return self.none()

    def pending_review(self):
        return self.filter(status=CaseStatus.SUBMITTED).order_by("submitted_at", "id")

    def assigned_to(self, user):
        return self.filter(assigned_to=user)

    def with_overdue_follow_ups(self):
        return self.filter(Exists(FollowUp.objects.overdue().filter(case=OuterRef("pk"))))

    def with_list_details(self):
        """What every case list shows, in a fixed number of queries whatever the page size."""
        open_follow_ups = FollowUp.objects.open().filter(case=OuterRef("pk"))
        overdue_count = (
            FollowUp.objects.overdue().filter(case=OuterRef("pk")).order_by()
            .values("case").annotate(count=models.Count("pk")).values("count")
        )
        return self.select_related(
            "household", "household__site", "individual", "assigned_to", "supervisor", "opened_by", "organisation"
        ).annotate(
            overdue_follow_ups=Coalesce(models.Subquery(overdue_count), 0),
            next_follow_up_due=models.Subquery(open_follow_ups.order_by("due_on").values("due_on")[:1]),
        )


class Case(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case_number = models.CharField(_("case number"), max_length=64, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="cases", verbose_name=_("organisation")
    )
    # Always set: a case for one person carries that person's household, so that scoping by
    # organisation and site follows one path.
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="cases", verbose_name=_("household"))
    individual = models.ForeignKey(
        Individual, on_delete=models.PROTECT, null=True, blank=True, related_name="cases",
        verbose_name=_("individual"),
    )
    status = models.CharField(_("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.DRAFT)
    priority = models.CharField(_("priority"), max_length=16, choices=CasePriority.choices, default=CasePriority.LOW)
    priority_rank = models.GeneratedField(
        expression=models.Case(
            *(models.When(priority=value, then=models.Value(rank)) for value, rank in PRIORITY_RANK.items()),
            default=models.Value(0),
        ),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )
    opened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="opened_cases", verbose_name=_("opened by"))
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    assigned_to = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="assigned_cases",
        verbose_name=_("caseworker"),
    )
    supervisor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="supervised_cases",
        verbose_name=_("supervisor"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closure_reason = models.TextField(_("closure reason"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(closure_reason=""), name="closed_case_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "submitted_at"], name="case_queue_idx"),
            models.Index(fields=["assigned_to", "status"], name="case_caseworker_idx"),
            # Lists show the newest first: walking this index, a page joins its 50 rows and no more.
            models.Index(fields=["organisation", "-opened_at", "id"], name="case_org_newest_idx"),
        ]

    def __str__(self):
        return self.case_number

    @property
    def subject(self):
        return self.individual or self.household

    def can_read_sensitive(self, user):
        """Assessment details and confidential notes: the assigned caseworker and the organisation's supervisors."""
        if not user.is_authenticated or user.organisation_id != self.organisation_id:
            return False
        return user.role == Role.SUPERVISOR or (user.role == Role.CASEWORKER and self.assigned_to_id == user.pk)

    def is_handled_by(self, user):
        """Who works the case through its life: the assigned caseworker or a supervisor of the organisation."""
        return user.organisation_id == self.organisation_id and (
            user.role == Role.SUPERVISOR or self.assigned_to_id == user.pk
        )


class CaseEvent(models.Model):
    """One status change of a case: who, when, from and to, and why."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(default=timezone.now)
    from_status = models.CharField(max_length=16, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=CaseStatus.choices)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["at"]
        indexes = [models.Index(fields=["case", "at"], name="case_event_idx")]


class VulnerabilityAssessment(models.Model):
    """One assessment of a case; a new assessment is added, never edited, so earlier ones stay readable."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    assessed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("assessed by"))
    assessed_at = models.DateTimeField(_("assessed at"), default=timezone.now)
    specific_needs = ArrayField(models.CharField(max_length=8), default=list, blank=True,
                                verbose_name=_("specific needs"))
    details = models.TextField(_("details"), blank=True)
    computed_priority = models.CharField(_("computed priority"), max_length=16, choices=CasePriority.choices)
    priority_override = models.CharField(_("priority override"), max_length=16, choices=CasePriority.choices,
                                         blank=True)
    override_reason = models.TextField(_("reason for the override"), blank=True)

    class Meta:
        ordering = ["-assessed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(priority_override="") | ~Q(override_reason=""), name="priority_override_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["case", "-assessed_at"], name="assessment_case_idx")]

    @property
    def priority(self):
        return self.priority_override or self.computed_priority


class CaseNoteQuerySet(models.QuerySet):
    def readable_by(self, user, case):
        if case.can_read_sensitive(user):
            return self
        return self.filter(confidential=False)


class CaseNote(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("author"))
    written_at = models.DateTimeField(_("written at"), default=timezone.now)
    text = models.TextField(_("note"))
    confidential = models.BooleanField(
        _("confidential"), default=False,
        help_text=_("Only the assigned caseworker and the supervisors can read a confidential note."),
    )

    objects = CaseNoteQuerySet.as_manager()

    class Meta:
        ordering = ["written_at"]
        indexes = [models.Index(fields=["case", "written_at"], name="case_note_idx")]


class FollowUpQuerySet(models.QuerySet):
    def open(self):
        return self.filter(done_on__isnull=True)

    def overdue(self):
        return self.open().filter(due_on__lt=timezone.localdate())


class CaseActivityType(models.Model):
    """A kind of case work the monthly report counts, and the RMRP indicator it reports under
    (seeded from casework.case_activities; admins may add kinds and change the mapping)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    indicator = models.ForeignKey(
        "reporting.Indicator", on_delete=models.PROTECT, null=True, blank=True, related_name="case_activity_types",
        verbose_name=_("indicator"), help_text=_("Left empty, follow-ups of this kind are not counted in reports."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("case activity type")
        verbose_name_plural = _("case activity types")

    def __str__(self):
        return gettext(self.name)


class FollowUp(models.Model):
    """An action planned on a case: what, who, by when, and when it was done. A follow-up of a counted
    kind reaches the case's people under that kind's indicator on the day it is done."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    action = models.CharField(_("what"), max_length=300)
    activity_type = models.ForeignKey(CaseActivityType, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="follow_ups", verbose_name=_("kind of activity"))
    assigned_to = models.ForeignKey(User, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("who"))
    due_on = models.DateField(_("due date"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "created_at"]
        indexes = [models.Index(fields=["case", "due_on"], condition=Q(done_on__isnull=True),
                                name="follow_up_open_idx")]

    @property
    def is_overdue(self):
        return self.done_on is None and self.due_on < timezone.localdate()


# =================================================================================================
# Duplicates: pairs the nightly scan suspects, what supervisors decided, and merges that can be undone.
# Individuals are referred to by id, not by foreign key, so that a merge (which removes one record)
# and its undoing leave the queue and the history intact.
# =================================================================================================

class SuspectedDuplicateQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Supervisors review the pairs of their own organisation."""
        if not user.is_authenticated or user.role not in {Role.SUPERVISOR, Role.ADMIN}:
            return self.none()
        return self.filter(organisation_id=user.organisation_id)

    def open(self):
        return self.filter(status=SuspectedDuplicate.Status.OPEN)


class SuspectedDuplicate(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        MERGED = "merged", _("Merged")
        NOT_SAME = "not_same", _("Not the same person")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    # first_id < second_id, so that a pair is one row whichever side was found first.
    first_id = models.UUIDField()
    second_id = models.UUIDField()
    score = models.PositiveSmallIntegerField()
    reasons = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    found_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = SuspectedDuplicateQuerySet.as_manager()

    class Meta:
        ordering = ["-score", "found_at"]
        verbose_name = _("suspected duplicate")
        verbose_name_plural = _("suspected duplicates")
        constraints = [
            models.UniqueConstraint(fields=["first_id", "second_id"], name="one_suspicion_per_pair"),
            models.CheckConstraint(condition=Q(first_id__lt=models.F("second_id")), name="suspicion_pair_ordered"),
        ]
        indexes = [models.Index(fields=["organisation", "status", "-score"], name="suspicion_queue_idx")]

    @staticmethod
    def ordered(one_id, other_id):
        return tuple(sorted([uuid.UUID(str(one_id)), uuid.UUID(str(other_id))]))


class Merge(models.Model):
    """One person's record folded into another's, with all that is needed to undo it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    survivor = models.ForeignKey(Individual, on_delete=models.PROTECT, related_name="merges_received")
    merged_id = models.UUIDField(db_index=True)
    # The removed record's row as it was, and the rows that pointed at it: {"app.model.field": [pk, ...]}.
    merged_row = models.JSONField()
    moved = models.JSONField(default=dict)
    suspicion = models.ForeignKey(SuspectedDuplicate, on_delete=models.SET_NULL, null=True, related_name="merges")
    merged_at = models.DateTimeField(default=timezone.now)
    merged_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-merged_at"]


class DuplicateScan(models.Model):
    """Where the nightly scan got to: the next run looks only at records changed since."""

    name = models.CharField(max_length=32, unique=True, default="registry")
    scanned_until = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_run_checked = models.PositiveIntegerField(default=0)
