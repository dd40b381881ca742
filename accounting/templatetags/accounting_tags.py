from django import template

register = template.Library()


@register.filter
def uptime(seconds: int | None) -> str:
    """1d 02:03:04 / 02:03:04, as RouterOS operators read an uptime."""
    seconds = int(seconds or 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{days}d {clock}" if days else clock
