import csv
import datetime
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import hxl
import openpyxl
import pytest
from django.conf import settings as django_settings
from django.db import connection

from casework.models import AuditEvent, Organisation
from reporting import figures
from reporting.models import ReportRun, RollupRow
from tests.reporting.conftest import day

OCTOBER = datetime.date(2026, 10, 1)
# The R4V 2025 template as DESIGN.md lists it, typed out here so that a change to the code's list fails.
DESIGN_5W_COLUMNS = [
    "Country", "Admin1", "Admin2", "Appealing organisation", "Implementation Set up", "Implementing partner",
    "Month", "Sector", "Indicator", "Activity Name", "Activity Description", "RMRP Activity", "CVA",
    "Value (in USD)", "Delivery mechanism", "Quantity of output", "Total monthly beneficiaries",
    "New beneficiaries of the month", "Refugees and Migrants IN DESTINATION", "Refugees and Migrants IN TRANSIT",
    "Host Communities Beneficiaries", "Refugees and Migrants PENDULARS", "Colombian Returnees", "Women under 18",
    "Men under 18", "Women above 18", "Men above 18", "Other under 18", "Other above 18",
]


@pytest.fixture
def october(person, reach):
    """Seven people fed in Tumbes, three given hygiene kits, two paid in cash."""
    fed = [person(sex=sex, date_of_birth=born, population_type=group) for sex, born, group in [
        ("female", day("1990-01-01"), "in_transit"), ("male", day("1988-05-05"), "in_transit"),
        ("female", day("2015-02-02"), "in_destination"), ("male", day("2019-03-03"), "in_destination"),
        ("other", day("2000-04-04"), "pendular"), ("unknown", day("2012-06-06"), "host_community"),
        ("female", day("1950-07-07"), "colombian_returnee")]]
    for index, fed_person in enumerate(fed):
        reach(fed_person, "FS-01", day("2026-10-02"), quantity=1)
    reach(fed[:3], "WASH-01", day("2026-10-05"), quantity=3)
    reach(fed[:2], "MPC-01", day("2026-10-06"), cva=True, value_usd=120, delivery_mechanism="prepaid_card")
    return fed


