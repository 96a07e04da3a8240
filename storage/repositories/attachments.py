"""Files of clients' work (``attachments``): adding, listing without their bytes, reading one."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from storage.models import Attachment, User


def add_attachment(session: Session, attachment: Attachment) -> Attachment:
    session.add(attachment)
    session.flush()
    return attachment


def attachment_with_data(session: Session, attachment_id: int) -> Attachment | None:
    return session.scalars(select(Attachment).options(undefer(Attachment.data))
                           .where(Attachment.id == attachment_id)).first()


def attachments_of_cycle(session: Session, cycle_id: int) -> Sequence[Attachment]:
    return session.scalars(select(Attachment).where(Attachment.cycle_id == cycle_id)
                           .order_by(Attachment.uploaded_at, Attachment.id)).all()


def attachments_of_client(session: Session, client_id: int, limit: int = 200) -> Sequence[Attachment]:
    return session.scalars(select(Attachment).where(Attachment.client_id == client_id)
                           .order_by(Attachment.uploaded_at.desc(), Attachment.id.desc()).limit(limit)).all()


def sender_names(session: Session, logins: Sequence[str]) -> dict[str, str]:
    """The names of the users who sent files, by login (a login no longer a user is left out)."""
    if not logins:
        return {}
    rows = session.execute(select(User.login, User.name).where(User.login.in_(sorted(set(logins))))).all()
    return {row[0]: row[1] for row in rows if row[1]}
