import uuid
from datetime import datetime, time

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework import audit
from casework.errors import InvalidInput, NotAllowed, StaleWrite
from casework.models import AuditEvent, Household, Individual
from casework.permissions import can
from distributions import exports, services
from distributions.filters import RoundFilterSet
from distributions.forms import (
    ImportForm,
    LookupForm,
    ReceiptForm,
    RoundForm,
    RuleFormSet,
    StockMovementForm,
    VoidForm,
)
from distributions.models import (
    Commodity,
    DistributionRound,
    Receipt,
    StockBalance,
    StockMovement,
)

RECENT_RECEIPTS = 20


def require(user, resource, action):
    if not can(user, resource, action):
        raise PermissionDenied


def visible_round(user, pk):
    # Read as the table records receipts with it, so that recording need not read it again.
    return get_object_or_404(services.rounds_for_receipts(DistributionRound.objects.visible_to(user), user), pk=pk)


def _add_errors(form, invalid):
    """A service's {field: [messages]} beside the form's fields, or above them."""
    for name, field_messages in invalid.errors.items():
        for message in field_messages:
            form.add_error(name if name in form.fields else None, message)


@login_required
def rounds(request):
    require(request.user, "distribution_round", "list")
    queryset = DistributionRound.objects.visible_to(request.user).select_related("site").annotate(
        served=Count("receipts", filter=Q(receipts__voided_at__isnull=True)),
    ).order_by("-starts_on", "name")
    filterset = RoundFilterSet(request.GET or None, queryset=queryset)
    return render(request, "distributions/rounds.html", {
        "filter": filterset, "rounds": filterset.qs[:200],
        "can_plan": can(request.user, "distribution_round", "create"),
        "can_see_stock": can(request.user, "stock", "list"),
    })


@login_required
def round_detail(request, pk):
    require(request.user, "distribution_round", "retrieve")
    round = visible_round(request.user, pk)
    receipts = Receipt.objects.visible_to(request.user).filter(round=round).with_details().order_by(
        "-distributed_at")[:RECENT_RECEIPTS]
    return render(request, "distributions/round_detail.html", {
        "round": round, "receipts": receipts,
        "served": round.receipts.active().count(),
        "can_edit": can(request.user, "distribution_round", "update"),
        "can_record": can(request.user, "receipt", "create") and round.status == DistributionRound.Status.OPEN,
        "can_export": can(request.user, "distribution_round", "roster_csv"),
        "can_import": can(request.user, "distribution_round", "import_roster")
        and round.status == DistributionRound.Status.OPEN,
        "can_void": can(request.user, "receipt", "void"),
        "import_form": ImportForm(), "void_form": VoidForm(),
    })


@login_required
def round_new(request):
    require(request.user, "distribution_round", "create")
    return _round_form(request, None)


@login_required
def round_edit(request, pk):
    require(request.user, "distribution_round", "update")
    return _round_form(request, visible_round(request.user, pk))


def _round_form(request, round):
    initial, rules_initial = {}, None
    if round is not None:
        initial = {"name": round.name, "site": round.site, "starts_on": round.starts_on, "ends_on": round.ends_on,
                   "population_types": round.population_types, "status": round.status}
        rules_initial = [{name: getattr(rule, name) for name in services.RULE_FIELDS} for rule in round.rules.all()]
    # A form that comes back to be corrected says so (400), as the API does; 409 when the round changed.
    status = 400 if request.method == "POST" else 200
    if request.method == "POST":
        form = RoundForm(request.POST, user=request.user, initial=initial)
        formset = RuleFormSet(request.POST, prefix="rules", initial=rules_initial)
        if form.is_valid() and formset.is_valid():
            rules = [rule.cleaned_data for rule in formset if rule.has_changed() and rule.cleaned_data]
            try:
                if round is None:
                    saved, _created = services.create_round(actor=request.user, rules=rules, **form.cleaned_data)
                else:
                    saved = services.update_round(actor=request.user, round=round, rules=rules, **form.cleaned_data)
                messages.success(request, _("Round “%(name)s” saved.") % {"name": saved.name})
                return redirect("distributions:round", pk=saved.pk)
            except InvalidInput as invalid:
                rule_errors = invalid.errors.pop("rules", None)
                if isinstance(rule_errors, list) and rule_errors and isinstance(rule_errors[0], dict):
                    kept = [rule for rule in formset if rule.has_changed() and rule.cleaned_data]
                    for rule_form, problems in zip(kept, rule_errors):
                        for name, field_messages in problems.items():
                            for message in field_messages:
                                rule_form.add_error(name if name in rule_form.fields else None, message)
                elif rule_errors:
                    invalid.errors["rules"] = rule_errors
                _add_errors(form, invalid)
            except (NotAllowed, StaleWrite) as refused:
                form.add_error(None, refused.message)
                status = 409
    else:
        form = RoundForm(user=request.user, initial=initial)
        formset = RuleFormSet(prefix="rules", initial=rules_initial)
    return render(request, "distributions/round_form.html", {"form": form, "formset": formset, "round": round},
                  status=status)


