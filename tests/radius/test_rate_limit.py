"""radtik's forms and the agent accept the same MikroTik rate limits (one check, two callers)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from radius.agent.attributes import user_rows
from radius.models import validate_rate_limit


@pytest.mark.parametrize(
    ("rate", "valid"),
    [
        ("2M/5M", True),
        ("512k/1.5M", True),
        ("2M/5M 4M/10M 1M/2M 16/16", True),
        ("2M/5M 4M/10M 1M/2M 16s/16s 8 512k/1M", True),  # priority and minimum rate
        ("2M", False),  # both directions, as radtik has always asked
        ("2M/5M/1M", False),
        ("fast", False),
        ("-1/2", False),
        ("2M/5M 4M/10M 1M/2M 16/16 9", False),  # priorities are 1-8
    ],
)
def test_forms_and_agent_agree(rate, valid):
    try:
        validate_rate_limit(rate)
        form_ok = True
    except ValidationError as exc:
        form_ok = False
        assert exc.messages == [
            "Use MikroTik's rx/tx form, e.g. 2M/5M (upload/download as the router sees it)."
        ]
    try:
        user_rows({"username": "U1", "password": "p", "rate_limit": rate})
        agent_ok = True
    except ValueError as exc:
        agent_ok = False
        assert str(exc).startswith("rate_limit must be MikroTik's rx/tx form, e.g. 2M/5M")
    assert form_ok is agent_ok is valid
