"""The benchmarks still run (at a tiny size); their figures are read from full runs, not here."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(script, *arguments):
    env = {key: value for key, value in os.environ.items() if key not in {"CAMINOS_TESTING", "DJANGO_DEBUG"}}
    result = subprocess.run([sys.executable, f"bench/{script}", *arguments], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


@pytest.mark.slow
def test_the_registry_benchmark_prints_its_figures():
    figures = run("registry.py", "--individuals", "300", "--requests", "5")
    assert figures["individuals"] >= 300
    assert figures["create_household_5_members"]["queries"] <= 15
    assert figures["list_page_1_two_filters_and_search"]["requests"] == 5


@pytest.mark.slow
def test_the_reporting_benchmark_prints_its_figures():
    figures = run("reporting.py", "--individuals", "300", "--activities", "2000")
    assert figures["activities"] == 2000
    assert figures["month_rollup_rows"] > 0
    assert figures["pandas_export_and_groupby_seconds"] > 0
    # The four timings and the two comparisons issue 8 asks the script to print.
    for key in ("month_rollup_seconds", "year_rollup_seconds", "bare_sql_group_by_seconds",
                "rollup_over_bare_sql", "rollup_faster_than_pandas"):
        assert key in figures


@pytest.mark.slow
def test_the_distributions_benchmark_prints_its_figures():
    figures = run("distributions.py", "--households", "40", "--receipts", "5")
    assert figures["roster"]["households"] == 40
    assert figures["receipts_through_api"]["requests"] == 5
    assert {"receipts_per_second", "p95_ms"} <= set(figures["receipts_through_api"])
    assert "build_seconds" in figures["roster"]
    assert figures["second_receipt_409"]["requests"] == 5


@pytest.mark.slow
def test_the_dedupe_benchmark_prints_its_figures():
    figures = run("dedupe.py", "--small")
    quality = figures["quality"]
    assert quality["true_pairs"] == 200 and {"precision", "recall", "f1"} <= set(quality)
    assert set(quality["variations"]) >= {"accents_and_case", "swapped_surnames", "estimated_age"}
    assert figures["duplicate_check"]["requests"] == 20 and "p95_ms" in figures["duplicate_check"]


@pytest.mark.slow
def test_the_imports_benchmark_prints_its_figures():
    figures = run("imports.py", "--people", "300", "--registry", "300")
    assert figures["status"] == "merged" and figures["individuals_added"] == figures["file"]["people"] == 300
    assert {"people_per_second", "worker_peak_mb", "validate_and_dedupe_seconds", "merge_seconds"} <= set(figures)
