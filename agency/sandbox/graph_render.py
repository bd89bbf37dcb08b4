"""How Graph objects look: posts, comments, messages, recommendations, IG media and mentions."""

from __future__ import annotations

from typing import Any

from agency.sandbox import content
from agency.sandbox.common import container_entries, graph_time, state
from agency.sandbox.photos import has_photo, photo_url
from agency.sandbox.state import Account, Item
from agency.sandbox.timeline import DAY

IG = "instagram_business"
FB = "facebook_page"


def post_id(account: Account, day: int) -> str:
    """Id of the container of ``day`` (post or media)."""
    return f"media_{day}" if account.platform == IG else f"{account.account_id}_{day}"


def parse_container(account: Account, node: str) -> int | None:
    """The day of a container id, if ``node`` is one and it exists now."""
    prefix = "media_" if account.platform == IG else f"{account.account_id}_"
    if not node.startswith(prefix) or not node[len(prefix):].isdigit():
        return None
    day = int(node[len(prefix):])
    st = state()
    if day < int(account.start_ts // DAY) or day * DAY > st.now():
        return None
    return day


def container_updated(account: Account, day: int, now: float) -> float:
    """Last activity on a post: creation, comments, edits, deletions."""
    st = state()
    latest = day * DAY
    for sk in st.timeline(account).container_items(day):
        for ts in (sk.ts, sk.edit_ts, sk.delete_ts):
            if ts is not None and ts <= now:
                latest = max(latest, ts)
    overrides = st.overrides.get(account.account_id, {})
    for record in st.records(account):
        if record.get("container") == day and record["ts"] <= now:
            latest = max(latest, record["ts"])
    for item_id, override in overrides.items():
        if item_id.isdigit() or item_id.startswith("d"):
            item = st.lookup(account, item_id, now)
            if item and item.container == day:
                for key in ("edited_ts", "deleted_ts"):
                    if override.get(key) and override[key] <= now:
                        latest = max(latest, override[key])
    return latest


def fb_post(account: Account, day: int, now: float) -> dict[str, Any]:
    """A Page post."""
    return {"id": post_id(account, day), "message": content.caption(day), "created_time": graph_time(day * DAY),
            "updated_time": graph_time(container_updated(account, day, now)),
            "permalink_url": f"https://www.facebook.com/{account.account_id}/posts/{day}",
            "full_picture": photo_url(post_id(account, day))}


def fb_comment(account: Account, item: Item) -> dict[str, Any]:
    """A Page comment (or reply, with ``parent``)."""
    author = {"id": account.account_id, "name": account.name} if item.own else \
        {"id": item.author_id, "name": item.author_name}
    row: dict[str, Any] = {"id": item.id, "message": item.text, "from": author,
                           "created_time": graph_time(item.ts),
                           "is_hidden": state().has_flag(account, "hidden", item.id),
                           "permalink_url": f"https://www.facebook.com/{account.account_id}/posts/"
                                            f"{item.container}?comment_id={item.id}"}
    if item.parent_id:
        row["parent"] = {"id": item.parent_id}
    if not item.own and has_photo(item.id):
        row["attachment"] = {"type": "photo", "media": {"image": {"height": 120, "width": 160,
                                                                  "src": photo_url(f"c{item.id}")}},
                             "url": f"https://www.facebook.com/photo.php?fbid={item.id}"}
    return row


def ig_comment(account: Account, item: Item) -> dict[str, Any]:
    """An IG Comment."""
    username = account.username if item.own else item.author_name.lower().replace(" ", "_")
    row: dict[str, Any] = {"id": item.id, "text": item.text, "timestamp": graph_time(item.ts),
                           "username": username, "from": {"id": account.account_id if item.own else item.author_id,
                                                          "username": username},
                           "hidden": state().has_flag(account, "hidden", item.id), "like_count": 0}
    if item.parent_id:
        row["parent_id"] = item.parent_id
    if item.container is not None:
        row["media"] = {"id": post_id(account, item.container)}
    return row


def fb_message(account: Account, item: Item) -> dict[str, Any]:
    """A Messenger message."""
    page = {"id": account.account_id, "name": account.name}
    fan = {"id": item.extra.get("recipient_id") or item.author_id, "name": item.extra.get("recipient_name")
           or item.author_name}
    sender, receiver = (page, fan) if item.own else ({"id": item.author_id, "name": item.author_name}, page)
    row = {"id": item.id, "message": item.text, "from": sender, "to": {"data": [receiver]},
           "created_time": graph_time(item.ts)}
    if not item.own and has_photo(item.id):
        url = photo_url(f"m{item.id}")
        row["attachments"] = {"data": [{"id": f"att_{item.id}", "mime_type": "image/png", "name": "image.png",
                                        "image_data": {"width": 160, "height": 120, "max_width": 160,
                                                       "max_height": 120, "url": url, "preview_url": url}}]}
    return row


def fb_rating(account: Account, item: Item) -> dict[str, Any]:
    """A Page recommendation."""
    return {"created_time": graph_time(item.ts), "recommendation_type": item.extra.get("recommendation_type"),
            "review_text": item.text, "has_review": bool(item.text), "has_rating": False,
            "reviewer": {"id": item.author_id, "name": item.author_name}, "open_graph_story": {"id": item.id},
            "id": item.id}


def ig_mention(account: Account, item: Item) -> dict[str, Any]:
    """Media in which the account is tagged."""
    return {"id": item.id, "caption": item.text, "timestamp": graph_time(item.ts), "media_type": "IMAGE",
            "username": item.author_name.lower().replace(" ", "_"),
            "permalink": f"https://www.instagram.com/p/{item.id}/", "media_url": photo_url(f"t{item.id}")}




def ig_media(account: Account, day: int, now: float) -> dict[str, Any]:
    """An IG Media object with its comment count."""
    count = len(container_entries(state(), account, day, now))
    return {"id": post_id(account, day), "caption": content.caption(day), "timestamp": graph_time(day * DAY),
            "media_type": "IMAGE", "comments_count": count,
            "permalink": f"https://www.instagram.com/p/{post_id(account, day)}/",
            "media_url": photo_url(post_id(account, day))}
