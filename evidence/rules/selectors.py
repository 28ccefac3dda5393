"""Reads of a case's findings for pages outside the rules' own (the case page's summary)."""
from django.utils.translation import get_language

from . import NOT_LEGAL_ADVICE, RULES_BY_ID, lang_key, pick
from .stats import case_findings


def finding_summary(case) -> dict:
    """How many findings of each rule, with the rule's title in the page's language."""
    lang = lang_key(get_language())
    counts = {}
    for f in case_findings(case):
        counts[f.rule_id] = counts.get(f.rule_id, 0) + 1
    return {"finding_summary": [(rid, pick(RULES_BY_ID[rid].titles, lang), n) for rid, n in counts.items()],
            "rule_set_label": case.get_rule_set_display(), "not_legal_advice": NOT_LEGAL_ADVICE[lang]}
