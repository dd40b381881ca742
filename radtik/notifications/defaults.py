"""Default wording of every template, in English and Kiswahili (a tenant may override each).

Placeholders are `$name` (string.Template): a template can name values, never reach into
objects. SMS bodies stay under 160 characters where the values allow.
"""

from __future__ import annotations

from radtik.notifications.choices import Language, TemplateKey

EN, SW = Language.ENGLISH, Language.SWAHILI
K = TemplateKey

# (key, language) -> (e-mail subject, body)
DEFAULTS: dict[tuple[str, str], tuple[str, str]] = {
    (K.PAYMENT_RECEIPT, EN): (
        "Payment received",
        "Paid KES $amount ($receipt). $package WiFi: user $username password $password, "
        "valid until $expires. $business",
    ),
    (K.PAYMENT_RECEIPT, SW): (
        "Malipo yamepokelewa",
        "Umelipa KES $amount ($receipt). WiFi $package: jina $username nenosiri $password, "
        "hadi $expires. $business",
    ),
    (K.SUBSCRIPTION_REMINDER, EN): (
        "Your WiFi is about to expire",
        "Your $package WiFi ($username) expires $expires, in $remaining. Renew: $renew_url",
    ),
    (K.SUBSCRIPTION_REMINDER, SW): (
        "WiFi yako inakaribia kuisha",
        "WiFi yako ya $package ($username) inaisha $expires, baada ya $remaining. "
        "Lipia tena: $renew_url",
    ),
    (K.ROUTER_DOWN, EN): (
        "Router $router is down",
        "Router $router has not answered since $since ($minutes minutes).\n"
        "Last error: $error\n$url",
    ),
    (K.ROUTER_DOWN, SW): (
        "Ruta $router haipatikani",
        "Ruta $router haijajibu tangu $since (dakika $minutes).\nHitilafu ya mwisho: $error\n$url",
    ),
    (K.ROUTER_UP, EN): (
        "Router $router is back up",
        "Router $router answers again (down since $since).\n$url",
    ),
    (K.ROUTER_UP, SW): (
        "Ruta $router imerudi hewani",
        "Ruta $router inajibu tena (ilikuwa chini tangu $since).\n$url",
    ),
    (K.JOB_FAILED, EN): (
        "Job $kind failed",
        "$kind for $target failed after $attempts attempt(s): $error\nRetry it at $url",
    ),
    (K.JOB_FAILED, SW): (
        "Kazi $kind imeshindwa",
        "$kind ya $target imeshindwa baada ya majaribio $attempts: $error\nJaribu tena: $url",
    ),
    (K.CALLBACKS_QUARANTINED, EN): (
        "An M-Pesa callback needs attention",
        "Callback #$callback could not be matched to its payment after $attempts tries: "
        "$error\nRetry it at $url",
    ),
    (K.CALLBACKS_QUARANTINED, SW): (
        "Ujumbe wa M-Pesa unahitaji uangalizi",
        "Ujumbe #$callback haukuweza kuunganishwa na malipo yake baada ya majaribio $attempts: "
        "$error\nJaribu tena: $url",
    ),
    (K.SMS_BUDGET_REACHED, EN): (
        "Monthly SMS budget reached",
        "$count of the $budget SMS of this month's budget are sent: no more SMS go out until "
        "next month or until the budget is raised at $url",
    ),
    (K.SMS_BUDGET_REACHED, SW): (
        "Kikomo cha SMS cha mwezi kimefikiwa",
        "SMS $count kati ya $budget za mwezi huu zimetumwa: hakuna SMS zaidi hadi mwezi ujao "
        "au kikomo kiongezwe: $url",
    ),
    (K.TENANT_WELCOME, EN): (
        "Welcome to radtik, $name",
        "Your account $name is ready at $url\nLog in as $username with the password you were "
        "given. Start by adding a router: the Routers page shows its bootstrap script.",
    ),
    (K.TENANT_WELCOME, SW): (
        "Karibu radtik, $name",
        "Akaunti yako $name iko tayari: $url\nIngia kama $username kwa nenosiri ulilopewa. "
        "Anza kwa kuongeza ruta: ukurasa wa Routers unaonyesha hati yake ya kuanzisha.",
    ),
}
