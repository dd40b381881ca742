"""The shape every operator form page shares: a form whose valid data goes to one service call,
the service's refusal shown on the form in words, and a POST-only delete that says why it was
refused. Views stay thin: they name the form, the service and where to go next."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from radtik.admin_site import form_changes


def form_errors_add(form: forms.BaseForm, exc: ValidationError) -> None:
    """A service's ValidationError on the form: field errors beside their field, the rest on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def form_page(
    request: HttpRequest,
    *,
    form: forms.BaseForm,
    save: Callable[[dict[str, Any]], Any],
    title: str,
    done: Callable[[Any], str] | str,
    message: Callable[[Any], str] | str = "Saved.",
    template: str = "pages/form.html",
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """GET: the form. POST: `save(cleaned_data)`, then a message and a redirect to `done`;
    a refusal re-renders the form with its errors (400)."""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = save(form.cleaned_data)
            except ValidationError as exc:
                form_errors_add(form, exc)
            else:
                messages.success(request, message(result) if callable(message) else message)
                return redirect(done(result) if callable(done) else done)
        status = 400
    return render(
        request, template, {"form": form, "title": title, **(context or {})}, status=status
    )


def edit_page(
    request: HttpRequest,
    *,
    form: forms.ModelForm,
    update: Callable[..., Any],
    **page: Any,
) -> HttpResponse:
    """form_page for a ModelForm of a stored row: `update(stored_row, **changed_fields)`, the
    service seeing the row as stored and only what the form changed (to validate and record)."""

    def save(data: dict[str, Any]) -> Any:
        stored, changed = form_changes(form)
        return update(stored, **changed)

    return form_page(request, form=form, save=save, **page)


def action_post(
    request: HttpRequest,
    *,
    act: Callable[[], Any],
    done: str,
    message: Callable[[Any], str] | str,
    back: str | None = None,
) -> HttpResponse:
    """A POST button (delete, disable, test): its message, or the refusal in words on the page
    it came from (`back`, else `done`)."""
    try:
        result = act()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back or done)
    messages.success(request, message(result) if callable(message) else message)
    return redirect(done)
