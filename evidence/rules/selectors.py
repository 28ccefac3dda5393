"""Reads of a case's findings for pages outside the rules' own (the case page's summary)."""
from django.utils.translation import get_language

from . import NOT_LEGAL_ADVICE, RULES_BY_ID, lang_key, pick
from .stats import case_stats


def finding_summary(case) -> dict:
    """How many findings of each rule, with the rule's title in the page's language."""
    lang = lang_key(get_language())
    counts = [(rid, n) for rid, n, _entries in case_stats(case).findings_by_rule]
    return {"finding_summary": [(rid, pick(RULES_BY_ID[rid].titles, lang), n) for rid, n in counts],
            "rule_set_label": case.get_rule_set_display(), "not_legal_advice": NOT_LEGAL_ADVICE[lang]}
