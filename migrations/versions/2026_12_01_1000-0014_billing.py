"""Billing: the agency's legal details and invoice counter, hourly rates with valid-from dates, each client's
billing model, invoices and their lines (all under row-level security), and the Stripe events seen.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 12:00:00

Written by hand.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from agency import rls

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

TENANT_TABLES = ('billing_agency_details', 'billing_rates', 'billing_workspace_settings', 'billing_invoices',
                 'billing_invoice_lines')


def upgrade() -> None:
    op.create_table('billing_stripe_events',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_stripe_events'))
    )
    op.create_table('billing_agency_details',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('legal_name', sa.String(length=200), server_default='', nullable=False),
    sa.Column('street', sa.String(length=200), server_default='', nullable=False),
    sa.Column('postcode', sa.String(length=20), server_default='', nullable=False),
    sa.Column('city', sa.String(length=100), server_default='', nullable=False),
    sa.Column('country', sa.String(length=2), server_default='DE', nullable=False),
    sa.Column('tax_number', sa.String(length=40), server_default='', nullable=False),
    sa.Column('vat_id', sa.String(length=20), server_default='', nullable=False),
    sa.Column('email', sa.String(length=320), server_default='', nullable=False),
    sa.Column('bank_name', sa.String(length=100), server_default='', nullable=False),
    sa.Column('iban', sa.String(length=34), server_default='', nullable=False),
    sa.Column('bic', sa.String(length=11), server_default='', nullable=False),
    sa.Column('footer', sa.String(length=1000), server_default='', nullable=False),
    sa.Column('number_prefix', sa.String(length=12), server_default='RE-', nullable=False),
    sa.Column('payment_days', sa.Integer(), server_default=sa.text('14'), nullable=False),
    sa.Column('last_number', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('agency_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('last_number >= 0', name=op.f('ck_billing_agency_details_last_number_positive')),
    sa.CheckConstraint('payment_days BETWEEN 0 AND 120', name=op.f('ck_billing_agency_details_payment_days_range')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_billing_agency_details_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_agency_details')),
    sa.UniqueConstraint('agency_id', name='uq_billing_agency_details_agency')
    )
    op.create_index(op.f('ix_billing_agency_details_agency_id'), 'billing_agency_details', ['agency_id'], unique=False)
    op.create_table('billing_invoices',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=12), server_default='invoice', nullable=False),
    sa.Column('state', sa.String(length=10), server_default='draft', nullable=False),
    sa.Column('number', sa.String(length=40), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), server_default='EUR', nullable=False),
    sa.Column('locale', sa.String(length=5), server_default='de', nullable=False),
    sa.Column('vat_rate', sa.Integer(), nullable=False),
    sa.Column('reverse_charge', sa.Boolean(), nullable=False),
    sa.Column('net_cents', sa.BigInteger(), nullable=False),
    sa.Column('vat_cents', sa.BigInteger(), nullable=False),
    sa.Column('gross_cents', sa.BigInteger(), nullable=False),
    sa.Column('cancels_id', sa.BigInteger(), nullable=True),
    sa.Column('seller', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('buyer', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('finalised_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finalised_by_id', sa.BigInteger(), nullable=True),
    sa.Column('send_state', sa.String(length=10), server_default='not_sent', nullable=False),
    sa.Column('send_error', sa.String(length=500), server_default='', nullable=False),
    sa.Column('stripe_invoice_id', sa.String(length=64), nullable=True),
    sa.Column('stripe_status', sa.String(length=16), nullable=True),
    sa.Column('stripe_hosted_url', sa.String(length=500), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('workspace_id', sa.BigInteger(), nullable=False),
    sa.Column('agency_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind in ('invoice','cancellation')", name=op.f('ck_billing_invoices_kind_known')),
    sa.CheckConstraint("send_state in ('not_sent','sending','sent','failed')", name=op.f('ck_billing_invoices_send_state_known')),
    sa.CheckConstraint("state = 'draft' OR (number IS NOT NULL AND issued_on IS NOT NULL)", name=op.f('ck_billing_invoices_final_numbered')),
    sa.CheckConstraint("state in ('draft','final','cancelled')", name=op.f('ck_billing_invoices_state_known')),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_billing_invoices_period_valid')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_billing_invoices_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cancels_id'], ['billing_invoices.id'], name=op.f('fk_billing_invoices_cancels_id_billing_invoices'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['finalised_by_id'], ['users.id'], name=op.f('fk_billing_invoices_finalised_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_billing_invoices_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_invoices')),
    sa.UniqueConstraint('agency_id', 'number', name='uq_billing_invoices_agency_number')
    )
    op.create_index(op.f('ix_billing_invoices_agency_id'), 'billing_invoices', ['agency_id'], unique=False)
    op.create_index('ix_billing_invoices_stripe', 'billing_invoices', ['stripe_invoice_id'], unique=True, postgresql_where=sa.text('stripe_invoice_id IS NOT NULL'))
    op.create_index(op.f('ix_billing_invoices_workspace_id'), 'billing_invoices', ['workspace_id'], unique=False)
    op.create_index('ix_billing_invoices_workspace_period', 'billing_invoices', ['workspace_id', 'period_start'], unique=False)
    op.create_table('billing_rates',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('workspace_id', sa.BigInteger(), nullable=True),
    sa.Column('activity_id', sa.BigInteger(), nullable=True),
    sa.Column('user_id', sa.BigInteger(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('cents_per_hour', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('cents_per_hour BETWEEN 0 AND 10000000', name=op.f('ck_billing_rates_cents_range')),
    sa.CheckConstraint('user_id IS NULL OR activity_id IS NULL', name=op.f('ck_billing_rates_user_or_activity')),
    sa.CheckConstraint('user_id IS NULL OR workspace_id IS NOT NULL', name=op.f('ck_billing_rates_user_within_workspace')),
    sa.ForeignKeyConstraint(['activity_id'], ['time_activities.id'], name=op.f('fk_billing_rates_activity_id_time_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_billing_rates_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_billing_rates_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_billing_rates_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_rates')),
    sa.UniqueConstraint('agency_id', 'workspace_id', 'activity_id', 'user_id', 'valid_from', name='uq_billing_rates_scope_from', postgresql_nulls_not_distinct=True)
    )
    op.create_index(op.f('ix_billing_rates_agency_id'), 'billing_rates', ['agency_id'], unique=False)
    op.create_index(op.f('ix_billing_rates_workspace_id'), 'billing_rates', ['workspace_id'], unique=False)
    op.create_table('billing_workspace_settings',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('model', sa.String(length=10), server_default='hourly', nullable=False),
    sa.Column('fee_cents', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('overage_cents_per_hour', sa.Integer(), nullable=True),
    sa.Column('vat_rate', sa.Integer(), server_default=sa.text('1900'), nullable=False),
    sa.Column('reverse_charge', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('grouping', sa.String(length=10), server_default='activity', nullable=False),
    sa.Column('client_name', sa.String(length=200), server_default='', nullable=False),
    sa.Column('client_street', sa.String(length=200), server_default='', nullable=False),
    sa.Column('client_postcode', sa.String(length=20), server_default='', nullable=False),
    sa.Column('client_city', sa.String(length=100), server_default='', nullable=False),
    sa.Column('client_country', sa.String(length=2), server_default='DE', nullable=False),
    sa.Column('client_vat_id', sa.String(length=20), server_default='', nullable=False),
    sa.Column('billing_email', sa.String(length=320), server_default='', nullable=False),
    sa.Column('stripe_customer_id', sa.String(length=64), nullable=True),
    sa.Column('workspace_id', sa.BigInteger(), nullable=False),
    sa.Column('agency_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("NOT reverse_charge OR (vat_rate = 0 AND client_vat_id <> '')", name=op.f('ck_billing_workspace_settings_reverse_charge_vat')),
    sa.CheckConstraint("grouping in ('activity','staff')", name=op.f('ck_billing_workspace_settings_grouping_known')),
    sa.CheckConstraint("model in ('hourly','retainer','fixed')", name=op.f('ck_billing_workspace_settings_model_known')),
    sa.CheckConstraint('fee_cents BETWEEN 0 AND 100000000', name=op.f('ck_billing_workspace_settings_fee_range')),
    sa.CheckConstraint('overage_cents_per_hour IS NULL OR overage_cents_per_hour BETWEEN 0 AND 10000000', name=op.f('ck_billing_workspace_settings_overage_range')),
    sa.CheckConstraint('vat_rate in (1900, 700, 0)', name=op.f('ck_billing_workspace_settings_vat_rate_known')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_billing_workspace_settings_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_billing_workspace_settings_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_workspace_settings')),
    sa.UniqueConstraint('workspace_id', name='uq_billing_workspace_settings_workspace')
    )
    op.create_index(op.f('ix_billing_workspace_settings_agency_id'), 'billing_workspace_settings', ['agency_id'], unique=False)
    op.create_index(op.f('ix_billing_workspace_settings_workspace_id'), 'billing_workspace_settings', ['workspace_id'], unique=False)
    op.create_table('billing_invoice_lines',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('invoice_id', sa.BigInteger(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_cents', sa.BigInteger(), nullable=False),
    sa.Column('net_cents', sa.BigInteger(), nullable=False),
    sa.Column('activity_id', sa.BigInteger(), nullable=True),
    sa.Column('user_id', sa.BigInteger(), nullable=True),
    sa.Column('entry_ids', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('workspace_id', sa.BigInteger(), nullable=False),
    sa.Column('agency_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("kind in ('time','retainer','overage','fixed','manual','discount')", name=op.f('ck_billing_invoice_lines_kind_known')),
    sa.CheckConstraint('quantity BETWEEN -1000000 AND 1000000', name=op.f('ck_billing_invoice_lines_quantity_range')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_billing_invoice_lines_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invoice_id'], ['billing_invoices.id'], name=op.f('fk_billing_invoice_lines_invoice_id_billing_invoices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_billing_invoice_lines_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_invoice_lines'))
    )
    op.create_index(op.f('ix_billing_invoice_lines_agency_id'), 'billing_invoice_lines', ['agency_id'], unique=False)
    op.create_index(op.f('ix_billing_invoice_lines_invoice_id'), 'billing_invoice_lines', ['invoice_id'], unique=False)
    op.create_index(op.f('ix_billing_invoice_lines_workspace_id'), 'billing_invoice_lines', ['workspace_id'], unique=False)
    for table in TENANT_TABLES:
        for statement in rls.enable_statements(table):
            op.execute(statement)


def downgrade() -> None:
    for table in reversed(TENANT_TABLES):
        for statement in rls.disable_statements(table):
            op.execute(statement)
    op.drop_index(op.f('ix_billing_invoice_lines_workspace_id'), table_name='billing_invoice_lines')
    op.drop_index(op.f('ix_billing_invoice_lines_invoice_id'), table_name='billing_invoice_lines')
    op.drop_index(op.f('ix_billing_invoice_lines_agency_id'), table_name='billing_invoice_lines')
    op.drop_table('billing_invoice_lines')
    op.drop_index(op.f('ix_billing_workspace_settings_workspace_id'), table_name='billing_workspace_settings')
    op.drop_index(op.f('ix_billing_workspace_settings_agency_id'), table_name='billing_workspace_settings')
    op.drop_table('billing_workspace_settings')
    op.drop_index(op.f('ix_billing_rates_workspace_id'), table_name='billing_rates')
    op.drop_index(op.f('ix_billing_rates_agency_id'), table_name='billing_rates')
    op.drop_table('billing_rates')
    op.drop_index('ix_billing_invoices_workspace_period', table_name='billing_invoices')
    op.drop_index(op.f('ix_billing_invoices_workspace_id'), table_name='billing_invoices')
    op.drop_index('ix_billing_invoices_stripe', table_name='billing_invoices', postgresql_where=sa.text('stripe_invoice_id IS NOT NULL'))
    op.drop_index(op.f('ix_billing_invoices_agency_id'), table_name='billing_invoices')
    op.drop_table('billing_invoices')
    op.drop_index(op.f('ix_billing_agency_details_agency_id'), table_name='billing_agency_details')
    op.drop_table('billing_agency_details')
    op.drop_table('billing_stripe_events')

