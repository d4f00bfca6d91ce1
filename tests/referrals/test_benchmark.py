"""The referrals benchmark still runs (at a tiny size); its figures are read from full runs, not here."""
import pytest

from tests.test_benchmarks import run


@pytest.mark.slow
def test_the_referrals_benchmark_prints_its_figures():
    figures = run("referrals.py", "--small")
    assert figures["referrals"] == 2000
    assert figures["partner_pull_page_1"]["queries"] <= 4
    assert figures["response_times_all_partners_and_services"]["queries"] <= 3
    assert figures["overdue_sweep"]["rerun_seconds"] >= 0
