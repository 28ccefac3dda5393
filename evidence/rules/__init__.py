"""Rules over a case's entries: which collection conduct may break which rule.

    from evidence.rules import CaseContext, evaluate, facts_for_case

    facts = facts_for_case(case)  # or facts_from_entries(entries) for rows at hand
    findings = evaluate("cn", facts, CaseContext.for_case(case))

Pure Python over plain data (`Facts`); docs/rules.md lists every rule.
Text signals (phrase suggestions for tags) are in `evidence.rules.signals`.
"""
from . import cn, us
from .engine import (
    NOT_LEGAL_ADVICE, CaseContext, Facts, Finding, Rule, Source, facts_from_entries, lang_key, pick, run, wording,
)
from .facts import facts_for_case

RULE_SETS = {cn.RULE_SET: cn.RULES, us.RULE_SET: us.RULES}
DEFAULT_RULE_SET = cn.RULE_SET
RULES_BY_ID = {rule.id: rule for rules in RULE_SETS.values() for rule in rules}


def evaluate(rule_set_id: str, facts, ctx: CaseContext, *, events=None) -> list[Finding]:
    """The findings of one rule set over the facts of one case (`events`: their timeline, if built)."""
    return run(RULE_SETS[rule_set_id], facts, ctx, events=events)


__all__ = [
    "DEFAULT_RULE_SET", "NOT_LEGAL_ADVICE", "RULES_BY_ID", "RULE_SETS", "CaseContext", "Facts", "Finding",
    "Rule", "Source", "evaluate", "facts_for_case", "facts_from_entries", "lang_key", "pick", "wording",
]
