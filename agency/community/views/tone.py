"""The tone of voice of a workspace: /w/<workspace>/settings/tone."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from agency import db
from agency.accounts.tenancy import workspace_or_404
from agency.accounts.views.helpers import apply_validation_error, client_ip, permission_required
from agency.community.forms import EMOJI_LABELS, ToneForm
from agency.community.markup import render_markdown
from agency.community.placeholders import PLACEHOLDERS
from agency.community.services import voice
from agency.community.views import bp
from agency.community.views.helpers import lines, may_manage, require_manage
from agency.errors import ValidationError

CODE_LABELS = {"address_form": _l("address form"), "banned_word": _l("words to avoid"), "signature": _l("signature"),
               "length": _l("length"), "emoji": _l("emoji"), "language": _l("language")}


def _page(ws, form, guide, status=200):
    sent = voice.sent_reply_summary(ws.id, db.utcnow() - timedelta(days=30))
    return render_template("community/tone.html", workspace=ws, form=form, guide=guide,
                           signature=voice.signature_of(guide), guide_html=render_markdown(guide.guide_markdown),
                           can_edit=may_manage(), emoji_labels=EMOJI_LABELS, placeholders=PLACEHOLDERS, sent=sent,
                           code_labels=CODE_LABELS), status


@bp.route("/w/<workspace>/settings/tone", methods=["GET", "POST"])
@permission_required("inbox.work", hide=True)
def tone_settings(workspace: str):
    ws = workspace_or_404(workspace)
    guide = voice.guide_of(ws.id) or voice.default_guide(ws)
    if request.method == "POST":
        require_manage()
        form = ToneForm()
        if form.validate():
            try:
                voice.save_guide(
                    current_user, ws, address_form=form.address_form.data, persona_name=form.persona_name.data or "",
                    persona_role=form.persona_role.data or "", signature_template=form.signature_template.data or "",
                    preferred_words=lines(form.preferred_words.data),
                    banned=voice.parse_banned(lines(form.banned.data)),
                    brands=lines(form.brands.data), emoji_policy=form.emoji_policy.data,
                    typical_length=form.typical_length.data, guide_markdown=form.guide_markdown.data or "",
                    ip=client_ip())
                flash(_("Tone of voice saved."), "success")
                return redirect(url_for("community.tone_settings", workspace=ws.slug))
            except ValidationError as err:
                apply_validation_error(form, err)
        return _page(ws, form, guide, 400)
    form = ToneForm(data={
        "address_form": ws.address_form, "persona_name": guide.persona_name, "persona_role": guide.persona_role,
        "signature_template": guide.signature_template, "preferred_words": "\n".join(guide.preferred_words or []),
        "banned": "\n".join(f"{b['phrase']} -> {b.get('suggestion') or ''}".rstrip(" ->")
                            for b in guide.banned or []),
        "brands": "\n".join(guide.brands or []), "emoji_policy": guide.emoji_policy,
        "typical_length": guide.typical_length, "guide_markdown": guide.guide_markdown})
    return _page(ws, form, guide)
