"""Typed SQLAlchemy 2.0 models, one module per area; importing the package registers every table."""
from storage.models.accounts import Group, LoginThrottle, User, UserSession, user_groups
from storage.models.attachments import Attachment
from storage.models.base import Base, Money, UTCDateTime, utcnow
from storage.models.clients import Client, ClientEvent, Contact, ImportRun, StoredUpload, UploadChunk
from storage.models.cockpit import CycleBatch, CycleBatchItem
from storage.models.control import CycleLossReason, LossReason
from storage.models.messaging import ExternalTask, MessageSubscription, ReceivedMessage
from storage.models.motivation import (
    MotivationScheme,
    Reversal,
    SalesPlan,
    Statement,
    StatementComment,
    StatementLine,
)
from storage.models.notify import Notification
from storage.models.operations import IdempotencyKey
from storage.models.organization import Absence, Handover, Segment, Team, TeamMember
from storage.models.planning import Activity, ContactNorm, WorkDone
from storage.models.regulation import (
    Cycle,
    HistoryEvent,
    Job,
    OpenTask,
    Regulation,
    RegulationVersion,
    TaskCandidateGroup,
    WorkType,
)
from storage.models.signals import SignalBroadcast

__all__ = [
    "Absence",
    "Activity",
    "Attachment",
    "Base",
    "Client",
    "ClientEvent",
    "Contact",
    "ContactNorm",
    "Cycle",
    "CycleBatch",
    "CycleBatchItem",
    "ExternalTask",
    "MessageSubscription",
    "ReceivedMessage",
    "CycleLossReason",
    "Group",
    "LoginThrottle",
    "Handover",
    "HistoryEvent",
    "IdempotencyKey",
    "ImportRun",
    "StoredUpload",
    "UploadChunk",
    "Job",
    "LossReason",
    "Money",
    "MotivationScheme",
    "Notification",
    "OpenTask",
    "Regulation",
    "RegulationVersion",
    "Reversal",
    "SalesPlan",
    "Segment",
    "SignalBroadcast",
    "Statement",
    "StatementComment",
    "StatementLine",
    "TaskCandidateGroup",
    "Team",
    "TeamMember",
    "UTCDateTime",
    "User",
    "UserSession",
    "WorkDone",
    "WorkType",
    "user_groups",
    "utcnow",
]
