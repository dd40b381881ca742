"""Production settings (DJANGO_SETTINGS_MODULE=radtik.settings_production, deploy/env):
radtik.settings, minus what only suits a developer's machine.

radtik.settings already defaults to production (DEBUG off, TLS on, keys required); this module
also refuses to start on what would silently work on one machine and fail on several: no
DATABASE_URL or REDIS_URL (radtik.settings would start an embedded server under .data/, one per
host) and DEBUG on.
"""

from __future__ import annotations

import os
import sys

REQUIRED = ("DATABASE_URL", "REDIS_URL", "BASE_DOMAIN", "SECRET_KEY", "FIELD_ENCRYPTION_KEY")
_missing = [name for name in REQUIRED if not os.environ.get(name)]
if _missing:
    sys.exit(
        f"radtik.settings_production needs {', '.join(_missing)} in the environment "
        "(deploy/env/radtik.env.template lists every setting)"
    )

from radtik.settings import *  # noqa: E402,F403
from radtik.settings import DEBUG, LOG_FORMAT  # noqa: E402

if DEBUG:
    sys.exit("radtik.settings_production runs with DEBUG off: unset DEBUG")
if LOG_FORMAT != "json":
    sys.exit("radtik.settings_production logs JSON lines: unset LOG_FORMAT")
