"""Findings, statistics and text signals of a case."""
from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone as djtz
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evidence.access import WRITE, case_get_for_user
from evidence.models import Entry

from . import NOT_LEGAL_ADVICE, RULES_BY_ID, charts, lang_key, pick, wording
from .signals import suggest_tags, suggested_tags
from .stats import case_context, case_stats

log = logging.getLogger("liuzheng.views")

ENTRIES_SHOWN = 30  # per finding; the rest are counted
MAX_SIGNAL_TEXT = 100_000


def _lang():
    return lang_key(get_language())


def _weekdays():
    return [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]


def stats_charts(stats, *, font=charts.WEB_FONT, lang=None) -> dict:
    """The statistics charts as SVG strings (the page and catalog.pdf)."""
    lang = lang or _lang()
    start, end = stats.permitted
    by_rule = [(pick(RULES_BY_ID[rid].titles, lang), n) for rid, n, _entries in stats.findings_by_rule]
    return {
        "per_day": charts.bar_chart(
            stats.buckets, per_week=stats.per_week, font=font,
            title=_("Calls and messages per week") if stats.per_week else _("Calls and messages per day"),
            calls_label=_("Calls"), messages_label=_("Messages")),
        "heat": charts.heat_map(
            stats.heat, weekdays=_weekdays(), permitted=stats.permitted, font=font,
            title=_("Collector contacts by hour and weekday"),
            band_label=_("permitted hours %(start)02d:00–%(end)02d:00") % {"start": start, "end": end}),
        "by_rule": charts.hbar_chart(by_rule, title=_("Findings by rule"), font=font) if by_rule else "",
        "numbers": charts.hbar_chart(stats.top_numbers, title=_("Top collector numbers"), font=font)
        if stats.top_numbers else "",
    }


@login_required
def case_statistics(request, case_id):
    case = case_get_for_user(request.user, case_id)
    stats = case_stats(case)
    svg = {k: mark_safe(v) for k, v in stats_charts(stats).items()}
    lang = _lang()
    return render(request, "evidence/case_statistics.html", {
        "case": case, "stats": stats, "charts": svg,
        "by_rule": [(rid, pick(RULES_BY_ID[rid].titles, lang), n, entries)
                    for rid, n, entries in stats.findings_by_rule],
        "not_legal_advice": NOT_LEGAL_ADVICE[lang],
    })


def finding_rows(case, findings, lang, *, shown=ENTRIES_SHOWN):
    """Findings grouped by rule, each with the entries it rests on (local time, kind, edited)."""
    zone = case_context(case).time_zone
    wanted = {i for f in findings for i in f.entry_ids[:shown]}
    entries = {str(pk): (when, kind, rev) for pk, when, kind, rev in
               Entry.objects.filter(pk__in=wanted).values_list("pk", "occurred_at", "kind", "revision")}
    kinds = dict(Entry.Kind.choices)
    groups, by_rule = [], {}
    for f in findings:
        rule = RULES_BY_ID[f.rule_id]
        if f.rule_id not in by_rule:
            by_rule[f.rule_id] = {"rule": rule, "id": rule.id, "title": pick(rule.titles, lang), "findings": [],
                                  "force": rule.force, "confidence": rule.confidence}
            groups.append(by_rule[f.rule_id])
        rows = []
        for i in f.entry_ids[:shown]:
            if i in entries:
                when, kind, rev = entries[i]
                rows.append({"id": i, "when": djtz.localtime(when, zone), "kind": kinds.get(kind, kind),
                             "edited": rev > 1, "revision": rev})
        by_rule[f.rule_id]["findings"].append({
            "summary": f.summary[lang], "wording": wording(rule, lang, f), "entries": rows,
            "more": max(0, len(f.entry_ids) - shown), "count": len(f.entry_ids),
        })
    return groups


FINDINGS_PER_RULE = 10  # on the overview; "show all" pages through one rule
FINDINGS_PER_PAGE = 100


@login_required
def case_findings(request, case_id):
    """Findings by rule with their entries: the first few of each rule, or one rule's all, paged."""
    case = case_get_for_user(request.user, case_id)
    lang = _lang()
    stats = case_stats(case)  # the findings and the entries they left out, from one pass
    findings = stats.findings
    totals: dict[str, int] = {}
    for f in findings:
        totals[f.rule_id] = totals.get(f.rule_id, 0) + 1
    only = request.GET.get("rule")
    page = None
    if only in totals:
        page = Paginator([f for f in findings if f.rule_id == only], FINDINGS_PER_PAGE).get_page(
            request.GET.get("page"))
        shown = list(page.object_list)
    else:
        only, seen, shown = None, {}, []
        for f in findings:
            seen[f.rule_id] = seen.get(f.rule_id, 0) + 1
            if seen[f.rule_id] <= FINDINGS_PER_RULE:
                shown.append(f)
    groups = finding_rows(case, shown, lang)
    for g in groups:
        g["total"] = totals[g["id"]]
        g["hidden"] = totals[g["id"]] - len(g["findings"]) if only is None else 0
    return render(request, "evidence/case_findings.html", {
        "case": case, "groups": groups, "count": len(findings), "only": only, "page": page,
        "not_legal_advice": NOT_LEGAL_ADVICE[lang], "us": case.rule_set == "us",
        "untimed": stats.untimed,
    })


@login_required
@require_POST
def text_signals(request, case_id):
    """Tag suggestions for text being typed into an entry: nothing is stored or logged."""
    case_get_for_user(request.user, case_id, WRITE)
    text = request.POST.get("text", "")[:MAX_SIGNAL_TEXT]
    labels = dict(Entry.Tag.choices)
    found = suggest_tags(text)
    tags = []
    for tag in suggested_tags(found):
        phrases = list(dict.fromkeys(s.phrase for s in found if s.tag == tag))
        tags.append({"tag": tag, "label": str(labels.get(tag, tag)), "phrases": phrases})
    return JsonResponse({"suggestions": tags})
