"""Request bodies of the workbench routes (analyst actions on the run's clusters)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

Id = Field(min_length=1, max_length=120)


class ActionBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    who: str | None = Field(None, max_length=120, description="Who decides (recorded in the audit log).")
    run_id: str | None = Field(None, max_length=40, description="The run the analyst looked at; refused if superseded.")
    taxonomy_version: int | str | None = Field(
        None, description="The taxonomy version the analyst saw; refused with 409 when it changed meanwhile.")


class PromoteRequest(ActionBase):
    owner: str = Field(min_length=1, max_length=120, description="An owner id of the taxonomy.")
    name_ru: str = Field("", max_length=200)
    name_en: str = Field("", max_length=200)
    group: str = Field("other", max_length=120)
    severity: int = Field(2, ge=1, le=4, strict=True, description="1 (low) to 4 (urgent), a whole number.")
    topic_id: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_]*$",
                                 description="The new topic's id (unset: from name_en, else name_ru in Latin).")
    description: str = Field("", max_length=2000)


class MapRequest(ActionBase):
    topic_id: str = Field(min_length=1, max_length=120)
    add_examples: bool = Field(True, description="Add the cluster's representative messages to the topic's examples.")


class MergeRequest(ActionBase):
    others: list[str] = Field(min_length=1, max_length=50, description="Clusters folded into this one.")


class RenameRequest(ActionBase):
    name: str = Field(min_length=1, max_length=120)


class NoiseRequest(ActionBase):
    noise: bool = True


class UndoRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    who: str | None = Field(None, max_length=120)
