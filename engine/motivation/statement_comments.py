"""Comments on a statement: the manager disputes a line (or the whole statement), the head
answers and resolves. Comments never change the money; they stay on their line across
recomputations (a line keeps its ``key``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine.motivation import error_texts  # noqa: F401  (registers the codes raised here)
from engine.motivation.statement_states import load
from engine.shared.access import HEADS, Actor, require
from engine.shared.errors import FieldProblems, Forbidden, NotFound
from engine.shared.notices import coded
from storage.models import Statement, StatementComment
from storage.repositories import motivation as motivation_repo

MAX_COMMENT = 2000


def may_comment(actor: Actor, statement: Statement) -> bool:
    """The statement's manager disputes it; the head answers."""
    return statement.login == actor.login or actor.has_any(HEADS)


def comment(session: Session, actor: Actor, statement_id: int, line_id: int | None, text: str,
            now: datetime) -> StatementComment:
    """The statement's manager disputes a line (or the statement); the head answers."""
    statement = load(session, statement_id)
    if not may_comment(actor, statement):
        raise coded(Forbidden, "statement_comment_forbidden", {"login": actor.login, "owner": statement.login})
    body = (text or "").strip()
    problems = FieldProblems()
    if not body:
        problems.add("text", "required", "is required")
    elif len(body) > MAX_COMMENT:
        problems.add("text", "maxlength", f"must be at most {MAX_COMMENT} characters", limit=MAX_COMMENT)
    problems.raise_if_any("the comment was not saved")
    if line_id is not None and line_id not in {line.id for line in statement.lines}:
        raise coded(NotFound, "statement_line_unknown", {"line_id": str(line_id)})
    note = StatementComment(statement_id=statement.id, line_id=line_id, author=actor.login, text=body,
                            created_at=now, resolved=False)
    session.add(note)
    session.flush()
    return note


def resolve(session: Session, actor: Actor, comment_id: int) -> StatementComment:
    require(actor, HEADS, "resolve disputes")
    note = session.get(StatementComment, comment_id)
    if note is None:
        raise coded(NotFound, "statement_comment_unknown", {"comment_id": str(comment_id)})
    note.resolved = True
    return note


def comments(session: Session, statement: Statement) -> list[StatementComment]:
    return list(motivation_repo.statement_comments(session, statement.id))
