"""Imports every domain's models so the metadata is complete (Alembic, tests)."""

from agency import audit  # noqa: F401
from agency.accounts import models as accounts_models  # noqa: F401
from agency.accounts import notifications  # noqa: F401
from agency.channels import models as channels_models  # noqa: F401
from agency.inbox import models as inbox_models  # noqa: F401
from agency.sla import models as sla_models  # noqa: F401
