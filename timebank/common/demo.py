"""Demo builders of the apps that sit above the core.

`seed_demo` builds the core's demo (programmes, people, training, credits) and
then calls every builder registered here, in the order of INSTALLED_APPS (each
app registers from its AppConfig.ready). The core so never imports matching or
mentoring: the dependency still points one way.

A builder takes keyword arguments: `today` and `people`, a dict of the users
and programmes the core's demo made ("coordinator", "tenants", ...).
"""

from collections.abc import Callable

_builders: list[Callable] = []


def register(builder: Callable) -> Callable:
    if builder not in _builders:
        _builders.append(builder)
    return builder


def builders() -> list[Callable]:
    return list(_builders)
