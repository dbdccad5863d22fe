"""A wrong parameter count is reported before componentize-py runs, by file, line and WIT name."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.guest.conftest import FakeComponentize, MakeProject
from tests.support.guests import KITCHEN_GUEST, KITCHEN_WIT
from witkit.guest import ComponentizeError, build_project

GREETER = "import wit_world\n\n\nclass WitWorld(wit_world.WitWorld):\n    {}\n        return ''\n"


@pytest.mark.parametrize(
    "definition",
    ["def greet(self, name):", "def greet(self, name, extra=1):", "def greet(self, *args):",
     "async def greet(self, name):"],
)
def test_accepted(make_project: MakeProject, fake: FakeComponentize, definition: str) -> None:
    root = make_project({"app.py": GREETER.format(definition)})
    assert not build_project(root).cached
    assert fake.runs == 1


@pytest.mark.parametrize("definition", ["def greet(self):", "def greet(self, name, extra):"])
def test_wrong_count(make_project: MakeProject, fake: FakeComponentize, definition: str) -> None:
    root = make_project({"app.py": GREETER.format(definition)})
    with pytest.raises(ComponentizeError) as info:
        build_project(root)
    assert str(info.value) == (
        "app.py:5: `WitWorld.greet` must take 1 argument (name) for `greet`"
    )
    assert info.value.wit_item == "greet"
    assert fake.runs == 0


@pytest.fixture
def kitchen(make_project: MakeProject) -> Path:
    files = {name: (KITCHEN_GUEST / name).read_text() for name in ("app.py", "api.py")}
    return make_project(files, wit=(KITCHEN_WIT / "kitchen.wit").read_text(), world="kitchen")


def test_kitchen_guest_passes(kitchen: Path, fake: FakeComponentize) -> None:
    build_project(kitchen)
    assert fake.runs == 1


def test_resource_method(kitchen: Path, fake: FakeComponentize) -> None:
    api = kitchen / "api.py"
    api.write_text(api.read_text().replace("def increment(self, by: int)", "def increment(self)"))
    with pytest.raises(ComponentizeError) as info:
        build_project(kitchen)
    assert str(info.value).endswith(
        "`Counter.increment` must take 1 argument (by) for "
        "`witkit:kitchen/api@0.1.0#[method]counter.increment`"
    )
    assert str(info.value).startswith("api.py:")


def test_static_function(kitchen: Path, fake: FakeComponentize) -> None:
    api = kitchen / "api.py"
    api.write_text(api.read_text().replace("def merge(cls, a: Self, b: Self)", "def merge(cls, a: Self)"))
    with pytest.raises(ComponentizeError, match=r"`Counter.merge` must take 2 arguments \(a, b\)"):
        build_project(kitchen)


def test_staticmethod_is_fine(kitchen: Path, fake: FakeComponentize) -> None:
    api = kitchen / "api.py"
    text = api.read_text().replace("    @classmethod\n    def merge(cls, a: Self, b: Self) -> Self:",
                                   "    @staticmethod\n    def merge(a: Counter, b: Counter) -> Counter:")
    api.write_text(text.replace("return cls(a.value() + b.value())", "return Counter(a.value() + b.value())"))
    build_project(kitchen)
    assert fake.runs == 1
