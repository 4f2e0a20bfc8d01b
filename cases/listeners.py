"""Listeners told of changes to cases inside the transaction that makes them.

Apps above `cases` (partners' webhook outbox, for one) want to know when a case changes status
or an interview decision is recorded, in the same transaction as the change, without `cases`
importing them. Like the workflow's guards, they register here from their `AppConfig.ready`:

    from cases.listeners import register_status_listener
    register_status_listener(outbox_case_status_changed)

A listener is called with keyword arguments (below) while the case row is locked; whatever it
writes commits or rolls back with the change. A listener that raises makes the change fail:
keep them to writing rows.
"""

from __future__ import annotations

from collections.abc import Callable

# (case, event) -> None; `event` is the CaseEvent the workflow just wrote.
StatusListener = Callable[..., None]
# (interview, case, actor) -> None, after the decision is saved and before the case moves.
DecisionListener = Callable[..., None]

_status_listeners: list[StatusListener] = []
_decision_listeners: list[DecisionListener] = []


def register_status_listener(listener: StatusListener) -> None:
    """Call `listener(case=..., event=...)` on every change of a case's status."""
    if listener not in _status_listeners:
        _status_listeners.append(listener)


def register_decision_listener(listener: DecisionListener) -> None:
    """Call `listener(interview=..., case=...)` on every interview decision recorded."""
    if listener not in _decision_listeners:
        _decision_listeners.append(listener)


def status_changed(*, case, event) -> None:
    for listener in _status_listeners:
        listener(case=case, event=event)


def decision_recorded(*, interview, case) -> None:
    for listener in _decision_listeners:
        listener(interview=interview, case=case)