def _find_household(user, code):
    number = code.strip().upper()
    return Household.objects.visible_to(user).prefetch_related(
        Prefetch("members", queryset=Individual.objects.order_by("created_at", "id"))
    ).filter(registration_number=number).first()


@login_required
def table(request, pk):
    """At the table: scan or type the card number, see the entitlement, confirm what was handed over."""
    require(request.user, "receipt", "create")
    round = visible_round(request.user, pk)
    lookup = LookupForm(request.GET or None)
    context = {"round": round, "lookup": lookup}
    household = None
    if request.method == "POST":
        try:
            household_id = uuid.UUID(request.POST.get("household", ""))
        except ValueError:
            raise Http404 from None
        household = get_object_or_404(Household.objects.visible_to(request.user).prefetch_related("members"),
                                      pk=household_id)
    elif lookup.is_valid():
        household = _find_household(request.user, lookup.cleaned_data["code"])
        if household is None:
            lookup.add_error("code", _("No household with the number %(code)s at your sites.") % {
                "code": lookup.cleaned_data["code"].strip().upper()})
    if household is not None:
        context.update(_table_household(request, round, household))
        if context.get("saved"):
            return redirect("distributions:table", pk=round.pk)
        lookup = LookupForm()
        context["lookup"] = lookup
    context["recent"] = Receipt.objects.visible_to(request.user).filter(
        round=round, handed_over_by=request.user).select_related("household").order_by("-created_at")[:5]
    return render(request, "distributions/table.html", context)


def _table_household(request, round, household):
    entitlement = services.entitlement_for(household, round)
    earlier = services.served_receipt(household, round)
    context = {"household": household, "entitlement": entitlement, "earlier": earlier}
    if earlier is not None or not entitlement.eligible:
        return context
    if request.method == "POST":
        form = ReceiptForm(request.POST, entitlement=entitlement)
        if form.is_valid():
            distributed_at = None
            day = form.cleaned_data.get("distributed_on")
            if day and day != timezone.localdate():
                distributed_at = timezone.make_aware(datetime.combine(day, time(12)))
            try:
                receipt, _created = services.record_receipt(
                    actor=request.user, household=household, round=round, id=form.cleaned_data["id"],
                    verification_method=form.cleaned_data["verification_method"], lines=form.lines(),
                    distributed_at=distributed_at,
                )
                messages.success(request, _("Receipt saved: %(number)s received %(items)s.") % {
                    "number": household.registration_number,
                    "items": ", ".join(f"{line.quantity.normalize():f} {line.commodity.display_name}"
                                       for line in receipt.lines.select_related("commodity")),
                })
                return {"saved": receipt}
            except services.AlreadyServed as refusal:
                context["earlier"] = refusal.receipt
                return context
            except InvalidInput as invalid:
                for name, problems in invalid.errors.items():
                    if name == "lines":
                        for problem in problems:
                            text = problem if isinstance(problem, str) else " ".join(
                                " ".join(value) for value in problem.values())
                            if text:
                                form.add_error(None, text)
                    else:
                        for message in problems:
                            form.add_error(name if name in form.fields else None, message)
            except NotAllowed as refused:
                form.add_error(None, refused.message)
    else:
        form = ReceiptForm(entitlement=entitlement, initial={"id": uuid.uuid4(), "household": household.pk})
    context["form"] = form
    return context


