"""/reassign: give a task to another agency or official, asking with buttons when unclear."""

from __future__ import annotations

import re

from telegram import Message, MessageEntity, Update

from bot import taskops
from bot.model import Agency, Member, Task
from bot.names import match_agencies
from bot.permissions import Action
from handlers.common import Ctx, Scope, buttons, reply, require
from handlers.tasks.card import data
from handlers.tasks.updates import apply, task_command, usage

_MAX_DATA = 64  # Telegram's limit on callback data, in bytes
_MENTION = re.compile(r"@(\w{3,32})")


def _people(message: Message | None, text: str, members: list[Member]
            ) -> tuple[list[int], list[str], str]:
    """Officials named in a /reassign: (their ids, names not in the group, the text left over).

    An official is named by @username, or by a mention Telegram makes when he has none.
    """
    in_group = {m.user_id for m in members}
    ids: list[int] = []
    unknown: list[str] = []
    if message is not None:
        for entity, shown in message.parse_entities([MessageEntity.TEXT_MENTION]).items():
            if entity.user is not None:
                if entity.user.id in in_group:
                    ids.append(entity.user.id)
                else:
                    unknown.append(shown)
                text = text.replace(shown, " ")
    by_username = {m.username.casefold(): m.user_id for m in members if m.username}
    for username in _MENTION.findall(text):
        user_id = by_username.get(username.casefold())
        if user_id is None:
            unknown.append("@" + username)
        else:
            ids.append(user_id)
    return ids, unknown, _MENTION.sub(" ", text).strip()


@task_command("reassign")
async def reassign(update: Update, context: Ctx, scope: Scope, task: Task, rest: str) -> None:
    """`/reassign 12 Hà Tĩnh [@official] [| note]`: give a task to another agency or official."""
    if not await require(update, context, scope, Action.MANAGE, task):
        return
    assert scope.store is not None
    target, _, why = rest.partition("|")
    ids, unknown, query = _people(update.effective_message, target, scope.store.members())
    if unknown:
        await usage(update, context, scope, "reassign", "person", task=task,
                    given=", ".join(unknown))
        return
    if not query and not ids:
        await usage(update, context, scope, "reassign", "target", task=task)
        return
    lead: str | None = None
    if query:
        agencies = match_agencies(query, scope.store.agencies())
        if not agencies:
            await usage(update, context, scope, "reassign", "agency", task=task, given=query)
            return
        if len(agencies) > 1:
            await _choose_agency(update, context, scope, task, agencies, query,
                                 with_people=bool(ids))
            return
        lead = agencies[0].code
    await apply(
        update, context, scope, task,
        lambda t: taskops.reassign(t, now=scope.now, actor=scope.user_id, lead=lead,
                                   responsible=ids or None, note=why),
    )


async def _choose_agency(update: Update, context: Ctx, scope: Scope, task: Task,
                         agencies: list[Agency], query: str, *, with_people: bool) -> None:
    """Several agencies match: ask with a button each (never guess)."""
    markup = None
    if not with_people:
        # Buttons carry the agency only; a choice that also names officials is typed again.
        rows = []
        for agency in agencies[:8]:
            base = data(scope, "ra", task.number) + ":"
            code = agency.code[: _MAX_DATA - len(base.encode())]
            rows.append([(agency.label, base + code)])
        markup = buttons(rows)
    await reply(update, context, scope, "task_reassign_choose", markup, task=task,
                choices=agencies, given=query, typed=with_people)


def chosen_agency(agencies: list[Agency], key: str) -> Agency | None:
    """The agency a choice button names; long codes were cut to fit the callback data, so a
    prefix names the agency if only one has it."""
    chosen = [a for a in agencies if a.code == key] or [
        a for a in agencies if key and a.code.startswith(key)
    ]
    return chosen[0] if len(chosen) == 1 else None
