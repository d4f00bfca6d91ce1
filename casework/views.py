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
from django.views.decorators.http import require_GET

from casework import audit, services
from casework.errors import InvalidInput, NotAllowed, StaleWrite
from casework.filters import HouseholdFilterSet
from casework.forms import HouseholdForm, MemberFormSet, apply_service_errors
from casework.models import Household, Individual, Site
from casework.permissions import can

REGISTRY_PAGE_SIZE = 50


def require(user, resource, action):
    if not can(user, resource, action):
        raise PermissionDenied


def visible_household(user, pk):
    return get_object_or_404(
        Household.objects.visible_to(user).select_related("site", "organisation", "registered_by").prefetch_related(
            Prefetch("members", queryset=Individual.objects.order_by("created_at", "id")), "consents"
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
    return render(request, "casework/household_detail.html", {
        "household": household,
        "can_edit": can(request.user, "household", "update"),
    })


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
    if household is None:
        initial, members_initial = {}, None
    else:
        initial = {
            "site": household.site, "population_type": household.population_type, "phone": household.phone,
            "intended_destination": household.intended_destination, "consent_given": household.consent_given,
            "version": household.version,
        }
        members_initial = [
            {name: getattr(member, name) for name in services.MEMBER_FIELDS} | {"id": member.pk}
            for member in household.members.all()
        ]
    if request.method == "POST":
        form = HouseholdForm(request.POST, user=request.user, initial=initial)
        formset = MemberFormSet(request.POST, prefix="members", initial=members_initial)
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
            except (StaleWrite, NotAllowed) as refused:
                form.add_error(None, refused.message)
    else:
        form = HouseholdForm(user=request.user, initial=initial)
        formset = MemberFormSet(prefix="members", initial=members_initial)
    return render(request, "casework/household_form.html", {
        "form": form, "formset": formset, "household": household,
    })


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
