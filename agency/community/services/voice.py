"""The workspace's voice: the tone guide with its persona, and the checker's settings derived from it."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from agency import audit, db
from agency.accounts.models import ADDRESS_FORMS, User, Workspace
from agency.community import tone
from agency.community.inputs import clean_text
from agency.community.markup import MAX_MARKDOWN
from agency.community.models import EMOJI_POLICIES, ReplyCheck, ToneGuide
from agency.errors import ValidationError

MAX_BANNED = 200
MAX_WORDS = 100
SIGNATURE_PLACEHOLDER = "{persona}"


def guide_of(workspace_id: int) -> ToneGuide | None:
    return db.session.scalar(select(ToneGuide).where(ToneGuide.workspace_id == workspace_id))


def default_guide(workspace: Workspace) -> ToneGuide:
    """An unsaved guide with the defaults a workspace has before anyone wrote one."""
    return ToneGuide(agency_id=workspace.agency_id, workspace_id=workspace.id, persona_name="", persona_role="",
                     signature_template="", preferred_words=[], banned=[], brands=[], emoji_policy="sparingly",
                     typical_length=None, guide_markdown="")


def signature_of(guide: ToneGuide | None) -> str:
    """The persona's signature as it ends a reply ("^Lena", "Viele Grüße, Lena")."""
    if guide is None or not guide.signature_template.strip():
        return ""
    return guide.signature_template.replace(SIGNATURE_PLACEHOLDER, guide.persona_name).strip()


def banned_mapping(guide: ToneGuide | None) -> dict[str, str | None]:
    if guide is None:
        return {}
    return {entry["phrase"]: entry.get("suggestion") or None for entry in guide.banned or []
            if isinstance(entry, dict) and entry.get("phrase")}


def banned_word_matcher(workspace_id: int):
    """For inbox rules (provider ``banned_word_matcher``): a function telling whether a text contains a word or
    phrase of the workspace's tone guide to avoid, or None when the guide has none."""
    from agency.community.tone.rules import banned_findings

    mapping = banned_mapping(guide_of(workspace_id))
    if not mapping:
        return None
    return lambda text: bool(banned_findings(text or "", mapping, []))


def parse_banned(lines: list[str]) -> list[dict[str, str]]:
    """"Problem -> Anliegen" lines (also "=" or "→") into the stored list; a phrase without alternative is fine."""
    entries: list[dict[str, str]] = []
    seen: set[str] = set()
    for line in lines:
        phrase, suggestion = line, ""
        for separator in ("->", "→", "="):
            if separator in line:
                phrase, suggestion = (part.strip() for part in line.split(separator, 1))
                break
        phrase = " ".join(phrase.split())
        if not phrase or phrase == "*":
            raise ValidationError(_("Each line needs a word or phrase before the arrow."), "banned")
        if len(phrase) > 80 or len(suggestion) > 120:
            raise ValidationError(_("Keep phrases under 80 and alternatives under 120 characters."), "banned")
        if phrase.lower() in seen:
            continue
        seen.add(phrase.lower())
        entries.append({"phrase": phrase, "suggestion": suggestion})
    if len(entries) > MAX_BANNED:
        raise ValidationError(_("At most %(n)d words to avoid.", n=MAX_BANNED), "banned")
    return entries


def _words(values: list[str], field: str, limit: int = MAX_WORDS) -> list[str]:
    cleaned: list[str] = []
    for value in values:
        value = " ".join(value.split())
        if not value:
            continue
        if len(value) > 80:
            raise ValidationError(_("Keep each entry under 80 characters."), field)
        if value not in cleaned:
            cleaned.append(value)
    if len(cleaned) > limit:
        raise ValidationError(_("At most %(n)d entries.", n=limit), field)
    return cleaned


