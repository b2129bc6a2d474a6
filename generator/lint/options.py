"""The lint command's options, apart from the linter so that building the parser stays cheap."""

from __future__ import annotations

import argparse

FORMATS = ("text", "json", "sarif")

SUMMARY = "Find hand-written Markdown that contradicts facts.yaml (exit 1 when anything is found)."
EXAMPLE = "python -m generator lint docs README.md --repo web=../web"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="Markdown file or folder (default: .)"
    )
    parser.add_argument(
        "--repo",
        action="append",
        default=[],
        metavar="KEY=PATH",
        help="lint the checkout of repos.KEY at PATH, and check its tree against the facts",
    )
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format")
    parser.add_argument(
        "--rule", action="append", default=[], metavar="RULE", help="run only this rule"
    )
    parser.add_argument(
        "--skip-rule", action="append", default=[], metavar="RULE", help="do not run this rule"
    )
    parser.add_argument(
        "--baseline", metavar="FILE", help="report only findings that FILE does not record"
    )
    parser.add_argument(
        "--write-baseline", metavar="FILE", help="record every current finding in FILE, exit 0"
    )
    parser.add_argument(
        "--config", metavar="FILE", help="lint configuration (default: .drift.yaml if present)"
    )
    parser.add_argument("--explain", metavar="RULE", help="explain RULE and exit")
    parser.add_argument(
        "--include-generated",
        action="store_true",
        help="also lint files the generator wrote whole (skipped by default: check covers them)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="lint every file afresh, neither reading nor writing .cache/generator/lint",
    )
