"""Unbound extension objects; ``create_app`` binds them with ``init_app``."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Storage is configured in create_app (Redis); headers let clients see their budget.
limiter = Limiter(key_func=get_remote_address, headers_enabled=True, strategy="moving-window")
