"""What every handler needs, kept in the Application's bot_data rather than in globals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext

from bot.clock import Clock
from bot.render import Renderer
from bot.settings import Settings
from handlers.summary_job import Worker
from store.registry import Registry


@dataclass(slots=True)
class Services:
    """Settings, the clock, the store registry and the renderer of one Application, and the
    worker process that makes summaries."""

    settings: Settings
    clock: Clock
    registry: Registry
    renderer: Renderer
    worker: Worker = field(default_factory=Worker)


KEY = "dondoc"


AnyContext = CallbackContext[Any, Any, Any, Any] | Application[Any, Any, Any, Any, Any, Any]


def services(context: AnyContext) -> Services:
    """The Services of the Application that runs this handler."""
    data = context.bot_data
    result = data[KEY]
    assert isinstance(result, Services)
    return result
