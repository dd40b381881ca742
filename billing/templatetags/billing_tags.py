from django import template

from billing.mpesa import mask_phone
from radtik.money import money_label

register = template.Library()


@register.filter
def masked(phone: str) -> str:
    """2547****5678 on operator pages: enough to recognise a customer."""
    return mask_phone(phone or "")


@register.filter
def money(amount) -> str:
    """A price in the tenant's currency, as the voucher sheet prints it (radtik.money)."""
    return money_label(amount)


@register.simple_tag
def portal_look():
    """The portal's settings for portal_base.html (every portal page wears them)."""
    from billing.selectors import portal_settings

    return portal_settings()
