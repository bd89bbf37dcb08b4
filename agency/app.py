"""create_app(config): wiring only — settings, extensions, blueprints, request hooks."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from flask import (
    Flask,
    flash,
    g,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from agency import audit, crypto, db, embedded, queue, web, wiring
from agency.config import Config
from agency.extensions import babel, csrf, limiter, login_manager

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)

#: The one list of packages, lowest first (DESIGN.md §2). Each wires itself in its ``init_app``.
PACKAGES = ("audit", "accounts", "channels", "inbox", "sla", "community", "moderation", "people",
            "timetracking", "billing",
            "reports", "privacy", "dashboard", "portal", "api")

# Endpoints a user who still has to set up required 2FA may reach.
_2FA_SETUP_ENDPOINTS = {"accounts.profile_2fa_setup", "accounts.profile_recovery_codes", "accounts.logout",
                        "static", "healthz"}

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def create_app(config: Config | None = None) -> Flask:
    """Build the Flask app for ``config`` (default: from the environment)."""
    config = config or Config.from_env()
    config = embedded.resolve_service_urls(config)
    app = Flask("agency", template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"),
                instance_path=str(config.instance_dir))
    web.install(app)
    web.install_proxy_fix(app, config.trusted_proxies)
    app.config.update(
        AGENCY=config,
        SECRET_KEY=config.resolved_secret_key(),
        MAX_CONTENT_LENGTH=config.max_content_length,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=config.session_lifetime_hours),
        SESSION_COOKIE_NAME="agency_session",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the (server-side) session
        BABEL_DEFAULT_LOCALE="de",
        BABEL_DEFAULT_TIMEZONE="UTC",
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "translations"),
        RATELIMIT_STORAGE_URI=_limiter_storage_uri(config.redis_url),
        RATELIMIT_KEY_PREFIX="agency-limits",
        RATELIMIT_SWALLOW_ERRORS=False,
        TESTING=config.testing,
    )
    db.init_engine(config.database_url)
    queue.init_redis(config.redis_url)
    crypto.configure(config.resolved_encryption_keys())

    from agency.accounts.sessions import RedisSessionInterface

    app.session_interface = RedisSessionInterface()
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=_select_timezone)
    limiter.init_app(app)

    init_packages(app)
    if config.demo_staff:
        from agency import demo_history

        demo_history.init_app(app)

    _register_hooks(app)
    _register_errors(app)
    return app


def init_packages(app: Flask) -> None:
    """Call every package's ``init_app`` in the order of ``PACKAGES``."""
    from importlib import import_module

    registry = wiring.of(app)
    for name in PACKAGES:
        import_module(f"agency.{name}").init_app(app)
        registry.packages.append(name)


def _limiter_storage_uri(redis_url: str) -> str:
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://"):]
    return redis_url


def _select_locale() -> str:
    if not has_request_context():  # jobs and the CLI: callers use force_locale for a recipient
        return "de"
    if current_user and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    best = request.accept_languages.best_match(["de", "en"])
    if best:
        return best
    agency = g.get("agency")
    return agency.default_locale if agency is not None else "de"


def _select_timezone() -> str:
    if not has_request_context():
        return "UTC"
    workspace = g.get("workspace")
    if workspace is not None:
        return workspace.timezone
    agency = g.get("agency")
    return agency.timezone if agency is not None else "Europe/Berlin"


