"""Billing pages (operator pages and the public captive portal)."""

urlpatterns: list = []