def save_guide(actor: User, workspace: Workspace, *, address_form: str, persona_name: str, persona_role: str,
               signature_template: str, preferred_words: list[str], banned: list[dict[str, str]],
               brands: list[str], emoji_policy: str, typical_length: int | None, guide_markdown: str,
               ip: str = "") -> ToneGuide:
    """Create or update the workspace's tone guide (and its address form, which lives on the workspace)."""
    if address_form not in ADDRESS_FORMS:
        raise ValidationError(_("Choose Sie or du."), "address_form")
    if emoji_policy not in EMOJI_POLICIES:
        raise ValidationError(_("Choose an emoji policy."), "emoji_policy")
    persona_name = clean_text(persona_name, "persona_name", max_length=80, required=False, multiline=False)
    persona_role = clean_text(persona_role, "persona_role", max_length=120, required=False, multiline=False)
    signature_template = clean_text(signature_template, "signature_template", max_length=200, required=False)
    if SIGNATURE_PLACEHOLDER in signature_template and not persona_name:
        raise ValidationError(_("The signature uses {persona}: give the persona a name."), "persona_name")
    leftover = signature_template.replace(SIGNATURE_PLACEHOLDER, "")
    if "{" in leftover or "}" in leftover:
        raise ValidationError(_("The signature knows one placeholder: {persona}."), "signature_template")
    guide_markdown = clean_text(guide_markdown, "guide_markdown", max_length=MAX_MARKDOWN, required=False)
    if typical_length is not None and not 10 <= typical_length <= 10_000:
        raise ValidationError(_("Give a typical length between 10 and 10,000 characters."), "typical_length")
    guide = guide_of(workspace.id)
    if guide is None:
        guide = ToneGuide(agency_id=workspace.agency_id, workspace_id=workspace.id)
        db.session.add(guide)
    changes: dict[str, Any] = {}
    if workspace.address_form != address_form:
        changes["address_form"] = [workspace.address_form, address_form]
        workspace.address_form = address_form
    guide.persona_name, guide.persona_role = persona_name, persona_role
    guide.signature_template = signature_template
    guide.preferred_words = _words(preferred_words, "preferred_words")
    guide.banned = banned
    guide.brands = _words(brands, "brands", limit=50)
    guide.emoji_policy = emoji_policy
    guide.typical_length = typical_length
    guide.guide_markdown = guide_markdown
    guide.updated_at = db.utcnow()
    db.session.flush()
    audit.record("community.tone_saved", agency_id=workspace.agency_id, actor=actor, obj=guide, ip=ip,
                 details={"workspace": workspace.slug, "persona": persona_name, **changes})
    return guide


def check_language(workspace: Workspace, interaction_language: str | None) -> str:
    """Which rules apply: the interaction's language when we know it, else the workspace's."""
    if interaction_language in ("de", "en"):
        return interaction_language
    return "en" if workspace.locale == "en" else "de"


def checker_options(workspace: Workspace, guide: ToneGuide | None, *, interaction_language: str | None = None,
                    max_length: int | None = None, count_bytes: bool = False) -> dict[str, Any]:
    """Keyword arguments of :func:`agency.community.tone.check_reply` for a reply in this workspace."""
    language = check_language(workspace, interaction_language)
    return {
        "address_form": workspace.address_form, "language": language, "banned": banned_mapping(guide),
        "signature": signature_of(guide) or None, "max_length": max_length,
        "emoji_policy": guide.emoji_policy if guide is not None else "free",
        "expected_language": interaction_language if interaction_language in ("de", "en") else None,
        "brands": tuple(guide.brands or ()) if guide is not None else (), "count_bytes": count_bytes,
    }


def check(workspace: Workspace, guide: ToneGuide | None, text: str, **options: Any) -> list[tone.Finding]:
    """Run the checker on ``text`` with the workspace's settings.

    The address rules follow the language the reply is written in (a German reply to an English
    comment still must not say "du" in a Sie-workspace); the language finding compares it with
    the customer's.
    """
    arguments = checker_options(workspace, guide, **options)
    written_in = tone.guess_language(text)
    if written_in is not None:
        arguments["language"] = written_in
    return tone.check_reply(text, **arguments)


def on_reply_sent(interaction, reply=None, **_kwargs) -> None:
    """Signal handler (same transaction as the sent reply): keep the checker's verdict on what went out."""
    if reply is None or reply.status != "sent":
        return
    workspace = db.session.get(Workspace, interaction.workspace_id)
    findings = check(workspace, guide_of(workspace.id), reply.text or "", interaction_language=interaction.language)
    rows = [{"code": f.code, "excerpt": (reply.text or "")[f.start:f.end][:120], "suggestion": f.suggestion}
            for f in findings]
    db.session.execute(insert(ReplyCheck).values(
        agency_id=interaction.agency_id, workspace_id=interaction.workspace_id, reply_id=reply.id,
        remarks=len(rows), findings=rows, checked_at=reply.sent_at or db.utcnow())
        .on_conflict_do_nothing(constraint="uq_reply_checks_reply_id"))


def sent_reply_summary(workspace_id: int, since) -> dict[str, Any]:
    """How the replies sent since ``since`` sounded: how many, how many with remarks, which remarks."""
    rows = db.session.execute(select(ReplyCheck.remarks, ReplyCheck.findings).where(
        ReplyCheck.workspace_id == workspace_id, ReplyCheck.checked_at >= since)).all()
    codes: dict[str, int] = {}
    for _remarks, findings in rows:
        for finding in findings or []:
            codes[finding.get("code", "")] = codes.get(finding.get("code", ""), 0) + 1
    return {"sent": len(rows), "with_remarks": sum(1 for remarks, _f in rows if remarks),
            "codes": dict(sorted(codes.items(), key=lambda item: -item[1]))}
