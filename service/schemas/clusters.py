"""Schemas of the cluster, client-debt and re-clustering routes."""

from __future__ import annotations

from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from clustering.pipeline import ClusterPipeline

JOB_DEFAULTS = ClusterPipeline.DEFAULTS  # the nightly job's defaults, the same for a run on demand

Status = Literal["emerging", "new", "growing", "stable", "fading"]
RankBy = Literal["size", "growth", "negative"]
SPAN = r"^\s*\d+[dDhH]\s*$"


class ClusterBase(BaseModel):
    id: str = Field(description="Stable cluster id, kept from run to run while the cluster goes on.")
    name: str
    keywords: list[str]
    size: int = Field(description="Messages of the run's window in this cluster.")
    status: Literal["new", "growing", "stable", "fading"]
    emerging: bool = Field(description="New, growing, or with a sentiment shift.")
    recent: int = Field(description="Contacts in the recent period (default the last 7 days).")
    growth_ratio: float = Field(description="Recent contacts / those the baseline rate expects.")
    negative_share: float
    sentiment_shift: bool = Field(description="The negative share rose clearly against the baseline.")
    mapping: str = Field(description='"mapped" (most of its messages were routed to one topic), "promoted" or '
                                     '"mapped" by an analyst\'s decision, or "unmapped: candidate new topic".')
    topic: str | None
    owner: str | None
    first_seen: str | None
    last_seen: str | None
    decision: str | None = Field(None, description='An analyst\'s decision: "promoted" to a new topic or "mapped" '
                                                   'to one; the topic and owner above follow it.')
    noise: bool = Field(False, description="An analyst marked the cluster as noise; it is left out of the "
                                           "emerging list.")
    merged: list[str] = Field(default_factory=list,
                              description="Clusters an analyst merged into this one; their counts are included.")


class ClusterSummary(ClusterBase):
    pass


class ClusterList(BaseModel):
    run_id: str | None = Field(description="The run in force; null before the first run.")
    window: list[str] | None = Field(None, description="[since, until) of the run in force.")
    status: Status | None
    rank_by: RankBy
    total: int
    offset: int
    limit: int
    clusters: list[ClusterSummary]
    detail: str | None = None


class ClusterDetail(ClusterBase):
    run_id: str
    examples: list[str] = Field(description="Representative messages, nearest the centroid first.")
    example_ids: list[str]
    daily_counts: dict[str, int]
    daily_negative: dict[str, int] = Field(default_factory=dict)
    sentiment_mix: dict[str, float]
    mean_rating: float | None = Field(description="Normalised 0 (worst) … 1 (best); null when nothing was rated.")
    channels: dict[str, int]
    repeat_contacts: int
    topic_share: float = Field(description="Share of the cluster's messages given the mapped topic on arrival.")
    growth: dict[str, Any]
    sentiment_trend: dict[str, Any] = Field(description="Negative share recent vs baseline, with its z-score.")
    window: list[str]
    merged_into: str | None = Field(None, description="An analyst merged this cluster into that one; it is "
                                                      "counted there and left out of the listing.")


class ReclusterRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    since: str = Field("30d", description="Window start: a span back from `until` (30d, 12h) or an ISO date/time.")
    until: str = Field("now", description="Window end (excluded): 'now' or an ISO date/time.")
    min_cluster_size: int = Field(cast(int, JOB_DEFAULTS["min_cluster_size"]), ge=2, le=10_000)
    max_fit: int = Field(cast(int, JOB_DEFAULTS["max_fit"]), ge=100,
                         description="Fit on a sample of this many; assign the rest by centroid.")


class ReclusterStatus(BaseModel):
    state: Literal["idle", "running", "finished", "failed"]
    since: str | None = None
    until: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    report: dict[str, Any] | None = Field(None, description="The run report, as `voc recluster --json` writes it.")
    error: str | None = None
    error_type: str | None = None
    next_scheduled_at: str | None = Field(None, description="When the service starts its next daily run "
                                                            "(VOC_RECLUSTER_DAILY_AT); null when that is off.")
