"""Statements as files: XLSX (openpyxl) and CSV, one statement or a whole period for payroll.

Amounts are written as numbers (XLSX) or plain decimals with a point (CSV); text that a
spreadsheet would run as a formula (starting with = + - @, tab or carriage return) is
prefixed with an apostrophe.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from storage.models import Statement

LINE_HEADER = ("Line", "Kind", "Description", "Quantity", "Rate", "Amount", "Currency", "Cycles", "Tasks")
PAYROLL_HEADER = ("Login", "Name", "Period", "Status", "Total", "Currency", "Computed at", "Approved by")


def _text(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _ids(explanation: Mapping[str, Any]) -> tuple[str, str]:
    cycles = [c.get("id") for c in explanation.get("cycles", [])]
    cycles += [p.get("cycle_id") for p in explanation.get("payments", [])]
    if explanation.get("cycle_id"):
        cycles.append(explanation["cycle_id"])
    tasks = list(explanation.get("tasks", [])) + [p.get("task_id") for p in explanation.get("payments", [])]
    return (" ".join(str(c) for c in dict.fromkeys(cycles) if c is not None),
            " ".join(str(t) for t in tasks if t))


def _line_rows(statement: Statement) -> list[tuple[Any, ...]]:
    rows = []
    for number, line in enumerate(statement.lines, start=1):
        cycles, tasks = _ids(line.explanation or {})
        rows.append((number, line.kind, _text(line.description), line.quantity, line.rate, line.amount,
                     statement.currency, cycles, tasks))
    return rows


def statement_xlsx(statement: Statement, name: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Statement"
    for label, value in (("Manager", f"{name} ({statement.login})"), ("Period", statement.period),
                         ("Status", statement.status), ("Currency", statement.currency)):
        sheet.append((label, _text(value)))
    sheet.append(())
    sheet.append(LINE_HEADER)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in _line_rows(statement):
        sheet.append(row)
    sheet.append(("Total", None, None, None, None, statement.total, statement.currency))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    _widths(sheet, (8, 12, 70, 14, 10, 16, 9, 20, 40))
    return _save(book)


def period_xlsx(statements: Sequence[Statement], names: Mapping[str, str], period: str) -> bytes:
    """A payroll workbook: one row per manager (sheet Payroll) and every line (sheet Lines)."""
    book = Workbook()
    payroll = book.active
    payroll.title = "Payroll"
    payroll.append(PAYROLL_HEADER)
    for statement in statements:
        payroll.append(_payroll_row(statement, names))
    totals = _totals(statements)
    for currency, total in sorted(totals.items()):
        payroll.append(("Total", None, period, None, total, currency))
    for row in (payroll[1], payroll[payroll.max_row]):
        for cell in row:
            cell.font = Font(bold=True)
    _widths(payroll, (12, 24, 10, 10, 16, 9, 20, 14))
    lines = book.create_sheet("Lines")
    lines.append(("Login", *LINE_HEADER))
    for statement in statements:
        for row in _line_rows(statement):
            lines.append((statement.login, *row))
    _widths(lines, (12, 8, 12, 70, 14, 10, 16, 9, 20, 40))
    return _save(book)


def _payroll_row(statement: Statement, names: Mapping[str, str]) -> tuple[Any, ...]:
    return (statement.login, _text(names.get(statement.login, statement.login)), statement.period, statement.status,
            statement.total, statement.currency,
            statement.computed_at.strftime("%Y-%m-%d %H:%M UTC") if statement.computed_at else "",
            statement.approved_by or "")


def _totals(statements: Sequence[Statement]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for statement in statements:
        totals[statement.currency] = totals.get(statement.currency, Decimal("0.00")) + statement.total
    return totals


def statement_csv(statement: Statement) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(LINE_HEADER)
    for row in _line_rows(statement):
        writer.writerow([_plain(v) for v in row])
    writer.writerow(["Total", "", "", "", "", _plain(statement.total), statement.currency, "", ""])
    return out.getvalue().encode("utf-8-sig")


def period_csv(statements: Sequence[Statement], names: Mapping[str, str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PAYROLL_HEADER)
    for statement in statements:
        writer.writerow([_plain(v) for v in _payroll_row(statement, names)])
    return out.getvalue().encode("utf-8-sig")


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def _widths(sheet: Any, widths: Sequence[int]) -> None:
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
