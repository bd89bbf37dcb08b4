"""The channels page of a workspace: connect (token or OAuth), pause/resume, sync now, disconnect."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from agency import db
from agency.accounts.forms import EmptyForm
from agency.accounts.models import Workspace
from agency.accounts.tenancy import get_scoped_or_404, workspace_or_404
from agency.accounts.views.helpers import apply_validation_error, client_ip, permission_required, staff_required
from agency.channels import queries, services
from agency.channels.access import expiry_from
from agency.channels.connectors import CONNECTORS, oauth
from agency.channels.connectors.base import ConnectorError
from agency.channels.forms import PLATFORM_LABELS, ChannelForm, PickAccountForm
from agency.channels.models import Channel
from agency.errors import ValidationError

bp = Blueprint("channels", __name__, url_prefix="/w/<workspace>/channels")
oauth_bp = Blueprint("channels_oauth", __name__, url_prefix="/channels/oauth")

OAUTH_STATE_MAX_AGE = 900


@bp.url_value_preprocessor
def _load_workspace(endpoint, values):
    values["ws"] = workspace_or_404(values.pop("workspace"))


@bp.url_defaults
def _add_workspace(endpoint, values):
    from flask import g

    if "workspace" not in values and g.get("workspace") is not None:
        values["workspace"] = g.workspace.slug


def _channel(ws, channel_id: int) -> Channel:
    channel = get_scoped_or_404(Channel, channel_id)
    if channel.workspace_id != ws.id:
        abort(404)
    return channel


def _render(ws, form: ChannelForm | None = None, status: int = 200):
    channels = queries.channels_of_workspace(ws.id)
    config = current_app.config["AGENCY"]
    return render_template("channels/index.html", workspace=ws, channels=channels, form=form or ChannelForm(),
                           labels=PLATFORM_LABELS, empty_form=EmptyForm(), counts=queries.interaction_counts(ws.id),
                           meta_oauth=bool(config.meta_app_id and config.meta_app_secret),
                           google_oauth=bool(config.google_client_id and config.google_client_secret)), status


@bp.route("/")
@staff_required
def index(ws):
    return _render(ws)


@bp.route("/", methods=["POST"])
@permission_required("channels.manage")
def add(ws):
    form = ChannelForm()
    if form.validate():
        try:
            channel = services.connect_channel(
                current_user, ws, platform=form.platform.data, account_id=form.account_id.data,
                token=form.token.data, name=form.name.data or "", backfill_days=form.backfill_days.data,
                sync_interval_seconds=form.sync_interval.data, ip=client_ip())
            flash(_("%(name)s is connected. Its history is being fetched now.", name=channel.name), "success")
            return redirect(url_for("channels.index"))
        except ValidationError as err:
            apply_validation_error(form, err)
    return _render(ws, form, 400)


@bp.route("/<int:channel_id>/pause", methods=["POST"])
@permission_required("channels.manage", hide=True)
def pause(ws, channel_id: int):
    channel = _channel(ws, channel_id)
    if not EmptyForm().validate():
        abort(400)
    paused = request.form.get("paused", "1") != "0"
    services.set_paused(current_user, channel, paused, ip=client_ip())
    flash(_("%(name)s is paused.", name=channel.name) if paused else _("%(name)s is syncing again.",
                                                                        name=channel.name), "success")
    return redirect(url_for("channels.index"))


@bp.route("/<int:channel_id>/sync", methods=["POST"])
@staff_required
def sync_now(ws, channel_id: int):
    channel = _channel(ws, channel_id)
    if not EmptyForm().validate():
        abort(400)
    if services.request_sync(current_user, channel):
        flash(_("Checking %(name)s for new items now.", name=channel.name), "success")
    else:
        flash(_("%(name)s cannot sync while it is paused or waiting to be reconnected.", name=channel.name),
              "warning")
    return redirect(url_for("channels.index"))


@bp.route("/<int:channel_id>/disconnect", methods=["POST"])
@permission_required("channels.manage", hide=True)
def disconnect(ws, channel_id: int):
    channel = _channel(ws, channel_id)
    if not EmptyForm().validate():
        abort(400)
    name = channel.name
    services.disconnect(current_user, channel, ip=client_ip())
    flash(_("%(name)s is disconnected. Its conversations stay in the inbox.", name=name), "success")
    return redirect(url_for("channels.index"))


# --- OAuth -------------------------------------------------------------------------------

def _callback_url() -> str:
    """Where the platform sends the user back: under PUBLIC_URL when set (what the platform has registered)."""
    if current_app.config["AGENCY"].public_url:
        from agency.mail import absolute_url

        return absolute_url(url_for("channels_oauth.callback"))
    return url_for("channels_oauth.callback", _external=True)


def _state_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="channel-oauth")


@bp.route("/connect/<provider>", methods=["POST"])
@permission_required("channels.manage", hide=True)
def oauth_start(ws, provider: str):
    """Send the user to the platform's consent screen; the state ties the answer to this session.

    The answer is a small page of ours that navigates to the consent screen, not a redirect:
    the CSP's ``form-action 'self'`` also covers every redirect after a form submission, so
    browsers block a 302 from this POST to the platform. Widening ``form-action`` would have to
    name every host the platforms' logins pass through (m.facebook.com, regional Google hosts …)
    and a GET link would carry the CSRF token in its URL; a page that navigates keeps the POST
    with its CSRF check and leaves the CSP of every page as it is (CSP does not restrict a
    navigation a page starts itself).
    """
    config = current_app.config["AGENCY"]
    if provider not in ("meta", "google") or not EmptyForm().validate():
        abort(404)
    nonce = secrets.token_urlsafe(16)
    session["oauth_nonce"] = nonce
    state = _state_serializer().dumps({"w": ws.id, "p": provider, "n": nonce})
    redirect_uri = _callback_url()
    if provider == "meta":
        if not (config.meta_app_id and config.meta_app_secret):
            abort(404)
        target = oauth.meta_authorize_url(config.meta_app_id, redirect_uri, state, dialog_base=config.meta_dialog_base)
    else:
        if not (config.google_client_id and config.google_client_secret):
            abort(404)
        target = oauth.google_authorize_url(config.google_client_id, redirect_uri, state,
                                            authorize_base=config.google_oauth_base)
    response = current_app.make_response(render_template(
        "channels/oauth_continue.html", workspace=ws, target=target,
        platform_name="Facebook / Instagram" if provider == "meta" else "Google / YouTube"))
    response.headers["Cache-Control"] = "no-store"
    return response


@oauth_bp.route("/callback", methods=["GET", "POST"])
@permission_required("channels.manage")
def callback():
    """The platform sends the user back here: exchange the code, let them pick the account(s)."""
    config = current_app.config["AGENCY"]
    try:
        state = _state_serializer().loads(request.values.get("state", ""), max_age=OAUTH_STATE_MAX_AGE)
    except BadSignature:
        abort(400)
    if state.get("n") != session.get("oauth_nonce"):
        abort(400)
    ws = get_scoped_or_404(Workspace, state["w"])
    workspace_or_404(ws.slug)
    provider = state["p"]
    form = PickAccountForm()
    if request.method == "GET":
        if request.args.get("error") or not request.args.get("code"):
            flash(_("The connection was cancelled on the platform."), "warning")
            return redirect(url_for("channels.index", workspace=ws.slug))
        redirect_uri = _callback_url()
        try:
            accounts = _oauth_accounts(config, provider, request.args["code"], redirect_uri)
        except ConnectorError as err:
            flash(_("The platform did not let us connect: %(error)s", error=str(err)), "error")
            return redirect(url_for("channels.index", workspace=ws.slug))
        if not accounts:
            flash(_("This login manages no page, location or channel we could connect."), "warning")
            return redirect(url_for("channels.index", workspace=ws.slug))
        session["oauth_accounts"] = accounts
        form.account.data = ""
    accounts = session.get("oauth_accounts") or []
    connected = _connected_where(ws, accounts)
    form.account.choices = [_account_choice(i, a, connected.get(i), ws) for i, a in enumerate(accounts)]
    if request.method == "POST" and form.validate():
        chosen = accounts[int(form.account.data)]
        expires_at = chosen.get("expires_at")
        try:
            channel = services.connect_channel(current_user, ws, platform=chosen["platform"],
                                               account_id=chosen["account_id"], token=chosen["token"],
                                               refresh_token=chosen.get("refresh_token"), name=chosen["name"],
                                               token_expires_at=datetime.fromisoformat(expires_at)
                                               if expires_at else None, ip=client_ip())
        except ValidationError as err:
            flash(err.message, "error")
            return redirect(url_for("channels.index", workspace=ws.slug))
        session.pop("oauth_accounts", None)
        session.pop("oauth_nonce", None)
        flash(_("%(name)s is connected. Its history is being fetched now.", name=channel.name), "success")
        return redirect(url_for("channels.index", workspace=ws.slug))
    status = 400 if request.method == "POST" else 200
    already = [(PLATFORM_LABELS[a["platform"]], a["name"], connected[i]) for i, a in enumerate(accounts)
               if i in connected]
    return render_template("channels/pick_account.html", form=form, workspace=ws, already=already,
                           state=request.values.get("state", "")), status


def _connected_where(ws: Workspace, accounts: list[dict]) -> dict[int, Workspace]:
    """For each offered account already connected in this agency: the workspace it is connected to."""
    channels = queries.channels_of_accounts(ws.agency_id, [a["account_id"] for a in accounts])
    workspace_of = {(c.platform, c.external_account_id): c.workspace_id for c in channels}
    workspaces = {w.id: w for w in db.session.scalars(select(Workspace).where(
        Workspace.agency_id == ws.agency_id, Workspace.id.in_(set(workspace_of.values()))))} if channels else {}
    found: dict[int, Workspace] = {}
    for index, account in enumerate(accounts):
        workspace_id = workspace_of.get((account["platform"], account["account_id"]))
        if workspace_id in workspaces:
            found[index] = workspaces[workspace_id]
    return found


def _account_choice(index: int, account: dict, connected_to: Workspace | None, ws: Workspace) -> tuple:
    """An option of the picker; accounts connected to another workspace are shown but cannot be chosen."""
    label = f"{PLATFORM_LABELS[account['platform']]}: {account['name']}"
    if connected_to is None:
        return str(index), label
    if connected_to.id == ws.id:
        return str(index), _("%(label)s (connected here; choosing it renews the access)", label=label)
    return str(index), _("%(label)s (already connected to %(workspace)s)", label=label,
                         workspace=connected_to.name), {"disabled": True}


def _oauth_accounts(config, provider: str, code: str, redirect_uri: str) -> list[dict]:
    """Every account the granted token manages, as choices for the user (ids of an unknown form are left out)."""
    return [a for a in _platform_accounts(config, provider, code, redirect_uri)
            if CONNECTORS[a["platform"]].valid_account_id(a["account_id"])]


def _platform_accounts(config, provider: str, code: str, redirect_uri: str) -> list[dict]:
    if provider == "meta":
        token = oauth.meta_exchange_code(code, config.meta_app_id, config.meta_app_secret, redirect_uri,
                                         graph_base=config.meta_graph_base)["access_token"]
        found = []
        for page in oauth.meta_list_pages(token, graph_base=config.meta_graph_base):
            found.append({"platform": "facebook_page", "account_id": page["id"], "name": page["name"],
                          "token": page["access_token"]})
            ig = page.get("instagram_business_account")
            if ig:
                found.append({"platform": "instagram_business", "account_id": ig["id"],
                              "name": ig.get("username") or page["name"], "token": page["access_token"]})
        return found
    tokens = oauth.google_exchange_code(code, config.google_client_id, config.google_client_secret, redirect_uri,
                                        token_url=config.google_token_url)
    access_token = tokens["access_token"]
    expires_at = expiry_from(tokens.get("expires_in"), db.utcnow())
    grant = {"token": access_token, "refresh_token": tokens.get("refresh_token"),
             "expires_at": expires_at.isoformat() if expires_at else None}
    found = [{"platform": "google_business_profile", "account_id": loc["account_id"], "name": loc["name"], **grant}
             for loc in oauth.google_list_locations(access_token, accounts_base=config.google_accounts_base,
                                                    info_base=config.google_info_base)]
    found += [{"platform": "youtube_channel", "account_id": ch["account_id"], "name": ch["name"], **grant}
              for ch in oauth.youtube_list_channels(access_token, youtube_base=config.youtube_api_base)]
    return found
