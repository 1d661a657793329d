"""The plugins of one ``Oms``: registration, ordering and calling of the hooks.

Invariant: the hooks of a call run in one order, highest ``priority`` first and,
among equal priorities, in registration order; the order is computed once per hook
after each (un)registration, and a service calling a hook that nothing implements
pays one dictionary look-up (``Plugins.call`` returns before building anything).

A hook stops the call by raising. ``HookRejected`` (and any other ``OmsError``, a
typed refusal the plugin chose) reaches the caller unchanged. Any other exception
is a plugin bug: it is logged with its traceback on the ``ordermill.plugins``
logger and becomes ``HookRejected`` naming the plugin, so the user sees a 409 with
a message, never a 500 with a traceback. Either way the service's transaction
rolls back.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable
from typing import Any, Literal, NamedTuple, Protocol

import pluggy
from sqlalchemy.engine import Connection, Row

from ordermill.db import rows
from ordermill.domain.change import Change
from ordermill.domain.errors import HookRejected, InvalidInput, OmsError
from ordermill.orders import hooks

__all__ = ["ENTRY_POINT_GROUP", "Deferred", "PluginSource", "Plugins", "watch"]

ENTRY_POINT_GROUP = "ordermill.plugins"
logger = logging.getLogger("ordermill.plugins")
# "entrypoints": the plugins installed under the ``ordermill.plugins`` entry point group;
# else these plugin objects; None: no plugin.
PluginSource = Literal["entrypoints"] | Iterable[object] | None


class Deferred(NamedTuple):
    """An argument computed only when some plugin implements the hook."""

    load: Callable[[], Any]


class _Impl(NamedTuple):
    function: Callable[..., Any]
    argnames: tuple[str, ...]
    plugin_name: str


class Plugins:
    """A pluggy ``PluginManager`` for the ``ordermill`` hooks, with priority ordering."""

    def __init__(self) -> None:
        self.manager = pluggy.PluginManager(hooks.PROJECT)
        self.manager.add_hookspecs(hooks)
        self._sequence = itertools.count()
        self._registered: dict[str, int] = {}  # plugin name -> registration number
        self._ordered: dict[str, tuple[_Impl, ...]] = {}
        self._any = False

    def register(self, plugin: object, name: str | None = None) -> str:
        """Register a plugin; returns its name. Its hooks are checked against the specs."""
        registered = self.manager.register(plugin, name)
        if registered is None:  # pluggy: blocked
            raise ValueError(f"plugin {name!r} is blocked")
        self._changed()
        return registered

    def unregister(self, plugin: object) -> None:
        self.manager.unregister(plugin)
        self._changed()

    def add(self, source: PluginSource) -> None:
        """Register the plugins ``source`` names (see ``PluginSource``)."""
        if source == "entrypoints":
            self.load_entrypoints()
        elif source is not None and not isinstance(source, str):
            for plugin in source:
                self.register(plugin)
        elif source is not None:
            raise InvalidInput(f"plugins: {source!r} is not 'entrypoints', a list or None")

    def load_entrypoints(self, group: str = ENTRY_POINT_GROUP) -> int:
        """Register the plugins installed under the entry point ``group``; returns how many."""
        count = self.manager.load_setuptools_entrypoints(group)
        self._changed()
        return count

    @property
    def active(self) -> bool:
        """Whether any hook is implemented at all."""
        return self._any

    def names(self) -> list[str]:
        """The registered plugins' names, in registration order."""
        return sorted(self._registered, key=self._registered.__getitem__)

    def _changed(self) -> None:
        present = {name for name, _ in self.manager.list_name_plugin()}
        for name in list(self._registered):
            if name not in present:
                del self._registered[name]
        for name, _ in self.manager.list_name_plugin():
            if name not in self._registered:
                self._registered[name] = next(self._sequence)
        self._ordered = {}
        for hook_name in dir(self.manager.hook):
            caller = getattr(self.manager.hook, hook_name)
            if not isinstance(caller, pluggy.HookCaller):
                continue
            impls = sorted(
                caller.get_hookimpls(),
                key=lambda i: (
                    -getattr(i.function, hooks.PRIORITY_ATTRIBUTE, 0),
                    self._registered.get(i.plugin_name, 0),
                ),
            )
            if impls:
                self._ordered[hook_name] = tuple(
                    _Impl(i.function, tuple(i.argnames), i.plugin_name) for i in impls
                )
        self._any = bool(self._ordered)

    def call(self, hook: str, **arguments: Any) -> None:
        """Run the implementations of ``hook`` in order (see the module docstring)."""
        if not self._any:
            return
        impls = self._ordered.get(hook)
        if not impls:
            return
        arguments = {name: _public(value) for name, value in arguments.items()}
        for impl in impls:
            try:
                impl.function(**{name: arguments[name] for name in impl.argnames})
            except HookRejected as refused:
                refused.details.setdefault("plugin", impl.plugin_name)
                refused.details.setdefault("hook", hook)
                raise
            except OmsError:
                raise
            except Exception as exc:
                logger.exception("plugin %s failed in %s", impl.plugin_name, hook)
                raise HookRejected(
                    f"plugin {impl.plugin_name} failed in {hook}: {type(exc).__name__}: {exc}",
                    plugin=impl.plugin_name,
                    hook=hook,
                ) from exc


def _public(value: Any) -> Any:
    """What a plugin sees: records, never database rows."""
    if isinstance(value, Deferred):
        value = value.load()
    if isinstance(value, Row):
        return rows.order_from_row(value)
    return value


class _WithPlugins(Protocol):
    """A use case's ``Context`` (not imported: it imports this module)."""

    @property
    def plugins(self) -> Plugins: ...


def watch(
    ctx: _WithPlugins,
    tx: Connection,
    change: Change,
    use_case: str,
    result: Callable[[], Any] | None = None,
    **arguments: Any,
) -> None:
    """Run ``before_<use_case>`` once ``change`` is decided (locked, rules checked, nothing
    written) and ``after_<use_case>`` once it is written; ``order`` is the locked order
    and ``result`` the order as written, or what ``result()`` returns. One line in a use
    case; nothing is set up without plugins."""
    plugins = ctx.plugins
    if not plugins.active:
        return
    before, after = f"before_{use_case}", f"after_{use_case}"

    def written(row: Any) -> None:
        done = rows.order_from_row(row) if result is None else result()
        plugins.call(after, conn=tx, order=change.row, result=done, **arguments)

    change.decided_hook = lambda: plugins.call(before, conn=tx, order=change.row, **arguments)
    change.written_hook = written
