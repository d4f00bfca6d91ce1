from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Prefetch
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from casework import audit, privacy, services
from casework.errors import InvalidInput, NotAllowed, StaleWrite
from casework.filters import AuditEventFilterSet, HouseholdFilterSet
from casework.forms import ConsentForm, HouseholdForm, MemberFormSet, apply_service_errors
from casework.models import AuditEvent, Consent, Household, Individual, Site
from casework.permissions import can

REGISTRY_PAGE_SIZE = 50


def require(user, resource, action):
    if not can(user, resource, action):
        raise PermissionDenied


def visible_household(user, pk):
    return get_object_or_404(
        Household.objects.visible_to(user).select_related("site", "organisation", "registered_by").prefetch_related(
            Prefetch("members", queryset=Individual.objects.order_by("created_at", "id").prefetch_related(
                "consents__recorded_by")),
            "consents__recorded_by",
        ),
        pk=pk,
    )


@login_required
def home(request):
    if can(request.user, "household", "list"):
        return redirect("casework:registry")
    return render(request, "casework/home.html")


@login_required
def registry(request):
    require(request.user, "household", "list")
    households = Household.objects.visible_to(request.user).with_list_details().prefetch_related(
        Prefetch("members", queryset=Individual.objects.filter(relationship_to_head="head"), to_attr="heads")
    ).order_by("-registered_at", "id")
    filterset = HouseholdFilterSet(request.GET or None, queryset=households)
    sites = Site.objects.filter(is_active=True)
    if not request.user.is_organisation_wide:
        sites = sites.filter(pk__in=request.user.sites.all())
    filterset.form.fields["site"].widget = _site_select(sites)
    page = Paginator(filterset.qs, REGISTRY_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "casework/registry.html", {
        "filter": filterset, "page": page, "query": query.urlencode(),
        "can_register": can(request.user, "household", "create"),
    })


def _site_select(sites):
    return forms.Select(choices=[("", _("All my sites"))] + [(site.code, site.name) for site in sites])


@login_required
def household_detail(request, pk):
    require(request.user, "household", "retrieve")
    household = visible_household(request.user, pk)
    audit.record_viewed(request.user, household)
    members = list(household.members.all())
    for member in members:
        member.shown_needs = privacy.visible_needs(request.user, member)
    return render(request, "casework/household_detail.html", {
        "household": household,
        "members": members,
        "consent_form": ConsentForm(members=members),
        "can_edit": can(request.user, "household", "update"),
        "can_record_consent": can(request.user, "consent", "create"),
        "can_export": can(request.user, "person_data", "export"),
        "can_anonymise": can(request.user, "person_data", "anonymise"),
    })


@login_required
@require_POST
def consent_record(request, pk):
    require(request.user, "consent", "create")
    household = visible_household(request.user, pk)
    form = ConsentForm(request.POST, members=list(household.members.all()))
    if form.is_valid():
        subject = form.cleaned_data["subject"]
        individual = next((m for m in household.members.all() if str(m.pk) == subject), None)
        try:
            services.record_consent(
                actor=request.user, household=None if individual else household, individual=individual,
                purposes=form.cleaned_data["purposes"], given_by=form.cleaned_data["given_by"],
            )
            messages.success(request, _("Consent recorded."))
        except InvalidInput as invalid:
            messages.error(request, " ".join(" ".join(m) for m in invalid.errors.values()))
    else:
        messages.error(request, _("Consent was not recorded: choose the purposes and write who gave it."))
    return redirect("casework:household", pk=household.pk)


@login_required
@require_POST
def consent_withdraw(request, pk, consent_pk):
    require(request.user, "consent", "withdraw")
    household = visible_household(request.user, pk)
    consent = get_object_or_404(Consent.objects.visible_to(request.user), pk=consent_pk)
    try:
        services.withdraw_consent(actor=request.user, consent=consent)
        messages.success(request, _("Consent withdrawn."))
    except NotAllowed as refused:
        messages.error(request, refused.message)
    return redirect("casework:household", pk=household.pk)


@login_required
def person_export(request, pk):
    require(request.user, "person_data", "export")
    person = get_object_or_404(Individual.objects.visible_to(request.user), pk=pk)
    document = privacy.export_person(actor=request.user, individual=person)
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="persona-{person.pk}.json"'
    return response


@login_required
@require_POST
def person_anonymise(request, pk):
    require(request.user, "person_data", "anonymise")
    person = get_object_or_404(Individual.objects.visible_to(request.user), pk=pk)
    try:
        privacy.anonymise_person(actor=request.user, individual=person)
        messages.success(request, _("The person was anonymised."))
    except NotAllowed as refused:
        messages.error(request, refused.message)
    return redirect("casework:household", pk=person.household_id)


@login_required
def audit_trail(request):
    require(request.user, "audit", "list")
    events = AuditEvent.objects.visible_to(request.user).select_related("actor").order_by("-at", "-id")
    filterset = AuditEventFilterSet(request.GET or None, queryset=events)
    page = Paginator(filterset.qs, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "casework/audit.html", {"filter": filterset, "page": page, "query": query.urlencode()})


@login_required
def household_register(request):
    require(request.user, "household", "create")
    return _household_form(request, household=None)


@login_required
def household_edit(request, pk):
    require(request.user, "household", "update")
    household = visible_household(request.user, pk)
    return _household_form(request, household=household)


def _household_form(request, household):
    # A refused form comes back with its errors under a 4xx status, like the API, so that a script or a
    # proxy posting to it can tell a refusal from a page.
    status = 200
    if household is None:
        initial, members_initial = {}, None
    else:
        initial = {
            "site": household.site, "population_type": household.population_type, "phone": household.phone,
            "intended_destination": household.intended_destination, "consent_given": household.consent_given,
            "version": household.version,
        }
        members_initial = [
            {name: getattr(member, name) for name in services.MEMBER_FIELDS}
            | {"id": member.pk, "specific_needs": privacy.visible_needs(request.user, member)}
            for member in household.members.all()
        ]
    if request.method == "POST":
        form = HouseholdForm(request.POST, user=request.user, initial=initial)
        formset = MemberFormSet(request.POST, prefix="members", initial=members_initial)
        status = 400
        if form.is_valid() and formset.is_valid():
            kept = formset.kept_forms()
            members = [member_form.service_fields() for member_form in kept]
            try:
                if household is None:
                    saved, _created = services.register_household(
                        actor=request.user, members=members, **form.service_fields()
                    )
                    messages.success(request, _("Household %(number)s registered.") % {
                        "number": saved.registration_number})
                else:
                    saved = services.update_household(
                        actor=request.user, household=household, expected_version=form.cleaned_data["version"],
                        members=members, **form.service_fields(),
                    )
                    messages.success(request, _("Household %(number)s saved.") % {
                        "number": saved.registration_number})
                return redirect("casework:household", pk=saved.pk)
            except InvalidInput as invalid:
                apply_service_errors(invalid, form, kept)
            except StaleWrite as refused:
                form.add_error(None, refused.message)
                status = 409
            except NotAllowed as refused:
                form.add_error(None, refused.message)
    else:
        form = HouseholdForm(user=request.user, initial=initial)
        formset = MemberFormSet(prefix="members", initial=members_initial)
    return render(request, "casework/household_form.html", {
        "form": form, "formset": formset, "household": household,
    }, status=status)


@require_GET
def healthz(request):
    """Database and broker reachable: what a load balancer and an operator need to know."""
    from config.celery import app

    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy
        checks["database"] = f"error: {error.__class__.__name__}"
    try:
        with app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as error:  # noqa: BLE001
        checks["broker"] = f"error: {error.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)
