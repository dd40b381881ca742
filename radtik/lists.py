"""Lists: one FilterSet per resource validates the query of both the HTML page and the API list.

Selectors call `filtered` (HackSoft style), so a page and its API are the same query with the same
validation; bad values raise FilterError, which the API answers with 400 (radtik.api) and a page
shows on its filter form (`list_page`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django_filters import FilterSet, IsoDateTimeFilter
from django_filters.fields import IsoDateTimeField


class _UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time in UTC: PostgreSQL refuses offsets beyond ±15:59 that Python parses
    ("+16:51"), which reached the query as a 500."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(datetime.UTC)
        except (OverflowError, ValueError):
            raise ValidationError("Give a date and time between the years 1 and 9999.") from None


class DateTimeFilter(IsoDateTimeFilter):
    """Every list's filter on a time: ISO 8601 (an offset or Z), compared in UTC."""

    field_class = _UtcIsoDateTimeField


# The API's default page (settings.REST_FRAMEWORK) and the HTML pages' page hold the same rows.
PAGE_SIZE = 100


class FilterError(ValidationError):
    """Filter values the FilterSet refused, field by field; `form` carries them for a page."""

    def __init__(self, filterset: FilterSet):
        super().__init__(filterset.form.errors.as_data())
        self.form = filterset.form


def filtered(
    filterset_class: type[FilterSet], queryset: QuerySet, filters: Mapping | None
) -> QuerySet:
    filterset = filterset_class(filters or {}, queryset=queryset)
    if not filterset.is_valid():
        raise FilterError(filterset)
    return filterset.qs


@dataclass(frozen=True)
class ListPage:
    page: Page
    form: forms.Form
    query: str  # the filters without the page number: page links keep them
    status: int

    @property
    def takes_new_rows(self) -> bool:
        """An unfiltered first page: a live page puts rows created after it loaded on top (on any
        other page or filter a new row may not belong there, so only its updates apply)."""
        return not self.query and self.page.number == 1 and self.status == 200


def list_page(
    request: HttpRequest,
    *,
    select: Callable[..., QuerySet],
    filterset_class: type[FilterSet],
    unfiltered_count: int | None = None,
) -> ListPage:
    """One page of `select(filters=request.GET)`; bad filters give an empty page, status 400
    and the form with its errors. `unfiltered_count`: how many rows there are without filters,
    where the caller keeps a counter, so an unfiltered page does not count them (a
    1,000,000-voucher batch)."""
    try:
        rows = select(filters=request.GET)
        form, status = filterset_class(request.GET).form, 200
    except FilterError as exc:
        rows, form, status = [], exc.form, 400
    query = request.GET.copy()
    query.pop("page", None)
    paginator = Paginator(rows, PAGE_SIZE)
    if unfiltered_count is not None and not query and status == 200:
        paginator.count = unfiltered_count  # a cached_property: this value is used
    page = paginator.get_page(request.GET.get("page"))
    return ListPage(page=page, form=form, query=query.urlencode(), status=status)
