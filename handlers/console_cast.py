"""Who one can type as in the console: the demo's cast, and the members of real data."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot import demo
from bot.model import Member
from bot.names import fold
from store.workspace import WorkspaceStore


@dataclass(frozen=True, slots=True)
class Person:
    """Someone the console can type as: one of the cast, or a member of the workspace."""

    key: str  # what to type after ":as", e.g. "hung"
    user_id: int
    name: str
    username: str | None = None

    @property
    def first(self) -> str:
        """The given name, which Vietnamese puts last: "Lê Văn Hùng" -> "Hùng"."""
        return self.name.split()[-1]


def _cast() -> tuple[Person, ...]:
    members = {m.user_id: m for m in demo.MEMBERS}
    people = []
    for user_id in (demo.SECRETARY_ID, demo.CHAIR_ID, demo.NGHE_AN_ID, demo.HA_TINH_ID):
        member = members[user_id]
        people.append(Person(fold(member.name.split()[-1]), user_id, member.name,
                             member.username))
    people.append(Person(fold(demo.STRANGER_NAME.split()[-1]), demo.STRANGER_ID,
                         demo.STRANGER_NAME))
    return tuple(people)


# Secretary, chair, an owner from Nghệ An, an owner from Hà Tĩnh, a stranger.
CAST = _cast()
# Role words also pick a person, in English and Vietnamese.
_ROLE_WORDS = {
    demo.SECRETARY_ID: ("secretary", "thuky", "thu ky"),
    demo.CHAIR_ID: ("chair", "chutri", "chu tri"),
    demo.NGHE_AN_ID: ("nghean", "nghe an", "owner"),
    demo.HA_TINH_ID: ("hatinh", "ha tinh"),
    demo.STRANGER_ID: ("stranger", "nguoila", "nguoi la"),
}


def find_person(query: str, members: Iterable[Member]) -> Person | None:
    """The person `query` names, or None.

    A cast number, first name, full name or role word; else, as real data has its own
    members, the one member of the workspace whose name has all the words typed.
    """
    wanted = fold(query)
    if not wanted:
        return None
    if wanted.isdigit():
        index = int(wanted) - 1
        return CAST[index] if 0 <= index < len(CAST) else None
    for person in CAST:
        if wanted in (person.key, fold(person.name), *_ROLE_WORDS[person.user_id]):
            return person
    found = [m for m in members if all(w in fold(m.name).split() for w in wanted.split())]
    if len(found) == 1:
        member = found[0]
        return Person(fold(member.name.split()[-1]), member.user_id, member.name,
                      member.username)
    return None


def person_values(person: Person, store: WorkspaceStore | None) -> dict[str, Any]:
    """What the console's templates show of a person: names, role and agency in the group."""
    member = store.member(person.user_id) if store else None
    agency = store.agency(member.agency) if store and member and member.agency else None
    return {
        "key": person.key, "first": person.first, "name": person.name,
        "role": member.role.value if member else None,
        "agency": agency.name if agency else None,
    }
