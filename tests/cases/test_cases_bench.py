"""The cases benchmark still runs (at its smallest size; the timings themselves are not tested)."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def test_the_cases_benchmark_runs_and_prints_its_json():
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "cases.py"), "--small"], capture_output=True,
                         text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout)
    assert result["benchmark"] == "cases" and result["cases"] == 210
    assert result["supervisor_list_overdue"]["queries"] == result["supervisor_list_by_status"]["queries"]
