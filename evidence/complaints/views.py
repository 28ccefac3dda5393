"""The complaint kit of a case: the list of channels, editing a draft, downloading it."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from evidence.access import READ, WRITE, case_get_for_user, user_may
from evidence.models import ComplaintDraft

from . import drafts as complaints
from . import render as documents
from . import services


def _channel_or_404(channel):
    if channel not in ComplaintDraft.Channel.values:
        raise Http404
    return channel


@login_required
def complaint_list(request, case_id):
    case = case_get_for_user(request.user, case_id)
    saved = {d.channel: d for d in case.complaints.all()}
    rows = [{"channel": value, "label": label, "draft": saved.get(value), "info": complaints.CHANNELS[value]}
            for value, label in ComplaintDraft.Channel.choices]
    return render(request, "evidence/complaint_list.html", {"case": case, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def complaint_edit(request, case_id, channel):
    case = case_get_for_user(request.user, case_id, WRITE if request.method == "POST" else READ)
    _channel_or_404(channel)
    draft = case.complaints.filter(channel=channel).first()
    body = complaints.draft_body(draft) if draft else complaints.generate(case, channel)
    if request.method == "POST":
        if request.POST.get("regenerate"):
            fresh = complaints.generate(case, channel)
            # Keep what the user wrote; refresh the table and findings from the case.
            body = complaints.refresh(body, fresh)
        for section in body["sections"]:
            key = f"section-{section['key']}"
            if key in request.POST:
                section["text"] = request.POST[key][:complaints.MAX_SECTION]
        if "title" in request.POST:
            body["title"] = request.POST["title"][:200]
        services.complaint_save(case=case, channel=channel, body=body, actor=request.user)
        messages.success(request, _("Draft saved (encrypted)."))
        return redirect("complaint_edit", case_id=case.pk, channel=channel)
    return render(request, "evidence/complaint_edit.html", {
        "case": case, "channel": channel, "label": ComplaintDraft.Channel(channel).label, "body": body,
        "draft": draft, "info": complaints.CHANNELS[channel],
        "can_write": user_may(request.user, case, WRITE),  # a lawyer reads the draft, the borrower edits it
        "sections": [{**s, "table_data": body.get("tables", {}).get(s.get("table") or "")} for s in body["sections"]],
    })


@login_required
def complaint_download(request, case_id, channel, fmt):
    case = case_get_for_user(request.user, case_id)
    _channel_or_404(channel)
    draft = case.complaints.filter(channel=channel).first()
    body = complaints.draft_body(draft) if draft else complaints.generate(case, channel)
    name = complaints.file_stem(channel)
    if fmt == "docx":
        data = documents.render_docx(body)
        media = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    elif fmt == "pdf":
        data = documents.render_pdf(body)
        media = "application/pdf"
    else:
        raise Http404
    response = HttpResponse(data, content_type=media)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response
