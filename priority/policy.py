"""Priority: a 0–100 score, a level P1–P4 and human-readable reasons, from a policy file.

The default policy (``priority/default_policy.yaml``) documents every weight. A score is
the sum of the components below, clipped to 0–100; the level comes from thresholds.
The computation is a pure function of its inputs, so the same message in the same state
always gets the same priority.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from core.errors import VocError

DEFAULT_POLICY = Path(__file__).with_name("default_policy.yaml")


class PolicyError(VocError):
    """A policy file that cannot be used; the message names the file and the field."""


class Levels(BaseModel):
    P1: float = 70
    P2: float = 45
    P3: float = 25

    @model_validator(mode="after")
    def _ordered(self) -> Levels:
        if not self.P1 > self.P2 > self.P3 >= 0:
            raise ValueError("levels must satisfy P1 > P2 > P3 >= 0")
        return self


class PriorityPolicy(BaseModel):
    negative_sentiment: float = Field(35, ge=0, description="points at full negative strength")
    negative_threshold: float = Field(0.5, ge=0, le=1, description="negative probability that starts to count")
    low_rating: float = Field(20, ge=0, description="points for the worst rating on its scale")
    low_rating_below: float = Field(0.5, ge=0, le=1, description="normalised satisfaction under which it counts")
    nps_detractor: float = Field(5, ge=0, description="extra points for an NPS detractor (0–6)")
    severity: dict[int, float] = Field(default_factory=lambda: {1: 0, 2: 5, 3: 12, 4: 20})
    repeat_contact: float = Field(15, ge=0, description="same customer, same topic within repeat_window_days")
    repeat_window_days: int = Field(7, ge=1)
    frequent_contacter: float = Field(10, ge=0, description="extra points from frequent_contacts repeats")
    frequent_contacts: int = Field(3, ge=2)
    segments: dict[str, float] = Field(default_factory=lambda: {"vip": 10, "new": 5})
    cluster_status: dict[str, float] = Field(default_factory=lambda: {"new": 8, "growing": 10})
    levels: Levels = Field(default_factory=Levels)


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


def load_policy(path: Path | None = None) -> PriorityPolicy:
    path = path or DEFAULT_POLICY
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return PriorityPolicy.model_validate(data)
    except FileNotFoundError as error:
        raise PolicyError(f"priority policy {path} does not exist") from error
    except (yaml.YAMLError, ValidationError) as error:
        raise PolicyError(f"priority policy {path} is invalid: {error}") from error


def compute_priority(signals: PrioritySignals, policy: PriorityPolicy) -> Priority:
    parts: list[tuple[float, str]] = []
    if signals.negative_probability >= policy.negative_threshold:
        strength = (signals.negative_probability - policy.negative_threshold) / (1 - policy.negative_threshold or 1)
        points = policy.negative_sentiment * (0.5 + 0.5 * strength)
        parts.append((points, f"negative sentiment ({signals.negative_probability:.0%})"))
    if signals.satisfaction is not None and signals.satisfaction < policy.low_rating_below:
        points = policy.low_rating * (1 - signals.satisfaction / policy.low_rating_below)
        parts.append((points, f"low rating ({signals.satisfaction:.0%} of the scale)"))
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
    if signals.segment and signals.segment.lower() in policy.segments:
        parts.append((policy.segments[signals.segment.lower()], f"customer segment '{signals.segment}'"))
    if signals.cluster_status in policy.cluster_status:
        parts.append((policy.cluster_status[signals.cluster_status], f"{signals.cluster_status} cluster"))
    score = int(round(min(100.0, max(0.0, sum(points for points, _ in parts)))))
    reasons = [f"+{round(points)} {text}" for points, text in sorted(parts, key=lambda p: -p[0]) if points > 0]
    return Priority(score=score, level=level_for(score, policy), reasons=reasons)


def level_for(score: float, policy: PriorityPolicy) -> str:
    levels = policy.levels
    if score >= levels.P1:
        return "P1"
    if score >= levels.P2:
        return "P2"
    if score >= levels.P3:
        return "P3"
    return "P4"
