from django import template

from billing.mpesa import mask_phone

register = template.Library()


@register.filter
def masked(phone: str) -> str:
    """2547****5678 on operator pages: enough to recognise a customer."""
    return mask_phone(phone or "")
