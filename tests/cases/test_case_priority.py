import pytest

from casework.case_priority import PRIORITY_RULES, priority_for, rules_table
from casework.codes import SPECIFIC_NEED_CODES


@pytest.mark.parametrize("codes, expected", [
    ([], "low"),
    (["SC-UC"], "critical"),
    (["SV"], "critical"),
    (["SV-VF"], "critical"),
    (["TR-PI"], "critical"),
    (["LP-RR"], "critical"),
    (["LP-TR"], "critical"),
    (["SM-CC"], "critical"),
    (["SC-SC"], "high"),
    (["SC"], "high"),
    (["CR-AF"], "high"),
    (["WR-HR"], "high"),
    (["PG-HR"], "high"),
    (["SM-CI"], "high"),
    (["LP-ND"], "medium"),
    (["DS-PM", "SP-PT"], "medium"),
    (["WR"], "medium"),
    (["PG-LC", "SC-UC"], "critical"),
])
def test_the_highest_rule_matching_any_code_gives_the_priority(codes, expected):
    priority, _reasons = priority_for(codes)
    assert priority == expected


def test_the_reasons_name_the_rule_and_the_codes_that_gave_the_priority():
    priority, reasons = priority_for(["DS-PM", "SC-UC", "LP-ND"])
    assert priority == "critical"
    assert [codes for _rule, codes in reasons] == [["SC-UC"]]


def test_every_specific_need_code_is_covered_by_a_rule():
    uncovered = [code for code in SPECIFIC_NEED_CODES if not any(rule.matches(code) for rule in PRIORITY_RULES)]
    assert uncovered == []


def test_a_main_code_pattern_does_not_match_a_look_alike():
    sv = next(rule for rule in PRIORITY_RULES if rule.codes == ("SV-*",))
    assert sv.matches("SV") and sv.matches("SV-GM") and not sv.matches("SVX")


def test_the_rules_table_reads_as_rows_an_admin_understands():
    table = rules_table()
    assert table[0]["priority"] == "critical"
    assert table[0]["codes"] == [{"code": "SC-UC", "label": "Unaccompanied child"}]
    assert table[-1] == {"priority": "low", "priority_label": "Low", "codes": [], "why": "No specific need recorded."}
