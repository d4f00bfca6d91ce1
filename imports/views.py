"""Staged imports in the browser: officers upload a completed template and follow its validation;
supervisors review the rows (errors, likely duplicates), fix or drop them, then merge or refuse."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework.errors import InvalidInput, NotAllowed
from casework.permissions import can
from imports import parsing, services
from imports.forms import UploadForm
from imports.models import ImportBatch, StagedRow

ROWS_PER_PAGE = 50


def require(user, action):
    if not can(user, "import_batch", action):
        raise PermissionDenied


def visible_batch(user, pk):
    return get_object_or_404(ImportBatch.objects.visible_to(user).select_related("site", "created_by", "merged_by"),
                             pk=pk)


@login_required
def batches(request):
    require(request.user, "list")
    form = UploadForm(user=request.user)
    status = 200
    if request.method == "POST":
        require(request.user, "create")
        form = UploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            try:
                batch, created = services.stage_upload(actor=request.user, upload=form.cleaned_data["file"],
                                                       site=form.cleaned_data["site"])
            except InvalidInput as invalid:
                for name, problems in invalid.errors.items():
                    for message in problems:
                        form.add_error(name if name in form.fields else None, message)
            else:
                if not created:
                    messages.info(request, _("This file was uploaded before; here is its batch."))
                return redirect("imports:batch", pk=batch.pk)
        status = 400
    listed = ImportBatch.objects.visible_to(request.user).select_related("site", "created_by").order_by("-created_at")
    return render(request, "imports/batches.html", {
        "form": form, "batches": listed[:100]}, status=status)


def _row_view(row):
    """A staged row as the review table shows it: each member with its errors and duplicate flags."""
    member_errors = row.errors.get("members") or []
    members = []
    for index, member in enumerate(row.data.get("members", [])):
        members.append({
            "data": member,
            "errors": member_errors[index] if index < len(member_errors) else {},
            "flags": [flag for flag in row.duplicates if flag["member"] == index],
        })
    household_errors = {name: problems for name, problems in row.errors.items() if name != "members"}
    return {"row": row, "household": row.data.get("household", {}), "household_errors": household_errors,
            "members": members}


@login_required
def batch_detail(request, pk):
    require(request.user, "retrieve")
    batch = visible_batch(request.user, pk)
    context = {"batch": batch, "counts": services.counts(batch), "open": batch.status in services.OPEN,
               "can_review": can(request.user, "import_batch", "rows")}
    if context["can_review"]:
        rows = batch.rows.order_by("row_number")
        only = request.GET.get("only")
        if only == "errors":
            rows = rows.filter(dropped=False).exclude(errors={})
        elif only == "duplicates":
            rows = rows.filter(dropped=False).exclude(duplicates=[])
        page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
        context.update(page=page, rows=[_row_view(row) for row in page], only=only or "")
    return render(request, "imports/batch_detail.html", context)


@login_required
def progress(request, pk):
    require(request.user, "retrieve")
    batch = visible_batch(request.user, pk)
    return render(request, "imports/_progress.html", {"batch": batch})


def _visible_row(request, pk, row_id, action):
    require(request.user, action)
    batch = visible_batch(request.user, pk)
    return batch, get_object_or_404(StagedRow, pk=row_id, batch=batch)


@login_required
@require_POST
def row_drop(request, pk, row_id):
    batch, row = _visible_row(request, pk, row_id, "drop")
    try:
        services.drop_row(actor=request.user, row=row)
        messages.success(request, _("Row %(row)s dropped: it will not be registered.") % {"row": row.row_number})
    except NotAllowed as refused:
        messages.error(request, refused.message)
    return redirect("imports:batch", pk=batch.pk)


HOUSEHOLD_FIELDS = tuple(column for column in parsing.HOUSEHOLD_COLUMNS if column != "household_key")
MEMBER_FIELDS = tuple(column for column in parsing.MEMBER_COLUMNS if column != "household_key")


@login_required
def row_edit(request, pk, row_id):
    batch, row = _visible_row(request, pk, row_id, "update_row")
    if request.method == "POST":
        household = {name: request.POST.get(f"household-{name}", "").strip() for name in HOUSEHOLD_FIELDS}
        members = []
        for index in range(len(row.data.get("members", []))):
            members.append({name: request.POST.get(f"member-{index}-{name}", "").strip() for name in MEMBER_FIELDS})
        try:
            row = services.update_row(actor=request.user, row=row, household=household, members=members)
        except NotAllowed as refused:
            messages.error(request, refused.message)
            return redirect("imports:batch", pk=batch.pk)
        if row.errors:
            messages.warning(request, _("Row %(row)s saved; it still has errors.") % {"row": row.row_number})
            return render(request, "imports/row_form.html", _row_form_context(batch, row), status=400)
        messages.success(request, _("Row %(row)s corrected.") % {"row": row.row_number})
        return redirect("imports:batch", pk=batch.pk)
    return render(request, "imports/row_form.html", _row_form_context(batch, row))


def _row_form_context(batch, row):
    view = _row_view(row)
    view["household_fields"] = [(name, view["household"].get(name, ""), view["household_errors"].get(name, []))
                                for name in HOUSEHOLD_FIELDS]
    for member in view["members"]:
        member["fields"] = [(name, member["data"].get(name, ""), member["errors"].get(name, []))
                            for name in MEMBER_FIELDS]
    return {"batch": batch, **view}


@login_required
@require_POST
def merge(request, pk):
    require(request.user, "merge")
    batch = visible_batch(request.user, pk)
    try:
        batch, queued = services.request_merge(actor=request.user, batch=batch)
        if queued:
            messages.info(request, _("The batch is being merged on the server; this page shows when it is done."))
        else:
            messages.success(request, _("Batch merged: %(count)s households registered.")
                             % {"count": services.counts(batch)["merged"]})
    except InvalidInput as invalid:
        messages.error(request, services._flatten(invalid.errors))
    except NotAllowed as refused:
        messages.error(request, refused.message)
    return redirect("imports:batch", pk=batch.pk)


@login_required
@require_POST
def refuse(request, pk):
    require(request.user, "refuse")
    batch = visible_batch(request.user, pk)
    try:
        services.refuse_batch(actor=request.user, batch=batch)
        messages.success(request, _("Batch refused: nothing from it will be registered."))
    except NotAllowed as refused:
        messages.error(request, refused.message)
    return redirect("imports:batch", pk=batch.pk)
