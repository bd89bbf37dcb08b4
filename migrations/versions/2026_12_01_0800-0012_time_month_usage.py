"""Billable minutes per workspace and month, kept by a trigger on time entries (the retainer rollover reads it).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 08:00:00

Written by hand. The trigger adds a written entry's minutes to its month and takes an old version's away, for
no rounding and for each rounding step (5, 6, 10, 15 minutes); removals only update (a workspace being deleted
takes its rows with it, and a cascade must not re-insert them). Existing entries are summed once here.
"""

import sqlalchemy as sa
from alembic import op

from agency import rls

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

STEPS = (5, 6, 10, 15)

FUNCTIONS = [
    """
CREATE FUNCTION time_month_usage_add(a bigint, w bigint, d date, sign integer, m integer) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO time_month_usage (agency_id, workspace_id, month, minutes, minutes_5, minutes_6, minutes_10, minutes_15)
  VALUES (a, w, date_trunc('month', d)::date, sign * m,
          sign * (ceil(m::numeric / 5) * 5)::bigint,
          sign * (ceil(m::numeric / 6) * 6)::bigint,
          sign * (ceil(m::numeric / 10) * 10)::bigint,
          sign * (ceil(m::numeric / 15) * 15)::bigint)
  ON CONFLICT (workspace_id, month) DO UPDATE SET
    minutes = time_month_usage.minutes + EXCLUDED.minutes,
    minutes_5 = time_month_usage.minutes_5 + EXCLUDED.minutes_5,
    minutes_6 = time_month_usage.minutes_6 + EXCLUDED.minutes_6,
    minutes_10 = time_month_usage.minutes_10 + EXCLUDED.minutes_10,
    minutes_15 = time_month_usage.minutes_15 + EXCLUDED.minutes_15
$$""",
    """
CREATE FUNCTION time_month_usage_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.billable THEN
    UPDATE time_month_usage SET
      minutes = minutes - OLD.minutes,
      minutes_5 = minutes_5 - (ceil(OLD.minutes::numeric / 5) * 5)::bigint,
      minutes_6 = minutes_6 - (ceil(OLD.minutes::numeric / 6) * 6)::bigint,
      minutes_10 = minutes_10 - (ceil(OLD.minutes::numeric / 10) * 10)::bigint,
      minutes_15 = minutes_15 - (ceil(OLD.minutes::numeric / 15) * 15)::bigint
    WHERE workspace_id = OLD.workspace_id AND month = date_trunc('month', OLD.work_date)::date;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.billable THEN
    PERFORM time_month_usage_add(NEW.agency_id, NEW.workspace_id, NEW.work_date, 1, NEW.minutes);
  END IF;
  RETURN NULL;
END
$$""",
    """
CREATE TRIGGER time_entries_month_usage
AFTER INSERT OR DELETE OR UPDATE OF minutes, billable, work_date, workspace_id ON time_entries
FOR EACH ROW EXECUTE FUNCTION time_month_usage_apply()""",
]

BACKFILL = """
INSERT INTO time_month_usage (agency_id, workspace_id, month, minutes, minutes_5, minutes_6, minutes_10, minutes_15)
SELECT agency_id, workspace_id, date_trunc('month', work_date)::date, sum(minutes),
       sum((ceil(minutes::numeric / 5) * 5)::bigint),
       sum((ceil(minutes::numeric / 6) * 6)::bigint),
       sum((ceil(minutes::numeric / 10) * 10)::bigint),
       sum((ceil(minutes::numeric / 15) * 15)::bigint)
FROM time_entries WHERE billable GROUP BY 1, 2, 3"""


def upgrade() -> None:
    op.create_table('time_month_usage',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('minutes', sa.BigInteger(), nullable=False),
    *[sa.Column(f'minutes_{s}', sa.BigInteger(), nullable=False) for s in STEPS],
    sa.Column('agency_id', sa.BigInteger(), nullable=False),
    sa.Column('workspace_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_time_month_usage_agency_id_agencies'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'],
                            name=op.f('fk_time_month_usage_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_time_month_usage')),
    sa.UniqueConstraint('workspace_id', 'month', name='uq_time_month_usage_workspace_month'),
    )
    op.create_index(op.f('ix_time_month_usage_agency_id'), 'time_month_usage', ['agency_id'], unique=False)
    op.create_index(op.f('ix_time_month_usage_workspace_id'), 'time_month_usage', ['workspace_id'], unique=False)
    for sql in rls.enable_statements('time_month_usage'):
        op.execute(sql)
    for sql in FUNCTIONS:
        op.execute(sql)
    op.execute(BACKFILL)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS time_entries_month_usage ON time_entries")
    op.execute("DROP FUNCTION IF EXISTS time_month_usage_apply()")
    op.execute("DROP FUNCTION IF EXISTS time_month_usage_add(bigint, bigint, date, integer, integer)")
    for sql in rls.disable_statements('time_month_usage'):
        op.execute(sql)
    op.drop_index(op.f('ix_time_month_usage_workspace_id'), table_name='time_month_usage')
    op.drop_index(op.f('ix_time_month_usage_agency_id'), table_name='time_month_usage')
    op.drop_table('time_month_usage')
