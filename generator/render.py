"""The rendering pipeline: template → Markdown → mdformat → generated notice → bytes."""

from __future__ import annotations

import multiprocessing
import os
import posixpath
import signal
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from generator.errors import WorkerError
from generator.facts import LoadedFacts
from generator.markdown import split_front_matter
from generator.normalise import by_section, normalise
from generator.outputs import NOTICE_MARK, Output, plan_outputs
from generator.project import Project
from generator.provenance import INDEX_PAGE, FactIndex, anchor_ids, build_index
from generator.reference import Reference, reference
from generator.targets import copy_outputs, declared_targets, finish_copy, targets_by_repo
from generator.templating import make_environment, render_template
from generator.tracking import Reads, track

# A read of the whole facts document, its order included (only the fact index makes it).
ALL_FACTS = "\0all facts"


# What a page's notice tells its reader to do instead of editing it.
PAGE_ADVICE = "change facts.yaml or the template, then run make render"


def notice(output: Output) -> str:
    """The comment every generated page starts with (after its front matter)."""
    return f"<!-- {NOTICE_MARK} (templates/{output.template}): do not edit; {PAGE_ADVICE} -->"


@dataclass(frozen=True)
class Rendered:
    output: Output
    text: str
    reads: tuple[str, ...]  # dotted facts keys the template read, in first-read order
    shapes: frozenset[str] = frozenset()  # of those, the containers only iterated or counted

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8")


def _insert_notice(text: str, output: Output) -> str:
    """The page with its notice after any front matter. No hash of the page goes in it (a
    sibling-repo copy carries one): it would change on every render, so any two branches that
    both rendered a page would conflict on that line. The manifest keeps the hash instead."""
    head, body = split_front_matter(text)
    if head:
        return f"{head}{notice(output)}\n\n{body.lstrip(chr(10))}"
    return f"{notice(output)}\n\n{text}"


def source_keys(reads: tuple[str, ...], fact_keys: frozenset[str]) -> list[str]:
    """The facts a page is built from, at record level (``hosts.home_vm``), sorted.

    Only keys in ``fact_keys`` are facts to list. A page also reads keys that are absent or
    are not facts (the provenance probes of ``last_verified``, such as ``hosts.source``, or
    the ``targets`` settings), so that it is rendered again when they change; those reads are
    kept for that, but a footer naming them would name facts that do not exist.
    """
    return sorted({k for k in (".".join(key.split(".")[:2]) for key in reads) if k in fact_keys})


def _footer(keys: list[str], index_href: str) -> str:
    # Each key links to its entry on the fact index, when the project has one.
    listed = ", ".join(
        f"[`{key}`]({index_href}#{key})" if index_href else f"`{key}`" for key in keys
    )
    return f"\n\n*Generated from `facts.yaml`: {listed}.*\n"


# Wraps the outputs being rendered (items, label, total): Reporter.progress fits.
Progress = Callable[[Iterable["Rendered"], str, int], Iterable["Rendered"]]


