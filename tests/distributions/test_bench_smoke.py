"""The benchmark runs end to end at a tiny size (its numbers mean nothing here)."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_distributions_benchmark_prints_its_numbers_as_json():
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "distributions.py"), "--households", "40", "--receipts", "5"],
        capture_output=True, text=True, timeout=300, env=environment, cwd=ROOT,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(completed.stdout)
    assert report["roster"]["households"] == 40
    assert report["receipts_through_api"]["requests"] == 5
    assert report["second_receipt_409"]["requests"] == 5
