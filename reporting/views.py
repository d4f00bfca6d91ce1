from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework.errors import InvalidInput
from casework.views import require
from reporting import charts, figures, services
from reporting.models import ReportRun
from reporting.rollup import AGE_BANDS


def _year(request):
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else timezone.localdate().year


@login_required
def dashboard(request):
    """People reached by month, sector, department, sex and age, for supervisors and M&E officers."""
    require(request.user, "report", "list")
    year = _year(request)
    start, end = figures.period_range(year=year)
    organisation_id = request.user.organisation_id
    summary = figures.summary(organisation_id=organisation_id, start=start, end=end)
    parts = figures.breakdowns(organisation_id=organisation_id, start=start, end=end)
    women = {row["age_band"]: row["people"] for row in parts["by_sex_age"] if row["sex"] == "female"}
    men = {row["age_band"]: row["people"] for row in parts["by_sex_age"] if row["sex"] == "male"}
    months = {row["month"]: row["people"] for row in parts["by_month"]}
    return render(request, "reporting/dashboard.html", {
        "year": year, "summary": summary,
        "month_chart": mark_safe(charts.columns([(f"{month:02d}", months.get(f"{year}-{month:02d}", 0))
                                                 for month in range(1, 13)])),
        "sector_chart": mark_safe(charts.horizontal_bars([(row["label"], row["people"])
                                                          for row in summary["sectors"]])),
        "department_chart": mark_safe(charts.horizontal_bars([(row["name"], row["people"])
                                                              for row in parts["by_department"]])),
        "age_chart": mark_safe(charts.pyramid(AGE_BANDS, women, men, women_label=_("Women and girls"),
                                              men_label=_("Men and boys"))),
        "runs": ReportRun.objects.select_related("requested_by")[:8],
        "current_month": f"{timezone.localdate():%Y-%m}",
    })


@login_required
def year_summary(request):
    """The year told like a response report: distinct people, and what they received."""
    require(request.user, "report", "list")
    year = _year(request)
    start, end = figures.period_range(year=year)
    summary = figures.summary(organisation_id=request.user.organisation_id, start=start, end=end)
    # A response report tells each area as "+N persons assisted" with what they received beneath it.
    for sector in summary["sectors"]:
        sector["indicators"] = [row for row in summary["indicators"] if row["sector"] == sector["sector"]]
    return render(request, "reporting/summary.html", {"year": year, "summary": summary,
                                                      "organisation": request.user.organisation})


@login_required
@require_POST
def request_rollup(request):
    require(request.user, "report", "create")
    try:
        run = services.request_run(period=request.POST.get("period", ""), requested_by=request.user)
        messages.success(request, _("The report of %(month)s is being computed.") % {"month": f"{run.period:%Y-%m}"})
    except InvalidInput as invalid:
        messages.error(request, invalid.errors["period"][0])
    return redirect("reporting:dashboard")


