"""Every action the audit log knows: one typed set, so a typo is an error, not a new action."""

from __future__ import annotations

from django.db import models


class AuditAction(models.TextChoices):
    # platform
    TENANT_CREATE = "tenant.create", "Tenant created"
    TENANT_ACTIVATE = "tenant.activate", "Tenant ready"
    TENANT_FAIL = "tenant.fail", "Tenant creation failed"
    TENANT_UPDATE = "tenant.update", "Tenant changed"
    TENANT_SETTINGS_UPDATE = "tenant.settings", "Account settings changed"
    TENANT_SUSPEND = "tenant.suspend", "Tenant suspended"
    TENANT_REACTIVATE = "tenant.reactivate", "Tenant reactivated"
    USER_CREATE = "user.create", "User created"
    USER_UPDATE = "user.update", "User changed"
    USER_SET_PASSWORD = "user.set_password", "User password set"
    USER_DELETE = "user.delete", "User deleted"
    JOB_RETRY = "job.retry", "Job retried"
    JOB_CANCEL = "job.cancel", "Job cancelled"
    # routers and provisioning
    ROUTER_CREATE = "router.create", "Router added"
    ROUTER_UPDATE = "router.update", "Router changed"
    ROUTER_STATUS = "router.status", "Router status changed"
    ROUTER_ROTATE_TOKEN = "router.rotate_token", "Router token rotated"
    ROUTER_IMPORT = "router.import", "Router import started"
    ROUTER_SECRETS_TO_RADIUS = "router.secrets_to_radius", "PPP secrets moved to RADIUS"
    ROUTER_CONFIG = "router.config", "Router configuration saved"
    ROUTER_DEPLOY = "router.deploy", "Router deployment started"
    ROUTER_HEALTH = "router.health", "Router health changed"
    ROUTER_DELETE = "router.delete", "Router deleted"
    # RADIUS and vouchers
    RADIUS_SERVER_CREATE = "radius_server.create", "RADIUS server added"
    RADIUS_SERVER_UPDATE = "radius_server.update", "RADIUS server changed"
    RADIUS_SERVER_RECONCILE = "radius_server.reconcile", "RADIUS server reconciled"
    RADIUS_SERVER_DELETE = "radius_server.delete", "RADIUS server deleted"
    RADIUS_SERVER_TEST = "radius_server.test", "RADIUS server connection test queued"
    VOUCHER_PROFILE_CREATE = "voucher_profile.create", "Voucher profile created"
    VOUCHER_PROFILE_UPDATE = "voucher_profile.update", "Voucher profile changed"
    VOUCHER_PROFILE_DELETE = "voucher_profile.delete", "Voucher profile deleted"
    VOUCHER_BATCH_CREATE = "voucher_batch.create", "Voucher batch created"
    VOUCHER_BATCH_SYNC = "voucher_batch.sync", "Voucher batch sync queued"
    VOUCHER_BATCH_DELETE = "voucher_batch.delete", "Voucher batch deleted"
    VOUCHER_DISABLE = "voucher.disable", "Voucher disabled"
    VOUCHER_DELETE = "voucher.delete", "Voucher deleted"
    VOUCHER_FIRST_USE = "voucher.first_use", "Voucher used for the first time"
    VOUCHER_USED_UP = "voucher.used_up", "Voucher used up"
    VOUCHER_EXPIRE = "voucher.expire", "Voucher expired"
    SESSION_KICK = "session.kick", "Session disconnected by an operator"
    # billing
    DARAJA_SETTINGS_SAVE = "daraja_settings.save", "M-Pesa settings saved"
    PACKAGE_CREATE = "package.create", "Package created"
    PACKAGE_UPDATE = "package.update", "Package changed"
    PACKAGE_DELETE = "package.delete", "Package deleted"
    PORTAL_SETTINGS_SAVE = "portal_settings.save", "Portal settings saved"
    PAYMENT_INITIATE = "payment.initiate", "Payment initiated"
    PAYMENT_RESULT_CALLBACK = "payment.result.callback", "Payment result (callback)"
    PAYMENT_RESULT_QUERY = "payment.result.query", "Payment result (STK query)"
    PAYMENT_COMPLETED = "payment.completed", "Payment completed"
    PAYMENT_FAILED = "payment.failed", "Payment failed"
    PAYMENT_FLAGGED = "payment.flagged", "Payment flagged"
    PAYMENTS_RECONCILE = "payments.reconcile", "Payments reconciliation queued"
    PAYMENT_CALLBACK_RETRY = "payment_callback.retry", "Payment callback retried"
    SUBSCRIPTION_CREATE = "subscription.create", "Subscription created"
    SUBSCRIPTION_EXTEND = "subscription.extend", "Subscription extended"
    SUBSCRIPTION_RECONNECT = "subscription.reconnect", "Subscription reconnected"
    SUBSCRIPTION_UPDATE = "subscription.update", "Subscription changed"
    SUBSCRIPTION_EXPIRE = "subscription.expire", "Subscription expired"
    SUBSCRIPTION_LIFECYCLE = "subscription.lifecycle", "Subscription moved on after its end"
    SUBSCRIPTION_RESTORED = "subscription.restored", "Walled subscription restored"
    SUBSCRIPTION_ROUTER_PROVISIONED = (
        "subscription.router_provisioned",
        "Subscription provisioned on the router",
    )
    # notifications
    SMS_SETTINGS_SAVE = "sms_settings.save", "SMS settings saved"
    NOTIFICATION_TEMPLATE_SAVE = "notification_template.save", "Notification template saved"
    NOTIFICATION_OPT_OUT = "notification.opt_out", "Notification opt-out added"
    NOTIFICATION_SETTINGS_SAVE = "notification_settings.save", "Notification settings saved"
