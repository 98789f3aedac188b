"""Analyst actions on the run in force: promote, map, merge, rename, mark as noise — and undo.

Each action is planned and applied while the taxonomy's edit lock is held: read the
taxonomy and the decisions, check the caller's version and cluster ids, compute the
changes (``{kind: "topic"|"cluster", key, before, after}``), write the taxonomy's next
version (when a topic changed), then the decisions, then the audit entry. Undo applies
an entry's changes backwards after checking that nothing changed them since.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from jobs.decisions import merge_targets
from topics.taxonomy import UNKNOWN, Taxonomy
from workbench.arguments import (
    check_owner,
    check_text,
    check_topic_id,
    clean_texts,
    new_topic,
    one_line,
    shown_text,
    topic_id_from_name,
)
from workbench.atomic import write_atomically
from workbench.audit import AuditLog
from workbench.clusters_view import check_cluster, cluster_payloads, current_run
from workbench.decisions import Decisions
from workbench.errors import ConcurrentEditError, UnknownClusterError, WorkbenchError
from workbench.paths import WorkbenchPaths
from workbench.taxonomy_file import TaxonomyFile, taxonomy_data

MAX_EXAMPLES = 8
MAX_NAME = 200
Change = dict[str, Any]


class WorkbenchActions:
    """The action API over a store and a data folder; ``on_taxonomy_change`` gets each new version."""

    def __init__(self, store, paths: WorkbenchPaths,
                 on_taxonomy_change: Callable[[Taxonomy], None] | None = None) -> None:
        self.store = store
        self.paths = paths
        self.taxonomy_file = TaxonomyFile(paths.taxonomy)
        self.log = AuditLog(paths.actions)
        self.decisions = Decisions(paths.decisions)
        self.on_taxonomy_change = on_taxonomy_change

    # --- actions -----------------------------------------------------------------
    def promote(self, cluster_id: str, *, owner: str, name_ru: str = "", name_en: str = "", group: str = "other",
                severity: int = 2, topic_id: str | None = None, description: str = "", who: str = "analyst",
                run_id: str | None = None, expected_version: int | str | None = None) -> dict[str, Any]:
        """A new topic from the cluster, its representative messages as examples; routing uses it next.

        A cluster mapped to another topic moves there: the examples its mapping added leave that topic."""
        # None for an optional field is its default; anything else that is not text is refused
        name_ru, name_en, group, description = name_ru or "", name_en or "", group or "other", description or ""
        for field, value in (("owner", owner), ("name_ru", name_ru), ("name_en", name_en), ("group", group),
                             ("description", description)):
            check_text(field, value)
        check_topic_id(topic_id)
        names = {k: visible for k, v in (("ru", name_ru), ("en", name_en)) if (visible := one_line(v))}
        if not names:
            raise WorkbenchError("name_ru, name_en: give the new topic a name in at least one language")
        if any(len(name) > MAX_NAME for name in names.values()):
            raise WorkbenchError(f"name_ru, name_en: a topic name has at most {MAX_NAME} characters")
        group = one_line(group) or "other"
        if isinstance(severity, bool) or not isinstance(severity, int) or not 1 <= severity <= 4:
            raise WorkbenchError(f"severity: must be a whole number 1 … 4, got {severity!r}")
        new_id = (topic_id or topic_id_from_name(names.get("en") or names["ru"])
                  or topic_id_from_name(f"topic_{cluster_id}")).strip()

        def plan(taxonomy: Taxonomy, decisions: dict, payloads: dict) -> list[Change]:
            check_owner(taxonomy, owner)
            earlier = decisions.get(cluster_id) or {}
            if earlier.get("decision") == "promoted" and _has_topic(taxonomy, earlier.get("topic")):
                raise WorkbenchError(f"cluster_id: cluster {cluster_id!r} was already promoted to topic "
                                     f"{earlier.get('topic')!r}; undo that action, or map the cluster to a topic")
            taken = next((t.id for t in taxonomy.topics if t.id.casefold() == new_id.casefold()), None)
            if taken:
                as_ = "" if taken == new_id else f" (as {taken!r}: ids that differ only in case count as one)"
                raise WorkbenchError(f"topic_id: {new_id!r} is already a topic{as_}; choose another id "
                                     "or map the cluster to it")
            if new_id == UNKNOWN:
                raise WorkbenchError(f"topic_id: {UNKNOWN!r} is reserved for messages no topic covers; choose "
                                     "another id")
            row = _target(cluster_id, decisions, payloads)
            topic = new_topic(id=new_id, names=names, group=group, owner=owner, severity=severity,
                               description=(shown_text(description) and description.strip()) or _description(row),
                               examples=_examples(row, decisions, payloads))
            return [*self._release_examples(cluster_id, earlier, taxonomy),
                    _change("topic", new_id, None, topic.model_dump()),
                    _decide(decisions, cluster_id, topic=new_id, owner=owner, decision="promoted")]

        params = {"topic_id": new_id, "owner": owner, "names": names, "group": group, "severity": severity}
        return self._act("promote", [cluster_id], params, plan, who, run_id, expected_version)

    def map_to_topic(self, cluster_id: str, topic_id: str, *, add_examples: bool = True, who: str = "analyst",
                     run_id: str | None = None, expected_version: int | str | None = None) -> dict[str, Any]:
        """The cluster belongs to an existing topic; its representatives join the topic's examples.

        A cluster mapped to another topic before moves: the examples that mapping added leave that topic.
        A promoted cluster is refused (its topic is made of it): undo the promotion first."""

        def plan(taxonomy: Taxonomy, decisions: dict, payloads: dict) -> list[Change]:
            try:
                topic = taxonomy.topic(topic_id)
            except KeyError:
                raise WorkbenchError(f"topic_id: {topic_id!r} is not a topic of the taxonomy") from None
            row = _target(cluster_id, decisions, payloads)
            earlier = decisions.get(cluster_id) or {}
            if (earlier.get("decision") == "promoted" and earlier.get("topic") != topic_id
                    and _has_topic(taxonomy, earlier.get("topic"))):
                raise WorkbenchError(f"cluster_id: cluster {cluster_id!r} was promoted to topic "
                                     f"{earlier['topic']!r}, which is made of its messages; undo that promotion "
                                     "first, then map the cluster")
            released = self._release_examples(cluster_id, earlier, taxonomy, keep=topic_id)
            changes = [*released,
                       _decide(decisions, cluster_id, topic=topic_id, owner=topic.owner, decision="mapped")]
            if add_examples:
                added = [e for e in _examples(row, decisions, payloads) if e not in topic.examples]
                if added:
                    after = topic.model_copy(update={"examples": [*topic.examples, *added]})
                    changes.insert(len(released), _change("topic", topic_id, topic.model_dump(),
                                                          after.model_dump()))
            return changes

        params = {"topic_id": topic_id, "add_examples": add_examples}
        return self._act("map", [cluster_id], params, plan, who, run_id, expected_version)

    def merge(self, cluster_id: str, others: list[str], *, who: str = "analyst", run_id: str | None = None,
              expected_version: int | str | None = None) -> dict[str, Any]:
        """``others`` are folded into ``cluster_id`` (their counts, keywords and examples join it)."""
        if isinstance(others, str) or not isinstance(others, list | tuple) or not all(
                isinstance(other, str) for other in others):
            raise WorkbenchError(f"others: give a list of cluster ids, got {others!r}")
        others = list(others)
        if not others:
            raise WorkbenchError("others: name at least one cluster to merge into this one")
        if cluster_id in others:
            raise WorkbenchError(f"others: cannot merge cluster {cluster_id!r} with itself")
        if len(set(others)) != len(others):
            raise WorkbenchError("others: a cluster is named more than once")

        def plan(taxonomy: Taxonomy, decisions: dict, payloads: dict) -> list[Change]:
            _target(cluster_id, decisions, payloads)
            for other in others:
                _target(other, decisions, payloads, field="others")
            return [_decide(decisions, other, merged_into=cluster_id) for other in others]

        return self._act("merge", [cluster_id, *others], {"others": others}, plan, who, run_id, expected_version,
                         check_ids={"others": others})

    def rename(self, cluster_id: str, name: str, *, who: str = "analyst", run_id: str | None = None,
               expected_version: int | str | None = None) -> dict[str, Any]:
        name = one_line(name)
        if not name or len(name) > 120:
            raise WorkbenchError("name: give a name of 1 … 120 characters")

        def plan(taxonomy: Taxonomy, decisions: dict, payloads: dict) -> list[Change]:
            _target(cluster_id, decisions, payloads)
            return [_decide(decisions, cluster_id, name=name)]

        return self._act("rename", [cluster_id], {"name": name}, plan, who, run_id, expected_version)

    def mark_noise(self, cluster_id: str, noise: bool = True, *, who: str = "analyst", run_id: str | None = None,
                   expected_version: int | str | None = None) -> dict[str, Any]:
        def plan(taxonomy: Taxonomy, decisions: dict, payloads: dict) -> list[Change]:
            _target(cluster_id, decisions, payloads)
            return [_decide(decisions, cluster_id, noise=bool(noise) or None)]

        return self._act("noise", [cluster_id], {"noise": bool(noise)}, plan, who, run_id, expected_version)

    def undo(self, n: int, *, who: str = "analyst") -> dict[str, Any]:
        """Reverse action ``n`` (recorded as a new entry); refused when a later action changed the same things."""
        if isinstance(n, bool) or not isinstance(n, int):
            raise WorkbenchError(f"n: expected an action number (the 'n' of an entry of actions()), got {n!r}")
        with self.taxonomy_file.locked():
            entry = self.log.entry(n)
            if n in self.log.undone():
                raise WorkbenchError(f"n: action {n} has already been undone")
            taxonomy, decisions = self.taxonomy_file.read(), self.decisions.read()
            later = [e for e in self.log.entries() if e["n"] > n]
            for change in entry["changes"]:
                if _current(taxonomy, decisions, change) != change["after"]:
                    raise ConcurrentEditError(_changed_since(change, n, later))
            _check_no_cluster_left_on_removed_topics(entry, decisions, n)
            self._check_unmerged_examples_unused(entry, n, later)
            inverse = [_change(c["kind"], c["key"], c["after"], c["before"]) for c in reversed(entry["changes"])]
            _check_restorable(inverse, taxonomy, decisions, n)
            return self._write("undo", entry["clusters"], {"action": entry["action"]}, inverse, who,
                               entry.get("run_id"), taxonomy, decisions, undo_of=n)

    def _check_unmerged_examples_unused(self, entry: dict[str, Any], n: int, later: list[dict[str, Any]]) -> None:
        """Undoing a merge must not leave a later topic holding the examples of a cluster no longer in it."""
        unmerged = [c["key"] for c in entry["changes"] if _unmerges(c)]
        if not unmerged:
            return
        payloads = cluster_payloads(self.store, current_run(self.paths.state_dir))
        undone = self.log.undone()
        in_force = [e for e in later if e["n"] not in undone]
        for cluster_id in unmerged:
            own = set(clean_texts(payloads.get(cluster_id, {}).get("examples", [])))
            for later_entry in in_force:
                topic = _topic_given_examples(later_entry, own)
                if topic:
                    raise ConcurrentEditError(
                        f"n: the examples of cluster {cluster_id!r}, merged by action {n}, went into topic {topic!r} "
                        f"by action {later_entry['n']}; undo the later actions first")

    def _release_examples(self, cluster_id: str, earlier: dict[str, Any], taxonomy: Taxonomy,
                          keep: str | None = None) -> list[Change]:
        """The change taking out of the topic a cluster is mapped to (unless it is ``keep``) the examples
        that mapping added, so that a cluster moved to another topic stops routing to the first."""
        old = earlier.get("topic") if earlier.get("decision") == "mapped" else None
        if not old or old == keep or not _has_topic(taxonomy, old):
            return []
        undone = self.log.undone()
        for entry in reversed(self.log.entries()):
            decided = [c for c in entry["changes"] if c["kind"] == "cluster" and c["key"] == cluster_id
                       and (c["after"] or {}).get("topic") == old and (c["before"] or {}).get("topic") != old]
            if entry["n"] in undone or not decided:
                continue
            added = {e for c in entry["changes"] if c["kind"] == "topic" and c["key"] == old and c["after"]
                     for e in c["after"].get("examples", []) if e not in (c["before"] or {}).get("examples", [])}
            topic = taxonomy.topic(old)
            if not added & set(topic.examples):
                return []
            after = topic.model_copy(update={"examples": [e for e in topic.examples if e not in added]})
            return [_change("topic", old, topic.model_dump(), after.model_dump())]
        return []

    def actions(self) -> list[dict[str, Any]]:
        undone = self.log.undone()
        return [{**e, "undone": e["n"] in undone} for e in self.log.entries()]

    # --- the common path -----------------------------------------------------------
    def _act(self, action: str, clusters: list[str], params: dict[str, Any], plan, who: str, run_id: str | None,
             expected_version, check_ids: dict[str, list[str]] | None = None) -> dict[str, Any]:
        with self.taxonomy_file.locked():
            taxonomy = self.taxonomy_file.read()
            self.taxonomy_file.check_version(taxonomy, expected_version)
            state = current_run(self.paths.state_dir)
            check_cluster(state, self.paths.state_dir, clusters[0], run_id)
            for field, ids in (check_ids or {}).items():
                for other in ids:
                    check_cluster(state, self.paths.state_dir, other, None, field)
            decisions = self.decisions.read()
            changes = plan(taxonomy, decisions, cluster_payloads(self.store, state))
            return self._write(action, clusters, params, changes, who, state.run_id, taxonomy, decisions)

    def _write(self, action, clusters, params, changes: list[Change], who, run_id, taxonomy: Taxonomy,
               decisions: dict, undo_of: int | None = None) -> dict[str, Any]:
        new_taxonomy = taxonomy
        kept = _Snapshot(self.taxonomy_file, self.decisions.path)
        try:  # the taxonomy, the decisions and the audit entry: all three, or none
            if any(c["kind"] == "topic" for c in changes):
                new_taxonomy = self.taxonomy_file.write(taxonomy, _with_topics(taxonomy, changes))
            cluster_changes = [c for c in changes if c["kind"] == "cluster"]
            if cluster_changes:
                updated = dict(decisions)
                for change in cluster_changes:
                    updated[change["key"]] = change["after"] or {}
                self.decisions.write(updated)
            entry = self.log.append({
                "who": one_line(who) or "analyst", "action": action, "run_id": run_id, "clusters": clusters,
                "params": params, "changes": changes,
                "taxonomy_version": {"before": taxonomy.version, "after": new_taxonomy.version}, "undo_of": undo_of})
        except BaseException:
            kept.restore()
            raise
        if new_taxonomy is not taxonomy and self.on_taxonomy_change:
            self.on_taxonomy_change(new_taxonomy)
        return entry


class _Snapshot:
    """The taxonomy and decisions files as they were before an action, to put back if it fails midway."""

    def __init__(self, taxonomy_file: TaxonomyFile, decisions: Path) -> None:
        self.texts = {path: path.read_text(encoding="utf-8") if path.exists() else None
                      for path in (taxonomy_file.path, decisions)}
        self.history = taxonomy_file.history
        self.versions = set(taxonomy_file.versions())

    def restore(self) -> None:
        for path, text in self.texts.items():
            if text is None:
                path.unlink(missing_ok=True)
            elif not path.exists() or path.read_text(encoding="utf-8") != text:
                write_atomically(path, text)
        if self.history.is_dir():
            for kept in self.history.glob("*.yaml"):
                if kept.stem not in self.versions:
                    kept.unlink()


def _change(kind: str, key: str, before: Any, after: Any) -> Change:
    return {"kind": kind, "key": key, "before": before, "after": after}


def _decide(decisions: dict, cluster_id: str, **fields: Any) -> Change:
    before = decisions.get(cluster_id) or None
    after = {k: v for k, v in {**(before or {}), **fields}.items() if v is not None} or None
    return _change("cluster", cluster_id, before, after)


def _current(taxonomy: Taxonomy, decisions: dict, change: Change) -> Any:
    if change["kind"] == "cluster":
        return decisions.get(change["key"]) or None
    try:
        return taxonomy.topic(change["key"]).model_dump()
    except KeyError:
        return None


def _with_topics(taxonomy: Taxonomy, changes: list[Change]) -> dict[str, Any]:
    data = taxonomy_data(taxonomy)
    topics = {t["id"]: t for t in data["topics"]}
    for change in changes:
        if change["kind"] != "topic":
            continue
        if change["after"] is None:
            topics.pop(change["key"], None)
        else:
            topics[change["key"]] = change["after"]
    data["topics"] = list(topics.values())
    return data


def _check_no_cluster_left_on_removed_topics(entry: dict[str, Any], decisions: dict, n: int) -> None:
    """Undoing action ``n`` must not remove a topic that a cluster outside the action is mapped to."""
    created = {c["key"] for c in entry["changes"] if c["kind"] == "topic" and c["before"] is None}
    own = {c["key"] for c in entry["changes"] if c["kind"] == "cluster"}
    for cluster_id, decision in sorted(decisions.items()):
        if cluster_id not in own and (decision or {}).get("topic") in created:
            raise ConcurrentEditError(f"n: cluster {cluster_id!r} was mapped to topic {decision['topic']!r} after "
                                      f"action {n} created it; undo the later actions first")


def _changed_since(change: Change, n: int, later: list[dict[str, Any]]) -> str:
    kind, key = change["kind"], change["key"]
    by = [e["n"] for e in later if any(c["kind"] == kind and c["key"] == key for c in e["changes"])]
    if by:
        return (f"n: {kind} {key!r} changed after action {n} (by action {by[-1]}); "
                "undo the later actions first")
    return (f"n: {kind} {key!r} was changed outside the workbench after action {n} (the taxonomy or decisions "
            "file edited by hand); it cannot be undone automatically")


def _unmerges(change: Change) -> bool:
    """Whether undoing ``change`` takes a cluster out of the cluster it was merged into."""
    into = (change["after"] or {}).get("merged_into") if change["kind"] == "cluster" else None
    return bool(into) and into != (change["before"] or {}).get("merged_into")


def _topic_given_examples(entry: dict[str, Any], examples: set[str]) -> str | None:
    """The topic to which ``entry`` added one of ``examples``, if any."""
    for change in entry["changes"]:
        if change["kind"] != "topic" or change["after"] is None:
            continue
        before = set((change["before"] or {}).get("examples", []))
        if examples & (set(change["after"].get("examples", [])) - before):
            return change["key"]
    return None


def _check_restorable(inverse: list[Change], taxonomy: Taxonomy, decisions: dict, n: int) -> None:
    """The state an undo would write must hold: no cluster on a missing topic, no merge cycle."""
    topics = {t.id for t in taxonomy.topics}
    for change in inverse:
        if change["kind"] == "topic":
            (topics.discard if change["after"] is None else topics.add)(change["key"])
    updated = {**decisions, **{c["key"]: c["after"] or {} for c in inverse if c["kind"] == "cluster"}}
    for change in inverse:
        after = (change["after"] or {}) if change["kind"] == "cluster" else {}
        if after.get("topic") and after["topic"] not in topics:
            raise ConcurrentEditError(
                f"n: undoing action {n} would point cluster {change['key']!r} at topic {after['topic']!r}, which is "
                "no longer in the taxonomy; promote or map the cluster again instead")
        if after.get("merged_into") and _merges_back(change["key"], updated):
            raise ConcurrentEditError(
                f"n: undoing action {n} would merge cluster {change['key']!r} into {after['merged_into']!r}, which "
                f"has been merged into {change['key']!r} since; undo that merge first")


def _merges_back(cluster_id: str, decisions: dict) -> bool:
    seen, current = {cluster_id}, cluster_id
    while (into := (decisions.get(current) or {}).get("merged_into")) and into not in seen:
        seen.add(into)
        current = into
    return into == cluster_id


def _has_topic(taxonomy: Taxonomy, topic_id: str | None) -> bool:
    return any(t.id == topic_id for t in taxonomy.topics)


def _target(cluster_id: str, decisions: dict, payloads: dict, field: str = "cluster_id") -> dict[str, Any]:
    if cluster_id not in payloads:
        raise UnknownClusterError(f"{field}: cluster {cluster_id!r} has no record in the run in force")
    into = (decisions.get(cluster_id) or {}).get("merged_into")
    if into:
        raise WorkbenchError(f"{field}: cluster {cluster_id!r} was merged into {into!r}; act on {into!r} "
                             "or undo the merge")
    return payloads[cluster_id]


def _examples(row: dict[str, Any], decisions: dict, payloads: dict) -> list[str]:
    texts = list(row.get("examples", []))
    for other, target in merge_targets(payloads, decisions).items():
        if target == row.get("cluster_id"):
            texts.extend(payloads[other].get("examples", []))
    return list(dict.fromkeys(clean_texts(texts)))[:MAX_EXAMPLES]


def _description(row: dict[str, Any]) -> str:
    keywords = ", ".join(row.get("keywords", [])[:6])
    return f"{row.get('name') or row.get('cluster_id')}: {keywords}".strip(": ")
