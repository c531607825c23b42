"""Rules for people and agencies: role words, new agencies, who may hold which role."""

from __future__ import annotations

from dataclasses import dataclass

from bot.model import Agency, AgencyKind, Member, Role
from bot.names import fold, match_agencies, slug

ROLE_WORDS: dict[str, Role] = {
    "chair": Role.CHAIR, "chutri": Role.CHAIR, "chu tri": Role.CHAIR, "truong": Role.CHAIR,
    "secretary": Role.SECRETARY, "thuky": Role.SECRETARY, "thu ky": Role.SECRETARY,
    "member": Role.MEMBER, "thanhvien": Role.MEMBER, "thanh vien": Role.MEMBER,
}
MAX_NAME = 120


def parse_role(text: str) -> Role | None:
    """A role from its English or Vietnamese word (diacritics optional)."""
    return ROLE_WORDS.get(fold(text))


def leaves_no_leader(members: list[Member], user_id: int, new_role: Role | None) -> bool:
    """Whether demoting or removing `user_id` would leave the group with nobody to manage it."""
    leaders = [m for m in members if m.role in (Role.CHAIR, Role.SECRETARY)]
    remaining = [m for m in leaders if m.user_id != user_id]
    return not remaining and new_role not in (Role.CHAIR, Role.SECRETARY)


@dataclass(frozen=True, slots=True)
class AgencyDraft:
    """A parsed /addagency line, or why it was refused."""

    agency: Agency | None
    error: str = ""  # "empty", "too_long", "exists"
    existing: Agency | None = None


def _kind_of(name: str) -> AgencyKind:
    folded = fold(name)
    if folded.startswith(("bo ", "bo.")):
        return AgencyKind.MINISTRY
    if folded.startswith(("ubnd", "tinh ", "thanh pho ")):
        return AgencyKind.PROVINCE
    return AgencyKind.OTHER


def parse_agency(text: str, existing: list[Agency]) -> AgencyDraft:
    """`Full name | short name | alias, alias` -> a new agency with a unique short code."""
    parts = [p.strip() for p in text.split("|")]
    name = parts[0] if parts else ""
    if not name:
        return AgencyDraft(None, "empty")
    short = parts[1] if len(parts) > 1 else ""
    aliases = tuple(a.strip() for a in parts[2].split(",") if a.strip()) if len(parts) > 2 else ()
    if any(len(x) > MAX_NAME for x in (name, short, *aliases)):
        return AgencyDraft(None, "too_long")
    for candidate in (name, short):
        if not candidate:
            continue
        folded = fold(candidate)
        for agency in existing:
            if folded in {fold(agency.name), fold(agency.short_name), fold(agency.code)}:
                return AgencyDraft(None, "exists", agency)
    codes = {a.code for a in existing}
    base = slug(short or name)
    code, n = base, 2
    while code in codes:
        code, n = f"{base}-{n}", n + 1
    return AgencyDraft(Agency(code, name, short, aliases, _kind_of(name)))


def find_agency(text: str, agencies: list[Agency]) -> list[Agency]:
    """Agencies a typed name may mean (see bot.names.match_agencies)."""
    return match_agencies(text, agencies)
