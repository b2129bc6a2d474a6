"""The output plan: which template makes which file, computed from the templates folder alone.

``templates/docs/X.j2`` makes ``docs/X``. Files and folders whose name starts with ``_`` are
partials and macros, included by other templates, never outputs.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

TEMPLATE_SUFFIX = ".j2"
# Every generated file carries this text in its first lines; it marks the file as ours.
NOTICE_MARK = "generated from facts.yaml by python -m generator"
PAGE_ROOTS = ("docs",)  # template subfolders rendered one-to-one into the project
COPIES_ROOT = "repos"  # this repo's rendered copy of every sibling-repo target (targets.py)
GENERATED_ROOTS = (*PAGE_ROOTS, COPIES_ROOT)  # the folders whose orphans render removes


class Output(NamedTuple):
    """One generated file: where it goes (posix, relative to the project) and what makes it."""

    path: str
    template: str  # relative to templates/
    repo: str = ""  # repos key, for this repo's copy of a sibling repo's file (targets.py)
    block: str = ""  # the managed block that the copy holds; empty for a whole file

    @property
    def is_page(self) -> bool:
        return self.path.startswith("docs/")


def plan_outputs(templates_dir: Path) -> list[Output]:
    """Every output the templates folder declares, sorted by path."""
    outputs: list[Output] = []
    for root in PAGE_ROOTS:
        base = templates_dir / root
        if not base.is_dir():
            continue
        for template in base.rglob(f"*{TEMPLATE_SUFFIX}"):
            relative = template.relative_to(templates_dir)
            if any(part.startswith("_") for part in relative.parts):
                continue
            target = relative.as_posix()[: -len(TEMPLATE_SUFFIX)]
            outputs.append(Output(target, relative.as_posix()))
    return sorted(outputs)
