"""Facts that state one truth in several places must agree, or the pages contradict themselves.

Who deploys is stated four times (``deploy``, the change gate's deployers, the sync flow's
actors, each repo's ``deploy_role``), an invariant's check needs a subject of the right kind,
and a feed's writer script must be a file of the devops layout. Each disagreement is reported
at the facts.yaml line that would have to change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from generator.yamlsource import indexed, named

if TYPE_CHECKING:
    from generator.yamlsource import Key

Report = Callable[["Key", str, str], None]  # key, message, hint


def deploy_agreement(data: Mapping[str, Any], report: Report) -> None:
    """The change gate, the sync flow and the repos' roles name the one deploy host and repo."""
    deploy = data.get("deploy")
    if not isinstance(deploy, Mapping):
        return
    host, repo = deploy.get("host"), deploy.get("repo")
    if isinstance(host, str):
        change = f"make it {host!r}, or change deploy.host"
        for i, rule in indexed(data.get("change_gate")):
            deployer = rule.get("deployer")
            if rule.get("deploy") == "merge-and-deploy" and deployer not in (None, host):
                report(
                    ("change_gate", i, "deployer"),
                    f"this rule deploys, but deploy.host says only {host!r} deploys",
                    change,
                )
        for i, step in indexed(data.get("sync_flow")):
            actor, kind = step.get("actor"), step.get("step")
            if kind in ("merge", "deploy") and actor not in (None, host):
                report(
                    ("sync_flow", i, "actor"),
                    f"step {kind!r} is the deploying host's, and deploy.host is {host!r}",
                    change,
                )
            if kind == "open-pr" and actor == host:
                report(
                    ("sync_flow", i, "actor"),
                    f"{host!r} deploys (deploy.host), so it does not open PRs for others to deploy",
                    "name the host that opens the PR, or change deploy.host",
                )
    if isinstance(repo, str):
        for name, record in named(data.get("repos")):
            role = record.get("deploy_role")
            if role is None:
                continue  # left out, it follows deploy.repo (see model.build_facts)
            if (role == "deploys") != (name == repo):
                wanted = "deploys" if name == repo else "opens-prs or none"
                report(
                    ("repos", name, "deploy_role"),
                    f"deploy.repo is {repo!r}, so repo {name!r} must have deploy_role {wanted}",
                    "deploy_role 'deploys' belongs to deploy.repo alone",
                )


# What each invariant check needs its subject to be: a test of the subject's dotted key and
# value, and the words for the hint.
_SUBJECTS: dict[str, tuple[Callable[[str, Any], bool], str]] = {
    "forbidden-paths": (
        lambda key, value: key.startswith("repos.") and isinstance(value, Mapping),
        "a repo (repos.KEY)",
    ),
    "single-source": (
        lambda key, value: key.startswith("devops.folders.") and isinstance(value, Mapping),
        "a devops folder (devops.folders.KEY)",
    ),
    "deploy-location": (lambda key, value: key == "deploy", "the deploy rule (deploy)"),
    "retired-not-active": (
        lambda key, value: _component_status(key, value) == "retired",
        "a retired component (components.KEY with status retired)",
    ),
    "no-reference": (
        lambda key, value: _component_status(key, value) in ("retired", "removed"),
        "a retired or removed component (components.KEY)",
    ),
    "consistent-value": (
        lambda key, value: value is not None and not isinstance(value, Mapping | list),
        "one value, such as a host's address (hosts.KEY.ip)",
    ),
}


def invariant_subjects(
    data: Mapping[str, Any], resolve: Callable[[Any, str], Any], report: Report
) -> None:
    """Each invariant's id is unique and its subject is what its check is about."""
    seen: dict[str, int] = {}
    for i, invariant in indexed(data.get("invariants")):
        ident, check, subject = (invariant.get(f) for f in ("id", "check", "subject"))
        if isinstance(ident, str):
            if ident in seen:
                report(
                    ("invariants", i, "id"),
                    f"invariant id {ident!r} is already used by invariants[{seen[ident]}]",
                    "give each invariant its own id: pages link to it",
                )
            seen.setdefault(ident, i)
        if not isinstance(check, str) or not isinstance(subject, str) or check not in _SUBJECTS:
            continue
        try:
            value = resolve(data, subject)
        except KeyError:
            continue  # a subject that names no fact is reported on its own
        fits, wanted = _SUBJECTS[check]
        if not fits(subject, value):
            report(
                ("invariants", i, "subject"),
                f"check {check!r} needs {wanted}, not {subject!r}",
                "fix the subject, or choose the check that fits it",
            )


def feed_scripts(data: Mapping[str, Any], report: Report) -> None:
    """A feed's writer script is a file of some devops folder, when the layout lists files."""
    devops = data.get("devops")
    folders = devops.get("folders") if isinstance(devops, Mapping) else None
    if not isinstance(folders, Mapping):
        return
    listed = {
        file.rsplit("/", 1)[-1]
        for folder in folders.values()
        if isinstance(folder, Mapping)
        for file in folder.get("files") or ()
        if isinstance(file, str)
    }
    for name, feed in named(data.get("feeds")):
        writer = feed.get("writer")
        script = writer.get("script") if isinstance(writer, Mapping) else None
        if isinstance(script, str) and script not in listed:
            report(
                ("feeds", name, "writer", "script"),
                f"script {script!r} is not a file of any devops folder",
                "add it to the files of the devops folder that holds it, or fix the name",
            )


def _component_status(key: str, value: Any) -> Any:
    if key.startswith("components.") and isinstance(value, Mapping):
        return value.get("status")
    return None