class Renderer:
    """Renders the outputs of one project from one set of facts."""

    def __init__(
        self,
        project: Project,
        loaded: LoadedFacts,
        *,
        formatter: Callable[[str], str] = normalise,
        bytecode_dir: Path | None = None,
        templates: Mapping[str, bytes] | None = None,
    ) -> None:
        self.project = project
        self.loaded = loaded
        self.format = formatter
        self.env = make_environment(project.templates_dir, bytecode_dir, templates)
        declared = declared_targets(loaded, project.templates_dir)
        # Pages from the templates folder, and this repo's copies of the sibling repos' files.
        self.outputs = sorted(
            [*plan_outputs(project.templates_dir), *copy_outputs(loaded, declared)]
        )
        self.known = frozenset(o.path for o in self.outputs)
        self.targets = targets_by_repo(declared)
        # The keys `where` accepts, each fact and each key above one: the fact index's anchors.
        self.fact_keys = anchor_ids(loaded.facts)

    @classmethod
    def cached(
        cls, project: Project, loaded: LoadedFacts, templates: Mapping[str, bytes] | None = None
    ) -> Renderer:
        """A renderer that keeps formatted text and compiled templates in the project's cache.

        ``templates``, the bytes of the template files as the run digested them, are rendered
        instead of reading the files again.
        """
        from generator import cache
        from generator.normalise import CachedNormaliser

        folder = cache.cache_dir(project.root)
        # Both keyed by the generator's own code too: a change to the formatter's options or
        # the environment's (which Jinja's bytecode cache does not key on) must miss.
        code = cache.source_digest()
        formatter = CachedNormaliser(cache.formatted_dir(project.root), code)
        bytecode = cache.current_subfolder(folder / "templates", code[:16])
        return cls(project, loaded, formatter=formatter, bytecode_dir=bytecode, templates=templates)

    @cached_property
    def reference(self) -> Reference:
        """The generator's own CLI and schema, for the reference pages (not facts: no footer).

        Built on first use: a run that reuses every output never pays for it.
        """
        return reference()

    def _facts_line(self, dotted: str) -> str | None:
        """Where the facts key at ``dotted`` is written, as ``facts.yaml:LINE``."""
        document = self.loaded.document
        key = tuple(int(p) if p.isdigit() else p for p in dotted.split("."))
        position = document.keys.get(key)
        return f"{document.path}:{position.line}" if position else None

    def render(self, output: Output, index: FactIndex | None = None) -> Rendered:
        reads = Reads()
        context = {
            "facts": track(self.loaded.facts, "", reads),
            "output_path": output.path,
            "known_outputs": self.known,
            "reference": self.reference,
            # What the sibling repos receive; tracked as the facts.yaml keys it comes from.
            "targets": track(self.targets, "targets", reads),
        }
        if output.repo:
            context["repo"] = track(
                self.loaded.facts.repos[output.repo], f"repos.{output.repo}", reads
            )
        if index is not None:
            context["index"] = index
        body = render_template(
            self.env, output.template, context, self.project.templates_dir, self._facts_line
        )
        keys = tuple(reads.ordered())  # `raw` cannot be read: tracking refuses it
        shapes = reads.shapes_only()
        if index is not None:  # the index states every fact; it is its own footer
            text = by_section(body, self.format)  # one fact changes one section's rows
            # It also shows what no page reads (a record's source, the order of keys, keys
            # nothing uses): it reads the whole document too.
            return Rendered(output, _insert_notice(text, output), (*index.keys, ALL_FACTS))
        if output.repo:
            return Rendered(output, finish_copy(output, body, self.format), keys, shapes)
        listed = source_keys(keys, self.fact_keys) if output.is_page else []
        if listed:
            href = (
                posixpath.relpath(INDEX_PAGE, posixpath.dirname(output.path))
                if INDEX_PAGE in self.known
                else ""
            )
            body = body.rstrip("\n") + _footer(listed, href)
        text = _insert_notice(self.format(body), output)
        return Rendered(output, text, keys, shapes)

    def render_all(
        self,
        reuse: Callable[[Output], Rendered | None] | None = None,
        progress: Progress | None = None,
    ) -> list[Rendered]:
        """Every output in plan order; the fact index last, from the others' reads.

        ``reuse`` may supply an output without rendering it (see reuse.py); the fact index
        depends on every other output's reads, so it is always rendered. ``progress`` wraps
        the outputs as they are rendered (a bar on a terminal: see Reporter.progress).
        """
        done: dict[str, Rendered] = {}
        todo: list[Output] = []
        for output in self.outputs:
            if output.path == INDEX_PAGE:
                continue
            reused = reuse(output) if reuse else None
            if reused is None:
                todo.append(output)
            else:
                done[output.path] = reused
        rendering: Iterable[Rendered] = self._render_many(todo)
        if progress is not None:
            rendering = progress(rendering, "rendering", len(todo))
        done.update((r.output.path, r) for r in rendering)
        rendered = [done[o.path] for o in self.outputs if o.path in done]
        for output in self.outputs:
            if output.path == INDEX_PAGE:
                # With every other output reused, the index can be too (its reads are every
                # fact); it is by far the most expensive page to build on a large site.
                reused = reuse(output) if reuse and not todo else None
                if reused is None:
                    reused = self.render(output, build_index(rendered, self.loaded.facts))
                rendered.append(reused)
        return sorted(rendered, key=lambda r: r.output.path)

    def _render_many(self, outputs: list[Output]) -> Iterator[Rendered]:
        """Render on up to MAX_WORKERS cores when there is enough work to pay for starting them.

        Yields in the order of ``outputs``, each as soon as it and those before it are done.
        """
        workers = min(os.cpu_count() or 1, MAX_WORKERS)
        if len(outputs) < PARALLEL_FROM or workers < 2 or not _can_fork():
            yield from (self.render(o) for o in outputs)
            return
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        global _WORKER_RENDERER
        _WORKER_RENDERER = self
        # Not multiprocessing.Pool: it waits forever for the work of a worker that was killed.
        pool = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("fork"), initializer=_worker_start
        )
        try:
            yield from pool.map(_render_in_worker, outputs, chunksize=8)
        except BrokenProcessPool:
            raise WorkerError(
                "a rendering process died (killed, or out of memory); nothing was written"
            ) from None
        finally:
            # Stopped early (an error, Ctrl-C, a consumer that is done): drop what is queued.
            pool.shutdown(wait=True, cancel_futures=True)
            _WORKER_RENDERER = None


PARALLEL_FROM = 64  # below this, forking workers costs more than it saves
MAX_WORKERS = 4
_WORKER_RENDERER: Renderer | None = None


def _worker_start() -> None:
    # Ctrl-C is the parent's to handle: workers that also raised it printed tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(os.getppid())


def _die_with_parent(parent: int) -> None:
    """End this worker when the render that forked it is killed (SIGKILL, a CI timeout):
    left alone it would wait forever, holding the caller's output pipe open."""
    import ctypes

    try:  # Linux: the kernel sends the signal the moment the parent dies
        # The process's own symbols, libc's among them: ctypes.util.find_library would run
        # ldconfig in a subprocess from every worker.
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL) == 0 and os.getppid() == parent:
            return
    except (OSError, AttributeError):
        pass
    import threading

    def watch() -> None:  # elsewhere: notice the parent is gone within a second
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _render_in_worker(output: Output) -> Rendered:
    assert _WORKER_RENDERER is not None
    return _WORKER_RENDERER.render(output)
