"""The house: ``tests/unit`` mirrors ``src/parley`` module by module
(``docs/architecture.md``, "Tests").

A module holds logic if it defines a function or a method; such a module
``src/parley/<path>/<name>.py`` has its unit tests in
``tests/unit/<path>/test_<name>.py``. A module without logic (URL tables,
empty packages, migrations, settings of plain values) needs none. The few
modules with logic tested elsewhere are listed below with where, or why
they need no test of their own; the list is checked too, so it cannot go
stale.
"""

import ast
from pathlib import Path

import pytest

import parley

SOURCE = Path(parley.__file__).parent
REPOSITORY = SOURCE.parent.parent
UNIT = REPOSITORY / "tests" / "unit"

# Module (path under src/parley) -> the test module that covers it instead
# of tests/unit/<same path>: what needs real processes is tested live.
TESTED_ELSEWHERE = {
    # parley.notify / anotify: the public face of services.notifications.
    "__init__.py": "tests/unit/services/test_notifications.py",
    # Its one validator (whole numbers only) is reached through the API.
    "api/schemas.py": "tests/unit/api/test_hostile_input.py",
    "bus/rabbitmq.py": "tests/live/test_rabbitmq_layer.py",
    "client.py": "tests/live/test_client.py",
    "client_rooms.py": "tests/live/test_client.py",
    "web/tokens.py": "tests/unit/web/test_tokens_page.py",
    "client_http.py": "tests/live/test_client.py",
    "client_shapes.py": "tests/live/test_client.py",
    "management/commands/serve.py": "tests/live/test_servers.py",
    "management/commands/worker.py": "tests/live/test_notifications.py",
    # Daphne's half of the handshake timeout: Twisted's reactor, live only.
    "ops/daphne_handshake.py": "tests/live/test_servers.py",
    # Its data step: skeletons of the rows that exist.
    "migrations/0004_name_skeletons.py": "tests/unit/services/test_names.py",
    # Its per-database index: searched on SQLite and PostgreSQL.
    "migrations/0010_search.py": "tests/unit/services/test_search.py",
    # Its data step: the html of the messages that exist.
    "migrations/0008_message_html.py": "tests/unit/services/test_formatting.py",
}

# Module -> why it needs no test module of its own although it defines a
# function.
MODELS_ONLY = (
    "fields, constraints and __str__ only; the services' tests store and read them"
)
NO_OWN_TEST = {
    "__main__.py": "one call to django-admin on Parley's settings; every "
    "live test starts `parley serve` through it",
    "models/rooms.py": MODELS_ONLY,
    "models/pins.py": MODELS_ONLY,
    "models/links.py": MODELS_ONLY,
    "models/accounts.py": MODELS_ONLY,
    "models/notifications.py": MODELS_ONLY,
    "models/delivery.py": MODELS_ONLY,
    "models/attachments.py": "fields and its two URLs; the services' and the "
    "views' tests read them",
    "models/reactions.py": MODELS_ONLY,
    "models/webhooks.py": MODELS_ONLY,
    "models/moderation.py": MODELS_ONLY,
    "realtime/interfaces.py": "Protocol classes only: method signatures, no behaviour",
}


def holds_logic(path: Path) -> bool:
    """Whether the module defines a function or a method."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(tree)
    )


def mirror(module: str) -> Path:
    """``tests/unit/<path>/test_<name>.py`` for ``<path>/<name>.py``."""
    path = Path(module)
    return UNIT / path.parent / f"test_{path.stem}.py"


MODULES = sorted(path.relative_to(SOURCE).as_posix() for path in SOURCE.rglob("*.py"))


def test_every_module_with_logic_has_a_unit_test_module_at_its_path():
    missing = [
        f"src/parley/{module} -> {mirror(module).relative_to(REPOSITORY)}"
        for module in MODULES
        if holds_logic(SOURCE / module)
        and not mirror(module).exists()
        and module not in TESTED_ELSEWHERE
        and module not in NO_OWN_TEST
    ]
    assert not missing, (
        "modules with logic and no unit test module; add one, or list the "
        "module in TESTED_ELSEWHERE or NO_OWN_TEST with where or why:\n"
        + "\n".join(missing)
    )


@pytest.mark.parametrize("module", sorted(TESTED_ELSEWHERE))
def test_a_module_tested_elsewhere_names_a_test_that_exists(module):
    """An entry names a real module and a real test module, and is dropped
    once the module gets its own unit test module."""
    assert (SOURCE / module).exists(), f"src/parley/{module} is gone"
    assert (REPOSITORY / TESTED_ELSEWHERE[module]).exists()
    assert not mirror(module).exists(), "it has its own test module now"


@pytest.mark.parametrize("module", sorted(NO_OWN_TEST))
def test_a_module_excused_from_a_test_still_exists_and_has_none(module):
    assert (SOURCE / module).exists(), f"src/parley/{module} is gone"
    assert not mirror(module).exists(), "it has its own test module now"


def test_no_unit_test_module_mirrors_a_module_that_is_gone():
    """A test module named after a module sits beside that module's path:
    ``tests/unit/x/test_y.py`` with no ``src/parley/x/`` is misplaced."""
    misplaced = [
        path.relative_to(REPOSITORY).as_posix()
        for path in UNIT.rglob("test_*.py")
        if not (SOURCE / path.parent.relative_to(UNIT)).is_dir()
    ]
    assert not misplaced, f"no such package under src/parley: {misplaced}"
