"""Property tests: the facts loader and the cron humaniser never fail with a traceback."""

from __future__ import annotations

import string

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.cronspec import CronSyntaxError, cron_problem, describe
from generator.errors import FactsError
from generator.facts import parse_facts
from tests.conftest import REPO

FACTS_LINES = (REPO / "facts.yaml").read_text("utf-8").splitlines(keepends=True)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.text(max_size=20),
    st.sampled_from(["192.168.1.48", "999.1.1.1", "5,20,35,50 * * * *", "61 * * * *", "fly_app"]),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.text(string.ascii_lowercase + "_", min_size=1, max_size=12), inner, max_size=5
        ),
    ),
    max_leaves=30,
)


def _loads_cleanly(raw: bytes) -> None:
    """parse_facts either succeeds or raises FactsError with located, printable diagnostics."""
    try:
        parse_facts(raw, "facts.yaml")
    except FactsError as exc:
        assert exc.diagnostics
        for diagnostic in exc.diagnostics:
            assert diagnostic.path == "facts.yaml"
            assert diagnostic.line >= 0 and diagnostic.column >= 0
            assert diagnostic.format().startswith("facts.yaml")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_arbitrary_yaml_documents_never_crash_the_loader(document: object) -> None:
    _loads_cleanly(yaml.safe_dump(document, allow_unicode=True).encode("utf-8"))


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_crash_the_loader(raw: bytes) -> None:
    _loads_cleanly(raw)


mutations = st.sampled_from(["delete", "duplicate", "replace-value", "insert", "indent"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(mutations, st.integers(0, len(FACTS_LINES) - 1), st.text(max_size=12)),
        min_size=1,
        max_size=3,
    )
)
def test_mutations_of_the_real_facts_never_crash_the_loader(
    edits: list[tuple[str, int, str]],
) -> None:
    lines = list(FACTS_LINES)
    for kind, index, text in edits:
        index %= len(lines)
        line = lines[index]
        if kind == "delete":
            del lines[index]
        elif kind == "duplicate":
            lines.insert(index, line)
        elif kind == "replace-value" and ":" in line:
            lines[index] = line.split(":", 1)[0] + ": " + text.replace("\n", " ") + "\n"
        elif kind == "insert":
            cut = len(line) // 2
            lines[index] = line[:cut] + text + line[cut:]
        elif kind == "indent":
            lines[index] = "  " + line
        if not lines:
            lines = ["{}\n"]
    _loads_cleanly("".join(lines).encode("utf-8"))


field_values = st.one_of(
    st.just("*"),
    st.integers(0, 70).map(str),
    st.tuples(st.integers(0, 70), st.integers(0, 70)).map(lambda t: f"{t[0]}-{t[1]}"),
    st.tuples(st.sampled_from(["*", "0-59", "5"]), st.integers(0, 20)).map(
        lambda t: f"{t[0]}/{t[1]}"
    ),
    st.lists(st.integers(0, 70), min_size=2, max_size=4).map(lambda xs: ",".join(map(str, xs))),
    st.text(string.ascii_letters + "?#L", min_size=1, max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(field_values, min_size=3, max_size=7))
def test_every_valid_cron_gets_a_sentence_and_every_invalid_one_a_reason(
    fields: list[str],
) -> None:
    expression = " ".join(fields)
    problem = cron_problem(expression)
    if problem is None:
        sentence = describe(expression)
        assert sentence and sentence[0].isupper()
    else:
        assert problem.startswith(("a cron expression has 5 fields", "invalid cron expression"))
        try:
            describe(expression)
        except CronSyntaxError as exc:
            assert str(exc) == problem
        else:
            raise AssertionError(f"{expression!r} was described although invalid")
