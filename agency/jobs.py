"""Imports every module that declares jobs, so workers and ``run-job`` know them all."""

from agency import audit  # noqa: F401
from agency.inbox import jobs as inbox_jobs  # noqa: F401
from agency.inbox import replies as inbox_replies  # noqa: F401
from agency.sla import jobs as sla_jobs  # noqa: F401
