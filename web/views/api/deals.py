"""The deal board: open deals by stage with amounts and totals."""
from __future__ import annotations

from flask import g, jsonify, request

from web.views import platform
from web.views.api.base import bp


@bp.get("/deals")
def deals():  # type: ignore[no-untyped-def]
    board = platform().regulation.deal_board(g.actor, owner=request.args.get("owner") or None,
                                             regulation=request.args.get("regulation") or None)
    return jsonify(board.as_dict())
