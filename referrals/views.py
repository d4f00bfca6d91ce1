from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_POST

from casework import audit, normalise
from casework.codes import ConsentPurpose
from casework.errors import InvalidInput, NotAllowed, StaleWrite
from casework.models import AuditEvent, Individual
from casework.permissions import can
from casework.services import has_consent
from referrals import pdf, services, sharing
from referrals.filters import ReferralFilterSet
from referrals.forms import ReferralForm, StepForm
from referrals.models import Notification, Referral, ServiceType

PAGE_SIZE = 50
STEP_LABELS = {
    "acknowledge": gettext_lazy("Acknowledge receipt"), "accept": gettext_lazy("Accept"),
    "decline": gettext_lazy("Decline"), "complete": gettext_lazy("Report completion"),
    "cancel": gettext_lazy("Cancel referral"), "close": gettext_lazy("Close referral"),
}


def require(user, action):
    if not can(user, "referral", action):
        raise PermissionDenied


def visible_referral(user, pk):
    return get_object_or_404(Referral.objects.visible_to(user).with_list_details(), pk=pk)


@login_required
def referral_list(request):
    require(request.user, "list")
    referrals = Referral.objects.visible_to(request.user).with_list_details().order_by("-sent_at", "id")
    filterset = ReferralFilterSet(request.GET or None, queryset=referrals, request=request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "referrals/list.html", {
        "filter": filterset, "page": page, "query": query.urlencode(),
        "can_create": can(request.user, "referral", "create"),
    })


@login_required
def referral_new(request):
    require(request.user, "create")
    people = Individual.objects.visible_to(request.user)
    individual_id = request.GET.get("individual") or request.POST.get("individual")
    if not individual_id:
        text = request.GET.get("q", "")
        found = people.search(text).select_related("household")[:20] if text.strip() else []
        return render(request, "referrals/choose_person.html", {"q": text, "found": found})
    try:
        individual = people.select_related("household__site__location__parent__parent__parent").get(
            pk=individual_id)
    except (Individual.DoesNotExist, ValidationError):
        raise Http404 from None
    service_type = ServiceType.objects.filter(is_active=True, code=request.GET.get("service") or
                                              request.POST.get("service")).first()
    offers = list(services.offers_near(individual, service_type).select_related("organisation")) \
        if service_type else []
    form = None
    status = 400 if request.method == "POST" else 200  # a form back to be corrected says so, as the API does
    if service_type is not None:
        form = ReferralForm(request.POST or None, offers=offers)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                referral, _created = services.create_referral(
                    actor=request.user, individual=individual, service_type=service_type, **data)
                messages.success(request, _("Referral %(number)s sent to %(organisation)s.") % {
                    "number": referral.short_id, "organisation": referral.receiving_organisation})
                return redirect("referrals:detail", pk=referral.pk)
            except InvalidInput as invalid:
                for field, errors in invalid.errors.items():
                    form.add_error(field if field in form.fields else None, errors)
            except NotAllowed as refused:
                form.add_error(None, refused.message)
                status = 409
    return render(request, "referrals/new.html", {
        "individual": individual,
        "age": normalise.age_on(individual.date_of_birth, timezone.localdate()),
        "service_types": ServiceType.objects.filter(is_active=True),
        "service_type": service_type, "offers": offers, "form": form,
        "has_consent": has_consent(individual, ConsentPurpose.REFERRAL),
    }, status=status)


@login_required
def referral_detail(request, pk):
    require(request.user, "retrieve")
    referral = visible_referral(request.user, pk)
    audit.record_viewed(request.user, referral)
    is_referrer = referral.referring_organisation_id == request.user.organisation_id
    steps = [step for step in services.allowed_actions(referral, request.user) if can(request.user, "referral", step)]
    return render(request, "referrals/detail.html", {
        "referral": referral, "person": sharing.person(referral), "is_referrer": is_referrer,
        "events": referral.events.select_related("organisation", "actor") if is_referrer else None,
        "steps": [(step, STEP_LABELS[step], step in services.NOTE_REQUIRED or step == "cancel")
                  for step in steps],
        "can_print": can(request.user, "referral", "print"),
    })


@login_required
@require_POST
def referral_step(request, pk, step):
    if step not in services.TRANSITIONS:
        raise Http404
    require(request.user, step)
    referral = visible_referral(request.user, pk)
    form = StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Reload the page and try again."))
        return redirect("referrals:detail", pk=referral.pk)
    try:
        services.transition(actor=request.user, referral=referral, action=step, note=form.cleaned_data["note"],
                            expected_version=form.cleaned_data["version"])
        messages.success(request, _("Referral %(done)s.") % {"done": services.ACTION_DONE[step]})
    except InvalidInput as invalid:
        messages.error(request, " ".join(" ".join(errors) for errors in invalid.errors.values()))
    except (NotAllowed, StaleWrite) as refused:
        messages.error(request, refused.message)
    except PermissionDenied as refused:
        messages.error(request, str(refused))
    return redirect("referrals:detail", pk=referral.pk)


@login_required
def referral_pdf(request, pk):
    require(request.user, "print")
    referral = visible_referral(request.user, pk)
    audit.record(actor=request.user, action=AuditEvent.Action.EXPORT, instance=referral, changes={"what": "referral_form_pdf"})
    response = HttpResponse(pdf.referral_form(referral), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="referral-{referral.short_id}.pdf"'
    return response


@login_required
def dashboard(request):
    if not can(request.user, "referral", "response_times"):
        raise PermissionDenied
    referrals = Referral.objects.involving(request.user.organisation_id)
    filterset = ReferralFilterSet(request.GET or None, queryset=referrals, request=request)
    rows = list(filterset.qs.response_times())
    for row in rows:
        for name in ("acknowledge", "accept", "complete"):
            value = row[f"time_to_{name}"]
            row[f"hours_to_{name}"] = None if value is None else round(value.total_seconds() / 3600, 1)
    return render(request, "referrals/dashboard.html", {
        "filter": filterset, "rows": rows,
        "overdue": Referral.objects.involving(request.user.organisation_id).overdue().count(),
    })


@login_required
def notifications(request):
    if request.method == "POST":
        services.mark_notifications_read(user=request.user)
        return redirect("referrals:notifications")
    items = Notification.objects.filter(recipient=request.user).select_related(
        "referral__service_type", "referral__receiving_organisation")[:100]
    return render(request, "referrals/notifications.html", {"notifications": items})