def test_the_5w_csv_has_the_template_columns_an_hxl_row_and_passes_its_quality_rules(api_for, me_officer, october):
    response = api_for(me_officer).get("/api/v1/reports/5w.csv", {"period": "2026-10"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode()
    table = list(csv.reader(io.StringIO(content)))
    assert table[0] == figures.FIVE_W_HEADER == DESIGN_5W_COLUMNS
    assert table[0][:3] == ["Country", "Admin1", "Admin2"] and table[0][-1] == "Other above 18"
    dataset = hxl.data(io.BytesIO(content.encode()), hxl.InputOptions(allow_local=True))
    tags = [column.display_tag for column in dataset.columns]
    assert tags[:2] == ["#country+name", "#adm1+name"]
    assert "#reached+new" in tags and "#reached+f+children" in tags
    assert len(list(dataset)) == len(table) - 2
    data = [row for row in table[2:]]
    by_indicator = {row[8]: row for row in data}
    food = by_indicator["Number of people receiving in-kind food assistance"]
    assert (food[0], food[1], food[2], food[6], food[7]) == ("Peru", "Tumbes", "Zarumilla", "2026-10", "Food Security")
    assert food[16:18] == ["7", "7"]
    assert food[18:23] == ["2", "2", "1", "1", "1"]  # destination, transit, host, pendular, returnees
    assert food[23:29] == ["1", "1", "2", "1", "1", "1"]
    cash = by_indicator["Number of people receiving multipurpose cash assistance"]
    assert (cash[12], cash[13], cash[14]) == ("Yes", "120.0", "Prepaid Card")
    numeric = [[*row[:16], *map(int, row[16:])] for row in data]
    numeric = [[*row[:13], float(row[13]) if row[13] else "", *row[14:]] for row in numeric]
    assert figures.five_w_quality_errors(numeric) == []


def test_the_external_5w_hides_small_cells(api_for, me_officer, october):
    response = api_for(me_officer).get("/api/v1/reports/5w.xlsx", {"period": "2026-10", "audience": "external"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][0] == "#country+name"
    food = next(row for row in values[2:] if row[8].startswith("Number of people receiving in-kind food"))
    assert food[16] == 7 and food[18] == "<5"
    assert AuditEvent.objects.filter(action="export", object_type="reporting.5w", actor=me_officer).exists()


def test_no_exported_cell_can_run_as_a_formula(api_for, me_officer, october):
    Organisation.objects.filter(pk=me_officer.organisation_id).update(name="=HYPERLINK(\"http://x\")")
    response = api_for(me_officer).get("/api/v1/reports/5w.xlsx", {"period": "2026-10"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows(min_row=3, values_only=True) for cell in row if isinstance(cell, str)]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert "'=HYPERLINK(\"http://x\")" in cells
    streamed = api_for(me_officer).get("/api/v1/reports/5w.csv", {"period": "2026-10"})
    csv_cells = [cell for row in list(csv.reader(io.StringIO(b"".join(streamed.streaming_content).decode())))[2:]
                 for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in csv_cells)
    assert "'=HYPERLINK(\"http://x\")" in csv_cells


def test_summary_counts_distinct_people_and_gives_the_estimate(api_for, supervisor, october):
    body = api_for(supervisor).get("/api/v1/reports/summary/", {"year": 2026}).json()
    assert body["people_reached"] == 7
    assert {row["sector"]: row["people"] for row in body["sectors"]}["food_security"] == 7
    assert api_for(supervisor).get("/api/v1/reports/summary/", {"period": "2026-10", "admin1": "PE24"}).json()[
        "people_reached"] == 7
    assert api_for(supervisor).get("/api/v1/reports/summary/", {"period": "2026-10", "admin1": "PE23"}).json()[
        "people_reached"] == 0


@pytest.mark.parametrize("params", [{}, {"period": "octubre"}, {"period": "2026-13"}, {"year": "dos mil"}])
def test_bad_report_parameters_are_refused_clearly(api_for, me_officer, params):
    response = api_for(me_officer).get("/api/v1/reports/summary/", params)
    assert response.status_code == 400
    assert "period" in response.json()


def test_reports_are_for_supervisors_and_me_officers_of_the_organisation(api_for, officer, partner, outsider,
                                                                        october):
    for user in (officer, partner):
        assert api_for(user).get("/api/v1/reports/summary/", {"year": 2026}).status_code == 403
        assert api_for(user).get("/api/v1/reports/5w.csv", {"period": "2026-10"}).status_code == 403
    from tests.factories import UserFactory

    their_me = UserFactory(username="otro.me", role="me_officer", organisation=outsider.organisation)
    assert api_for(their_me).get("/api/v1/reports/summary/", {"year": 2026}).json()["people_reached"] == 0


def test_a_run_request_answers_202_and_the_rows_are_listed(api_for, me_officer, october, django_capture_on_commit_callbacks):
    client = api_for(me_officer)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post("/api/v1/reports/runs/", {"period": "2026-10"}, format="json")
    assert response.status_code == 202
    assert response.json()["status"] == "queued" and len(queued) == 1
    assert client.post("/api/v1/reports/runs/", {"period": "2999-01"}, format="json").status_code == 400
    from reporting import rollup

    rollup.compute_month(OCTOBER)
    listed = client.get("/api/v1/reports/rollups/", {"period": "2026-10", "sector": "food_security"}).json()
    assert listed["count"] == RollupRow.objects.filter(sector="food_security").count()
    assert {row["indicator"] for row in listed["results"]} == {"FS-01"}
    assert client.get("/api/v1/reports/rollups/").status_code == 400


def test_the_dashboard_and_the_year_summary_render_charts(client, me_officer, october):
    client.force_login(me_officer)
    page = client.get("/reports/", {"year": 2026}).content.decode()
    assert page.count("<svg") == 4
    summary = client.get("/reports/year/", {"year": 2026}).content.decode()
    # Read like the platform's response report: the distinct total, then each sector's "+N" and what
    # its people received.
    assert "7 personas distintas asistidas" in summary
    food = summary.index("Seguridad alimentaria")
    assert summary.index("+7 personas asistidas", food) < summary.index("<strong>7</strong>", food)
    assert "+3 personas asistidas" in summary  # WASH: three people given hygiene kits


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_month_rolls_up_end_to_end_on_a_real_worker(person, reach, me_officer, api_for, tacna):
    reach([person(), person()], "FS-01", day("2026-10-02"), quantity=1)
    reach(person(), "FS-01", day("2026-10-03"), site=tacna, quantity=1)  # a second department: two chord tasks
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST'] or 'localhost'}:{database['PORT'] or 5432}/{database['NAME']}"
    if database["OPTIONS"].get("host"):
        url = f"postgresql://{database['USER']}@/{database['NAME']}?host={database['OPTIONS']['host']}"
    env = dict(os.environ, DATABASE_URL=url, CELERY_BROKER_URL=django_settings.CELERY_BROKER_URL,
               CAMINOS_TESTING="1")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=WARNING",
         "--without-heartbeat", "--without-mingle", "--without-gossip"],
        cwd=Path(__file__).resolve().parents[2], env=env)
    try:
        response = api_for(me_officer).post("/api/v1/reports/runs/", {"period": "2026-10"}, format="json")
        run_id = response.json()["id"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status = api_for(me_officer).get(f"/api/v1/reports/runs/{run_id}/").json()["status"]
            if status in {"succeeded", "failed"}:
                break
            time.sleep(0.5)
        assert status == "succeeded"
        run = ReportRun.objects.get(pk=run_id)
        assert (run.departments, run.rows) == (2, 2)
        assert dict(RollupRow.objects.filter(period=OCTOBER).values_list("admin1__pcode", "people_reached")) == {
            "PE24": 2, "PE23": 1}
    finally:
        worker.terminate()
        worker.wait(15)


def test_beat_recomputes_the_current_and_the_previous_month_every_night(me_officer,
                                                                      django_capture_on_commit_callbacks):
    from celery import current_app
    from django.utils import timezone

    from reporting import services, tasks

    entry = django_settings.CELERY_BEAT_SCHEDULE["nightly-rollups"]
    assert entry["task"] == "reporting.tasks.nightly_rollups" and entry["task"] in current_app.tasks
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({2}, {15})
    with django_capture_on_commit_callbacks(execute=False) as queued:
        tasks.nightly_rollups()
    this_month = timezone.localdate().replace(day=1)
    assert sorted(ReportRun.objects.values_list("period", flat=True)) == [services.previous_month(this_month),
                                                                         this_month]
    assert len(queued) == 2


def test_rollup_tasks_retry_database_errors_with_backoff():
    from django.db import OperationalError

    from reporting import tasks

    for task in (tasks.run_rollup, tasks.rollup_department):
        assert OperationalError in task.autoretry_for
        assert task.retry_backoff and task.max_retries >= 3
    assert django_settings.CELERY_RESULT_BACKEND == "django-db"


def test_indicators_are_seeded_for_every_rmrp_sector_and_only_admins_edit_them(api_for, admin_user, me_officer):
    from casework.codes import Sector

    listed = api_for(me_officer).get("/api/v1/indicators/", {"page_size": 100}).json()["results"]
    assert {row["sector"] for row in listed} == set(Sector.values)
    assert {"FS-01", "SH-01", "MPC-01", "GBV-01", "PR-03"} <= {row["code"] for row in listed}
    assert api_for(me_officer).patch("/api/v1/indicators/FS-01/", {"activity_name": "x"},
                                     format="json").status_code == 403
    edited = api_for(admin_user).patch("/api/v1/indicators/FS-01/", {"activity_name": "Canasta de alimentos"},
                                       format="json")
    assert edited.status_code == 200 and edited.json()["activity_name"] == "Canasta de alimentos"
