"""The drift linter: hand-written Markdown checked against the facts in facts.yaml."""
