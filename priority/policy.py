"""Priority: a 0–100 score, a level P1–P4 and human-readable reasons, from a policy file.

The default policy (``priority/default_policy.yaml``) documents every weight. A score is
the sum of the components below, clipped to 0–100; the level comes from thresholds.
The computation is a pure function of its inputs, so the same message in the same state
always gets the same priority. The reasons add up to the score: each shows the whole points
it contributed, and a score held at 100 ends with the points the cap took away.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.errors import VocError

DEFAULT_POLICY = Path(__file__).with_name("default_policy.yaml")
MAX_SCORE = 100
MAX_WINDOW_DAYS = 3650

# A typo in a key is refused rather than ignored; a weight of another type (true, "30") is refused
# rather than converted; no single component may weigh more than the whole score.
_STRICT = ConfigDict(extra="forbid", strict=True)
Points = Annotated[float, Field(ge=0, le=MAX_SCORE, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Severity = Annotated[int, Field(ge=1, le=4)]
ClusterStatus = Literal["new", "growing", "stable", "fading"]


class PolicyError(VocError):
    """A policy file that cannot be used; the message names the file and the field."""


class Levels(BaseModel):
    model_config = _STRICT

    P1: Points = 70
    P2: Points = 45
    P3: Points = 25

    @model_validator(mode="after")
    def _ordered(self) -> Levels:
        if not self.P1 > self.P2 > self.P3 >= 0:
            raise ValueError(f"levels must satisfy P1 > P2 > P3 >= 0, got P1={self.P1:g}, P2={self.P2:g}, "
                             f"P3={self.P3:g}")
        return self


# The defaults of the mappings below: a file that names some of their keys changes those and keeps
# the rest (as for every other setting); a 0 takes a key's points away.
DEFAULT_SEVERITY: dict[int, float] = {1: 0.0, 2: 5.0, 3: 12.0, 4: 20.0}
DEFAULT_SEGMENTS: dict[str, float] = {"vip": 10.0, "new": 5.0}
DEFAULT_CLUSTER_STATUS: dict[str, float] = {"new": 8.0, "growing": 10.0}


class PriorityPolicy(BaseModel):
    model_config = _STRICT

    negative_sentiment: Points = Field(35, description="points at full negative strength")
    negative_threshold: Share = Field(0.5, description="negative probability that starts to count")
    low_rating: Points = Field(20, description="points for the worst rating on its scale")
    low_rating_below: Share = Field(0.5, description="normalised satisfaction under which it counts")
    nps_detractor: Points = Field(5, description="extra points for an NPS detractor (0–6)")
    severity: dict[Severity, Points] = Field(default_factory=lambda: dict(DEFAULT_SEVERITY))
    repeat_contact: Points = Field(15, description="same customer, same topic within repeat_window_days")
    repeat_window_days: int = Field(7, ge=1, le=MAX_WINDOW_DAYS)
    frequent_contacter: Points = Field(10, description="extra points from frequent_contacts repeats")
    frequent_contacts: int = Field(3, ge=2)
    segments: dict[str, Points] = Field(default_factory=lambda: dict(DEFAULT_SEGMENTS))
    cluster_status: dict[ClusterStatus, Points] = Field(default_factory=lambda: dict(DEFAULT_CLUSTER_STATUS))
    levels: Levels = Field(default_factory=Levels)

    @field_validator("severity", mode="after")
    @classmethod
    def _severity_over_defaults(cls, severity: dict[int, float]) -> dict[int, float]:
        return {**DEFAULT_SEVERITY, **severity}

    @field_validator("cluster_status", mode="after")
    @classmethod
    def _cluster_status_over_defaults(cls, statuses: dict[str, float]) -> dict[str, float]:
        return {**DEFAULT_CLUSTER_STATUS, **statuses}

    @field_validator("segments", mode="after")
    @classmethod
    def _segments_in_one_case(cls, segments: dict[str, float]) -> dict[str, float]:
        """Segment names match whatever their case ("VIP" and "vip" are one segment)."""
        folded: dict[str, float] = {}
        for name, points in segments.items():
            key = segment_key(name)
            if not key:
                raise ValueError("a segment name is empty")
            if key in folded:
                raise ValueError(f"segment {name!r} is given twice (names match whatever their case)")
            folded[key] = points
        return {**DEFAULT_SEGMENTS, **folded}


@dataclass(frozen=True)
class PrioritySignals:
    """What the priority depends on; every field optional but the sentiment."""

    negative_probability: float
    satisfaction: float | None = None  # rating normalised to 0 (worst) … 1 (best)
    nps_detractor: bool = False
    topic_severity: int | None = None
    topic_name: str | None = None
    repeat_contacts: int = 0  # earlier contacts of this customer on this topic in the window
    segment: str | None = None
    cluster_status: str | None = None


@dataclass(frozen=True)
class Priority:
    score: int
    level: str
    reasons: list[str] = field(default_factory=list)


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice in one mapping (YAML keeps the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int | float) and key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark, f"found the key {key!r} twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_policy(path: Path | None = None) -> PriorityPolicy:
    path = path or DEFAULT_POLICY
    data = _read_mapping(path)
    try:
        return PriorityPolicy.model_validate(data)
    except ValidationError as error:
        raise PolicyError(f"priority policy {path} is invalid: {_problems(error)}") from error


def _read_mapping(path: Path) -> dict:
    try:
        stream = io.StringIO(path.read_text(encoding="utf-8"))
        stream.name = str(path)  # YAML errors then say "in <path>, line …"
        data = yaml.load(stream, Loader=_UniqueKeyLoader)  # a SafeLoader
    except FileNotFoundError as error:
        raise PolicyError(f"priority policy {path} does not exist") from error
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyError(f"priority policy {path} cannot be read: {error}") from error
    except yaml.YAMLError as error:
        raise PolicyError(f"priority policy {path} is invalid: {error}") from error
    if data is None:
        raise PolicyError(f"priority policy {path} is empty; leave VOC_PRIORITY_POLICY unset for the shipped "
                          "default, or write the settings that differ from it")
    if not isinstance(data, dict):
        raise PolicyError(f"priority policy {path} is invalid: expected a mapping of settings "
                          f"(negative_sentiment: 35, …), got {_yaml_kind(data)}")
    return data


def _yaml_kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a text"
    return "true/false" if isinstance(value, bool) else "a number"


def _problems(error: ValidationError) -> str:
    """Each problem as ``field: what is wrong``, an unknown key named as such."""
    problems = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"] if part != "[key]") or "policy"
        message = "unknown key (a typo?)" if item["type"] == "extra_forbidden" else item["msg"]
        message = message.removeprefix("Value error, ")
        problems.append(f"{location}: {message}")
    return "; ".join(problems)


def segment_key(segment: str) -> str:
    return segment.strip().casefold()


def compute_priority(signals: PrioritySignals, policy: PriorityPolicy) -> Priority:
    parts = _components(signals, policy)
    total = sum(points for points, _ in parts)
    score = _round_half_up(min(float(MAX_SCORE), max(0.0, total)))
    return Priority(score=score, level=level_for(score, policy), reasons=_reasons(parts, score))


def _components(signals: PrioritySignals, policy: PriorityPolicy) -> list[tuple[float, str]]:
    """The points of each signal that counts, with what to call it."""
    parts: list[tuple[float, str]] = []
    negative = _unit(signals.negative_probability)
    if negative >= policy.negative_threshold:
        strength = (negative - policy.negative_threshold) / (1 - policy.negative_threshold or 1)
        points = policy.negative_sentiment * (0.5 + 0.5 * strength)
        parts.append((points, f"negative sentiment ({negative:.0%})"))
    satisfaction = _unit(signals.satisfaction) if signals.satisfaction is not None else None
    if satisfaction is not None and satisfaction < policy.low_rating_below:
        points = policy.low_rating * (1 - satisfaction / policy.low_rating_below)
        parts.append((points, f"low rating ({satisfaction:.0%} of the scale)"))
    if signals.nps_detractor:
        parts.append((policy.nps_detractor, "NPS detractor"))
    if signals.topic_severity is not None:
        points = policy.severity.get(signals.topic_severity, 0)
        topic = f" of topic '{signals.topic_name}'" if signals.topic_name else ""
        parts.append((points, f"severity {signals.topic_severity}{topic}"))
    if signals.repeat_contacts > 0:
        parts.append((policy.repeat_contact,
                      f"repeat contact: {signals.repeat_contacts} earlier on this topic in "
                      f"{policy.repeat_window_days} days"))
        if signals.repeat_contacts + 1 >= policy.frequent_contacts:
            parts.append((policy.frequent_contacter, "frequent contacter: route to the second line"))
    segment = (signals.segment or "").strip()
    if segment_key(segment) in policy.segments:
        parts.append((policy.segments[segment_key(segment)], f"customer segment '{segment}'"))
    if signals.cluster_status in policy.cluster_status:
        parts.append((policy.cluster_status[signals.cluster_status], f"{signals.cluster_status} cluster"))
    return parts


def _unit(value: float) -> float:
    """A probability or share held to 0–1, so no component gives more than its weight."""
    return min(1.0, max(0.0, value)) if not math.isnan(value) else 0.0


def _reasons(parts: list[tuple[float, str]], score: int) -> list[str]:
    """One ``+N text`` per component, largest first, whose whole points add up to the score."""
    whole = _whole_points([points for points, _ in parts])
    ranked = sorted(zip(whole, parts), key=lambda item: -item[1][0])
    reasons = [f"+{points} {text}" for points, (_, text) in ranked if points > 0]
    capped = sum(whole) - score
    if capped > 0:
        reasons.append(f"-{capped} capped: the score is at most {MAX_SCORE}")
    return reasons


def _whole_points(points: list[float]) -> list[int]:
    """Whole numbers, each its value rounded down or up, that add up to the rounded total: the
    largest remainders round up (the earlier component on a tie)."""
    floors = [math.floor(value) for value in points]
    missing = _round_half_up(sum(points)) - sum(floors)
    by_remainder = sorted(range(len(points)), key=lambda index: (-(points[index] - floors[index]), index))
    for index in by_remainder[:max(0, missing)]:
        floors[index] += 1
    return floors


def _round_half_up(value: float) -> int:
    """The nearest whole number, a half always up: round() takes a half to the even number, which
    would score 22.5 points as 22 but 23.5 as 24, and show a 17.5-point reason as +18 alone but +17
    beside a 5-point one."""
    return math.floor(value + 0.5)


def level_for(score: float, policy: PriorityPolicy) -> str:
    levels = policy.levels
    if score >= levels.P1:
        return "P1"
    if score >= levels.P2:
        return "P2"
    if score >= levels.P3:
        return "P3"
    return "P4"
