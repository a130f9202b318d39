"""The recordings page of an organization's own program: upload a guided recording to one of
the draft's practices, then change its title and transcript or remove it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from accounts.http import AuthenticatedHttpRequest
from programs.models import ProgramStatus

from ..audio import RecordingSizeLimit, max_bytes
from ..forms.recordings import RecordingForm, RecordingUploadForm
from ..selectors import line_get_for_coordinator, recording_get_in_line, recording_page_for_line
from ..services.recordings import recording_create, recording_remove, recording_update
from ..services.versions import ProgramEditError, draft_get_or_start


@csrf_exempt
def draft_recordings(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The draft's practices with their recordings, and the form to upload one."""
    # Before the CSRF check reads the body (hence exempt here, protected just below): a file
    # past the size limit is not kept, on disk or in memory, only its size.
    request.upload_handlers = [
        RecordingSizeLimit(request, limit=max_bytes()),
        *request.upload_handlers,
    ]
    return _draft_recordings(request, pk)


@csrf_protect
def _draft_recordings(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    line = line_get_for_coordinator(user=request.user, pk=pk)
    context = recording_page_for_line(line=line)
    form = RecordingUploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        program=context["program"],
        initial={"practice": request.GET.get("practice", "")},
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            draft = draft_get_or_start(user=request.user, line=line)
            recording = recording_create(
                user=request.user,
                version=draft,
                practice_code=form.cleaned_data["practice"],
                title=form.cleaned_data["title"],
                upload=upload,
                upload_name=upload.name,
                upload_size=upload.size,
                transcript=form.cleaned_data["transcript"],
            )
        except ProgramEditError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(request, f"“{recording.title}” is uploaded to the draft.")
            return redirect("authoring:draft_recordings", pk=line.pk)
    return render(
        request,
        "authoring/recordings/draft_recordings.html",
        {"line": line, "form": form, **context},
    )


def draft_recording_edit(request: AuthenticatedHttpRequest, pk: int, rid: int) -> HttpResponse:
    """Change a recording's title and transcript, or remove it (after asking)."""
    line = line_get_for_coordinator(user=request.user, pk=pk)
    recording = recording_get_in_line(line=line, pk=rid)
    action = request.POST.get("action", "save")
    form = RecordingForm(
        request.POST if request.method == "POST" and action == "save" else None,
        initial={"title": recording.title, "transcript": recording.transcript},
    )
    if request.method == "POST":
        try:
            if action == "remove":
                recording_remove(user=request.user, recording=recording)
                messages.success(request, f"“{recording.title}” is removed from the draft.")
                return redirect("authoring:draft_recordings", pk=line.pk)
            if form.is_valid():
                recording_update(
                    user=request.user,
                    recording=recording,
                    title=form.cleaned_data["title"],
                    transcript=form.cleaned_data["transcript"],
                )
                messages.success(request, f"“{recording.title}” is saved.")
                return redirect("authoring:draft_recordings", pk=line.pk)
        except ProgramEditError as exc:
            # Only a published version's recording is refused here: the page says so.
            messages.error(request, exc.message)
            return redirect("authoring:draft_recording_edit", pk=line.pk, rid=recording.pk)
    return render(
        request,
        "authoring/recordings/draft_recording_edit.html",
        {
            "line": line,
            "recording": recording,
            "form": form,
            "is_draft": recording.program.status == ProgramStatus.DRAFT,
            "confirm_remove": request.GET.get("confirm") == "remove",
            "practice_name": recording.program.practice_name(recording.practice_code),
        },
    )


urlpatterns: list[URLPattern] = [
    path("programs/<int:pk>/draft/recordings/", draft_recordings, name="draft_recordings"),
    path(
        "programs/<int:pk>/draft/recordings/<int:rid>/",
        draft_recording_edit,
        name="draft_recording_edit",
    ),
]