@login_required
def roster_csv(request, pk):
    require(request.user, "distribution_round", "roster_csv")
    round = visible_round(request.user, pk)
    audit.record(actor=request.user, action=AuditEvent.Action.EXPORT, instance=round, changes={"format": "csv"})
    response = HttpResponse(exports.roster_csv(round), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="roster-{round.pk}.csv"'
    return response


@login_required
def roster_pdf(request, pk):
    require(request.user, "distribution_round", "roster_pdf")
    round = visible_round(request.user, pk)
    audit.record(actor=request.user, action=AuditEvent.Action.EXPORT, instance=round, changes={"format": "pdf"})
    response = HttpResponse(exports.roster_pdf(round), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="roster-{round.pk}.pdf"'
    return response


@login_required
@require_POST
def roster_import(request, pk):
    require(request.user, "distribution_round", "import_roster")
    round = visible_round(request.user, pk)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the completed roster (CSV file)."))
        return redirect("distributions:round", pk=round.pk)
    try:
        result = services.import_roster(actor=request.user, round=round, content=form.cleaned_data["file"].read())
    except InvalidInput as invalid:
        return render(request, "distributions/import_errors.html", {"round": round, "errors": invalid.errors},
                      status=400)
    except NotAllowed as refused:
        messages.error(request, refused.message)
        return redirect("distributions:round", pk=round.pk)
    messages.success(request, _("Roster imported: %(created)s receipts recorded, %(skipped)s households already "
                                "served, %(absent)s not received.") % {
        "created": len(result.created), "skipped": len(result.skipped), "absent": result.not_received})
    return redirect("distributions:round", pk=round.pk)


@login_required
@require_POST
def receipt_void(request, pk):
    require(request.user, "receipt", "void")
    receipt = get_object_or_404(Receipt.objects.visible_to(request.user), pk=pk)
    form = VoidForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the receipt is voided."))
    else:
        try:
            services.void_receipt(actor=request.user, receipt=receipt, reason=form.cleaned_data["reason"])
            messages.success(request, _("Receipt voided; its goods are back in stock."))
        except (InvalidInput, NotAllowed) as refused:
            messages.error(request, getattr(refused, "message", None) or _("Say why the receipt is voided."))
    return redirect("distributions:round", pk=receipt.round_id)


@login_required
def household_card(request, pk):
    """A print-ready card: the registration number as a QR code (read by the table's scanner) and as text."""
    require(request.user, "household", "retrieve")
    household = get_object_or_404(
        Household.objects.visible_to(request.user).select_related("site", "organisation").prefetch_related(
            Prefetch("members", queryset=Individual.objects.order_by("created_at", "id"))),
        pk=pk,
    )
    audit.record(actor=request.user, action=AuditEvent.Action.EXPORT, instance=household,
                 changes={"format": "card"})
    qr = segno.make(household.registration_number, error="m")
    return render(request, "distributions/card.html", {
        "household": household, "head": household.head,
        "qr_svg": qr.svg_data_uri(scale=6, border=2),
    })


@login_required
def stock(request):
    require(request.user, "stock", "list")
    can_record = can(request.user, "stock_movement", "create")
    form = None
    if can_record:
        form = StockMovementForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                services.record_stock_movement(actor=request.user, **form.cleaned_data)
                messages.success(request, _("Stock movement recorded."))
                return redirect("distributions:stock")
            except InvalidInput as invalid:
                _add_errors(form, invalid)
    elif request.method == "POST":
        raise PermissionDenied
    balances = StockBalance.objects.visible_to(request.user).select_related("site", "commodity").order_by(
        "site__name", "commodity__code")
    site = request.GET.get("site")
    if site:
        balances = balances.filter(site__code=site.upper())
    movements = StockMovement.objects.visible_to(request.user).select_related(
        "site", "commodity", "recorded_by").order_by("-occurred_at")[:30]
    return render(request, "distributions/stock.html", {
        "balances": balances, "movements": movements, "form": form,
        "commodities": Commodity.objects.filter(is_active=True),
    }, status=400 if request.method == "POST" else 200)
