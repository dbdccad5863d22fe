"""The Jinja2 environment every code generator renders with: user templates over witkit's."""

from __future__ import annotations

from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from witkit._resources import data_dir
from witkit.errors import WitkitError


def template_environment(
    family: str, templates: str | Path | None, error: type[WitkitError]
) -> Environment:
    """An environment loading from `templates` (a user's folder, if given) before witkit's
    `templates/<family>`, so a user can override any one template.

    A `templates` path that is not a folder raises `error` naming the option.
    """
    loaders = []
    if templates is not None:
        folder = Path(templates)
        if not folder.is_dir():
            raise error(f"--templates: {folder} is not a folder")
        loaders.append(FileSystemLoader(str(folder)))
    loaders.append(FileSystemLoader(str(data_dir("templates") / family)))
    return Environment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
