"""Template globals through which this package's slot templates appear on the inbox's pages.

The inbox renders ``{% for t in slot("thread.composer") %}{% include t %}{% endfor %}`` and knows
nothing of us; our templates call these globals for their data (cached per request on ``g``).
"""

from __future__ import annotations

from flask import Flask, g, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from agency import db
from agency.accounts.tenancy import visible_workspace_ids
from agency.community import queries
from agency.community.forms import EMOJI_LABELS, EscalateForm
from agency.community.markup import render_markdown
from agency.community.placeholders import PLACEHOLDERS
from agency.community.services import engagement
from agency.community.services.storms import recent_signal


def community_assets() -> Markup:
    """The stylesheet and script of the slot templates, once per page."""
    if g.get("community_assets_done"):
        return Markup("")
    g.community_assets_done = True
    return Markup('<link rel="stylesheet" href="{}"><script src="{}" defer></script>').format(
        url_for("static", filename="css/community.css"), url_for("static", filename="js/community.js"))


def community_panel(workspace, interaction) -> dict:
    """Tone guide, persona, experts, escalations, settings and the open incident for a thread."""
    cache = g.setdefault("community_panels", {})
    key = (workspace.id, interaction.id)
    if key not in cache:
        panel = queries.thread_panel(workspace, interaction)
        form = EscalateForm()
        form.expert.choices = [(str(e.id), e.name) for e in panel.experts]
        cache[key] = {"panel": panel, "escalate_form": form,
                      "guide_html": render_markdown(panel.guide.guide_markdown) if panel.guide else Markup(""),
                      "emoji_labels": EMOJI_LABELS, "placeholders": PLACEHOLDERS}
    return cache[key]


def community_banner(workspace=None) -> list[dict]:
    """Open incidents (and fresh warnings) for the workspace, or for every workspace the user sees."""
    if not current_user.is_authenticated or not current_user.is_staff:
        return []
    ids = [workspace.id] if workspace is not None else sorted(visible_workspace_ids())
    banners = []
    incidents = {i.workspace_id: i for i in queries.open_incidents(ids)}
    names = {}
    if len(ids) > 1 and incidents:
        from agency.accounts.models import Workspace

        names = {w.id: w for w in db.session.scalars(select(Workspace).where(Workspace.id.in_(list(incidents))))}
    for workspace_id, incident in incidents.items():
        ws = workspace if workspace is not None else names.get(workspace_id)
        if ws is not None:
            banners.append({"kind": "incident", "workspace": ws, "incident": incident})
    if workspace is not None and workspace.id not in incidents:
        signal = recent_signal(workspace.id)
        if signal is not None and signal.suppressed != "snoozed":
            banners.append({"kind": "warning", "workspace": workspace, "signal": signal})
    return banners


def community_opportunities(workspace) -> int:
    """How many engagement opportunities wait in a workspace (for the inbox's side link)."""
    if workspace is None:
        return 0
    return len(engagement.positive_unanswered(workspace.id, limit=100))


def init_app(app: Flask) -> None:
    app.add_template_global(db.utcnow, "now_utc")
    app.add_template_global(community_assets)
    app.add_template_global(community_panel)
    app.add_template_global(community_banner)
    app.add_template_global(community_opportunities)


