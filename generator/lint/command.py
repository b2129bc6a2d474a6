"""The ``lint`` subcommand: arguments, selection of rules, output and exit status."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from generator.errors import ExitCode, UsageError
from generator.facts import parse_facts
from generator.lint.baseline import load_baseline, new_findings, write_baseline
from generator.lint.config import load_config
from generator.lint.engine import Target, lint_targets
from generator.lint.formats import as_json, as_sarif, print_text
from generator.lint.knowledge import build_knowledge
from generator.lint.results import ResultCache, results_path, salt_for
from generator.lint.rules import RULES
from generator.model import Repo
from generator.project import read_source
from generator.repo_options import check_repo_options, split_repo_option
from generator.report import Reporter
from generator.targets import repo_key


def _rule_names(names: list[str]) -> set[str]:
    unknown = sorted(set(names) - set(RULES))
    if unknown:
        raise UsageError(
            f"unknown rule {', '.join(map(repr, unknown))}; rules: {', '.join(sorted(RULES))}"
        )
    return set(names)


def _targets(args: argparse.Namespace, repos: Mapping[str, Repo]) -> list[Target]:
    targets = []
    for given in args.repo:
        name, path = split_repo_option(given)  # as sync and check take it
        targets.append(Target(Path(path), repo_key(name, repos, f"--repo {given}")))
    paths = args.paths or ([] if targets else ["."])
    targets += [Target(Path(p)) for p in paths]
    missing = [t.path.as_posix() for t in targets if not t.path.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    return targets


def run(
    args: argparse.Namespace,
    reporter: Reporter,
    facts: Path,
    display: str,
    cache_root: Path | None = None,
) -> int:
    """Lint as ``args`` say; unchanged files' findings come from the cache under
    ``cache_root`` (the project's root) unless it is None or --no-cache is given."""
    if args.explain:
        rule = RULES.get(args.explain)
        if rule is None:
            _rule_names([args.explain])
            return ExitCode.BAD_INPUT
        reporter.line(f"{rule.id}: {rule.summary}\n\n{rule.explanation}")
        return ExitCode.OK
    enabled = frozenset(_rule_names(args.rule) or RULES) - _rule_names(args.skip_rule)
    check_repo_options(args.repo)  # before any work, named as sync and check name them
    raw = read_source(facts, display)  # read once: the knowledge and the cache key agree
    know = build_knowledge(parse_facts(raw, display).facts)
    targets = _targets(args, know.facts.repos)
    config = load_config(
        Path(args.config) if args.config else None, RULES, required=bool(args.config)
    )
    known = load_baseline(Path(args.baseline)) if args.baseline else None
    results = None
    if cache_root is not None and not args.no_cache:
        results = ResultCache(results_path(cache_root), salt_for(raw))
    outcome = lint_targets(
        targets, know, enabled, config, results, include_generated=args.include_generated
    )
    if results is not None:
        results.save()
        reporter.detail(f"{results.hits} of {outcome.files} file(s) reused from the lint cache")
    if args.write_baseline:
        write_baseline(Path(args.write_baseline), outcome.findings)
        reporter.info(f"wrote {args.write_baseline}: {len(outcome.findings)} finding(s) recorded")
        return ExitCode.OK
    findings = new_findings(outcome.findings, known) if known is not None else outcome.findings
    if args.format == "json":
        reporter.out.write(as_json(findings))
    elif args.format == "sarif":
        reporter.out.write(as_sarif(findings, list(RULES.values())))
    else:
        print_text(findings, outcome.files, reporter, outcome.generated)
    return ExitCode.DRIFT if findings else ExitCode.OK
