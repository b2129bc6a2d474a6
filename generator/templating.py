"""The one factory for the Jinja environment, and rendering with errors mapped to template lines."""

from __future__ import annotations

import contextlib
import difflib
import functools
import posixpath
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from generator import cronspec, markdown
from generator.errors import Diagnostic, TemplateError
from generator.tracking import (
    TrackedMapping,
    TrackedRecord,
    TrackedSequence,
    field_names,
    missing_key_message,
    nearest_mapping_key,
)


class _PrintedNone(jinja2.TemplateRuntimeError):
    hint = (
        "an optional fact is not set for this record: write the text around it inside"
        " {% if ... %}, or give the fact a value in facts.yaml"
    )


_PRINTS_NONE = "the template prints None: a value it reads is not set"


def _finalize(value: Any) -> Any:
    # Applied to every {{ expression }}: a value is held until the page is rendered, then
    # escaped for where it landed (markdown.escape_values); a filter's Block is Markdown.
    if value is None:  # "since None" on a page is never meant
        raise _PrintedNone(_PRINTS_NONE)
    return markdown.hold(value)


def _printed_none(context: Mapping[str, Any]) -> str:
    """What a template printed that is None: the facts key last read that holds no value,
    which the read tracking noted (finalize sees the value only, not where it came from)."""
    reads = getattr(context.get("facts"), "_reads", None)
    unset = getattr(reads, "unset", None)
    return f"the template prints None: `{unset}` is not set" if unset else _PRINTS_NONE


@jinja2.pass_context
def _link(context: jinja2.runtime.Context, target: str, text: str | None = None) -> markdown.Block:
    """A relative link from the page being rendered to another output, checked to exist.

    ``target`` is the output's path from the project root (``docs/services.md``), or one
    relative to the linking page, as a Markdown link would give it (``services.md``). With no
    ``text``, the link shows that relative path.
    """
    here: str = context["output_path"]
    known: frozenset[str] = context["known_outputs"]
    page, _, anchor = _plain(target).partition("#")
    if page and page not in known:
        beside = posixpath.normpath(posixpath.join(posixpath.dirname(here), page))
        if beside not in known:
            raise jinja2.TemplateRuntimeError(_no_such_output(page, beside, known))
        page = beside
    relative = _relative(page, posixpath.dirname(here)) if page else ""
    href = relative + (f"#{anchor}" if anchor else "")
    return markdown.Block(f"[{markdown.text(text or relative or href)}]({href})")


