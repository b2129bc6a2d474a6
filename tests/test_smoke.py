"""The CLI runs end to end on the bundled facts."""

from pathlib import Path

from tests.conftest import run


def test_render_then_check_is_clean(project: Path) -> None:
    assert run(["render"], project).code == 0
    second = run(["render"], project)
    assert second.code == 0
    assert "nothing written" in second.out
    assert run(["check"], project).code == 0