def _register_hooks(app: Flask) -> None:
    from agency.accounts.tenancy import resolve_tenant
    from agency.accounts.views.admin import nav_context

    app.url_value_preprocessor(resolve_tenant)

    @app.before_request
    def _tenant_and_2fa():
        resolve_tenant()
        user = current_user
        if (user and user.is_authenticated and user.is_staff and user.agency.require_2fa and not user.has_2fa
                and request.endpoint not in _2FA_SETUP_ENDPOINTS):
            flash(_("Your agency requires two-factor authentication. Please set it up now."), "warning")
            return redirect(url_for("accounts.profile_2fa_setup"))
        return None

    @app.after_request
    def _commit_and_secure(response):
        # One commit per request, at the edge; errors roll back.
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        audit.write_deferred()  # events that stay whatever became of the request (a failed login)
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if current_user and current_user.is_authenticated:
            headers.setdefault("Cache-Control", "no-store")
        return response

    @app.teardown_appcontext
    def _remove_session(exc):
        if exc is not None:
            db.session.rollback()
        db.session.remove()

    app.context_processor(nav_context)

    @app.context_processor
    def _domain_nav():
        from agency.accounts.permissions import can

        registry = wiring.of(app)
        items = []
        if current_user and current_user.is_authenticated and current_user.is_staff:
            for item in registry.nav:
                if can(current_user, item.permission):
                    items.append({"label": item.label, "url": url_for(item.endpoint),
                                  "endpoint_prefix": item.endpoint.split(".", 1)[0] + "."})
        return {"nav_items": items, "workspace_links": registry.workspace_links,
                "slot": lambda name: registry.slots.get(name, ())}

    @app.template_filter("since")
    def _since(moment):
        from flask_babel import format_timedelta

        return format_timedelta(db.utcnow() - moment, granularity="minute", threshold=1.0)

    @app.template_filter("dict_without")
    def _dict_without(mapping, *keys):
        return {k: v for k, v in mapping.items() if k not in keys}

    @app.route("/branding.css")
    def branding_css():
        # The agency colour as a stylesheet: our CSP allows no inline styles.
        agency = g.get("agency")
        color = agency.primary_color if agency is not None else "#2f5d8a"
        session.modified = False
        return app.response_class(f":root {{ --brand: {color}; }}\n", mimetype="text/css",
                                  headers={"Cache-Control": "private, max-age=60"})

    @app.context_processor
    def _branding():
        agency = g.get("agency")
        return {"brand_color": agency.primary_color if agency is not None else "#2f5d8a",
                "agency": agency, "session_locale": _select_locale()}

    @app.route("/favicon.ico")
    @limiter.exempt
    def favicon():
        # Pages link the SVG icon; this answers the browsers and tools that ask for the classic path.
        session.modified = False
        return app.send_static_file("favicon.ico")

    @app.route("/healthz")
    @limiter.exempt
    def healthz():
        state = {"database": "ok", "redis": "ok"}
        try:
            db.session.execute(text("select 1"))
        except Exception as exc:  # report, never raise: this is what monitoring reads
            state["database"] = f"error: {type(exc).__name__}"
        try:
            queue.get_redis().ping()
        except Exception as exc:
            state["redis"] = f"error: {type(exc).__name__}"
        healthy = all(v == "ok" for v in state.values())
        session.modified = False
        return jsonify(status="ok" if healthy else "degraded", **state), 200 if healthy else 503


def _register_errors(app: Flask) -> None:
    def wants_json() -> bool:
        return request.path.startswith(("/api/", "/webhooks/")) or (
            request.accept_mimetypes.best == "application/json")

    @app.errorhandler(CSRFError)
    def _csrf(err: CSRFError):
        if wants_json():
            return jsonify(error={"code": "csrf", "message": err.description, "fields": {}}), 400
        return render_template("errors/error.html", code=400, title=_("The form has expired"),
                               message=_("Please go back, reload the page and try again.")), 400

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        code = err.code or 500
        if wants_json():
            return jsonify(error={"code": err.name.lower().replace(" ", "_"), "message": err.description,
                                  "fields": {}}), code
        titles = {
            400: _("Bad request"), 403: _("Not allowed"), 404: _("Page not found"),
            405: _("Not allowed"), 413: _("Too large"), 429: _("Too many attempts"),
        }
        messages = {
            400: _("The request could not be understood. Please check your input."),
            403: _("Your role does not allow this. Ask an administrator if you need access."),
            404: _("This page does not exist, or you do not have access to it."),
            405: _("This action is not available here."),
            413: _("The upload is too large."),
            429: _("Too many attempts. Please wait a few minutes and try again."),
        }
        template = "errors/404.html" if code == 404 else "errors/error.html"
        return render_template(template, code=code, title=titles.get(code, err.name),
                               message=messages.get(code, err.description)), code

    @app.errorhandler(IntegrityError)
    def _concurrent_write(err: IntegrityError):
        # Two requests created the same thing at the same moment (a double click, two tabs): the later one
        # lost on a unique key. Nothing of it was stored; say so instead of failing with a 500.
        db.session.rollback()
        if getattr(getattr(err, "orig", None), "sqlstate", None) != "23505":
            return _unexpected(err)
        log.info("unique key conflict on %s %s", request.method, request.path[:200])
        title, message = _("Saved meanwhile"), _("The same change was saved at the same moment by another "
                                                 "request (a second click?). Nothing more was stored: reload "
                                                 "the page to see the current state.")
        if wants_json():
            return jsonify(error={"code": "conflict", "message": str(message), "fields": {}}), 409
        return render_template("errors/error.html", code=409, title=title, message=message), 409

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path[:200])
        db.session.rollback()
        if wants_json():
            return jsonify(error={"code": "internal_error", "message": "Internal error", "fields": {}}), 500
        return render_template("errors/error.html", code=500, title=_("Something went wrong"),
                               message=_("We have been notified. Please try again in a moment.")), 500
