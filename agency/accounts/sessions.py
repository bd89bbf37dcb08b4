"""Server-side sessions in Redis.

Flask's default cookie session cannot be revoked. Here the cookie carries only a
random session id; the data lives in Redis under that id. That lets us rotate the
id at login (no session fixation), delete it at logout, and end every session of
a user at once (deactivation) through a per-user index.
"""

from __future__ import annotations

import json
import secrets
import time
from datetime import timedelta

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from agency.queue import get_redis

_PREFIX = "agency:session:"
_USER_INDEX = "agency:user-sessions:"
#: An unchanged session is written again (its expiry pushed back, the cookie renewed) at most this often:
#: writing it on every request cost three Redis round trips per page for nothing.
REFRESH_EVERY_SECONDS = 60
_REFRESHED = "_refreshed"


class RedisSession(CallbackDict, SessionMixin):
    def __init__(self, initial=None, sid: str | None = None, new: bool = False):
        def on_update(_self):
            _self.modified = True

        super().__init__(initial, on_update)
        self.sid = sid or secrets.token_urlsafe(32)
        self.new = new
        self.modified = False
        self.rotate_requested = False
        self.destroy_requested = False

    def rotate(self) -> None:
        """Give this session a new id at the next save (call at login)."""
        self.rotate_requested = True
        self.modified = True

    def destroy(self) -> None:
        """Delete the session at the end of this request (call at logout)."""
        self.clear()
        self.destroy_requested = True


class RedisSessionInterface(SessionInterface):
    serializer = json

    def _lifetime(self, app: Flask) -> timedelta:
        return app.permanent_session_lifetime

    def open_session(self, app: Flask, request: Request) -> RedisSession:
        sid = request.cookies.get(self.get_cookie_name(app))
        if sid and len(sid) < 100:
            raw = get_redis().get(_PREFIX + sid)
            if raw is not None:
                try:
                    return RedisSession(json.loads(raw), sid=sid)
                except ValueError:
                    pass
        return RedisSession(new=True)

    def save_session(self, app: Flask, session: RedisSession, response: Response) -> None:
        redis = get_redis()
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        if session.destroy_requested or (not session and not session.new):
            redis.delete(_PREFIX + session.sid)
            response.delete_cookie(name, domain=domain, path=path)
            return
        if not session:
            return  # never store empty sessions (anonymous visitors)
        response.vary.add("Cookie")
        now = int(time.time())
        if (not session.modified and not session.new and not session.rotate_requested
                and now - int(session.get(_REFRESHED) or 0) < REFRESH_EVERY_SECONDS):
            return
        session[_REFRESHED] = now
        if session.rotate_requested and not session.new:
            redis.delete(_PREFIX + session.sid)
            session.sid = secrets.token_urlsafe(32)
        elif session.rotate_requested:
            session.sid = secrets.token_urlsafe(32)
        lifetime = self._lifetime(app)
        pipe = redis.pipeline(transaction=False)
        pipe.setex(_PREFIX + session.sid, lifetime, json.dumps(dict(session)))
        user_id = session.get("_user_id")
        if user_id:
            key = _USER_INDEX + str(user_id).split(":", 1)[0]
            pipe.sadd(key, session.sid)
            pipe.expire(key, lifetime)
        pipe.execute()
        from flask import request

        response.set_cookie(
            name, session.sid, max_age=int(lifetime.total_seconds()), httponly=True,
            secure=request.is_secure or app.config.get("SESSION_COOKIE_SECURE", False),
            samesite="Lax", domain=domain, path=path,
        )


def end_all_sessions(user_id: int) -> int:
    """Delete every stored session of a user (deactivation, password change)."""
    redis = get_redis()
    key = _USER_INDEX + str(user_id)
    sids = [s.decode() if isinstance(s, bytes) else s for s in redis.smembers(key)]
    if sids:
        redis.delete(*[_PREFIX + s for s in sids])
    redis.delete(key)
    return len(sids)