def _no_such_output(page: str, beside: str, known: frozenset[str]) -> str:
    import difflib

    message = f"link to {page!r}, which no template produces (nor {beside!r})"
    close = difflib.get_close_matches(beside, sorted(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return message + hint + " Give an output's path, e.g. docs/index.md, or one beside the page"


@functools.lru_cache(maxsize=4096)
def _relative(page: str, folder: str) -> str:
    # A site's pages link to the same few pages from the same few folders, thousands of times.
    return posixpath.relpath(page, folder)


FIELDS = ("source", "verified")


@jinja2.pass_context
def _last_verified(context: jinja2.runtime.Context, key: str) -> str:
    """When and how the fact at dotted ``key`` was last checked, as a table cell shows it."""
    from generator.provenance import last_verified
    from generator.tracking import note_reads, unwrap

    # The answer comes from the provenance table or a record's own fields, for the key or an
    # ancestor: record those reads, so provenance and incremental rendering know of them.
    parts = _plain(key).split(".")
    probes = [".".join(parts[:n]) for n in range(len(parts), 0, -1)]
    note_reads(context["facts"], ["provenance", *(f"{p}.{f}" for p in probes for f in FIELDS)])
    return last_verified(".".join(parts), unwrap(context["facts"]))


def _plain(value: Any) -> str:
    """A filter's argument as text, without the holds of a value a macro wrote into it."""
    return markdown.strip_held(str(value))


def _cron_words(expression: str) -> str:
    return cronspec.describe(_plain(expression))


def _cron_minutes(expression: str) -> tuple[int, ...]:
    return cronspec.minutes_in_hour(_plain(expression))


def _is_hourly(expression: str) -> bool:
    return cronspec.fires_every_hour(_plain(expression))


def _lower_first(text: str) -> str:
    """A sentence put inside another (in parentheses, after a colon): "At 5" as "at 5".
    A word in capitals ("SHARED", "VM") keeps them."""
    if text[1:2].islower():
        return text[:1].lower() + text[1:]
    return text


FILTERS: Mapping[str, Callable[..., Any]] = {
    "cron_words": _cron_words,
    "lower_first": _lower_first,
    "cron_minutes": _cron_minutes,
    "code": markdown.code,
    "cell": markdown.cell,
    "table": markdown.table,
    "bullets": markdown.bullet_list,
    "link": _link,
    "last_verified": _last_verified,
}


TESTS: Mapping[str, Callable[..., bool]] = {"hourly": _is_hourly}


class _UndefinedName(jinja2.UndefinedError):
    hint = (
        "no such variable here: a template sees facts, repo, targets, output_path and"
        " known_outputs, and the names it sets, imports or loops over"
    )


class _MissingItem(jinja2.UndefinedError):
    hint = "a list's items are numbered from 0: loop over it, or count its items in facts.yaml"


class _KeyOfPlainValue(jinja2.UndefinedError):
    hint = "that value is text or a number, which has no keys: read the key from its record"


class _MissingMappingKey(jinja2.UndefinedError):
    """A facts mapping lacks the key a template read; ``near``, the dotted key of its nearest
    key, may be the misspelt one (facts.yaml names a mapping's keys)."""

    def __init__(self, message: str | None, name: str, near: str | None) -> None:
        super().__init__(message)
        self.name = name
        self.near = near


def _missing_mapping_key(view: Any, name: Any, message: str | None) -> _MissingMappingKey:
    # Raised by the Undefined in place of an exception class: the nearest key is looked up
    # only when the read fails, not each time a template tests whether a key is defined.
    return _MissingMappingKey(message, str(name), nearest_mapping_key(view, name))


class MissingFact(jinja2.StrictUndefined):
    """A missing fact is an error, named by its facts.yaml key rather than the view's class,
    and raised as an error whose ``hint`` fits what was missing.

    Refusals (the sandbox's, which carry a hint) keep their own message and exception.
    """

    __slots__ = ()

    def __init__(
        self,
        hint: str | None = None,
        obj: Any = jinja2.utils.missing,
        name: str | None = None,
        exc: type[jinja2.TemplateRuntimeError] = jinja2.UndefinedError,
    ) -> None:
        if exc is jinja2.UndefinedError:
            exc = _error_for(obj)
            if isinstance(obj, TrackedMapping) and hint is None:
                exc = cast(Any, functools.partial(_missing_mapping_key, obj, name))
        super().__init__(hint, obj, name, exc)

    @property
    def _undefined_message(self) -> str:
        if not self._undefined_hint:
            message = missing_key_message(self._undefined_obj, self._undefined_name)
            if message is not None:
                return message
        return super()._undefined_message


def _error_for(obj: Any) -> type[jinja2.UndefinedError]:
    """The error for a read of ``obj`` that found nothing, by what ``obj`` is."""
    if obj is jinja2.utils.missing:
        return _UndefinedName
    if isinstance(obj, TrackedSequence):
        return _MissingItem
    if isinstance(obj, (TrackedRecord, TrackedMapping)):
        return jinja2.UndefinedError  # a facts key: the default hint
    return _KeyOfPlainValue


class FactsSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with a fast path for the read-only facts views.

    A view's public attributes are facts (themselves views) or read-only derived values of
    frozen records, and a dataclass field is data, so the sandbox's generic checks, which would
    pass, are skipped for them: they were most of the rendering time on a large site. Anything
    else (methods of other objects, names starting with ``_``) takes the full checks.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        kind = type(obj)
        if attribute[:1] != "_":
            try:
                if kind is TrackedRecord or attribute in field_names(kind):
                    return getattr(obj, attribute)
                if kind is TrackedMapping and attribute not in _MAPPING_ATTRIBUTES:
                    return obj[attribute]  # what the sandbox finds after the attribute lookup
            except (AttributeError, KeyError):
                pass  # the sandbox's own path gives the error or the fallback
        return super().getattr(obj, attribute)

    def call(
        __self,  # noqa: N805  # named as the sandbox names it: keyword arguments pass through
        __context: jinja2.runtime.Context,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        result = super().call(__context, __obj, *args, **kwargs)
        # A macro returns Markdown: written as it is, its values escaped where they land.
        return markdown.Fragment(result) if isinstance(__obj, jinja2.runtime.Macro) else result

    def getitem(self, obj: Any, argument: Any) -> Any:
        # A macro's output used as a key (facts.hosts[m.deploy_target_key()]) holds its values
        # for escaping (markdown.hold): the key is the text without the holds.
        if type(argument) is markdown.Fragment:  # only a macro's output holds values
            argument = markdown.strip_held(argument)
        return super().getitem(obj, argument)


_MAPPING_ATTRIBUTES = frozenset(dir(TrackedMapping))


class _BestEffortBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's bytecode cache, except that a compiled template it cannot store costs time only."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


class _ReadOnce(jinja2.BaseLoader):
    """Templates from the bytes the run already read (and digested), not the files again: a
    template saved meanwhile cannot be rendered under the other version's digest."""

    def __init__(self, templates_dir: Path, sources: Mapping[str, bytes]) -> None:
        self.templates_dir = templates_dir
        self.sources = sources

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        data = self.sources.get(template)
        if data is None:
            raise jinja2.TemplateNotFound(template)
        # The file's path, as FileSystemLoader gives it: errors are located from it.
        return data.decode("utf-8"), str(self.templates_dir / template), lambda: True


def make_environment(
    templates_dir: Path,
    bytecode_dir: Path | None = None,
    sources: Mapping[str, bytes] | None = None,
) -> ImmutableSandboxedEnvironment:
    """The sandboxed, strict environment every template is rendered in.

    ``bytecode_dir`` keeps compiled templates between runs (Jinja keys them by source hash).
    ``sources`` (bytes by path under ``templates_dir``) are used instead of reading the files.
    """
    if bytecode_dir is not None:
        try:
            bytecode_dir.mkdir(parents=True, exist_ok=True)
        except OSError:
            bytecode_dir = None  # a read-only tree: compile every run
    env = FactsSandbox(
        loader=(
            _ReadOnce(templates_dir, sources)
            if sources is not None
            else jinja2.FileSystemLoader(str(templates_dir), encoding="utf-8")
        ),
        undefined=MissingFact,  # a missing fact is an error, never empty text
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        finalize=_finalize,
        auto_reload=False,
        bytecode_cache=(
            _BestEffortBytecodeCache(str(bytecode_dir)) if bytecode_dir is not None else None
        ),
    )
    env.filters.update(FILTERS)
    env.tests.update(TESTS)
    return env


def template_frames(exc: BaseException, templates_dir: Path) -> list[tuple[str, int, bool]]:
    """The template lines in the traceback of a rendering error, outermost first: file, line,
    and whether that frame is a template's top level (a page's or an included file's) rather
    than a macro's or a block's."""
    frames: list[tuple[str, int, bool]] = []
    tb = exc.__traceback__
    root = str(templates_dir)
    while tb is not None:
        code = tb.tb_frame.f_code
        # Jinja names the frames it rewrites: the top level as below, a macro "template".
        frame = (code.co_filename, tb.tb_lineno, code.co_name == "top-level template code")
        if code.co_filename.startswith(root) and (not frames or frames[-1] != frame):
            frames.append(frame)
        tb = tb.tb_next
    return frames


def render_template(
    env: jinja2.Environment,
    name: str,
    context: Mapping[str, Any],
    templates_dir: Path,
    facts_line: Callable[[str], str | None] = lambda key: None,
) -> str:
    """Render one template; any failure becomes a TemplateError naming the template and line.

    ``facts_line`` gives where a dotted facts key is written (``facts.yaml:12``), if known.
    """
    shown = f"templates/{name}"
    try:
        return markdown.escape_values(env.get_template(name).render(context))
    except jinja2.TemplateSyntaxError as exc:
        where = f"templates/{exc.name or name}"
        hint = _unknown_name_hint(env, exc.message)
        raise TemplateError(
            Diagnostic(where, exc.lineno, 0, f"template syntax: {exc.message}", hint)
        ) from None
    except jinja2.TemplateNotFound as exc:
        message = f"no template named {exc.name!r}"
        raise _located(exc, shown, templates_dir, message, _NOT_FOUND) from None
    except SecurityError as exc:
        message = f"the template sandbox refused: {exc}"
        raise _located(exc, shown, templates_dir, message, _SANDBOX) from None
    except (
        jinja2.UndefinedError,
        jinja2.TemplateRuntimeError,
        cronspec.CronSyntaxError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
    ) as exc:
        text = str(exc.message if isinstance(exc, jinja2.TemplateError) else exc)
        if isinstance(exc, _PrintedNone):
            text = _printed_none(context)
        default = _UNDEFINED if isinstance(exc, jinja2.UndefinedError) else None
        hint = getattr(exc, "hint", default) or _unknown_name_hint(env, text)
        if isinstance(exc, _MissingMappingKey) and exc.near:
            hint = _misspelt_hint(exc.name, exc.near, facts_line(exc.near))
        raise _located(exc, shown, templates_dir, text, hint) from None


_NOT_FOUND = "check the name in the include or import against templates/"
# Jinja's words for a filter or test it does not have (when compiling, or in a branch it
# compiled without resolving the name).
_NO_SUCH = re.compile(r"No (filter|test) named '([^']*)'")


def _unknown_name_hint(env: jinja2.Environment, message: str | None) -> str | None:
    """For an unknown filter or test: the nearest one, and the generator's own."""
    match = _NO_SUCH.match(message or "")
    if not match:
        return None
    kind, name = match.groups()
    every, own = (env.filters, FILTERS) if kind == "filter" else (env.tests, TESTS)
    near = difflib.get_close_matches(name, sorted(every), n=1, cutoff=0.6)
    return (f"did you mean {near[0]!r}? " if near else "") + (
        f"the generator's {kind}s: {', '.join(sorted(own))}; Jinja's built-in {kind}s work too"
    )


_SANDBOX = "templates can read facts, not Python internals"


def _misspelt_hint(name: str, near: str, line: str | None) -> str:
    """Both places a misspelling can be: facts.yaml names a mapping's keys."""
    where = f" at {line}" if line else ""
    return (
        f"if facts.yaml misspells it, rename `{near}`{where} to `{name}`;"
        " otherwise correct the template"
    )


_UNDEFINED = "check the key's spelling against facts.yaml (python -m generator schema)"


def _located(
    exc: BaseException, shown: str, templates_dir: Path, message: str, hint: str | None
) -> TemplateError:
    """A TemplateError at the innermost template line of ``exc``'s traceback, with the lines
    that led there: an error inside a macro names the page line that called it."""
    frames = template_frames(exc, templates_dir)
    if not frames:
        return TemplateError(Diagnostic(shown, 0, 0, message, hint))
    path, line, _ = frames[-1]
    notes = tuple(
        f"{'included' if inner_is_top else 'called'} from"
        f" {_shown(outer, shown, templates_dir)}:{outer_line}"
        for (outer, outer_line, _), (_, _, inner_is_top) in zip(
            reversed(frames[:-1]), reversed(frames[1:]), strict=True
        )
    )
    return TemplateError(
        Diagnostic(_shown(path, shown, templates_dir), line, 0, message, hint, notes=notes)
    )


def _shown(path: str, fallback: str, templates_dir: Path) -> str:
    if not path:
        return fallback
    return "templates/" + Path(path).relative_to(templates_dir).as_posix()
