"""componentize-py's error output (recorded from real runs) turned into short messages in WIT terms."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.guest.conftest import MakeProject
from tests.support.guests import KITCHEN_WIT
from witkit.guest.config import load_config
from witkit.guest.diagnose import diagnose
from witkit.guest.plan import GuestPlan, plan_for

HEAD = 'Traceback (most recent call last):\n  File "<string>", line 1, in <module>\nAssertionError: '


def recorded(message: str, cause: str | None = None) -> str:
    """componentize-py's stderr, as printed with RUST_BACKTRACE=0."""
    cause = cause or message.strip().splitlines()[-1]
    return f"{HEAD}{message}\n\n\nCaused by:\n    {cause}\n"


@pytest.fixture(scope="module")
def kitchen_plan() -> GuestPlan:
    return plan_for(KITCHEN_WIT, "kitchen")


@pytest.fixture
def kitchen(make_project: MakeProject) -> Path:
    return make_project({"app.py": "", "api.py": ""}, wit=(KITCHEN_WIT / "kitchen.wit").read_text(),
                        world="kitchen")


def test_missing_world_class(kitchen: Path, kitchen_plan: GuestPlan) -> None:
    raw = recorded("AttributeError: module 'app' has no attribute 'WitWorld'. Did you mean: 'wit_world'?",
                   "AttributeError: module 'app' has no attribute 'WitWorld'")
    e = diagnose(raw, load_config(kitchen), lambda: kitchen_plan)
    assert e.file == "app.py"
    assert e.message.startswith("app.py: no class `WitWorld`")
    assert "`add`, `greet`" in e.message
    assert e.raw_output == raw


def test_missing_interface_class(kitchen: Path, kitchen_plan: GuestPlan) -> None:
    raw = recorded("AttributeError: module 'app' has no attribute 'Api'")
    e = diagnose(raw, load_config(kitchen), lambda: kitchen_plan)
    assert e.message == "app.py: no class `Api` for exported interface `witkit:kitchen/api@0.1.0`"
    assert e.wit_item == "witkit:kitchen/api@0.1.0"


def test_missing_methods(kitchen: Path, kitchen_plan: GuestPlan) -> None:
    raw = recorded(
        "TypeError: Can't instantiate abstract class Api without an implementation for abstract "
        "methods 'blob_size', 'both', 'echo_everything', 'echo_list', 'echo_nested'"
    )
    e = diagnose(raw, load_config(kitchen), lambda: kitchen_plan)
    assert e.message == (
        "app.py: class `Api` does not implement `witkit:kitchen/api@0.1.0#blob-size`, "
        "`witkit:kitchen/api@0.1.0#both`, `witkit:kitchen/api@0.1.0#echo-everything`, "
        "`witkit:kitchen/api@0.1.0#echo-list` and 1 more"
    )


def test_one_missing_world_method(kitchen: Path, kitchen_plan: GuestPlan) -> None:
    raw = recorded(
        "TypeError: Can't instantiate abstract class WitWorld without an implementation for "
        "abstract method 'greet'"
    )
    e = diagnose(raw, load_config(kitchen), lambda: kitchen_plan)
    assert e.message == "app.py: class `WitWorld` does not implement `greet`"
    assert e.wit_item == "greet"


def test_missing_resource_module(kitchen: Path, kitchen_plan: GuestPlan) -> None:
    (kitchen / "api.py").unlink()
    raw = recorded("ModuleNotFoundError: No module named 'api'")
    e = diagnose(raw, load_config(kitchen), lambda: kitchen_plan)
    assert e.file == "api.py"
    assert e.message.startswith("api.py: missing; exported interface `witkit:kitchen/api@0.1.0`")
    assert "(`Counter`)" in e.message


def test_missing_resource_class(kitchen: Path, kitchen_plan: GuestPlan) -> None:
    raw = recorded("AttributeError: module 'api' has no attribute 'Counter'")
    e = diagnose(raw, load_config(kitchen), lambda: kitchen_plan)
    assert e.message == "api.py: no class `Counter` for resource `witkit:kitchen/api@0.1.0#counter`"


def test_resource_missing_method(kitchen: Path, kitchen_plan: GuestPlan) -> None:
    raw = recorded(
        "TypeError: Can't instantiate abstract class Counter without an implementation for "
        "abstract method 'value'"
    )
    e = diagnose(raw, load_config(kitchen), lambda: kitchen_plan)
    assert e.message == (
        "api.py: class `Counter` does not implement `witkit:kitchen/api@0.1.0#[method]counter.value`"
    )


def test_import_error_names_file_and_line(make_project: MakeProject) -> None:
    root = make_project({"app.py": "import wit_world\nimport nonexistent_mod\n"})
    raw = recorded(
        'Traceback (most recent call last):\n  File "/0/app.py", line 2, in <module>\n'
        "    import nonexistent_mod\nModuleNotFoundError: No module named 'nonexistent_mod'"
    )
    e = diagnose(raw, load_config(root))
    assert e.message == (
        "app.py:2: ModuleNotFoundError: No module named 'nonexistent_mod' "
        "(while componentize-py imported the guest)"
    )
    assert e.file == "app.py"


def test_syntax_error(make_project: MakeProject) -> None:
    root = make_project({"app.py": "def f(\n"})
    raw = recorded(
        '  File "/0/app.py", line 3\n    def greet(self, name: str) -> str\n'
        "                                     ^\nSyntaxError: expected ':'",
        "SyntaxError: expected ':' (app.py, line 3)",
    )
    e = diagnose(raw, load_config(root))
    assert e.message.startswith("app.py:3: SyntaxError: expected ':'")


def test_frame_in_a_helper_module(make_project: MakeProject) -> None:
    root = make_project({"app.py": "", "pkg/helper.py": ""})
    raw = recorded(
        'Traceback (most recent call last):\n  File "/0/app.py", line 1, in <module>\n'
        '  File "/0/pkg/helper.py", line 7, in <module>\nZeroDivisionError: division by zero'
    )
    e = diagnose(raw, load_config(root))
    assert e.message.startswith("pkg/helper.py:7: ZeroDivisionError: division by zero")


def test_unknown_output_keeps_last_line(make_project: MakeProject) -> None:
    root = make_project()
    e = diagnose("thread 'main' panicked at src/lib.rs:1:1:\nsomething odd\n", load_config(root))
    assert e.message == "app.py: componentize-py failed: something odd"
    assert "panicked" in e.raw_output


def test_without_a_plan_python_names_are_used(make_project: MakeProject) -> None:
    root = make_project()
    raw = recorded(
        "TypeError: Can't instantiate abstract class WitWorld without an implementation for "
        "abstract method 'greet'"
    )
    assert diagnose(raw, load_config(root)).message == (
        "app.py: class `WitWorld` does not implement `greet`"
    )
